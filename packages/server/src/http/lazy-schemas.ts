/**
 * The routes' JSON schemas compiled at their first use rather than while the server starts (issue 14.1). Fastify
 * compiles every route's validators (Ajv) and response serialisers (fast-json-stringify) when the routes are
 * registered: with a response schema on every API route that is most of a second of a restart, for code that a
 * given process may never run. Here each route gets a stand-in that compiles the real function on its first call,
 * with Fastify's own compilers and options, so what is validated and serialised is exactly what it was.
 *
 * A schema that cannot compile would then fail at its first request instead of at the start: {@link
 * LazySchemas.compilePending} compiles whatever is still waiting, which the server does in the background once it
 * listens (a bad schema is logged at once) and the tests do to prove every schema compiles.
 */
import { AjvCompiler } from "@fastify/ajv-compiler";
import { SerializerSelector } from "@fastify/fast-json-stringify-compiler";
import type { FastifyServerOptions } from "fastify";

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]>;
type BuildValidator = NonNullable<CompilersFactory["buildValidator"]>;
type BuildSerializer = NonNullable<CompilersFactory["buildSerializer"]>;
type ValidatorCompiler = ReturnType<BuildValidator>;
type SerializerCompiler = ReturnType<BuildSerializer>;
type Validate = ReturnType<ValidatorCompiler>;

export interface LazySchemas {
  /** For Fastify's `schemaController.compilersFactory`. */
  readonly compilersFactory: { buildValidator: BuildValidator; buildSerializer: BuildSerializer };
  /** Compiles the schemas not compiled yet, one per turn of the event loop; resolves with how many were compiled. */
  compilePending(): Promise<number>;
}

export function lazySchemas(): LazySchemas {
  // Fastify's defaults, one pool each as Fastify keeps them (an Ajv instance per set of shared schemas and options).
  const defaultValidator = AjvCompiler();
  const defaultSerializer = SerializerSelector();
  const pending = new Set<() => unknown>();
  const memo = <T>(make: () => T): (() => T) => {
    let made: { value: T } | undefined;
    return () => {
      made ??= { value: make() };
      return made.value;
    };
  };
  // A route's compilation, once: by its first call or by compilePending, whichever comes first.
  const once = <T>(compile: () => T): (() => T) => {
    const run = memo(() => {
      pending.delete(run);
      return compile();
    });
    pending.add(run);
    return run;
  };

  const buildValidator = ((externalSchemas, options) => {
    // The compiler (and its Ajv instance) is made by the first route compiled, with the arguments Fastify gave.
    const compiler = memo(() => defaultValidator(externalSchemas, options as Parameters<typeof defaultValidator>[1]));
    return ((route) => {
      const compiled = once(() => compiler()(route) as Validate & { schemaEnv?: unknown });
      // Fastify reads `schemaEnv` before the call (to give Ajv the parent object, for coercion and defaults at the
      // root) and `errors` after it: both are the real function's.
      const validate = function (this: unknown, ...args: unknown[]) {
        return (compiled() as (...a: unknown[]) => ReturnType<Validate>).apply(this, args);
      } as Validate;
      Object.defineProperties(validate, {
        schemaEnv: { get: () => compiled().schemaEnv },
        errors: { get: () => compiled().errors },
      });
      return validate;
    }) as ValidatorCompiler;
  }) as BuildValidator;

  const buildSerializer = ((externalSchemas, options) => {
    const compiler = memo(() => defaultSerializer(externalSchemas, options));
    return ((route) => {
      const compiled = once(() => compiler()(route));
      return (data: unknown) => compiled()(data);
    }) as SerializerCompiler;
  }) as BuildSerializer;

  return {
    compilersFactory: { buildValidator, buildSerializer },
    async compilePending() {
      let count = 0;
      for (const compile of [...pending]) {
        compile();
        count++;
        // One at a time: requests that arrive meanwhile are answered between two compilations.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return count;
    },
  };
}
