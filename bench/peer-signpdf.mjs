// Peer runner: @signpdf/signpdf + @signpdf/placeholder-plain + @signpdf/signer-p12 (node-forge) signs PDFs in one
// Node process, like `khatam sign`: load the PKCS#12, then read the files, add the placeholder to and sign each,
// write the results.
// signer-p12 signs with node-forge, which has RSA only (a P-256 PKCS#12 is refused), and writes SubFilter
// adbe.pkcs7.detached; so this runs with the RSA-2048 leaf (and RSA root).
// Usage: node bench/peer-signpdf.mjs P12 PASSWORD OUT (IN_DIR | IN.pdf)
// Prints one JSON line: { docs, loopMs, maxRssKb }.
import { readFileSync } from "node:fs";
import placeholderPlain from "@signpdf/placeholder-plain";
import signerP12 from "@signpdf/signer-p12";
import signpdfMod from "@signpdf/signpdf";
import { runPeerJobs } from "./peer-jobs.mjs";

const [p12File, password, out, input] = process.argv.slice(2);
const pick = (mod, name) => mod[name] ?? mod.default?.[name];
const SignPdf = pick(signpdfMod, "SignPdf");
const P12Signer = pick(signerP12, "P12Signer");
const plainAddPlaceholder = pick(placeholderPlain, "plainAddPlaceholder");
const p12 = readFileSync(p12File);
const signpdf = new SignPdf();

await runPeerJobs(input, out, (src) => {
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: src,
    reason: "Benchmark",
    contactInfo: "bench@khatam.invalid",
    name: "Bench Signer",
    location: "Tokyo",
  });
  // A P12Signer reads its PKCS#12 through a forge buffer that sign() consumes: it is good for one signature only
  // (and re-parses and decrypts the PKCS#12 every time anyway).
  return signpdf.sign(withPlaceholder, new P12Signer(p12, { passphrase: password }));
});
