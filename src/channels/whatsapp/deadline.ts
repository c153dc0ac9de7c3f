/** Waits for `work` at most `ms`; a timeout or a rejection gives `undefined` (best-effort steps). */
export async function settleWithin<T>(work: Promise<T> | T, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve(work).catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
