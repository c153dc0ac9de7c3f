import type { TSchema, Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";

export type Validator<T> = {
  schema: TSchema;
  check(value: unknown): value is T;
  /** Human-readable problems, each prefixed with its JSON path; empty when valid. */
  problems(value: unknown): string[];
};

/** Compiled on first use: most methods are never called by a given gateway, and each compile costs start-up time and memory. */
export function compileSchema<S extends TSchema>(schema: S): Validator<Static<S>> {
  let compiled: ReturnType<typeof TypeCompiler.Compile<S>> | null = null;
  const checker = () => (compiled ??= TypeCompiler.Compile(schema));
  return {
    schema,
    check: (value): value is Static<S> => checker().Check(value),
    problems(value) {
      const out: string[] = [];
      for (const error of checker().Errors(value)) {
        out.push(`${error.path || "/"}: ${describeError(error.schema, error.message)}`);
        if (out.length >= 10) break;
      }
      return out;
    },
  };
}

function describeError(schema: TSchema, fallback: string): string {
  const options = (schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
  if (options && options.every((o) => o.const !== undefined)) {
    return `must be one of ${options.map((o) => JSON.stringify(o.const)).join(", ")}`;
  }
  return fallback;
}
