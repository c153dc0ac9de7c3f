export const ErrorCodes = {
  invalidRequest: "INVALID_REQUEST",
  forbidden: "FORBIDDEN",
  unavailable: "UNAVAILABLE",
  notPaired: "NOT_PAIRED",
  notLinked: "NOT_LINKED",
  agentTimeout: "AGENT_TIMEOUT",
  approvalNotFound: "APPROVAL_NOT_FOUND",
} as const;

export type ErrorShape = {
  code: string;
  message: string;
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
};

/** An error a handler throws to answer with a specific protocol error shape. */
export class GatewayError extends Error {
  readonly shape: ErrorShape;
  constructor(shape: ErrorShape) {
    super(shape.message);
    this.shape = shape;
  }
}

export function unavailable(message: string, extra: Omit<ErrorShape, "code" | "message"> = {}): GatewayError {
  return new GatewayError({ code: ErrorCodes.unavailable, message, ...extra });
}

export function missingScopeError(scope: string): ErrorShape {
  return {
    code: ErrorCodes.forbidden,
    message: `missing scope: ${scope}`,
    details: { code: "MISSING_SCOPE", missingScope: scope, requiredScopes: [scope] },
  };
}

export function toErrorShape(err: unknown): ErrorShape {
  if (err instanceof GatewayError) return err.shape;
  const message = err instanceof Error ? err.message : String(err);
  return { code: ErrorCodes.unavailable, message };
}
