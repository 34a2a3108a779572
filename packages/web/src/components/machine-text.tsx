/**
 * A value written for machines rather than read as words — a URL, a certificate's subject or serial number, a hash,
 * a key's fingerprint: left to right in every language (in Arabic too), in the code face, and broken anywhere so a
 * long one wraps on a phone instead of widening the page.
 */
import type { ComponentPropsWithoutRef } from "react";

export function MachineText(props: Omit<ComponentPropsWithoutRef<"code">, "dir" | "className">) {
  return <code dir="ltr" className="break" {...props} />;
}
