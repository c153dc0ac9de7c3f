export function count(n: number | undefined): string {
  if (n === undefined || n === null) return "—";
  return n >= 10_000 ? `${(n / 1000).toFixed(n >= 100_000 ? 0 : 1)}k` : String(n);
}
