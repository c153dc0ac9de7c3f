import { Type } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import { asRequest, channelsOf } from "./channels-control.js";
import { defineMethod } from "./registry.js";

const Opt = Type.Optional;
const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 180_000;

const StartParams = compileSchema(
  Type.Object(
    { channel: Opt(Type.String()), accountId: Opt(Type.String()), force: Opt(Type.Boolean()), timeoutMs: Opt(Type.Integer({ minimum: 0 })), verbose: Opt(Type.Boolean()) },
    { additionalProperties: false },
  ),
);
const WaitParams = compileSchema(
  Type.Object(
    { channel: Opt(Type.String()), accountId: Opt(Type.String()), timeoutMs: Opt(Type.Integer({ minimum: 0 })), sessionKey: Opt(Type.String()), currentQrDataUrl: Opt(Type.String()) },
    { additionalProperties: false },
  ),
);

const clamp = (ms: number | undefined) => Math.min(MAX_TIMEOUT_MS, Math.max(1000, ms ?? DEFAULT_TIMEOUT_MS));

/** QR login for channels that link as a device (WhatsApp). */
export const webLoginStartMethod = defineMethod({
  name: "web.login.start",
  scope: Scope.admin,
  params: StartParams,
  handler: ({ params, gateway }) =>
    asRequest(() => channelsOf(gateway).loginStart(params.channel ?? "whatsapp", params.accountId || undefined, { force: params.force === true, timeoutMs: clamp(params.timeoutMs) })),
});

export const webLoginWaitMethod = defineMethod({
  name: "web.login.wait",
  scope: Scope.admin,
  params: WaitParams,
  handler: ({ params, gateway }) => asRequest(() => channelsOf(gateway).loginWait(params.channel ?? "whatsapp", params.accountId || undefined, clamp(params.timeoutMs))),
});
