/** True for loopback socket addresses and host names: 127.0.0.0/8, ::1, IPv4-mapped 127.x, localhost. */
export function isLoopback(host: string | undefined): boolean {
  if (!host) return false;
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || h.startsWith("127.") || h.startsWith("::ffff:127.");
}
