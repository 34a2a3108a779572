/**
 * Tenancy on both engines: least privilege (platform admin, agency admin of their own agency only, 403 for
 * officials and clerks, 404 for other tenants' people), and officials' signing certificates — platform-held keys
 * (encrypted on disk, certificate chaining to the country's root as OpenSSL sees it, usable through
 * signerForCertificate), device CSRs, revocation seen in the public directory and by OCSP.
 */
import assert from "node:assert/strict";
import { createVerify, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generate } from "otplib";
import { signerForCertificate } from "../src/tenancy/signing-keys.js";
import { ENGINES } from "./support/db.js";
import { call, login, startPlatform, type TestPlatform } from "./support/platform.js";
import { ADMIN_TOKEN, download, makeCsr, openssl, opensslVerify, temporaryDirectory } from "./support/server.js";

interface UserView {
  id: string;
  email: string;
  agencyId: string;
  role: string;
  jobTitle: string | null;
  disabled: boolean;
}

for (const engine of ENGINES) {
  describe(`tenancy on ${engine}`, () => {
    let platform: TestPlatform;
    const work = temporaryDirectory("khatam-tenancy-");
    const tokens: Record<string, string> = {};
    const users: Record<string, UserView> = {};
    before(async () => {
      platform = await startPlatform(engine);
      for (const email of ["admin@jp.demo", "admin@sa.demo", "official@jp.demo", "clerk@sa.demo"]) {
        tokens[email] = await login(platform.app, email);
      }
      const all = await call(platform.app, "GET", "/api/admin/users", { token: ADMIN_TOKEN });
      for (const u of all.json<UserView[]>()) users[u.email] = u;
    });
    after(async () => {
      await platform.close();
      work.remove();
    });

    it("lets the platform administrator see every agency and user, and create agencies", async () => {
      assert.equal(Object.keys(users).length, 5);
      const agencies = (await call(platform.app, "GET", "/api/admin/agencies", { token: ADMIN_TOKEN })).json();
      assert.deepEqual(agencies.map((a: { countryId: string }) => a.countryId).sort(), ["jp", "sa"]);
      const created = await call(platform.app, "POST", "/api/admin/agencies", {
        token: ADMIN_TOKEN,
        body: { countryId: "jp", names: { en: "Ministry of Foreign Affairs", ja: "外務省" } },
      });
      assert.equal(created.statusCode, 201);
      const byAgencyAdmin = await call(platform.app, "POST", "/api/admin/agencies", {
        token: tokens["admin@jp.demo"],
        body: { countryId: "jp", names: { en: "Shadow Agency" } },
      });
      assert.equal(byAgencyAdmin.statusCode, 403);
      const countries = await call(platform.app, "GET", "/api/admin/countries", { token: ADMIN_TOKEN });
      assert.deepEqual(
        countries.json().map((c: { id: string }) => c.id),
        ["jp", "sa"],
      );
      const noCa = await call(platform.app, "POST", "/api/admin/countries", {
        token: ADMIN_TOKEN,
        body: { id: "fr", isoCode: "FR", names: { en: "France" } },
      });
      assert.equal(noCa.statusCode, 400);
      assert.equal(noCa.json().error.code, "unknown_ca");
    });

    it("keeps an agency administrator inside their agency: other tenants' people are 404", async () => {
      const jp = tokens["admin@jp.demo"]!;
      const listed = (await call(platform.app, "GET", "/api/admin/users", { token: jp })).json<UserView[]>();
      assert.deepEqual(listed.map((u) => u.email).sort(), ["admin@jp.demo", "official@jp.demo"]);
      const agencies = (await call(platform.app, "GET", "/api/admin/agencies", { token: jp })).json();
      assert.equal(agencies.length, 1);
      const saOfficial = users["official@sa.demo"]!;
      assert.equal(
        (await call(platform.app, "GET", `/api/admin/users/${saOfficial.id}`, { token: jp })).statusCode,
        404,
      );
      const patch = await call(platform.app, "PATCH", `/api/admin/users/${saOfficial.id}`, {
        token: jp,
        body: { disabled: true },
      });
      assert.equal(patch.statusCode, 404);
      const reset = await call(platform.app, "POST", `/api/admin/users/${saOfficial.id}/password`, {
        token: jp,
        body: { password: "taken-over-123" },
      });
      assert.equal(reset.statusCode, 404);
      const cert = await call(platform.app, "POST", `/api/admin/users/${saOfficial.id}/certificates`, {
        token: jp,
        body: { mode: "platform" },
      });
      assert.equal(cert.statusCode, 404);
      const intoSa = await call(platform.app, "POST", "/api/admin/users", {
        token: jp,
        body: { email: "spy@sa.demo", displayName: "Spy", role: "official", agencyId: saOfficial.agencyId },
      });
      assert.equal(intoSa.statusCode, 403);
      const platformAdmin = await call(platform.app, "POST", "/api/admin/users", {
        token: jp,
        body: { email: "root@jp.demo", displayName: "Root", role: "platform_admin" },
      });
      assert.equal(platformAdmin.statusCode, 403);
      const promote = await call(platform.app, "PATCH", `/api/admin/users/${users["official@jp.demo"]!.id}`, {
        token: jp,
        body: { role: "platform_admin" },
      });
      assert.equal(promote.statusCode, 403);
      // And nothing changed.
      const still = await call(platform.app, "GET", `/api/admin/users/${saOfficial.id}`, { token: ADMIN_TOKEN });
      assert.equal(still.json().disabled, false);
      await login(platform.app, "official@sa.demo");
    });

    it("refuses officials and clerks every admin route with 403", async () => {
      for (const email of ["official@jp.demo", "clerk@sa.demo"]) {
        const token = tokens[email]!;
        assert.equal((await call(platform.app, "GET", "/api/admin/users", { token })).statusCode, 403);
        assert.equal((await call(platform.app, "GET", "/api/admin/agencies", { token })).statusCode, 403);
        const issue = await call(
          platform.app,
          "POST",
          `/api/admin/users/${users["official@sa.demo"]!.id}/certificates`,
          {
            token,
            body: { mode: "platform" },
          },
        );
        assert.equal(issue.statusCode, 403);
      }
      assert.equal((await call(platform.app, "GET", "/api/admin/users")).statusCode, 401);
    });

    it("lets an agency administrator create, reset and disable their own people", async () => {
      const sa = tokens["admin@sa.demo"]!;
      const created = await call(platform.app, "POST", "/api/admin/users", {
        token: sa,
        body: {
          email: "new.official@sa.demo",
          displayName: "Khalid Al-Zahrani",
          jobTitle: "  مدير إدارة الوثائق ",
          role: "official",
          password: "first-password-1",
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      const user = created.json<UserView>();
      assert.equal(user.agencyId, users["admin@sa.demo"]!.agencyId);
      // The job title (migration 15), trimmed; the person sees it in /api/me; emptied, it is none.
      assert.equal(created.json().jobTitle, "مدير إدارة الوثائق");
      const firstSession = await login(platform.app, "new.official@sa.demo", "first-password-1");
      const me = await call(platform.app, "GET", "/api/me", { token: firstSession });
      assert.equal(me.json().user.jobTitle, "مدير إدارة الوثائق");
      const retitled = await call(platform.app, "PATCH", `/api/admin/users/${user.id}`, {
        token: sa,
        body: { jobTitle: "Director of Records" },
      });
      assert.equal(retitled.json().jobTitle, "Director of Records");
      const untitled = await call(platform.app, "PATCH", `/api/admin/users/${user.id}`, {
        token: sa,
        body: { jobTitle: " " },
      });
      assert.equal(untitled.json().jobTitle, null);
      // The person sets it themselves (PATCH /api/me), trimmed the same way; only that field, and not too long.
      const own = await call(platform.app, "PATCH", "/api/me", {
        token: firstSession,
        body: { jobTitle: " مستشار التحول الرقمي " },
      });
      assert.equal(own.statusCode, 200, own.body);
      assert.equal(own.json().jobTitle, "مستشار التحول الرقمي");
      const seen = await call(platform.app, "GET", `/api/admin/users/${user.id}`, { token: sa });
      assert.equal(seen.json().jobTitle, "مستشار التحول الرقمي");
      for (const body of [{ jobTitle: "x".repeat(201) }, { role: "agency_admin" }]) {
        const refused = await call(platform.app, "PATCH", "/api/me", { token: firstSession, body });
        assert.equal(refused.statusCode, 400, JSON.stringify(body));
      }
      // Anything else sent along is dropped (the validator strips unknown properties), never applied.
      const cleared = await call(platform.app, "PATCH", "/api/me", {
        token: firstSession,
        body: { jobTitle: null, role: "agency_admin" },
      });
      assert.equal(cleared.json().jobTitle, null);
      const after = (await call(platform.app, "GET", "/api/me", { token: firstSession })).json().user;
      assert.deepEqual([after.role, after.jobTitle], ["official", null]);
      assert.equal((await call(platform.app, "PATCH", "/api/me", { body: { jobTitle: null } })).statusCode, 401);
      // The demo officials have titles (demo-people.ts), shown in their visible signatures.
      assert.equal(users["official@sa.demo"]!.jobTitle, "مدير إدارة التحول الرقمي");
      assert.equal(users["official@jp.demo"]!.jobTitle, "デジタル推進課長");
      assert.equal(users["clerk@sa.demo"] && "jobTitle" in users["clerk@sa.demo"], true);
      const dup = await call(platform.app, "POST", "/api/admin/users", {
        token: sa,
        body: { email: "NEW.official@sa.demo", displayName: "Dup", role: "clerk" },
      });
      assert.equal(dup.statusCode, 409);
      const session = await login(platform.app, "new.official@sa.demo", "first-password-1");
      const reset = await call(platform.app, "POST", `/api/admin/users/${user.id}/password`, {
        token: sa,
        body: { password: "second-password-2" },
      });
      assert.equal(reset.statusCode, 204);
      assert.equal((await call(platform.app, "GET", "/api/me", { token: session })).statusCode, 401);
      const again = await login(platform.app, "new.official@sa.demo", "second-password-2");
      const disabled = await call(platform.app, "PATCH", `/api/admin/users/${user.id}`, {
        token: sa,
        body: { disabled: true },
      });
      assert.equal(disabled.statusCode, 200);
      assert.equal(disabled.json().disabled, true);
      assert.equal((await call(platform.app, "GET", "/api/me", { token: again })).statusCode, 401);
      const refused = await call(platform.app, "POST", "/api/auth/login", {
        body: { email: "new.official@sa.demo", password: "second-password-2" },
      });
      assert.equal(refused.statusCode, 401);
      assert.equal(refused.json().error.code, "invalid_credentials");
      // A clerk is no signer: no certificate for them.
      const clerkCert = await call(
        platform.app,
        "POST",
        `/api/admin/users/${users["clerk@sa.demo"]!.id}/certificates`,
        {
          token: sa,
          body: { mode: "platform" },
        },
      );
      assert.equal(clerkCert.statusCode, 409);
      assert.equal(clerkCert.json().error.code, "not_a_signer");
    });

    it("issues a platform-held certificate from the official's own CA, key encrypted at rest, usable for signing", async () => {
      const official = users["official@jp.demo"]!;
      const issued = await call(platform.app, "POST", `/api/admin/users/${official.id}/certificates`, {
        token: tokens["admin@jp.demo"],
        body: { mode: "platform" },
      });
      assert.equal(issued.statusCode, 201, issued.body);
      const view = issued.json<{ serial: string; ca: string; pem: string; keyHolder: string; subject: string }>();
      assert.equal(view.ca, "jp");
      assert.equal(view.keyHolder, "platform");
      const x509 = new X509Certificate(view.pem);
      assert.match(x509.subject, /CN=Hanako Sato/);
      assert.match(x509.subject, /O=Digital Agency/);
      assert.match(x509.subject, /C=JP/);
      assert.match(x509.subjectAltName ?? "", /email:official@jp\.demo/);
      // OpenSSL builds the chain to the Japanese root, not the Saudi one.
      const certFile = join(work.path, "jp-official.pem");
      writeFileSync(certFile, view.pem);
      await download(`${platform.url}/pki/jp/root.pem`, join(work.path, "jp-root.pem"));
      await download(`${platform.url}/pki/jp/ca.pem`, join(work.path, "jp-chain.pem"));
      await download(`${platform.url}/pki/sa/root.pem`, join(work.path, "sa-root.pem"));
      const ok = await opensslVerify(join(work.path, "jp-root.pem"), join(work.path, "jp-chain.pem"), certFile);
      assert.equal(ok.code, 0, ok.stderr);
      const wrongRoot = await opensslVerify(join(work.path, "sa-root.pem"), join(work.path, "jp-chain.pem"), certFile);
      assert.notEqual(wrongRoot.code, 0);
      // The key: an encrypted PKCS#8 named for the user (a row of trust_keys), referenced by the row.
      const row = await platform.app.db
        .selectFrom("signing_certificates")
        .selectAll()
        .where("serial", "=", view.serial)
        .executeTakeFirstOrThrow();
      assert.equal(row.user_id, official.id);
      const keyName = (row.key_ref as { kind: string; file: string }).file;
      assert.equal((row.key_ref as { kind: string }).kind, "software");
      assert.match(keyName, new RegExp(`^user-${official.id}-2-[0-9a-f]{12}\\.key\\.pem$`));
      const stored = await platform.app.db
        .selectFrom("trust_keys")
        .select("pem")
        .where("name", "=", keyName)
        .executeTakeFirstOrThrow();
      assert.match(stored.pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      // The envelopes engine's way in: a signer whose signature the certificate verifies.
      const signer = await signerForCertificate(platform.app, row);
      const data = new TextEncoder().encode("memorandum");
      const signature = await signer.sign(data);
      assert.ok(createVerify("SHA256").update(data).verify(x509.publicKey, Buffer.from(signature)));
      // A certificate whose key is another's is refused.
      const demoRow = await platform.app.db
        .selectFrom("signing_certificates")
        .selectAll()
        .where("user_id", "=", official.id)
        .where("serial", "!=", view.serial)
        .executeTakeFirstOrThrow();
      await assert.rejects(signerForCertificate(platform.app, { ...demoRow, der: row.der }), /does not match/);
    });

    it("certifies a device key from a CSR with the platform's subject, and revokes it (directory and OCSP)", async () => {
      const official = users["official@jp.demo"]!;
      const { key, csr } = await makeCsr(work.path, "device", "/CN=Whoever I Claim/O=Evil Corp/C=SA");
      // Not through the administrator (who would certify their own key in the official's name, issue 9.6)…
      const byAdmin = await call(platform.app, "POST", `/api/admin/users/${official.id}/certificates`, {
        token: tokens["admin@jp.demo"],
        body: { mode: "device", csrPem: readFileSync(csr, "utf8") },
      });
      assert.equal(byAdmin.statusCode, 403, byAdmin.body);
      // …nor from the official's session without a second factor…
      const passwordOnly = await call(platform.app, "POST", "/api/me/certificates", {
        token: tokens["official@jp.demo"],
        body: { csrPem: readFileSync(csr, "utf8") },
      });
      assert.equal(passwordOnly.statusCode, 403, passwordOnly.body);
      assert.equal(passwordOnly.json<{ error: { code: string } }>().error.code, "second_factor_required");
      // …but from the official's own session once it has passed the second factor (enrolling proves a code).
      const enrol = await call(platform.app, "POST", "/api/auth/totp/enroll", { token: tokens["official@jp.demo"] });
      const { secret } = enrol.json<{ secret: string }>();
      const confirmed = await call(platform.app, "POST", "/api/auth/totp/confirm", {
        token: tokens["official@jp.demo"],
        body: { code: await generate({ secret }) },
      });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      const issued = await call(platform.app, "POST", "/api/me/certificates", {
        token: tokens["official@jp.demo"],
        body: { csrPem: readFileSync(csr, "utf8") },
      });
      assert.equal(issued.statusCode, 201, issued.body);
      const view = issued.json<{ serial: string; pem: string; keyHolder: string }>();
      assert.equal(view.keyHolder, "device");
      const x509 = new X509Certificate(view.pem);
      assert.match(x509.subject, /CN=Hanako Sato/);
      assert.match(x509.subject, /C=JP/);
      const certFile = join(work.path, "device.pem");
      writeFileSync(certFile, view.pem);
      const match = await openssl(["x509", "-in", certFile, "-noout", "-pubkey"]);
      const fromKey = await openssl(["pkey", "-in", key, "-pubout"]);
      assert.equal(match.stdout, fromKey.stdout);
      const row = await platform.app.db
        .selectFrom("signing_certificates")
        .selectAll()
        .where("serial", "=", view.serial)
        .executeTakeFirstOrThrow();
      assert.equal(row.key_ref, null);
      await assert.rejects(signerForCertificate(platform.app, row), /device/);
      const badCsr = await call(platform.app, "POST", "/api/me/certificates", {
        token: tokens["official@jp.demo"],
        body: { csrPem: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n" },
      });
      assert.equal(badCsr.statusCode, 400);

      // The other country's admin cannot revoke it; the own agency's admin can.
      const foreign = await call(
        platform.app,
        "POST",
        `/api/admin/users/${official.id}/certificates/${view.serial}/revoke`,
        {
          token: tokens["admin@sa.demo"],
          body: { reason: "keyCompromise" },
        },
      );
      assert.equal(foreign.statusCode, 404);
      const revoked = await call(
        platform.app,
        "POST",
        `/api/admin/users/${official.id}/certificates/${view.serial}/revoke`,
        {
          token: tokens["admin@jp.demo"],
          body: { reason: "keyCompromise" },
        },
      );
      assert.equal(revoked.statusCode, 200, revoked.body);
      assert.equal(revoked.json().status, "revoked");
      assert.equal(revoked.json().reason, "keyCompromise");
      const directory = await (await fetch(`${platform.url}/pki/jp/certs`)).json();
      const entry = directory.find((c: { serial: string }) => c.serial === view.serial);
      assert.equal(entry.status, "revoked");
      assert.equal(entry.reason, "keyCompromise");
      const chainPem = readFileSync(join(work.path, "jp-chain.pem"), "utf8");
      const issuingPem = join(work.path, "jp-issuing.pem");
      writeFileSync(issuingPem, chainPem.slice(0, chainPem.indexOf("-----END CERTIFICATE-----") + 26));
      const ocsp = await openssl([
        "ocsp",
        "-issuer",
        issuingPem,
        "-cert",
        certFile,
        "-url",
        `${platform.url}/pki/jp/ocsp`,
        "-CAfile",
        join(work.path, "jp-chain.pem"),
      ]);
      assert.equal(ocsp.code, 0, ocsp.stderr);
      assert.match(ocsp.stdout, new RegExp(`${certFile}: revoked`));
      assert.match(ocsp.stdout, /Reason: keyCompromise/);
      assert.match(ocsp.stderr + ocsp.stdout, /Response verify OK/);
      const me = (await call(platform.app, "GET", "/api/me", { token: tokens["official@jp.demo"] })).json();
      assert.equal(me.certificates.find((c: { serial: string }) => c.serial === view.serial).status, "revoked");
    });
  });
}
