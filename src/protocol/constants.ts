export const PROTOCOL_VERSION = 4;
export const MIN_PROBE_PROTOCOL_VERSION = 3;
export const MIN_NODE_PROTOCOL_VERSION = 3;

export const GATEWAY_VERSION = "2026.9.6";
export const DEFAULT_GATEWAY_PORT = 18789;
export const DEV_GATEWAY_PORT = 19001;

export const MAX_PREAUTH_PAYLOAD_BYTES = 64 * 1024;
export const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;
export const MAX_BUFFERED_BYTES = 50 * 1024 * 1024;
export const TICK_INTERVAL_MS = 30_000;
export const PING_INTERVAL_MS = 25_000;
export const HEALTH_REFRESH_INTERVAL_MS = 60_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;
export const MAX_PENDING_HANDSHAKE_FRAMES = 15;
export const MAX_CLOSE_REASON_BYTES = 120;
export const MAX_CONSECUTIVE_ROLE_ERRORS = 10;
export const MAX_PREAUTH_SOCKETS_PER_IP = 32;

export const CloseCode = {
  normal: 1000,
  protocolError: 1002,
  policy: 1008,
  tooLarge: 1009,
  internal: 1011,
  serviceRestart: 1012,
  tryAgainLater: 1013,
  authChanged: 4001,
} as const;
