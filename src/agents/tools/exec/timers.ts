/** setTimeout takes a signed 32-bit delay: anything longer fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function timerMs(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}
