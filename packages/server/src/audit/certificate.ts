/**
 * The certificate of completion (`GET /api/envelopes/:id/audit?format=pdf`): a document that states the envelope,
 * its parties, its document hashes, whether the audit chain verifies, and every event with its time, actor, address
 * and hash — in the languages of the envelope's parties (English always, Arabic and Japanese when a party reads
 * them), with dates in the Gregorian calendar and, beside them, the Umm al-Qura and Japanese era dates.
 *
 * PDFKit lays it out with embedded, subset fonts (fontkit shapes Arabic and sets it right to left; Noto Sans CJK
 * covers Japanese), found among the system's fonts (`fontPaths`). The route seals the result with the platform's
 * seal (envelopes/completion-seal.ts). It is a readable summary, not evidence in itself: the evidence is the signed
 * document and the chain.
 */
import { existsSync } from "node:fs";
import PDFDocument from "pdfkit";
import type { AuditEvent, ChainVerification } from "./audit.js";
import { qrRuns } from "./register-qr.js";

export type CertificateLanguage = "en" | "ar" | "ja";

export interface CompletionParty {
  readonly name: string | null;
  readonly email: string;
  readonly role: "signer" | "approver" | "viewer";
  readonly status: string;
  readonly actedAt: string | null;
  readonly declineReason: string | null;
}

export interface CompletionCertificateInput {
  readonly envelopeId: string;
  readonly title: string;
  readonly status: string;
  readonly registerCode: string;
  readonly registerUrl: string;
  readonly originalSha256: string;
  readonly documentSha256: string;
  readonly completedAt: string | null;
  /** The sender's name and their agency's name in each of the certificate's languages. */
  readonly sender: { readonly name: string | null; readonly agency: readonly string[] };
  readonly parties: readonly CompletionParty[];
  readonly events: readonly AuditEvent[];
  readonly chain: ChainVerification;
  readonly generatedAt: Date;
  /** The languages to write it in (English is always among them, first). */
  readonly languages: readonly CertificateLanguage[];
}

/** Fonts on Debian (fonts-dejavu-core, fonts-noto-cjk; Noto Naskh/Sans Arabic when fonts-noto-core is there). */
const FONT_CANDIDATES = {
  latin: ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
  mono: ["/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"],
  arabic: [
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  ],
  cjk: ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"],
} as const;
type FontRole = keyof typeof FONT_CANDIDATES;

/** The font files used, each settable by `KHATAM_FONT_<ROLE>` (a .ttf, .otf or .ttc path). */
export function fontPaths(env: NodeJS.ProcessEnv = process.env): Partial<Record<FontRole, string>> {
  const out: Partial<Record<FontRole, string>> = {};
  for (const role of Object.keys(FONT_CANDIDATES) as FontRole[]) {
    const chosen = env[`KHATAM_FONT_${role.toUpperCase()}`];
    const path = chosen && existsSync(chosen) ? chosen : FONT_CANDIDATES[role].find((p) => existsSync(p));
    if (path) out[role] = path;
  }
  return out;
}

const ARABIC = /[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]/;
const CJK = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;

const WORDS: Record<
  CertificateLanguage,
  {
    heading: string;
    document: string;
    title: string;
    register: string;
    status: string;
    completed: string;
    sentBy: string;
    original: string;
    final: string;
    chain: string;
    chainIntact: (n: number) => string;
    chainBroken: (seq: number) => string;
    parties: string;
    events: string;
    generated: string;
    page: (n: number, of: number) => string;
    statuses: Record<string, string>;
    roles: Record<CompletionParty["role"], string>;
    eventTypes: Record<string, string>;
    platform: string;
    reason: string;
    note: string;
  }
> = {
  en: {
    heading: "Certificate of completion",
    document: "Document",
    title: "Title",
    register: "Register code",
    status: "Status",
    completed: "Completed",
    sentBy: "Sent by",
    original: "Original (as uploaded), SHA-256",
    final: "Document now, SHA-256",
    chain: "Audit trail",
    chainIntact: (n) => `intact: ${n} events, each hash chained to the one before`,
    chainBroken: (seq) => `BROKEN at event ${seq}`,
    parties: "Parties",
    events: "Events",
    generated: "Generated",
    page: (n, of) => `Page ${n} of ${of}`,
    statuses: {
      draft: "Draft",
      sent: "In progress",
      completed: "Completed",
      declined: "Declined",
      expired: "Expired",
      voided: "Cancelled",
      pending: "Not yet notified",
      notified: "Notified",
      viewed: "Opened",
      signed: "Signed",
      approved: "Approved",
    },
    roles: { signer: "Signs", approver: "Approves", viewer: "Receives a copy" },
    eventTypes: {
      created: "Document uploaded",
      sent: "Sent for signature",
      viewed: "Opened",
      signed: "Signed",
      approved: "Approved",
      declined: "Declined",
      completed: "Completed",
      expired: "Expired",
      voided: "Cancelled by the sender",
      recipient_changed: "Recipient's address corrected",
      reminded: "Reminder sent",
      downloaded: "Downloaded",
    },
    platform: "the platform",
    reason: "Reason",
    note: "This certificate summarises the audit trail. The evidence is the signed document itself: verify it at the register address.",
  },
  ar: {
    heading: "شهادة الإتمام",
    document: "المستند",
    title: "العنوان",
    register: "رمز السجل",
    status: "الحالة",
    completed: "اكتمل",
    sentBy: "أرسله",
    original: "بصمة الأصل كما رُفع",
    final: "بصمة المستند الآن",
    chain: "سجل التدقيق",
    chainIntact: (n) => `سليم: ${n} حدثًا، كل بصمة مرتبطة بالتي قبلها`,
    chainBroken: (seq) => `معطوب عند الحدث ${seq}`,
    parties: "الأطراف",
    events: "الأحداث",
    generated: "أُنشئت",
    page: (n, of) => `الصفحة ${n} من ${of}`,
    statuses: {
      draft: "مسودة",
      sent: "قيد التنفيذ",
      completed: "مكتمل",
      declined: "مرفوض",
      expired: "انتهت المهلة",
      voided: "أُلغي",
      pending: "لم يُبلَّغ بعد",
      notified: "أُبلِغ",
      viewed: "فُتح",
      signed: "وقّع",
      approved: "وافق",
    },
    roles: { signer: "يوقّع", approver: "يوافق", viewer: "يتلقى نسخة" },
    eventTypes: {
      created: "رُفع المستند",
      sent: "أُرسل للتوقيع",
      viewed: "فُتح",
      signed: "وُقّع",
      approved: "تمت الموافقة",
      declined: "رُفض",
      completed: "اكتمل",
      expired: "انتهت المهلة",
      voided: "ألغاه المُرسِل",
      recipient_changed: "صُحّح عنوان أحد المستلمين",
      reminded: "أُرسل تذكير",
      downloaded: "نُزّل",
    },
    platform: "المنصة",
    reason: "السبب",
    note: "تلخّص هذه الشهادة سجل التدقيق. الدليل هو المستند الموقّع نفسه: تحقّق منه في عنوان السجل.",
  },
  ja: {
    heading: "完了証明書",
    document: "文書",
    title: "件名",
    register: "登録番号",
    status: "状態",
    completed: "完了日時",
    sentBy: "送信者",
    original: "原本（アップロード時）SHA-256",
    final: "現在の文書 SHA-256",
    chain: "監査証跡",
    chainIntact: (n) => `改ざんなし：${n} 件、各ハッシュが直前の記録に連結`,
    chainBroken: (seq) => `記録 ${seq} で破損`,
    parties: "当事者",
    events: "記録",
    generated: "作成日時",
    page: (n, of) => `${n} / ${of} ページ`,
    statuses: {
      draft: "下書き",
      sent: "進行中",
      completed: "完了",
      declined: "辞退",
      expired: "期限切れ",
      voided: "取り消し",
      pending: "未通知",
      notified: "通知済み",
      viewed: "閲覧済み",
      signed: "署名済み",
      approved: "承認済み",
    },
    roles: { signer: "署名", approver: "承認", viewer: "写しを受領" },
    eventTypes: {
      created: "文書のアップロード",
      sent: "署名依頼の送信",
      viewed: "閲覧",
      signed: "署名",
      approved: "承認",
      declined: "辞退",
      completed: "完了",
      expired: "期限切れ",
      voided: "送信者による取り消し",
      recipient_changed: "受信者アドレスの訂正",
      reminded: "催促の送信",
      downloaded: "ダウンロード",
    },
    platform: "プラットフォーム",
    reason: "理由",
    note: "この証明書は監査証跡の要約です。証拠は署名済み文書そのものです。登録簿のアドレスで検証してください。",
  },
};

const MARGIN = 50;
const PAGE = { width: 595.28, height: 841.89 };
const WIDTH = PAGE.width - 2 * MARGIN;
/** The register's QR code, in points (22.6 mm). */
const QR_SIZE = 64;
const LABEL_WIDTH = 170;

/**
 * A moment as the certificate gives it: the Gregorian date and time in UTC, then the same day in the national
 * calendars of the certificate's languages (Umm al-Qura for Arabic, the Japanese era), one line each.
 */
function datesIn(iso: string, languages: readonly CertificateLanguage[]): string[] {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return [iso];
  const day = { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" } as const;
  const lines = [`${d.toISOString().replace("T", " ").slice(0, 19)} UTC`];
  if (languages.includes("ar"))
    lines.push(new Intl.DateTimeFormat("ar-SA-u-ca-islamic-umalqura-nu-latn", day).format(d));
  if (languages.includes("ja"))
    lines.push(new Intl.DateTimeFormat("ja-JP-u-ca-japanese", { ...day, era: "long" }).format(d));
  return lines;
}

export async function completionCertificatePdf(input: CompletionCertificateInput): Promise<Uint8Array> {
  const fonts = fontPaths();
  const doc = new PDFDocument({
    size: "A4",
    margins: { top: MARGIN, bottom: MARGIN + 20, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: { Title: `${WORDS.en.heading}: ${input.title}`, Producer: "Khatam", Creator: "Khatam" },
    lang: input.languages[0] ?? "en",
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });
  if (fonts.latin) doc.registerFont("latin", fonts.latin);
  if (fonts.mono) doc.registerFont("mono", fonts.mono);
  if (fonts.arabic) doc.registerFont("arabic", fonts.arabic);
  if (fonts.cjk) doc.registerFont("cjk", fonts.cjk, fonts.cjk.endsWith(".ttc") ? "NotoSansCJKjp-Regular" : undefined);
  const fontFor = (text: string): string =>
    ARABIC.test(text) && fonts.arabic
      ? "arabic"
      : CJK.test(text) && fonts.cjk
        ? "cjk"
        : fonts.latin
          ? "latin"
          : "Helvetica";
  const mono = fonts.mono ? "mono" : "Courier";
  const languages = input.languages;

  /** One piece of text in its script's font; Arabic set right to left and aligned right. */
  const text = (value: string, x: number, width: number, size = 9, options: { mono?: boolean } = {}) => {
    if (ARABIC.test(value)) return arabicText(value, x, width, size);
    doc
      .font(options.mono ? mono : fontFor(value))
      .fontSize(size)
      .text(value, x, doc.y, { width, align: "left", lineGap: 1 });
  };
  /**
   * Arabic, right to left: fontkit shapes each word (joining forms, lam-alef), and the words are placed from the
   * right edge leftwards, wrapped at `width` — PDFKit's own right-to-left runs drop a space between words. Drawn
   * word by word, text extraction (pdftotext, copy and paste, screen readers) reads them in order; a zero-width
   * joiner inside lam-alef keeps the ligature drawn but maps its glyph back to the two letters in reading order
   * (extractors reverse a right-to-left word, and would turn one glyph's "لإ" into "إل").
   */
  const arabicText = (value: string, x: number, width: number, size: number) => {
    doc.font(fontFor(value)).fontSize(size);
    const space = doc.widthOfString(" ");
    // Words right to left; a run of words without Arabic letters (a date, an address) stays one left-to-right unit.
    const units: string[] = [];
    for (const word of value.split(/\s+/).filter(Boolean)) {
      const previous = units.at(-1);
      if (previous !== undefined && !ARABIC.test(word) && !ARABIC.test(previous))
        units[units.length - 1] = `${previous} ${word}`;
      else units.push(word);
    }
    const lines: string[][] = [[]];
    let used = 0;
    for (const word of units) {
      const w = doc.widthOfString(word);
      if (used > 0 && used + space + w > width) {
        lines.push([]);
        used = 0;
      }
      lines.at(-1)!.push(word);
      used += (used > 0 ? space : 0) + w;
    }
    const height = doc.currentLineHeight(true) + 1;
    for (const words of lines) {
      const y = doc.y;
      let right = x + width;
      for (const word of words) {
        const w = doc.widthOfString(word);
        doc.text(word.replace(/ل(?=[اأإآ])/g, "ل\u200d"), right - w, y, { lineBreak: false });
        right -= w + space;
      }
      doc.x = x;
      doc.y = y + height;
    }
  };
  const room = (height: number) => {
    if (doc.y + height > PAGE.height - MARGIN - 30) doc.addPage();
  };
  /** A labelled row: the label in every language (one line each), the values beside it. */
  const row = (
    label: (w: (typeof WORDS)["en"]) => string,
    values: readonly string[],
    options: { mono?: boolean } = {},
  ) => {
    room(12 * Math.max(languages.length, values.length));
    const top = doc.y;
    for (const l of languages) text(label(WORDS[l]), MARGIN, LABEL_WIDTH - 10, 8);
    const labelsEnd = doc.y;
    doc.y = top;
    for (const v of values) text(v, MARGIN + LABEL_WIDTH, WIDTH - LABEL_WIDTH, options.mono ? 7.5 : 9, options);
    doc.y = Math.max(doc.y, labelsEnd) + 5;
  };
  const heading = (words: (w: (typeof WORDS)["en"]) => string) => {
    room(60);
    doc.moveDown(0.5);
    for (const l of languages) text(words(WORDS[l]), MARGIN, WIDTH, 12);
    doc
      .moveTo(MARGIN, doc.y + 2)
      .lineTo(PAGE.width - MARGIN, doc.y + 2)
      .lineWidth(0.5)
      .strokeColor("#777777")
      .stroke();
    doc.y += 8;
  };

  // Title block, beside the register's QR code in the top corner (the text keeps clear of it).
  const top = doc.y;
  const { side, runs } = qrRuns(input.registerUrl);
  const module = QR_SIZE / side;
  const qrX = PAGE.width - MARGIN - QR_SIZE;
  doc.rect(qrX, top, QR_SIZE, QR_SIZE).fill("#ffffff");
  for (const [row, col, length] of runs) doc.rect(qrX + col * module, top + row * module, length * module, module);
  doc.fill("#000000");
  const titleWidth = WIDTH - QR_SIZE - 12;
  for (const l of languages) text(WORDS[l].heading, MARGIN, titleWidth, l === "en" ? 18 : 15);
  doc.moveDown(0.3);
  text(input.title, MARGIN, titleWidth, 14);
  doc.y = Math.max(doc.y, top + QR_SIZE);
  doc.moveDown(0.5);

  heading((w) => w.document);
  row((w) => w.title, [input.title]);
  row((w) => w.register, [input.registerCode, input.registerUrl], { mono: true });
  row(
    (w) => w.status,
    languages.map((l) => WORDS[l].statuses[input.status] ?? input.status),
  );
  if (input.completedAt) row((w) => w.completed, datesIn(input.completedAt, languages));
  if (input.sender.name || input.sender.agency.length > 0)
    row((w) => w.sentBy, [input.sender.name ?? "", ...input.sender.agency].filter(Boolean));
  row((w) => w.original, [input.originalSha256], { mono: true });
  row((w) => w.final, [input.documentSha256], { mono: true });
  row(
    (w) => w.chain,
    languages.map((l) =>
      input.chain.valid ? WORDS[l].chainIntact(input.chain.length) : WORDS[l].chainBroken(input.chain.seq),
    ),
  );
  row((w) => w.generated, datesIn(input.generatedAt.toISOString(), languages));

  heading((w) => w.parties);
  for (const p of input.parties) {
    const values = [
      ...(p.name ? [p.name] : []),
      p.email,
      ...languages.map((l) => `${WORDS[l].roles[p.role]} · ${WORDS[l].statuses[p.status] ?? p.status}`),
    ];
    if (p.actedAt) values.push(...datesIn(p.actedAt, languages));
    if (p.declineReason) values.push(`${WORDS.en.reason}: ${p.declineReason}`);
    row(() => "", values);
  }

  heading((w) => w.events);
  for (const e of input.events) {
    const reason = typeof e.details.reason === "string" ? e.details.reason : null;
    room(12 * (languages.length + 5));
    const top = doc.y;
    text(`#${e.seq}`, MARGIN, 30, 9);
    doc.y = top;
    // Each language's name of the event on its own line, so that the script's font sets it.
    for (const l of languages) text(WORDS[l].eventTypes[e.type] ?? e.type, MARGIN + 30, WIDTH - 30, 9);
    text(
      `${datesIn(e.at, [])[0]} — ${e.actorEmail ?? WORDS.en.platform}${e.ip ? ` — ${e.ip}` : ""}`,
      MARGIN + 30,
      WIDTH - 30,
      8,
    );
    if (reason) text(reason, MARGIN + 30, WIDTH - 30, 8);
    if (e.documentSha256) text(`document ${e.documentSha256}`, MARGIN + 30, WIDTH - 30, 7, { mono: true });
    text(`hash ${e.hash}`, MARGIN + 30, WIDTH - 30, 7, { mono: true });
    doc.y += 6;
  }

  room(60);
  doc.moveDown(1);
  for (const l of languages) text(WORDS[l].note, MARGIN, WIDTH, 8);

  // Footers: page numbers in each language, and the register address.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0; // the footer sits in the bottom margin
    const bottom = PAGE.height - MARGIN;
    doc.y = bottom;
    const footer = languages.map((l) => WORDS[l].page(i + 1, range.count));
    let x = MARGIN;
    for (const f of footer) {
      doc.y = bottom;
      if (ARABIC.test(f)) arabicText(f, x, WIDTH / languages.length - 10, 7);
      else doc.font(fontFor(f)).fontSize(7).text(f, x, bottom, { lineBreak: false });
      x += WIDTH / languages.length;
    }
  }
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}
