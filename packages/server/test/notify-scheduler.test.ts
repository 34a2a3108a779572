import assert from "node:assert/strict";
import { test } from "node:test";
import { startScheduler } from "../src/notify/scheduler.js";
import { eventually, recordingLog } from "./support/notify.js";

test("runs its tasks periodically, in order; a failing task is logged and does not stop the others", async () => {
  const log = recordingLog();
  const ran: string[] = [];
  const scheduler = startScheduler({
    intervalMs: 10,
    log,
    tasks: [
      async function expireDue() {
        ran.push("expire");
        throw new Error("database busy");
      },
      async function remindDue() {
        ran.push("remind");
      },
    ],
  });
  try {
    await eventually(() => ran.length >= 6);
    assert.deepEqual(ran.slice(0, 6), ["expire", "remind", "expire", "remind", "expire", "remind"]);
    const failure = log.lines.find((l) => l.msg === "scheduled task failed");
    assert.ok(failure);
    assert.equal((failure.obj as { task: string }).task, "expireDue");
  } finally {
    await scheduler.stop();
  }
});

test("ticks never overlap, and stop() waits for the task in progress", async () => {
  let running = 0;
  let maxRunning = 0;
  let finished = 0;
  const scheduler = startScheduler({
    intervalMs: 1,
    log: recordingLog(),
    tasks: [
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        finished++;
      },
    ],
  });
  await eventually(() => running === 1);
  await scheduler.stop();
  assert.equal(running, 0, "the task in progress finished before stop() resolved");
  assert.equal(maxRunning, 1);
  const after = finished;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(finished, after, "nothing runs after stop()");
});
