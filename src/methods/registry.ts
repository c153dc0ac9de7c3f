import { Type } from "@sinclair/typebox";
import { compileSchema, type Validator } from "../protocol/validate.js";
import type { GatewayContext } from "../server/context.js";
import type { ConnectionInfo, SessionSubscriptions } from "../server/connection-info.js";

/** `any` = every authenticated client (only `health`); `node` = node-role connections only. */
export type MethodScope = string | "any" | "node";

export type MethodCall<P> = {
  params: P;
  gateway: GatewayContext;
  client: ConnectionInfo;
  /** The calling connection's session event subscriptions. */
  subscriptions: SessionSubscriptions;
  /** Sends an interim `res` with the same request id (the `accepted` stage of `agent`). */
  sendInterim(payload: unknown): void;
  /** Aborted when the calling connection closes (long waits stop; work the caller owns ends). */
  signal: AbortSignal;
};

export type MethodSpec<P = unknown> = {
  name: string;
  scope: MethodScope;
  /** Closed params schema; omitted means any object is accepted. */
  params?: Validator<P>;
  /** For `dynamic` methods: the scope these params need (checked after the params schema). */
  scopeFor?(params: P): string;
  /** Listed in hello-ok.features.methods (default true). */
  advertise?: boolean;
  handler(call: MethodCall<P>): unknown | Promise<unknown>;
};

/** For methods that take no params: `{}` and nothing else. */
export const EmptyParams = compileSchema(Type.Object({}, { additionalProperties: false }));

export function defineMethod<P>(spec: MethodSpec<P>): MethodSpec<unknown> {
  return spec as MethodSpec<unknown>;
}

export class MethodRegistry {
  private methods = new Map<string, MethodSpec>();
  private advertisedNames: string[] | null = null;

  register(...specs: MethodSpec[]): this {
    for (const spec of specs) {
      if (this.methods.has(spec.name)) throw new Error(`method ${spec.name} registered twice`);
      this.methods.set(spec.name, spec);
    }
    this.advertisedNames = null;
    return this;
  }

  get(name: string): MethodSpec | undefined {
    return this.methods.get(name);
  }

  /** Every hello-ok carries this list, so it is computed once. */
  advertised(): readonly string[] {
    this.advertisedNames ??= [...this.methods.values()].filter((m) => m.advertise !== false).map((m) => m.name);
    return this.advertisedNames;
  }
}
