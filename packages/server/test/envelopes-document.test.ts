/**
 * The document as it leaves the server (issue 10 items 4 and 8): the file name keeps a Japanese or Arabic title
 * (RFC 6266 `filename*`, with an ASCII fallback), and the envelope page's preview (`?disposition=inline`) records a
 * recipient's first view but never a `downloaded` event.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import contentDisposition from "content-disposition";
import { api, envelopeForm, type Federation, type Platform, plainPdf, seededPlatform } from "./support/envelopes.js";

describe("the document's file name and the preview", () => {
  let platform: Platform;
  let users: Federation;
  let id: string;
  const title = "日本・サウジアラビア協力覚書 2025 — مذكرة تعاون";

  before(async () => {
    ({ platform, people: users } = await seededPlatform("pglite"));
    const created = await api(
      platform,
      users.jpOfficial,
      "POST",
      "/api/envelopes",
      envelopeForm(plainPdf(), { title, recipients: [{ email: users.saOfficial.email, role: "signer" }] }),
    );
    id = ((await created.json()) as { id: string }).id;
    assert.equal((await api(platform, users.jpOfficial, "POST", `/api/envelopes/${id}/send`)).status, 200);
  });
  after(() => platform.close());

  it("sends the title in any script as filename*, with an ASCII fallback", async () => {
    const response = await api(platform, users.jpOfficial, "GET", `/api/envelopes/${id}/document`);
    assert.equal(response.status, 200);
    const header = response.headers.get("content-disposition")!;
    assert.match(header, /^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''/);
    assert.equal(contentDisposition.parse(header).parameters.filename, `${title}.pdf`);
  });

  it("the preview is inline and records the first view only; a download is recorded", async () => {
    const events = async () =>
      (
        (await (await api(platform, users.saOfficial, "GET", `/api/envelopes/${id}/audit`)).json()) as {
          events: { type: string }[];
        }
      ).events.map((e) => e.type);
    const downloadsBefore = (await events()).filter((t) => t === "downloaded").length; // the sender's, above
    for (let i = 0; i < 3; i++) {
      const preview = await api(platform, users.saOfficial, "GET", `/api/envelopes/${id}/document?disposition=inline`);
      assert.equal(preview.status, 200);
      assert.match(preview.headers.get("content-disposition")!, /^inline; /);
    }
    const afterPreviews = await events();
    assert.equal(afterPreviews.filter((t) => t === "viewed").length, 1);
    assert.equal(afterPreviews.filter((t) => t === "downloaded").length, downloadsBefore);
    await api(platform, users.saOfficial, "GET", `/api/envelopes/${id}/document`);
    assert.equal((await events()).filter((t) => t === "downloaded").length, downloadsBefore + 1);
  });
});
