import type { ToolCall, ToolChoice, ToolSchema } from "../../agents/providers/types.js";
import type { Parsed } from "./errors.js";

export const TOOL_CHOICE_UNSATISFIED_MESSAGE = "tool_choice=required was not satisfied by the agent response";

/** The caller's function tools as the run should see them, and what the answer must contain. */
export type ClientToolSelection = {
  tools?: ToolSchema[];
  toolChoice?: ToolChoice;
  /** Names one of which the agent must call (`required` or a pinned function). */
  mustCall?: string[];
  /** Added to the system prompt while a constraint is active. */
  instruction?: string;
};

/** Chat nests the function (`{type,function:{name}}`); Responses flattens it (`{type,name}`). */
export type ToolDialect = "chat" | "responses";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(detail: string): Parsed<never> {
  return { ok: false, message: `Invalid tools/tool_choice: ${detail}` };
}

function toolSchema(raw: unknown, dialect: ToolDialect): ToolSchema | string {
  if (!isObject(raw) || raw.type !== "function") return 'only tools of type "function" are supported';
  const fn = dialect === "chat" ? raw.function : raw;
  if (!isObject(fn)) return "function tools need a `function` object";
  if (typeof fn.name !== "string" || fn.name.trim() === "") return "function tools need a non-empty name";
  if (fn.description !== undefined && typeof fn.description !== "string") return `tool '${fn.name}' has a non-string description`;
  if (fn.parameters !== undefined && !isObject(fn.parameters)) return `tool '${fn.name}' parameters must be an object`;
  return {
    name: fn.name,
    ...(fn.description !== undefined ? { description: fn.description as string } : {}),
    ...(fn.parameters !== undefined ? { parameters: fn.parameters as Record<string, unknown> } : {}),
  };
}

function pinnedName(raw: Record<string, unknown>, dialect: ToolDialect): string | null {
  if (raw.type !== "function") return null;
  if (isObject(raw.function) && typeof raw.function.name === "string") return raw.function.name;
  if (dialect === "responses" && typeof raw.name === "string") return raw.name;
  return null;
}

/** Validates `tools` and `tool_choice` and narrows the tool list the way the choice asks. */
export function selectClientTools(rawTools: unknown, rawChoice: unknown, dialect: ToolDialect): Parsed<ClientToolSelection> {
  if (rawTools !== undefined && rawTools !== null && !Array.isArray(rawTools)) return invalid("`tools` must be an array");
  const tools: ToolSchema[] = [];
  for (const raw of (rawTools as unknown[] | undefined | null) ?? []) {
    const schema = toolSchema(raw, dialect);
    if (typeof schema === "string") return invalid(schema);
    tools.push(schema);
  }
  const all = tools.length > 0 ? { tools } : {};
  if (rawChoice === undefined || rawChoice === null || rawChoice === "auto") return { ok: true, value: { ...all, ...(rawChoice === "auto" ? { toolChoice: "auto" } : {}) } };
  if (rawChoice === "none") return { ok: true, value: { toolChoice: "none" } };
  if (rawChoice === "required") {
    if (tools.length === 0) return invalid("tool_choice `required` needs at least one tool");
    const names = tools.map((t) => t.name);
    const instruction = `You must call one of these tools before you answer: ${names.join(", ")}.`;
    return { ok: true, value: { tools, toolChoice: "required", mustCall: names, instruction } };
  }
  const name = isObject(rawChoice) ? pinnedName(rawChoice, dialect) : null;
  if (name === null) return invalid("unsupported tool_choice");
  const pinned = tools.find((t) => t.name === name);
  if (!pinned) return invalid(`tool_choice names unknown tool '${name}'`);
  return { ok: true, value: { tools: [pinned], toolChoice: { name }, mustCall: [name], instruction: `You must call the ${name} tool before you answer.` } };
}

export function toolChoiceSatisfied(selection: ClientToolSelection, calls: readonly ToolCall[]): boolean {
  const names = selection.mustCall;
  return !names || calls.some((call) => names.includes(call.name));
}

/** The calls that go back to the HTTP caller: those of its own tools (the agent runs the rest itself). */
export function callerToolCalls(selection: ClientToolSelection, calls: readonly ToolCall[]): ToolCall[] {
  const names = new Set((selection.tools ?? []).map((t) => t.name));
  return calls.filter((call) => names.has(call.name));
}
