/**
 * PEM armour (RFC 7468 § 2): base64 of the DER in lines of 64 characters between BEGIN and END lines. Written with
 * btoa rather than Buffer so that the browser build (device keys' certification requests) shares it.
 */
export function toPem(der: Uint8Array, label = "CERTIFICATE"): string {
  let binary = "";
  for (let i = 0; i < der.length; i += 0x8000) binary += String.fromCharCode(...der.subarray(i, i + 0x8000));
  const b64 = btoa(binary).replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
