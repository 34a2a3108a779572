/**
 * Periodic background tasks (envelope expiry, reminders): each tick runs the tasks one after another; a failing
 * task is logged and does not stop the others or later ticks. Ticks never overlap: the next one is scheduled when
 * the current one ends.
 *
 * Contract for tasks: every replica runs its own scheduler, so a task must be safe to run concurrently with itself
 * on another replica (claim rows with `for update skip locked` or an optimistic version check) and idempotent, since
 * a crash mid-task simply leaves the rest for the next tick. {@link Scheduler.stop} waits for the tick in progress,
 * so a graceful shutdown never cuts a task's transaction short.
 */
import type { Log } from "./delivery.js";

/** A periodic job; its `name` (the function's name) appears in logs. */
export type ScheduledTask = () => Promise<void>;

export interface SchedulerOptions {
  readonly intervalMs: number;
  readonly tasks: readonly ScheduledTask[];
  readonly log: Log;
  /** Start ticking (default true); false: only `runOnce`. */
  readonly autoStart?: boolean;
}

export interface Scheduler {
  /** Runs every task once (after the tick in progress, if any). */
  runOnce(): Promise<void>;
  /** Stops ticking; resolves when the tick in progress has finished. */
  stop(): Promise<void>;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  async function tick(): Promise<void> {
    for (const task of options.tasks) {
      if (stopped) return;
      try {
        await task();
      } catch (err) {
        options.log.error({ err, task: task.name || "anonymous" }, "scheduled task failed");
      }
    }
  }

  function runOnce(): Promise<void> {
    chain = chain.then(tick);
    return chain;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce().finally(schedule);
    }, options.intervalMs);
    timer.unref?.();
  }

  if (options.autoStart ?? true) schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await chain;
    },
  };
}
