import { loadGatewayIdentity, type GatewayIdentity } from "./gateway-identity.js";
import { DeviceStore } from "./device-store.js";
import type { PairingRequest } from "./types.js";

type Events = { broadcast(event: string, payload: unknown): void };
type Live = { deviceId: string; role: string; close(reason: string): void };

/**
 * Devices for one gateway: the pairing store (opened on the first device connect or device RPC,
 * so a gateway nobody pairs with never loads the database driver), the pairing events, and the
 * connections each device holds, so a revoked or removed device is disconnected at once.
 */
export class DeviceService {
  private storeValue: DeviceStore | null = null;
  private opening: Promise<DeviceStore> | null = null;
  private identity: GatewayIdentity | null = null;
  private readonly live = new Map<string, Live>();

  constructor(
    private readonly stateDir: string,
    private readonly events: Events,
  ) {}

  store(): Promise<DeviceStore> {
    if (this.storeValue) return Promise.resolve(this.storeValue);
    this.opening ??= DeviceStore.open(this.stateDir).then((store) => (this.storeValue = store));
    return this.opening;
  }

  gatewayIdentity(): GatewayIdentity {
    this.identity ??= loadGatewayIdentity(this.stateDir);
    return this.identity;
  }

  requested(request: PairingRequest, superseded: readonly PairingRequest[]): void {
    for (const old of superseded) this.resolved(old, "rejected");
    const { reason: _reason, ...payload } = request;
    this.events.broadcast("device.pair.requested", payload);
  }

  resolved(request: Pick<PairingRequest, "requestId" | "deviceId">, decision: "approved" | "rejected"): void {
    this.events.broadcast("device.pair.resolved", { requestId: request.requestId, deviceId: request.deviceId, decision, ts: Date.now() });
  }

  changed(): void {
    this.events.broadcast("device.pair.changed", {});
  }

  track(connId: string, entry: Live): void {
    this.live.set(connId, entry);
  }

  untrack(connId: string): void {
    this.live.delete(connId);
  }

  connected(deviceId: string): boolean {
    for (const l of this.live.values()) if (l.deviceId === deviceId) return true;
    return false;
  }

  /** Closes the device's connections (of one role, or all; `exceptConnId` stays); returns how many. */
  disconnect(deviceId: string, role: string | null, reason: string, exceptConnId?: string): number {
    let closed = 0;
    for (const [connId, l] of [...this.live]) {
      if (l.deviceId !== deviceId || (role !== null && l.role !== role) || connId === exceptConnId) continue;
      this.live.delete(connId);
      l.close(reason);
      closed++;
    }
    return closed;
  }

  close(): void {
    this.storeValue?.close();
    this.storeValue = null;
    this.opening = null;
  }
}
