/**
 * Mixed direction (issue 10): text a person typed (a name, an agency, a title) may be Arabic inside a Japanese or
 * English sentence, or Latin inside an Arabic one. Shown on its own it goes in `<bdi>` (or an element with `dir`);
 * put inside a translated sentence, an attribute or the document title, where no element can go, it is wrapped in
 * Unicode's first-strong isolate (FSI … PDI), which is what `<bdi>` does, so its punctuation and numbers stay with it.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}
