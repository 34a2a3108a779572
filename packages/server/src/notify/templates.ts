/**
 * The notification e-mails, in English, Arabic and Japanese: the recipient's `users.locale` chooses (English for
 * recipients without an account). Each is a short subject, plain text and a simple HTML part (right-to-left for
 * Arabic). Links go to the ceremony (`<publicUrl>/envelopes/<id>`), which asks the recipient to sign in; no
 * e-mail carries a token, so a forwarded or leaked message grants nothing.
 *
 * Usage, in the transaction of the state change: `enqueueEmail(tx, renderEmail(notice, { to, locale, publicUrl }))`
 * with `locale = await recipientLocale(tx, to)`.
 */
import type { Db, Tx } from "../db/connect.js";
import type { RecipientRole } from "../db/schema.js";
import type { EmailMessage } from "./outbox.js";
import { userLocale, userLocales } from "./store.js";

export type Locale = "en" | "ar" | "ja";

/** What an e-mail announces. */
export type Notice =
  | {
      readonly kind: "invitation";
      readonly role: RecipientRole;
      readonly envelopeId: string;
      readonly title: string;
      /** Who asks: the sender's name and agency, e.g. "Aiko Tanaka (Digital Agency)". */
      readonly sender: string;
      readonly expiresAt?: Date | null;
      /** The sender's own words, quoted as they wrote them. */
      readonly message?: string | null;
    }
  | {
      readonly kind: "reminder";
      readonly role: RecipientRole;
      readonly envelopeId: string;
      readonly title: string;
      readonly expiresAt?: Date | null;
    }
  | { readonly kind: "completed"; readonly envelopeId: string; readonly title: string }
  | { readonly kind: "expired"; readonly envelopeId: string; readonly title: string }
  | {
      readonly kind: "voided";
      readonly envelopeId: string;
      readonly title: string;
      readonly voidedBy: string;
      readonly reason: string;
    }
  | {
      readonly kind: "declined";
      readonly envelopeId: string;
      readonly title: string;
      /** Who declined (name or e-mail). */
      readonly declinedBy: string;
      readonly reason: string;
    }
  | {
      /** Something an administrator or the holder did to the reader's account (security issue 9.6). */
      readonly kind: "account";
      readonly event: AccountEvent;
      /** Who did it (an administrator's address, or the reader's own for self-service). */
      readonly by: string;
    }
  | {
      /** The link that proves the reader owns the address (security issue 9.3). */
      readonly kind: "verify-address";
      readonly url: string;
    };

export type AccountEvent =
  | "certificate_issued"
  | "device_certificate_issued"
  | "certificate_revoked"
  | "password_reset"
  | "totp_reset";

export interface RenderOptions {
  readonly to: string;
  readonly locale?: Locale | null;
  /** `KHATAM_PUBLIC_URL`, without a trailing slash. */
  readonly publicUrl: string;
}

/** The locales of the users with these addresses, by lower-cased address (absent: no account or no preference). */
export async function localesOf(db: Db | Tx, emails: readonly string[]): Promise<Map<string, Locale>> {
  const wanted = [...new Set(emails.map((e) => e.toLowerCase()))];
  if (wanted.length === 0) return new Map();
  const rows = await userLocales(db, wanted);
  return new Map(rows.filter((r) => r.locale).map((r) => [r.email.toLowerCase(), r.locale as Locale]));
}

/** The locale of the user with this e-mail address, or English. */
export async function recipientLocale(db: Db | Tx, email: string): Promise<Locale> {
  return (await userLocale(db, email)) ?? "en";
}

interface Strings {
  readonly action: Record<RecipientRole, { subject: string; ask: (sender: string, t: string) => string }>;
  readonly reminder: Record<RecipientRole, { subject: string; body: (t: string) => string }>;
  readonly open: string;
  readonly expires: (date: string) => string;
  readonly completed: { subject: string; body: (t: string) => string; download: string };
  readonly declined: { subject: string; body: (who: string, t: string) => string; reason: string };
  readonly expired: { subject: string; body: (t: string) => string };
  /** Introduces the sender's own message. */
  readonly message: string;
  readonly voided: { subject: string; body: (who: string, t: string) => string; reason: string };
  readonly account: {
    subject: string;
    events: Record<AccountEvent, (by: string) => string>;
    notYou: string;
    open: string;
  };
  readonly verify: { subject: string; body: string; open: string };
  readonly footer: string;
}

const STRINGS: Record<Locale, Strings> = {
  en: {
    action: {
      signer: { subject: "Please sign", ask: (s, t) => `${s} asks you to sign “${t}”.` },
      approver: { subject: "Please approve", ask: (s, t) => `${s} asks you to approve “${t}”.` },
      viewer: { subject: "Document shared", ask: (s, t) => `${s} shared “${t}” with you.` },
    },
    reminder: {
      signer: { subject: "Reminder: please sign", body: (t) => `“${t}” is still waiting for your signature.` },
      approver: { subject: "Reminder: please approve", body: (t) => `“${t}” is still waiting for your approval.` },
      viewer: { subject: "Reminder", body: (t) => `“${t}” has been shared with you.` },
    },
    open: "Open the document",
    expires: (d) => `The request expires on ${d}.`,
    completed: {
      subject: "Completed",
      body: (t) => `Everyone has signed “${t}”.`,
      download: "Download the signed document",
    },
    declined: { subject: "Declined", body: (w, t) => `${w} declined “${t}”.`, reason: "Reason" },
    expired: { subject: "Expired", body: (t) => `“${t}” expired before everyone had signed.` },
    message: "Message from the sender",
    voided: {
      subject: "Cancelled",
      body: (w, t) => `${w} cancelled “${t}”. Nothing more is asked of you.`,
      reason: "Reason",
    },
    account: {
      subject: "Your account changed",
      events: {
        certificate_issued: (by) => `A signing certificate in your name was issued by ${by}.`,
        device_certificate_issued: (by) =>
          `A signing certificate was issued for a key on a device, requested by ${by}.`,
        certificate_revoked: (by) => `One of your signing certificates was revoked by ${by}.`,
        password_reset: (by) => `Your password was reset by ${by}.`,
        totp_reset: (by) => `Your second factor (authenticator app) was reset by ${by}.`,
      },
      notYou: "If you did not expect this, contact your agency's administrator at once.",
      open: "Review your account",
    },
    verify: {
      subject: "Confirm your e-mail address",
      body: "Confirm that this address is yours, so that documents sent to it reach your account. The link is valid for 24 hours.",
      open: "Confirm the address",
    },
    footer: "This message was sent by Khatam. If you did not expect it, you can ignore it.",
  },
  ar: {
    action: {
      signer: { subject: "مطلوب توقيعك", ask: (s, t) => `يطلب ${s} توقيعك على المستند «${t}».` },
      approver: { subject: "مطلوب اعتمادك", ask: (s, t) => `يطلب ${s} اعتمادك للمستند «${t}».` },
      viewer: { subject: "مستند للاطلاع", ask: (s, t) => `شارك ${s} معك المستند «${t}» للاطلاع.` },
    },
    reminder: {
      signer: { subject: "تذكير: مطلوب توقيعك", body: (t) => `لا يزال المستند «${t}» بانتظار توقيعك.` },
      approver: { subject: "تذكير: مطلوب اعتمادك", body: (t) => `لا يزال المستند «${t}» بانتظار اعتمادك.` },
      viewer: { subject: "تذكير", body: (t) => `تمت مشاركة المستند «${t}» معك.` },
    },
    open: "افتح المستند",
    expires: (d) => `ينتهي الطلب في ${d}.`,
    completed: {
      subject: "اكتمل التوقيع",
      body: (t) => `وقّع جميع الأطراف المستند «${t}».`,
      download: "نزّل المستند الموقّع",
    },
    declined: { subject: "رُفض", body: (w, t) => `رفض ${w} المستند «${t}».`, reason: "السبب" },
    expired: { subject: "انتهت المهلة", body: (t) => `انتهت مهلة المستند «${t}» قبل أن يوقّعه جميع الأطراف.` },
    message: "رسالة من المُرسِل",
    voided: {
      subject: "أُلغي",
      body: (w, t) => `ألغى ${w} المستند «${t}». لم يعد مطلوبًا منك أي إجراء.`,
      reason: "السبب",
    },
    account: {
      subject: "تغيير في حسابك",
      events: {
        certificate_issued: (by) => `أصدر ${by} شهادة توقيع باسمك.`,
        device_certificate_issued: (by) => `صدرت شهادة توقيع لمفتاح على جهاز بطلب من ${by}.`,
        certificate_revoked: (by) => `ألغى ${by} إحدى شهادات التوقيع الخاصة بك.`,
        password_reset: (by) => `أعاد ${by} تعيين كلمة المرور الخاصة بك.`,
        totp_reset: (by) => `أعاد ${by} تعيين عامل التحقق الثاني (تطبيق المصادقة) الخاص بك.`,
      },
      notYou: "إن لم تكن تتوقع ذلك فتواصل فورًا مع مسؤول جهتك.",
      open: "راجع حسابك",
    },
    verify: {
      subject: "أكّد عنوان بريدك الإلكتروني",
      body: "أكّد أن هذا العنوان لك، لتصل المستندات المرسلة إليه إلى حسابك. الرابط صالح لمدة 24 ساعة.",
      open: "أكّد العنوان",
    },
    footer: "أُرسلت هذه الرسالة من منصة ختم. إن لم تكن تتوقعها فيمكنك تجاهلها.",
  },
  ja: {
    action: {
      signer: { subject: "署名のお願い", ask: (s, t) => `${s}から「${t}」への署名が依頼されています。` },
      approver: { subject: "承認のお願い", ask: (s, t) => `${s}から「${t}」の承認が依頼されています。` },
      viewer: { subject: "文書の共有", ask: (s, t) => `${s}から「${t}」が共有されました。` },
    },
    reminder: {
      signer: { subject: "リマインダー：署名のお願い", body: (t) => `「${t}」はまだあなたの署名を待っています。` },
      approver: { subject: "リマインダー：承認のお願い", body: (t) => `「${t}」はまだあなたの承認を待っています。` },
      viewer: { subject: "リマインダー", body: (t) => `「${t}」があなたに共有されています。` },
    },
    open: "文書を開く",
    expires: (d) => `依頼の期限は${d}です。`,
    completed: {
      subject: "署名完了",
      body: (t) => `「${t}」はすべての署名が完了しました。`,
      download: "署名済みの文書をダウンロード",
    },
    declined: { subject: "辞退", body: (w, t) => `${w}が「${t}」を辞退しました。`, reason: "理由" },
    expired: { subject: "期限切れ", body: (t) => `「${t}」は全員の署名がそろう前に期限切れとなりました。` },
    message: "送信者からのメッセージ",
    voided: {
      subject: "取り消し",
      body: (w, t) => `${w}が「${t}」を取り消しました。これ以上の対応は不要です。`,
      reason: "理由",
    },
    account: {
      subject: "アカウントが変更されました",
      events: {
        certificate_issued: (by) => `${by}があなたの名義の署名用証明書を発行しました。`,
        device_certificate_issued: (by) => `${by}の申請により、端末上の鍵に署名用証明書が発行されました。`,
        certificate_revoked: (by) => `${by}があなたの署名用証明書を失効させました。`,
        password_reset: (by) => `${by}があなたのパスワードを再設定しました。`,
        totp_reset: (by) => `${by}があなたの二要素認証（認証アプリ）を再設定しました。`,
      },
      notYou: "心当たりがない場合は、直ちに所属機関の管理者に連絡してください。",
      open: "アカウントを確認する",
    },
    verify: {
      subject: "メールアドレスの確認",
      body: "このアドレスがあなたのものであることを確認してください。確認すると、このアドレスに送られた文書があなたのアカウントに届きます。リンクの有効期限は24時間です。",
      open: "アドレスを確認する",
    },
    footer: "このメールはKhatamから送信されました。心当たりがない場合は破棄してください。",
  },
};

const SUBJECT_TITLE_MAX = 60;

/** The e-mail for `notice`, ready for `enqueueEmail`. */
export function renderEmail(notice: Notice, options: RenderOptions): EmailMessage {
  const locale: Locale = options.locale && options.locale in STRINGS ? options.locale : "en";
  const s = STRINGS[locale];
  const base = options.publicUrl.replace(/\/+$/, "");
  if (notice.kind === "account") {
    const paragraphs = [s.account.events[notice.event](oneLine(notice.by)), s.account.notYou];
    return message(options.to, locale, s.account.subject, paragraphs, {
      label: s.account.open,
      url: `${base}/account`,
    });
  }
  if (notice.kind === "verify-address") {
    return message(options.to, locale, s.verify.subject, [s.verify.body], { label: s.verify.open, url: notice.url });
  }
  const envelopeUrl = `${base}/envelopes/${encodeURIComponent(notice.envelopeId)}`;
  const title = oneLine(notice.title);
  let subject: string;
  const paragraphs: string[] = [];
  let link: { label: string; url: string };
  switch (notice.kind) {
    case "invitation":
      subject = s.action[notice.role].subject;
      paragraphs.push(s.action[notice.role].ask(oneLine(notice.sender), title));
      if (notice.message) paragraphs.push(`${s.message}:\n${notice.message.trim()}`);
      if (notice.expiresAt) paragraphs.push(s.expires(formatDate(notice.expiresAt, locale)));
      link = { label: s.open, url: envelopeUrl };
      break;
    case "reminder":
      subject = s.reminder[notice.role].subject;
      paragraphs.push(s.reminder[notice.role].body(title));
      if (notice.expiresAt) paragraphs.push(s.expires(formatDate(notice.expiresAt, locale)));
      link = { label: s.open, url: envelopeUrl };
      break;
    case "completed":
      subject = s.completed.subject;
      paragraphs.push(s.completed.body(title));
      link = {
        label: s.completed.download,
        url: `${base}/api/envelopes/${encodeURIComponent(notice.envelopeId)}/document`,
      };
      break;
    case "expired":
      subject = s.expired.subject;
      paragraphs.push(s.expired.body(title));
      link = { label: s.open, url: envelopeUrl };
      break;
    case "voided":
      subject = s.voided.subject;
      paragraphs.push(s.voided.body(oneLine(notice.voidedBy), title));
      paragraphs.push(`${s.voided.reason}: ${notice.reason.trim()}`);
      link = { label: s.open, url: envelopeUrl };
      break;
    case "declined":
      subject = s.declined.subject;
      paragraphs.push(s.declined.body(oneLine(notice.declinedBy), title));
      paragraphs.push(`${s.declined.reason}: ${notice.reason.trim()}`);
      link = { label: s.open, url: envelopeUrl };
      break;
  }
  return message(options.to, locale, `${subject}: ${truncate(title, SUBJECT_TITLE_MAX)}`, paragraphs, link);
}

/** Plain text and HTML (escaped, right-to-left for Arabic) of one message. */
function message(
  to: string,
  locale: Locale,
  subject: string,
  paragraphs: readonly string[],
  link: { label: string; url: string },
): EmailMessage {
  const s = STRINGS[locale];
  const text = `${[...paragraphs, `${link.label}: ${link.url}`].join("\n\n")}\n\n-- \n${s.footer}\n`;
  const dir = locale === "ar" ? "rtl" : "ltr";
  const html = [
    `<!doctype html><html lang="${locale}" dir="${dir}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    `<body style="font-family: system-ui, sans-serif; line-height: 1.5; max-width: 40em">`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`),
    `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`,
    `<hr><p style="color: #555; font-size: 0.9em">${escapeHtml(s.footer)}</p>`,
    "</body></html>",
  ].join("\n");
  return { to, subject: oneLine(subject), text, html };
}

/** No line breaks or control characters (a title is untrusted input; a subject is a header). */
function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

function truncate(value: string, max: number): string {
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join("")}…`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatDate(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === "ar" ? "ar-SA-u-ca-gregory-nu-latn" : locale, {
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: "UTC",
    timeZoneName: "short",
  }).format(date);
}
