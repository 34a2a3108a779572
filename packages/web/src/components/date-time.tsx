/** A date in the reader's calendars (lib/format-date.ts): Gregorian, and the Hijri or Japanese-era date beside it. */

import { useLanguage } from "../language.js";
import { formatDate } from "../lib/format-date.js";

export function DateTime({ value, time = true }: { readonly value: string | Date; readonly time?: boolean }) {
  const language = useLanguage();
  let formatted: ReturnType<typeof formatDate>;
  try {
    formatted = formatDate(value, language, { time });
  } catch {
    return <span>{String(value)}</span>;
  }
  return (
    <time dateTime={formatted.iso} className="date-time">
      {formatted.gregorian}
      {formatted.national && (
        <>
          {" "}
          <span className="date-time__national">({formatted.national})</span>
        </>
      )}
    </time>
  );
}
