/**
 * Validation of JSON that does not arrive as a route's body (the `meta` part of a multipart upload), with the JSON
 * schema library and options Fastify gives the routes (@fastify/ajv-compiler: Ajv 8, defaults filled in, unknown
 * properties removed, one error at a time) but one: no type coercion. Fastify coerces because query strings and
 * path parameters are text; a JSON text has its types, and `"1"` where a number belongs is an error, not a 1.
 */
import { Ajv, type ValidateFunction } from "ajv";

let ajv: Ajv | undefined;

/** A validation function of Ajv's kind: true or false, and the errors of the last call that failed. */
export interface JsonValidator<T> {
  (data: unknown): data is T;
  readonly errors: ValidateFunction["errors"];
}

/**
 * A validator of `schema`, compiled at its first use, not when the server starts (Ajv compiles its meta-schema and
 * then the schema: ~40 ms of a start that is otherwise waiting on nothing it needs). It fills in defaults and
 * removes unknown properties in the data it accepts, as Fastify's do.
 */
export function jsonValidator<T>(schema: object): JsonValidator<T> {
  let compiled: ValidateFunction<T> | undefined;
  const validate = (data: unknown): data is T => {
    ajv ??= new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: true, allErrors: false });
    compiled ??= ajv.compile<T>(schema);
    return compiled(data);
  };
  return Object.defineProperty(validate, "errors", { get: () => compiled?.errors }) as JsonValidator<T>;
}

/** The first error of a failed validation as Fastify words it, under `prefix` (`meta/recipients/0/order must be …`). */
export function validationMessage(prefix: string, validate: Pick<ValidateFunction, "errors">): string {
  const first = validate.errors?.[0];
  return `${prefix}${first?.instancePath ?? ""} ${first?.message ?? "is invalid"}`;
}
