/** A QR payload as a PNG data URL for the Control UI (`qrcode`, loaded on first use). */
export async function qrDataUrl(qr: string): Promise<string> {
  const qrcode = await import("qrcode");
  const toDataURL = qrcode.toDataURL ?? qrcode.default.toDataURL;
  return toDataURL(qr, { margin: 1, width: 320 });
}
