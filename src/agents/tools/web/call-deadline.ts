/** Why a fetch's signal fired: the caller stopped the run, or the fetch ran out of time. */
export type StopCause = "aborted" | "timeout";

export type CallDeadline = {
  signal: AbortSignal;
  /** Set once the signal has fired. */
  cause(): StopCause | null;
  /** Stops the timer and lets go of the caller's signal. */
  dispose(): void;
};

/** One signal that fires when the caller aborts or when `timeoutMs` passes, whichever is first. */
export function startDeadline(caller: AbortSignal, timeoutMs: number): CallDeadline {
  const controller = new AbortController();
  let cause: StopCause | null = null;
  const stop = (why: StopCause) => {
    if (cause) return;
    cause = why;
    controller.abort(new Error(why === "timeout" ? "timed out" : "aborted"));
  };
  const onCallerAbort = () => stop("aborted");
  const timer = setTimeout(() => stop("timeout"), timeoutMs);
  if (caller.aborted) stop("aborted");
  else caller.addEventListener("abort", onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    cause: () => cause,
    dispose() {
      clearTimeout(timer);
      caller.removeEventListener("abort", onCallerAbort);
    },
  };
}

/** Settles with `work`, or rejects as soon as `signal` fires (for steps that take no signal, like DNS). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
