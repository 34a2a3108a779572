/**
 * `khatam demo` (what `npm start` runs until the platform server exists): two national test PKIs, Japan with
 * ECDSA P-256 and Saudi Arabia with RSA-3072, each with a root CA, an issuing CA and a time-stamp authority; a
 * Japanese official signs a sample memorandum and a Saudi official countersigns it, each at PAdES B-T with their
 * own country's TSA; the result is extended to B-LTA (revocation data in a DSS, a document time-stamp). Prints where the files are and how to check them with other people's tools.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { textDocument } from "@khatam/core/appearance";
import { generateKey, softwareSigner } from "@khatam/core/keys";
import { createNationalPki, inProcessServices, inProcessTsa, type NationalPki, toPem } from "@khatam/core/pki";
import { extendToLongTerm, signPdf } from "@khatam/core/sign";
import { writeFileAtomic } from "./files.js";

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: "string", default: "demo-out" } } });
  const out = resolve(values.out!);
  await mkdir(out, { recursive: true });
  const publicUrl = process.env.KHATAM_PUBLIC_URL ?? "http://127.0.0.1:8080";
  const say = (s: string) => process.stdout.write(`${s}\n`);

  say("Creating two national test PKIs (root CA, issuing CA, TSA, OCSP responder each)…");
  const [jp, sa] = await Promise.all([
    createNationalPki({ id: "jp", country: "JP", organization: "Digital Agency", keyType: "P-256", publicUrl }),
    createNationalPki({ id: "sa", country: "SA", organization: "MCIT", keyType: "RSA-3072", publicUrl }),
  ]);
  const jpOfficial = await official(jp, "P-256", "Taro Yamada", "Digital Agency");
  const saOfficial = await official(sa, "RSA-3072", "Abdullah Al-Saud", "Ministry of Communications and IT");

  const memo = memorandum();
  await writeFileAtomic(join(out, "memorandum.pdf"), memo);

  // Each official signs at B-T with a time-stamp from their own country's TSA; the Saudi one countersigns.
  const signedJp = await signStep(out, "memorandum-jp.pdf", memo, jp, jpOfficial, {
    step: "Japanese official signs (ECDSA P-256, PAdES B-T)…",
    reason: "Approved for the Digital Agency of Japan",
    location: "Tokyo",
  });
  const signedBoth = await signStep(out, "memorandum-bt.pdf", signedJp, sa, saOfficial, {
    step: "Saudi official countersigns (RSA-3072, PAdES B-T)…",
    reason: "Approved for the Ministry of Communications and IT",
    location: "Riyadh",
  });

  say("Extending to PAdES B-LTA: OCSP answers of both countries in a DSS, then a document time-stamp…");
  const longTerm = await extendToLongTerm(signedBoth, {
    level: "B-LTA",
    fetch: inProcessServices(publicUrl, [jp, sa]),
    extraCertificates: [jp.root.certificate, sa.root.certificate],
    timestamp: inProcessTsa(jp),
  });
  const final = join(out, "memorandum-signed.pdf");
  await writeFileAtomic(final, longTerm);
  for (const [name, pki] of [
    ["jp", jp],
    ["sa", sa],
  ] as const) {
    await writeFile(join(out, `${name}-root.pem`), toPem(pki.root.certificate));
    await writeFile(join(out, `${name}-chain.pem`), toPem(pki.issuing.certificate) + toPem(pki.root.certificate));
  }

  say(`
The co-signed memorandum: ${final}
Trust anchors:            ${join(out, "jp-root.pem")}, ${join(out, "sa-root.pem")}

Check it with other people's tools:
  pdfsig ${final}
  mutool sign -v ${final}
  qpdf --check ${final}
and with Khatam, trusting both countries' roots:
  npx khatam verify ${final} --trust ${join(out, "jp-root.pem")} --trust ${join(out, "sa-root.pem")}`);
  return 0;
}

/** One signature of the demo: at B-T, time-stamped by the signer's own country's TSA, written to `out/file`. */
async function signStep(
  out: string,
  file: string,
  pdf: Uint8Array,
  pki: NationalPki,
  signer: Awaited<ReturnType<typeof official>>,
  { step, reason, location }: { step: string; reason: string; location: string },
): Promise<Uint8Array> {
  process.stdout.write(`${step}\n`);
  const signed = await signPdf(pdf, { ...signer, level: "B-T", timestamp: inProcessTsa(pki), reason, location });
  await writeFileAtomic(join(out, file), signed);
  return signed;
}

async function official(pki: NationalPki, keyType: "P-256" | "RSA-3072", name: string, organization: string) {
  const { privateKey, publicKey } = await generateKey(keyType);
  const cert = await pki.issue("official", {
    spki: publicKey,
    subject: { commonName: name, organization, country: pki.country },
  });
  return {
    signer: softwareSigner(privateKey),
    certificate: cert.der,
    chain: [pki.issuing.certificate, pki.root.certificate],
  };
}

/**
 * The demo's memorandum, in the languages of its two participants and in English, each set in its own script and
 * direction (core's text engine, the one visible signatures use; the fonts are embedded as subsets).
 */
function memorandum(): Uint8Array {
  return textDocument(
    [
      { text: "Memorandum of Cooperation on Digital Government", size: 16 },
      {
        text:
          "between the Digital Agency of Japan and the Ministry of Communications and Information Technology of " +
          "the Kingdom of Saudi Arabia. The Participants intend to cooperate on digital platforms, electronic " +
          "signatures and documentation, and to recognise each other's signatures.",
        spaceBefore: 10,
      },
      { text: "مذكرة تعاون في مجال الحكومة الرقمية", language: "ar", size: 16, spaceBefore: 22 },
      {
        text:
          "بين الوكالة الرقمية في اليابان ووزارة الاتصالات وتقنية المعلومات في المملكة العربية السعودية. " +
          "يعتزم الطرفان التعاون في المنصات الرقمية والتوقيع الإلكتروني والوثائق، والاعتراف بتوقيعات كل منهما.",
        language: "ar",
        spaceBefore: 10,
      },
      { text: "デジタル・ガバメント分野における協力覚書", language: "ja", size: 16, spaceBefore: 22 },
      {
        text:
          "日本国デジタル庁とサウジアラビア王国通信情報技術省との間の覚書。両参加者は、デジタル・プラットフォーム、" +
          "電子署名及び文書の分野で協力し、相互の署名を承認することを意図する。",
        language: "ja",
        spaceBefore: 10,
      },
      {
        text: "Signed electronically by one official of each Participant. — وقّعه إلكترونيًا مسؤول من كل طرف. — 各参加者の職員一名が電子署名する。",
        spaceBefore: 22,
        size: 10,
      },
    ],
    { title: "Memorandum of Cooperation on Digital Government" },
  );
}
