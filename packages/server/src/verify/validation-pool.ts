/**
 * Uploaded documents are checked off the event loop (security issue 9.2): a pool of worker threads with a memory
 * limit each, a wall-clock deadline per document and a bounded queue. A hostile file can then cost at most one
 * thread for at most the deadline, while `/healthz` and every other request are answered by the main thread.
 *
 * Piscina (MIT) runs the pool: it queues tasks, restarts a worker that ran out of memory, and terminates the thread
 * of a task whose AbortSignal fired, which is the only way to stop synchronous work in JavaScript.
 */
import { availableParallelism } from "node:os";
import { MessageChannel } from "node:worker_threads";
import type { TrustAnchor, ValidationPolicy, ValidationReport } from "@khatam/core/verify";
import { Piscina } from "piscina";
import type { PreparedUpload, RegisterStamp } from "../envelopes/document.js";
import { EnvelopeError } from "../envelopes/errors.js";
import { HttpError } from "../http/errors.js";
import type { DocumentTaskResult, FetchAnswer, FetchRequest, PrepareTask, VerifyTask } from "./validation-worker.js";

export interface ValidationPoolOptions {
  /** Worker threads (default: the cores less one, at least one, so the main thread keeps a core). */
  readonly threads?: number;
  /**
   * Documents waiting for a thread beyond which requests are refused with 503 (default 32 per thread: ordinary
   * bursts of one-page documents queue for milliseconds; a flood of heavy ones is refused, and what waits past the
   * deadline is dropped).
   */
  readonly maxQueue?: number;
  /** Wall-clock time one document may take, queueing excluded (default 20 s). */
  readonly deadlineMs?: number;
  /** Heap of each worker (default 256 MB). */
  readonly heapMb?: number;
}

export class ValidationPool {
  private readonly pool: Piscina;
  private readonly deadlineMs: number;
  private readonly maxQueue: number;

  constructor(options: ValidationPoolOptions = {}) {
    const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
    this.deadlineMs = options.deadlineMs ?? 20_000;
    this.maxQueue = options.maxQueue ?? 32 * threads;
    this.pool = new Piscina({
      filename: new URL("./validation-worker.js", import.meta.url).href,
      minThreads: 0,
      maxThreads: threads,
      // Workers start in ~100 ms; keep one warm between uploads rather than pay that per request.
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? 256, maxYoungGenerationSizeMb: 32 },
    });
  }

  /** Validates `pdf`; revocation requests go to `trustFetch` in this thread. */
  async verify(
    pdf: Uint8Array,
    trustAnchors: readonly TrustAnchor[],
    trustFetch: typeof fetch,
    options: { readonly fetchTimeoutMs?: number; readonly policy?: ValidationPolicy } = {},
  ): Promise<ValidationReport> {
    const channel = new MessageChannel();
    channel.port1.on("message", async (request: FetchRequest) => {
      let answer: FetchAnswer;
      try {
        const body = request.body ? (request.body as Uint8Array<ArrayBuffer>) : undefined;
        const response = await trustFetch(request.url, { method: request.method, body });
        answer = {
          id: request.id,
          status: response.status,
          contentType: response.headers.get("content-type"),
          body: new Uint8Array(await response.arrayBuffer()),
        };
      } catch {
        answer = { id: request.id, status: 502, contentType: null, body: new Uint8Array(0) };
      }
      channel.port1.postMessage(answer);
    });
    const task: VerifyTask = {
      kind: "verify",
      pdf,
      trustAnchors: trustAnchors.map((a) => ({ certificate: a.certificate, source: a.source ?? "" })),
      fetchPort: channel.port2,
      fetchTimeoutMs: options.fetchTimeoutMs ?? 5000,
      policy: options.policy,
    };
    try {
      const result = await this.run(task, [channel.port2]);
      if (!result.ok) throw new HttpError(400, result.code, result.message);
      return result.value as ValidationReport;
    } finally {
      channel.port1.close();
    }
  }

  /** Inspects an envelope's upload and stamps its register line (see envelopes/document.ts). */
  async prepare(pdf: Uint8Array, stamp: RegisterStamp): Promise<PreparedUpload> {
    const task: PrepareTask = { kind: "prepare", pdf, stamp };
    const result = await this.run(task, []);
    if (!result.ok) throw new EnvelopeError(result.code as never, result.message);
    return result.value as PreparedUpload;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async run(task: VerifyTask | PrepareTask, transferList: Transferable[]): Promise<DocumentTaskResult> {
    if (this.pool.queueSize >= this.maxQueue) {
      throw new HttpError(503, "busy", "too many documents are being checked; try again shortly");
    }
    const signal = AbortSignal.timeout(this.deadlineMs);
    try {
      return (await this.pool.run(task, { signal, transferList: transferList as never })) as DocumentTaskResult;
    } catch (error) {
      if (signal.aborted) {
        throw new HttpError(
          422,
          "document_too_complex",
          `checking the document took longer than ${this.deadlineMs / 1000} s`,
        );
      }
      if ((error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
        throw new HttpError(422, "document_too_complex", "checking the document needed more memory than allowed");
      }
      throw error;
    }
  }
}
