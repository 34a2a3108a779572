/** Errors of the command line itself: wrong or missing options (exit 64, EX_USAGE of sysexits.h). */
export class UsageError extends Error {
  override name = "UsageError";
}

export const USAGE = `usage:
  khatam sign  IN.pdf|DIR… -o OUT.pdf|OUT_DIR --key KEY.pem|pkcs11:URI --cert CERT.pem [--chain CHAIN.pem]
               [--p12 FILE --password P] [--level B-B|B-T|B-LT|B-LTA] [--tsa URL] [--reason TEXT]
               [--location TEXT] [--contact TEXT] [--field NAME] [--certify no-changes|form-filling|annotations]
               [--visible X1,Y1,X2,Y2|field [--page N] [--name TEXT] [--title TEXT] [--agency TEXT]
                [--locale en|ar|ja] [--mark IMAGE] [--seal FAMILY_NAME | --seal-image IMAGE]]
  khatam extend IN.pdf -o OUT.pdf --level B-LT|B-LTA [--tsa URL] [--trust ROOT.pem|TRUSTED-LIST.xml]…
               [--chain CHAIN.pem]…
  khatam verify FILE.pdf|DIR… [--trust ROOT.pem|TRUSTED-LIST.xml]… [--json] [--offline] [--policy POLICY.json]
  khatam demo  [--out DIR]`;
