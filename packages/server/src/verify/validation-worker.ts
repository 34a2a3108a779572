/**
 * The work on uploaded documents that runs in worker threads (see validation-pool.ts): validating a PDF for
 * `POST /api/verify`, and inspecting and stamping an envelope's upload. Whatever a hostile file costs is paid here,
 * not on the event loop that answers every other request.
 *
 * Results cross the thread boundary by structured clone, which drops error classes: a failure the client caused is
 * returned as a code and a message, and anything else is thrown (a server error).
 */
import type { MessagePort } from "node:worker_threads";
import { NotAPdfError, type ValidationPolicy, validatePdf } from "@khatam/core/verify";
import { prepareUpload, type RegisterStamp } from "../envelopes/document.js";
import { EnvelopeError } from "../envelopes/errors.js";

export interface VerifyTask {
  readonly kind: "verify";
  readonly pdf: Uint8Array;
  readonly trustAnchors: readonly { readonly certificate: Uint8Array; readonly source: string }[];
  /** Revocation data is fetched through the main thread, which holds the trust store (see ValidationPool). */
  readonly fetchPort: MessagePort;
  readonly fetchTimeoutMs: number;
  /** The validation policy the client sent (already checked by parsePolicy). */
  readonly policy?: ValidationPolicy;
}

export interface PrepareTask {
  readonly kind: "prepare";
  readonly pdf: Uint8Array;
  /** The register line stamped on page 1 when the upload carries no signature yet. */
  readonly stamp: RegisterStamp;
}

export type DocumentTask = VerifyTask | PrepareTask;

export type DocumentTaskResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** One request of the worker's fetch, answered by the main thread. */
export interface FetchRequest {
  readonly id: number;
  readonly url: string;
  readonly method: string;
  readonly body?: Uint8Array;
}
export interface FetchAnswer {
  readonly id: number;
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Uint8Array;
}

export default async function runDocumentTask(task: DocumentTask): Promise<DocumentTaskResult> {
  if (task.kind === "prepare") {
    try {
      return { ok: true, value: prepareUpload(task.pdf, task.stamp) };
    } catch (error) {
      if (error instanceof EnvelopeError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  }
  try {
    const report = await validatePdf(task.pdf, {
      trustAnchors: task.trustAnchors.map((a) => ({ certificate: a.certificate, source: a.source })),
      online: { fetch: portFetch(task.fetchPort), timeoutMs: task.fetchTimeoutMs },
      policy: task.policy,
    });
    return { ok: true, value: report };
  } catch (error) {
    if (error instanceof NotAPdfError) return { ok: false, code: "invalid_pdf", message: error.message };
    throw error;
  } finally {
    task.fetchPort.close();
  }
}

/** A `fetch` whose requests the main thread answers over `port`. */
function portFetch(port: MessagePort): typeof fetch {
  let next = 0;
  const waiting = new Map<number, (answer: FetchAnswer) => void>();
  port.on("message", (answer: FetchAnswer) => {
    waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
  });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const raw = init?.body ?? (input instanceof Request ? input.body : undefined);
    const body = raw ? new Uint8Array(await new Response(raw).arrayBuffer()) : undefined;
    const id = next++;
    const answer = await new Promise<FetchAnswer>((resolve) => {
      waiting.set(id, resolve);
      port.postMessage({ id, url, method, body } satisfies FetchRequest);
    });
    return new Response(answer.body as Uint8Array<ArrayBuffer>, {
      status: answer.status,
      headers: answer.contentType ? { "content-type": answer.contentType } : {},
    });
  }) as typeof fetch;
}
