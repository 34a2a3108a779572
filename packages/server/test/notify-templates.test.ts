import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Locale, type Notice, renderEmail } from "../src/notify/templates.js";

const PUBLIC_URL = "https://khatam.example.gov/";
const ID = "0b6c1f9e-0000-4000-8000-000000000001";
const NOTICES: Notice[] = [
  {
    kind: "invitation",
    role: "signer",
    envelopeId: ID,
    title: "MoU",
    sender: "Aiko",
    expiresAt: new Date("2030-01-02T03:04:00Z"),
  },
  { kind: "invitation", role: "approver", envelopeId: ID, title: "MoU", sender: "Aiko" },
  { kind: "invitation", role: "viewer", envelopeId: ID, title: "MoU", sender: "Aiko" },
  { kind: "reminder", role: "signer", envelopeId: ID, title: "MoU" },
  { kind: "completed", envelopeId: ID, title: "MoU" },
  { kind: "declined", envelopeId: ID, title: "MoU", declinedBy: "Ahmed", reason: "The date is wrong" },
  { kind: "expired", envelopeId: ID, title: "MoU" },
];

describe("notification e-mail templates", () => {
  for (const locale of ["en", "ar", "ja"] as Locale[]) {
    for (const notice of NOTICES) {
      const label = `${locale} ${notice.kind}${"role" in notice ? ` (${notice.role})` : ""}`;
      test(`${label}: short subject with the title, text and HTML with the right link`, () => {
        const m = renderEmail(notice, { to: "r@example.org", locale, publicUrl: PUBLIC_URL });
        assert.equal(m.to, "r@example.org");
        assert.ok(m.subject.endsWith(": MoU"), m.subject);
        assert.ok(m.subject.length < 40, m.subject);
        const link =
          notice.kind === "completed"
            ? `https://khatam.example.gov/api/envelopes/${ID}/document`
            : `https://khatam.example.gov/envelopes/${ID}`;
        assert.ok(m.text.includes(link), m.text);
        assert.ok(m.html?.includes(`href="${link}"`), m.html);
        assert.ok(m.html?.includes(`lang="${locale}" dir="${locale === "ar" ? "rtl" : "ltr"}"`));
        if (notice.kind === "declined") assert.ok(m.text.includes("The date is wrong"));
      });
    }
  }

  test("each locale speaks its language", () => {
    const n = NOTICES[0]!;
    const en = renderEmail(n, { to: "x@y", locale: "en", publicUrl: PUBLIC_URL });
    const ar = renderEmail(n, { to: "x@y", locale: "ar", publicUrl: PUBLIC_URL });
    const ja = renderEmail(n, { to: "x@y", locale: "ja", publicUrl: PUBLIC_URL });
    assert.equal(en.subject, "Please sign: MoU");
    assert.equal(ar.subject, "مطلوب توقيعك: MoU");
    assert.equal(ja.subject, "署名のお願い: MoU");
    assert.ok(en.text.includes("2030"), en.text);
    assert.ok(ar.text.includes("2030"), "Gregorian year, Latin digits");
    assert.ok(ja.text.includes("2030年"), ja.text);
    assert.equal(renderEmail(n, { to: "x@y", locale: null, publicUrl: PUBLIC_URL }).subject, en.subject);
  });

  test("untrusted titles: no header injection, HTML escaped, long titles shortened in the subject", () => {
    const title = `Evil\r\nBcc: all@example.org <script>alert(1)</script> ${"x".repeat(200)}`;
    const m = renderEmail({ kind: "completed", envelopeId: ID, title }, { to: "x@y", publicUrl: PUBLIC_URL });
    assert.ok(!/[\r\n]/.test(m.subject));
    assert.ok([...m.subject].length <= "Completed: ".length + 60);
    assert.ok(m.subject.endsWith("…"));
    assert.ok(!m.html?.includes("<script>"));
    assert.ok(m.html?.includes("&#60;script&#62;"));
  });

  test("envelope ids are URL-encoded into links", () => {
    const m = renderEmail({ kind: "expired", envelopeId: "../x?y", title: "T" }, { to: "x@y", publicUrl: PUBLIC_URL });
    assert.ok(m.text.includes("/envelopes/..%2Fx%3Fy"));
  });
});
