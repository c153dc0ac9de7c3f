import { isPlainObject } from "../../config/objects.js";
import type { Parsed } from "../openai/errors.js";
import { DEFAULT_HOOK_NAME, type AgentAction } from "./agent.js";
import { DEFAULT_HOOK_BODY_BYTES, type HookMapping, type HooksConfig } from "./config.js";
import { mappedDelivery } from "./delivery.js";
import { isTemplate, renderTemplate, type TemplateContext } from "./template.js";
import type { WakeAction } from "./wake.js";

/** At most this many `forEach` items become actions; the rest are dropped (and logged). */
export const MAX_FAN_OUT_ITEMS = 200;

export type MappedAction = { kind: "wake"; action: WakeAction } | { kind: "agent"; action: AgentAction };

function pathMatches(mapping: HookMapping, subPath: string): boolean {
  return mapping.matchPath === undefined || mapping.matchPath === subPath;
}

/** The largest body any mapping that could own this path allows (the source match needs the body first). */
export function bodyCapFor(hooks: HooksConfig, subPath: string): number {
  let cap = DEFAULT_HOOK_BODY_BYTES;
  for (const mapping of hooks.mappings) {
    if (mapping.maxBodyBytes !== undefined && pathMatches(mapping, subPath)) cap = Math.max(cap, mapping.maxBodyBytes);
  }
  return cap;
}

/** The first mapping whose path and source both match (an omitted predicate matches anything). */
export function findMapping(hooks: HooksConfig, subPath: string, payload: unknown): HookMapping | null {
  const source = isPlainObject(payload) && typeof payload.source === "string" ? payload.source : undefined;
  return hooks.mappings.find((m) => pathMatches(m, subPath) && (m.matchSource === undefined || m.matchSource === source)) ?? null;
}

function renderAction(mapping: HookMapping, context: TemplateContext): Parsed<MappedAction> {
  const render = (template: string | undefined) => (template === undefined ? undefined : renderTemplate(template, context));
  const sessionKey = render(mapping.sessionKey);
  const session = {
    ...(sessionKey !== undefined ? { sessionKey } : {}),
    sessionKeySource: mapping.sessionKey !== undefined && isTemplate(mapping.sessionKey) ? ("template" as const) : ("static" as const),
    ...(mapping.agentId !== undefined ? { agentId: mapping.agentId } : {}),
    agentOrigin: "mapping" as const,
  };
  if (mapping.action === "wake") {
    const text = render(mapping.textTemplate) ?? "";
    if (text.trim() === "") return { ok: false, message: `hook mapping ${mapping.id} produced an empty wake text` };
    return { ok: true, value: { kind: "wake", action: { text, mode: mapping.wakeMode, ...session } } };
  }
  const message = render(mapping.messageTemplate) ?? "";
  if (message.trim() === "") return { ok: false, message: `hook mapping ${mapping.id} produced an empty agent message` };
  const model = render(mapping.model)?.trim();
  const thinking = render(mapping.thinking)?.trim();
  const action: AgentAction = {
    message,
    name: render(mapping.name)?.trim() || DEFAULT_HOOK_NAME,
    ...session,
    sessionMode: mapping.sessionMode,
    wakeMode: mapping.wakeMode,
    delivery: mappedDelivery(mapping.deliver, mapping.channel, render(mapping.to)),
    ...(model ? { model } : {}),
    ...(thinking ? { thinking } : {}),
    ...(mapping.timeoutSeconds !== undefined ? { timeoutSeconds: mapping.timeoutSeconds } : {}),
    wrap: !mapping.allowUnsafeExternalContent,
    sourcePath: context.path,
  };
  return { ok: true, value: { kind: "agent", action } };
}

export type RenderedMapping = { actions: MappedAction[]; fannedOut: boolean; droppedItems: number };

/**
 * Turns the payload into the mapping's actions: one, or with `forEach` one per item of that
 * top-level array (each rendering sees the array replaced by `[item]`, so `[0]` is the current one).
 */
export function renderMapping(mapping: HookMapping, context: TemplateContext): Parsed<RenderedMapping> {
  if (mapping.forEach === undefined) {
    const action = renderAction(mapping, context);
    return action.ok ? { ok: true, value: { actions: [action.value], fannedOut: false, droppedItems: 0 } } : action;
  }
  const payload = context.payload;
  const items = isPlainObject(payload) && Object.hasOwn(payload, mapping.forEach) ? payload[mapping.forEach] : undefined;
  if (!isPlainObject(payload) || !Array.isArray(items)) return { ok: true, value: { actions: [], fannedOut: true, droppedItems: 0 } };
  const actions: MappedAction[] = [];
  for (const item of items.slice(0, MAX_FAN_OUT_ITEMS)) {
    const action = renderAction(mapping, { ...context, payload: { ...payload, [mapping.forEach]: [item] } });
    if (!action.ok) return action;
    actions.push(action.value);
  }
  return { ok: true, value: { actions, fannedOut: true, droppedItems: Math.max(0, items.length - MAX_FAN_OUT_ITEMS) } };
}
