// Fastify compiles every route's request schemas with Ajv while the server starts: in the
// profile of a start that was about a quarter of its CPU after module loading, the admin API
// and the publicadmin wing together (issue 15). This compiler factory hands Fastify a validator
// per route that compiles its schema the first time a request needs it, with the compiler and
// options Fastify would have used itself (@fastify/ajv-compiler, the server's `ajv` option), so
// every answer stays the same; only the first request on a route pays its compilation (a few ms).
import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type Compile = ReturnType<ReturnType<typeof AjvCompiler>>;
type Route = Parameters<Compile>[0];
type Validate = ReturnType<Compile>;

/** Routes compiled so far and not yet, per server built with these options: see compileAll. */
export interface LazyValidators {
  schemaController: NonNullable<FastifyServerOptions['schemaController']>;
  /** Compiles every route's schema not yet compiled (a test proves each one compiles). */
  compileAll(): number;
}

// Every server's routes not compiled yet: a test compiles the whole platform's at once, so a
// broken schema fails the suite instead of a route's first request.
const everyServer = new Set<Set<() => Validate>>();

/** Compiles the pending schemas of every server built with lazy validators in this process; returns how many. */
export function compilePendingValidators(): number {
  let n = 0;
  for (const pending of everyServer) n += compilePending(pending);
  return n;
}

function compilePending(pending: Set<() => Validate>): number {
  const n = pending.size;
  for (const compile of [...pending]) compile();
  return n;
}

export function lazyValidators(): LazyValidators {
  const pending = new Set<() => Validate>();
  everyServer.add(pending);
  const buildFromPool = AjvCompiler();
  return {
    compileAll: () => compilePending(pending),
    schemaController: {
      compilersFactory: {
        buildValidator: (externalSchemas: unknown, ajvOptions: unknown) => {
          const compile = (buildFromPool as (e: unknown, o: unknown) => Compile)(externalSchemas, ajvOptions);
          return (route: Route) => {
            // With a compiler of its own Fastify no longer lower-cases a header schema's names
            // (it does for its default one): refuse rather than validate headers differently.
            if (route.httpPart === 'headers') throw new Error(`${route.method} ${route.url}: header schemas are not supported by the lazy validators (src/core/lazy-validators.ts)`);
            let compiled: Validate | undefined;
            const get = (): Validate => {
              if (!compiled) {
                compiled = compile(route);
                pending.delete(get);
              }
              return compiled;
            };
            pending.add(get);
            const validate = (data: unknown, ctx?: unknown) => (get() as (d: unknown, c?: unknown) => unknown)(data, ctx);
            // Fastify reads these of Ajv's function: `schemaEnv` before a call (to let Ajv
            // coerce the request part in place), `errors` after a failed one.
            Object.defineProperties(validate, {
              errors: { get: () => (get() as { errors?: unknown }).errors },
              schemaEnv: { get: () => (get() as { schemaEnv?: unknown }).schemaEnv },
            });
            return validate as unknown as Validate;
          };
        },
      },
    } as NonNullable<FastifyServerOptions['schemaController']>,
  };
}
