import { GatewayClient, GatewayRequestError, GatewayTimeoutError, GatewayUnreachableError, type HelloOk } from "../client/gateway-client.js";
import { connectTarget, type ResolvedTarget } from "./connection.js";

export type Capability = "admin_capable" | "write_capable" | "read_only" | "connected_no_operator_scope" | "unknown";

export function capabilityOf(scopes: readonly string[]): Capability {
  if (scopes.includes("operator.admin")) return "admin_capable";
  if (scopes.includes("operator.write")) return "write_capable";
  if (scopes.includes("operator.read")) return "read_only";
  return "connected_no_operator_scope";
}

export function capabilityLabel(capability: Capability): string {
  return capability.replace(/_/g, "-");
}

export type ProbeResult = {
  url: string;
  ok: boolean;
  reachable: boolean;
  error?: string;
  timedOut?: boolean;
  hello?: HelloOk;
  capability: Capability;
  rpc: Record<string, { ok: boolean; result?: unknown; error?: string }>;
  latencyMs?: number;
};

/** Connects as the CLI's probe client and runs `methods` in parallel; never throws. */
export async function probeGateway(target: ResolvedTarget, methods: string[]): Promise<ProbeResult> {
  const started = Date.now();
  const result: ProbeResult = { url: target.url, ok: false, reachable: false, capability: "unknown", rpc: {} };
  let client: GatewayClient;
  try {
    client = await connectTarget(target, { clientMode: "probe", scopes: ["operator.read"], minProtocol: 3, maxProtocol: 4 });
  } catch (err) {
    result.error = (err as Error).message;
    result.timedOut = err instanceof GatewayTimeoutError;
    result.reachable = err instanceof GatewayRequestError || (err instanceof GatewayUnreachableError && err.reachedGateway);
    return result;
  }
  result.reachable = true;
  result.hello = client.hello;
  result.capability = capabilityOf(client.hello.auth.scopes);
  result.latencyMs = Date.now() - started;
  await Promise.all(
    methods.map(async (method) => {
      try {
        result.rpc[method] = { ok: true, result: await client.request(method, {}) };
      } catch (err) {
        result.rpc[method] = { ok: false, error: (err as Error).message };
      }
    }),
  );
  result.ok = Object.values(result.rpc).every((r) => r.ok);
  await client.close();
  return result;
}
