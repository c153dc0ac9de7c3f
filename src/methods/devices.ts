import { Type } from "@sinclair/typebox";
import { ErrorCodes, GatewayError, unavailable } from "../protocol/errors.js";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import { approveRequest, listPendingRequests, rejectRequest, removeDevice, revokeToken, rotateToken, type PairingError } from "../devices/device-pairing.js";
import type { DeviceService } from "../devices/device-service.js";
import type { DeviceStore } from "../devices/device-store.js";
import type { ListedDevice, PairedDevice } from "../devices/types.js";
import type { GatewayContext } from "../server/context.js";
import { EmptyParams, defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const RequestParams = compileSchema(Type.Object({ requestId: NonEmpty }, { additionalProperties: false }));
const DeviceParams = compileSchema(Type.Object({ deviceId: NonEmpty }, { additionalProperties: false }));
const RenameParams = compileSchema(Type.Object({ deviceId: NonEmpty, label: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }));
const RotateParams = compileSchema(Type.Object({ deviceId: NonEmpty, role: NonEmpty, scopes: Type.Optional(Type.Array(NonEmpty)) }, { additionalProperties: false }));
const RevokeParams = compileSchema(Type.Object({ deviceId: NonEmpty, role: NonEmpty }, { additionalProperties: false }));

function devicesOf(gateway: GatewayContext): DeviceService {
  if (!gateway.devices) throw unavailable("device pairing is not available in this gateway");
  return gateway.devices;
}

function refused(error: PairingError): GatewayError {
  if (error.code === "missing-scope") {
    return new GatewayError({ code: ErrorCodes.forbidden, message: error.message, details: { code: "MISSING_SCOPE", missingScope: error.missingScope, requiredScopes: [error.missingScope] } });
  }
  return new GatewayError({ code: ErrorCodes.invalidRequest, message: error.message });
}

function unwrap<T extends object>(result: T | { error: PairingError }): T {
  if ("error" in result) throw refused(result.error);
  return result;
}

function listed(store: DeviceStore, devices: DeviceService, d: PairedDevice): ListedDevice {
  const { approvedScopes: _approved, ...rest } = d;
  return { ...rest, tokens: store.tokenSummaries(d.deviceId), connected: devices.connected(d.deviceId) };
}

export const devicePairListMethod = defineMethod({
  name: "device.pair.list",
  scope: Scope.pairing,
  params: EmptyParams,
  async handler({ gateway }) {
    const devices = devicesOf(gateway);
    const store = await devices.store();
    return { pending: listPendingRequests(store), paired: store.listDevices().map((d) => listed(store, devices, d)) };
  },
});

export const devicePairApproveMethod = defineMethod({
  name: "device.pair.approve",
  scope: Scope.pairing,
  params: RequestParams,
  async handler({ params, gateway, client }) {
    const devices = devicesOf(gateway);
    const store = await devices.store();
    const { request, device } = unwrap(approveRequest(store, params.requestId, { scopes: client.scopes }));
    devices.resolved(request, "approved");
    devices.changed();
    return { requestId: request.requestId, device: listed(store, devices, device) };
  },
});

export const devicePairRejectMethod = defineMethod({
  name: "device.pair.reject",
  scope: Scope.pairing,
  params: RequestParams,
  async handler({ params, gateway }) {
    const devices = devicesOf(gateway);
    const { request } = unwrap(rejectRequest(await devices.store(), params.requestId));
    devices.resolved(request, "rejected");
    return { requestId: request.requestId, deviceId: request.deviceId, rejectedAtMs: Date.now() };
  },
});

export const devicePairRemoveMethod = defineMethod({
  name: "device.pair.remove",
  scope: Scope.pairing,
  params: DeviceParams,
  async handler({ params, gateway }) {
    const devices = devicesOf(gateway);
    const { device, removedRequests } = unwrap(removeDevice(await devices.store(), params.deviceId));
    for (const request of removedRequests) devices.resolved(request, "rejected");
    const disconnected = devices.disconnect(device.deviceId, null, "device removed");
    devices.changed();
    return { deviceId: device.deviceId, removedAtMs: Date.now(), disconnected };
  },
});

export const devicePairRenameMethod = defineMethod({
  name: "device.pair.rename",
  scope: Scope.pairing,
  params: RenameParams,
  async handler({ params, gateway }) {
    const devices = devicesOf(gateway);
    const label = params.label.trim();
    if (!label) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "label must not be blank" });
    if (!(await devices.store()).renameDevice(params.deviceId, label)) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "unknown deviceId" });
    devices.changed();
    return { deviceId: params.deviceId, label };
  },
});

function requireAdminForRole(role: string, scopes: ReadonlySet<string>): void {
  if (role !== "operator" && !scopes.has(Scope.admin)) {
    throw new GatewayError({ code: ErrorCodes.forbidden, message: "missing scope: operator.admin", details: { code: "MISSING_SCOPE", missingScope: Scope.admin, requiredScopes: [Scope.admin] } });
  }
}

export const deviceTokenRotateMethod = defineMethod({
  name: "device.token.rotate",
  scope: Scope.pairing,
  params: RotateParams,
  async handler({ params, gateway, client }) {
    requireAdminForRole(params.role, client.scopes);
    const devices = devicesOf(gateway);
    const rotated = unwrap(rotateToken(await devices.store(), params.deviceId, params.role, params.scopes));
    // Connections that authenticated with the old token hold it no longer.
    devices.disconnect(params.deviceId, params.role, "device token rotated", client.connId);
    const own = client.deviceId === params.deviceId;
    return { deviceId: rotated.deviceId, role: rotated.role, scopes: rotated.scopes, rotatedAtMs: rotated.rotatedAtMs, ...(own ? { token: rotated.token } : {}), tokenDelivery: own ? "in-band" : "withheld-cross-device" };
  },
});

export const deviceTokenRevokeMethod = defineMethod({
  name: "device.token.revoke",
  scope: Scope.pairing,
  params: RevokeParams,
  async handler({ params, gateway, client }) {
    requireAdminForRole(params.role, client.scopes);
    const devices = devicesOf(gateway);
    const revoked = unwrap(revokeToken(await devices.store(), params.deviceId, params.role));
    devices.disconnect(params.deviceId, params.role, "device token revoked");
    return revoked;
  },
});

export const gatewayIdentityGetMethod = defineMethod({
  name: "gateway.identity.get",
  scope: Scope.read,
  params: EmptyParams,
  handler({ gateway }) {
    const { deviceId, publicKey } = devicesOf(gateway).gatewayIdentity();
    return { deviceId, publicKey };
  },
});

export const deviceMethods = [
  devicePairListMethod,
  devicePairApproveMethod,
  devicePairRejectMethod,
  devicePairRemoveMethod,
  devicePairRenameMethod,
  deviceTokenRotateMethod,
  deviceTokenRevokeMethod,
  gatewayIdentityGetMethod,
];
