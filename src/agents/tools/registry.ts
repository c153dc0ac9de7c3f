import { metrics } from "../../infra/metrics/gateway-metrics.js";
import { compileSchema, type Validator } from "../../protocol/validate.js";
import type { GatewayConfig } from "../../config/schema.js";
import type { ToolSchema } from "../providers/types.js";
import { canonicalToolName, policyKey, toolAllowed, type PolicyContext } from "./policy.js";
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from "./types.js";

/** Contexts remembered per config snapshot (one per channel conversation at most). */
const MAX_REMEMBERED_CONTEXTS = 1000;
/** What the model reads of one result at most; tools bound their own output well below this. */
const MAX_RESULT_CHARS = 200_000;

export type ToolCallResult = { ok: true; result: ToolResult } | { ok: false; error: ToolError; unexpected: boolean };

/**
 * The gateway's tools: one list of definitions, filtered by policy for each run or direct call,
 * and one way to call a tool (arguments checked against its schema, every failure a ToolError).
 */
export class ToolRegistry {
  private definitions: Map<string, ToolDefinition> | null = null;
  private loading: Promise<void> | null = null;
  private readonly validators = new WeakMap<ToolDefinition, Validator<Record<string, unknown>>>();
  private readonly offered = new WeakMap<GatewayConfig, Map<string, ToolDefinition[]>>();

  constructor(private readonly load: () => Promise<ToolDefinition[]>) {}

  /** Loads the definitions once; every other method needs it done. */
  ready(): Promise<void> {
    this.loading ??= this.load().then((list) => {
      this.definitions = new Map(list.map((d) => [d.name, d]));
    });
    return this.loading;
  }

  private byName(): Map<string, ToolDefinition> {
    if (!this.definitions) throw new Error("the tool registry is used before ready()");
    return this.definitions;
  }

  all(): ToolDefinition[] {
    return [...this.byName().values()];
  }

  get(name: string): ToolDefinition | undefined {
    return this.byName().get(canonicalToolName(name));
  }

  /** The tools policy lets this run or caller use; remembered per config snapshot and context. */
  available(config: GatewayConfig, ctx: PolicyContext): ToolDefinition[] {
    let byContext = this.offered.get(config);
    if (!byContext) this.offered.set(config, (byContext = new Map()));
    const key = policyKey(ctx);
    let list = byContext.get(key);
    if (!list) {
      if (byContext.size >= MAX_REMEMBERED_CONTEXTS) byContext.clear();
      list = this.all().filter((d) => (d.enabled?.(config) ?? true) && toolAllowed(config, ctx, d.name).allowed);
      byContext.set(key, list);
    }
    return list;
  }

  /** Runs one call. `args` is the model's JSON text or an object from an API caller. */
  async call(definition: ToolDefinition, args: string | Record<string, unknown>, ctx: ToolContext): Promise<ToolCallResult> {
    const outcome = await this.run(definition, args, ctx);
    metrics.toolExecutions.inc([outcome.ok ? "none" : outcome.error.kind, outcome.ok ? "ok" : "error", definition.name]);
    return outcome;
  }

  private async run(definition: ToolDefinition, args: string | Record<string, unknown>, ctx: ToolContext): Promise<ToolCallResult> {
    try {
      const parsed = typeof args === "string" ? parseArguments(args) : args;
      let validator = this.validators.get(definition);
      if (!validator) {
        validator = compileSchema(definition.parameters) as Validator<Record<string, unknown>>;
        this.validators.set(definition, validator);
      }
      if (!validator.check(parsed)) throw new ToolError(`invalid arguments for ${definition.name}: ${validator.problems(parsed).join("; ")}`, "invalid_arguments");
      const result = await definition.execute(parsed, ctx);
      return { ok: true, result: capResult(result) };
    } catch (err) {
      if (err instanceof ToolError) return { ok: false, error: err, unexpected: false };
      if (ctx.signal.aborted) return { ok: false, error: new ToolError(`${definition.name} was stopped: the run was aborted`, "failed"), unexpected: false };
      return { ok: false, error: new ToolError(`${definition.name} failed: ${(err as Error).message ?? String(err)}`, "failed"), unexpected: true };
    }
  }
}

function parseArguments(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ToolError(`the arguments are not valid JSON (${(err as Error).message}); send one JSON object`, "invalid_arguments");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ToolError("the arguments must be one JSON object", "invalid_arguments");
  return value as Record<string, unknown>;
}

function capResult(result: ToolResult): ToolResult {
  if (result.content.length <= MAX_RESULT_CHARS) return result;
  const cut = result.content.length - MAX_RESULT_CHARS;
  return { ...result, content: `${result.content.slice(0, MAX_RESULT_CHARS)}\n[${cut} more characters not shown]` };
}

/** Tool definitions as a provider receives them. */
export function toolSchemas(definitions: ToolDefinition[]): ToolSchema[] {
  return definitions.map((d) => ({ name: d.name, description: d.description, parameters: d.parameters as unknown as Record<string, unknown> }));
}
