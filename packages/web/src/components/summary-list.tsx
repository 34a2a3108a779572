/** A row of a GOV.UK-style summary list (`<dl>`): a term and its value. */
import type { ReactNode } from "react";

export function Row({ term, children }: { readonly term: string; readonly children: ReactNode }) {
  return (
    <div className="summary-list__row">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
