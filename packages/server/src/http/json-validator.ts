/**
 * Validation of JSON that does not arrive as a route's body (the `meta` part of a multipart upload), with the JSON
 * schema library and options Fastify gives the routes (@fastify/ajv-compiler: Ajv 8, defaults filled in, unknown
 * properties removed, one error at a time) but one: no type coercion. Fastify coerces because query strings and
 * path parameters are text; a JSON text has its types, and `"1"` where a number belongs is an error, not a 1.
 */
import { Ajv, type ValidateFunction } from "ajv";

const ajv = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: true, allErrors: false });

/**
 * A validator of `schema`, compiled once. It fills in defaults and removes unknown properties in the data it
 * accepts, as Fastify's do.
 */
export function jsonValidator<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** The first error of a failed validation as Fastify words it, under `prefix` (`meta/recipients/0/order must be …`). */
export function validationMessage(prefix: string, validate: ValidateFunction): string {
  const first = validate.errors?.[0];
  return `${prefix}${first?.instancePath ?? ""} ${first?.message ?? "is invalid"}`;
}
