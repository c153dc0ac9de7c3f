import { metrics } from "../../infra/metrics/gateway-metrics.js";
import { abortedError, classifyFailure } from "./failure.js";
import { ProviderError, type FailureReason, type ModelRequest, type ProviderClient, type StreamEvent } from "./types.js";

/** One model a run may use, in the order it is tried. */
export type ModelChainEntry = { ref: string; client: ProviderClient; model: string };

/** Emitted once per attempt, just before its first stream event. */
export type ModelStartEvent = { type: "model"; ref: string; provider: string; model: string };

export type ModelCallEvent = ModelStartEvent | StreamEvent;

export type RetryInfo = { ref: string; attempt: number; delayMs: number; error: ProviderError };
export type FailoverInfo = { ref: string; nextRef: string; error: ProviderError };

export type CallModelHooks = {
  onRetry?(info: RetryInfo): void;
  onFailover?(info: FailoverInfo): void;
  /** The first backoff step; each further retry doubles it. */
  retryBaseDelayMs?: number;
};

export const RETRIES_PER_MODEL = 2;
const DEFAULT_BASE_DELAY_MS = 300;
const MAX_DELAY_MS = 8_000;
/** A longer retry-after is not waited out: the next model is tried instead. */
const MAX_RETRY_AFTER_MS = 30_000;

/** Reasons another model might not share; format, context_overflow and aborted would fail anywhere. */
const FAILOVER_REASONS: ReadonlySet<FailureReason> = new Set([
  "auth",
  "auth_permanent",
  "billing",
  "model_not_found",
  "rate_limit",
  "overloaded",
  "server_error",
  "timeout",
  "network",
]);

function retryDelayMs(error: ProviderError, retry: number, baseMs: number): number | undefined {
  const after = error.details.retryAfterMs;
  if (after !== undefined) return after <= MAX_RETRY_AFTER_MS ? after : undefined;
  const step = Math.min(MAX_DELAY_MS, baseMs * 2 ** retry);
  return Math.round(step * (0.8 + Math.random() * 0.4));
}

function abortedFor(entry: ModelChainEntry): ProviderError {
  return abortedError({ provider: entry.client.config.id, model: entry.model });
}

function sleep(ms: number, signal: AbortSignal, entry: ModelChainEntry): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedFor(entry));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedFor(entry));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Streams one model call over a chain of models: retries a model that failed before producing
 * anything, fails over to the next one, and never retries once text has reached the caller.
 */
export async function* callModel(
  chain: readonly ModelChainEntry[],
  request: Omit<ModelRequest, "model">,
  hooks: CallModelHooks = {},
): AsyncGenerator<ModelCallEvent> {
  if (chain.length === 0) throw new ProviderError("no model is configured", "model_not_found", { provider: "", model: "" });
  const baseMs = hooks.retryBaseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  let lastError: ProviderError | undefined;
  for (let i = 0; i < chain.length; i++) {
    const entry = chain[i];
    for (let retry = 0; ; retry++) {
      const progress = { started: false };
      const startedAt = performance.now();
      try {
        yield* attempt(entry, request, progress);
        recordModelCall(entry, startedAt, null);
        return;
      } catch (caught) {
        const error = caught as ProviderError;
        recordModelCall(entry, startedAt, error);
        if (progress.started || !FAILOVER_REASONS.has(error.reason)) throw error;
        lastError = error;
        const delayMs = error.retryable && retry < RETRIES_PER_MODEL ? retryDelayMs(error, retry, baseMs) : undefined;
        if (delayMs === undefined) break;
        hooks.onRetry?.({ ref: entry.ref, attempt: retry + 1, delayMs, error });
        await sleep(delayMs, request.signal, entry);
      }
    }
    const next = chain[i + 1];
    if (next && lastError) hooks.onFailover?.({ ref: entry.ref, nextRef: next.ref, error: lastError });
  }
  throw lastError;
}

function recordModelCall(entry: ModelChainEntry, startedAt: number, error: ProviderError | null): void {
  const labels = [entry.client.config.api, error ? error.reason : "none", entry.model, "request", error ? "error" : "ok", entry.client.config.id, "http"];
  metrics.modelCalls.inc(labels);
  metrics.modelCallSeconds.observe(labels, (performance.now() - startedAt) / 1000);
}

/** One try of one model, under an idle watchdog and the caller's signal; throws only ProviderError. */
async function* attempt(entry: ModelChainEntry, request: Omit<ModelRequest, "model">, progress: { started: boolean }): AsyncGenerator<ModelCallEvent> {
  const { config } = entry.client;
  if (request.signal.aborted) throw abortedFor(entry);
  const watchdog = new AbortController();
  const signal = AbortSignal.any([request.signal, watchdog.signal]);
  let idle = false;
  let onAbort = () => {};
  // Raced against every read, so an adapter that ignores its signal cannot hang the run.
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  stopped.catch(() => {});
  const failure = (error: unknown): ProviderError => {
    if (request.signal.aborted) return abortedFor(entry);
    if (idle) return new ProviderError(`model idle for ${config.timeoutMs / 1000}s`, "timeout", { provider: config.id, model: entry.model });
    return classifyFailure(error, { provider: config.id, model: entry.model, apiKey: config.apiKey });
  };
  let iterator: AsyncIterator<StreamEvent>;
  try {
    iterator = entry.client.stream({ ...request, model: entry.model, signal })[Symbol.asyncIterator]();
  } catch (error) {
    signal.removeEventListener("abort", onAbort);
    throw failure(error);
  }
  let finished = false;
  try {
    for (;;) {
      const timer =
        config.timeoutMs > 0
          ? setTimeout(() => {
              idle = true;
              watchdog.abort();
            }, config.timeoutMs)
          : undefined;
      let result: IteratorResult<StreamEvent>;
      try {
        const next = iterator.next();
        next.catch(() => {});
        result = await Promise.race([next, stopped]);
      } catch (error) {
        throw failure(error);
      } finally {
        clearTimeout(timer);
      }
      if (result.done) {
        finished = true;
        return;
      }
      if (!progress.started) {
        progress.started = true;
        yield { type: "model", ref: entry.ref, provider: config.id, model: entry.model };
      }
      yield result.value;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (!finished) {
      watchdog.abort();
      iterator.return?.()?.catch(() => {});
    }
  }
}
