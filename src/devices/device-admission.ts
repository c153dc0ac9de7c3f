import { ErrorCodes, type ErrorShape } from "../protocol/errors.js";
import { scopeSatisfied } from "../protocol/scopes.js";
import type { ConnectParams } from "../protocol/connect-params.js";
import { verifyDeviceProof } from "./device-identity.js";
import { approveRequest, evaluateDevice, localAutoApproval, requestPairing } from "./device-pairing.js";
import type { DeviceService } from "./device-service.js";
import type { PairedDevice, PairingReason } from "./types.js";

const PAIRING_MESSAGES: Record<PairingReason, string> = {
  "not-paired": "pairing required: device is not approved yet",
  "role-upgrade": "pairing required: device is asking for a higher role than currently approved",
  "scope-upgrade": "pairing required: device is asking for more scopes than currently approved",
  "metadata-upgrade": "pairing required: device identity changed and must be re-approved",
};

/** Everything of the connection the device checks need. */
export type AdmissionContext = {
  params: ConnectParams & { device: NonNullable<ConnectParams["device"]> };
  role: string;
  nonce: string;
  remoteIp: string;
  isLoopback: boolean;
  forwarded: boolean;
  hostIsLocal: boolean;
  browserOrigin?: string;
  /** The shared secret passed (false: the token may still be this device's token). */
  sharedSecretOk: boolean;
  authMethod: string;
  autoApproveLocal: boolean;
};

export type Admission =
  | { ok: true; deviceId: string; authMethod: string; deviceToken?: string; issuedAtMs?: number }
  | { ok: false; error: ErrorShape; closeReason?: string; authFailure?: "device_token_mismatch" | "token_mismatch" | "scope_mismatch" };

/**
 * The device part of a connect (protocol §6): the proof, a device token in place of the shared
 * secret, then pairing: approved and covered, silently approved here (local), or held with a
 * pending request the owner approves. An approved connect gets a fresh device token unless it
 * authenticated with one.
 */
export async function admitDevice(devices: DeviceService, c: AdmissionContext): Promise<Admission> {
  const { params, role } = c;
  const requestedScopes = params.scopes ?? [];
  const presented = params.auth?.token ?? params.auth?.deviceToken ?? params.auth?.bootstrapToken ?? "";
  const connect = { clientId: params.client.id, clientMode: params.client.mode, role, scopes: requestedScopes, token: presented, platform: params.client.platform, deviceFamily: params.client.deviceFamily };
  const proof = verifyDeviceProof(params.device, connect, { nonce: c.nonce });
  if (!proof.ok) return { ok: false, error: { code: ErrorCodes.invalidRequest, message: proof.failure.message, details: { code: proof.failure.code, reason: proof.failure.reason } } };
  const { deviceId, publicKey } = proof.device;
  const store = await devices.store();

  let authMethod = c.authMethod;
  let usedDeviceToken = false;
  if (!c.sharedSecretOk) {
    const token = params.auth?.deviceToken ?? params.auth?.token;
    const summary = token ? store.verifyToken(deviceId, role, token) : null;
    if (!summary) {
      // A device that was never given a token sent a wrong gateway token, not a stale device token.
      const meantAsDeviceToken = params.auth?.deviceToken !== undefined || store.hasIssuedToken(deviceId, role);
      return { ok: false, error: { code: ErrorCodes.invalidRequest, message: "" }, authFailure: meantAsDeviceToken ? "device_token_mismatch" : "token_mismatch" };
    }
    const granted = new Set(summary.scopes);
    if (role === "operator" && !requestedScopes.every((s) => scopeSatisfied(s, granted))) return { ok: false, error: { code: ErrorCodes.invalidRequest, message: "" }, authFailure: "scope_mismatch" };
    authMethod = "device-token";
    usedDeviceToken = true;
  }

  const metadata = { displayName: params.client.displayName, platform: params.client.platform, deviceFamily: params.client.deviceFamily, clientId: params.client.id, clientMode: params.client.mode, ...(c.browserOrigin ? { browserOrigin: c.browserOrigin } : {}) };
  const evaluation = evaluateDevice(store, { deviceId, publicKey, role, scopes: requestedScopes, metadata, remoteIp: c.remoteIp });
  let device: PairedDevice;
  if (evaluation.kind === "approved") {
    device = evaluation.device;
  } else {
    const silent = localAutoApproval({
      isLoopbackSocket: c.isLoopback,
      forwardedHeaders: c.forwarded,
      sharedSecretOk: c.sharedSecretOk,
      hostIsLoopbackOrPrivate: c.hostIsLocal,
      browserOriginNonUi: !!c.browserOrigin && params.client.id !== "openclaw-control-ui" && params.client.mode !== "webchat",
      reason: evaluation.reason,
      authMethod,
      autoApproveLocal: c.autoApproveLocal,
      clientId: params.client.id,
    });
    const { request, superseded } = requestPairing(store, { deviceId, publicKey, ...metadata, role, scopes: [...requestedScopes], remoteIp: c.remoteIp, silent, reason: evaluation.reason });
    devices.requested(request, superseded);
    if (!silent) return pairingRequired(request.requestId, deviceId, role, requestedScopes, evaluation.reason, evaluation.existing);
    const approved = approveRequest(store, request.requestId, { scopes: new Set(["operator.admin"]) });
    if ("error" in approved) return { ok: false, error: { code: ErrorCodes.unavailable, message: `device approval failed: ${approved.error.message}` } };
    devices.resolved(request, "approved");
    devices.changed();
    device = approved.device;
  }
  if (usedDeviceToken) return { ok: true, deviceId, authMethod };
  const scopes = role === "operator" ? device.approvedScopes : [];
  const issued = store.issueToken(deviceId, role, scopes);
  return { ok: true, deviceId, authMethod, deviceToken: issued.token, issuedAtMs: issued.issuedAtMs };
}

function pairingRequired(requestId: string, deviceId: string, role: string, scopes: readonly string[], reason: PairingReason, existing?: PairedDevice): Admission {
  const message = PAIRING_MESSAGES[reason];
  return {
    ok: false,
    error: {
      code: ErrorCodes.notPaired,
      message,
      details: {
        code: "PAIRING_REQUIRED",
        reason,
        requestId,
        remediationHint: `Approve this device from the pending pairing requests: openclaw devices approve ${requestId}`,
        deviceId,
        requestedRole: role,
        requestedScopes: [...scopes],
        ...(existing ? { approvedRoles: existing.roles, approvedScopes: existing.approvedScopes } : {}),
      },
    },
    closeReason: `${message} (requestId: ${requestId})`,
  };
}
