/**
 * The national trust services over HTTP (CONTRACTS § 3): CA certificates, CRL (RFC 5280), OCSP (RFC 6960, POST and
 * the GET form of its appendix A), the public certificate directory, the time-stamp authority (RFC 3161) and the
 * platform's trusted list (ETSI TS 119 612) and the
 * platform administrator's certificate operations (issue for a CSR, revoke).
 *
 * Protocol errors are answered in the protocol: an unreadable OCSP request gets an OCSPResponse `malformedRequest`
 * (RFC 6960 § 2.3) and an unreadable time-stamp query a TimeStampResp `rejection` (RFC 3161 § 2.4.2), both HTTP 200;
 * HTTP-level errors (unknown CA, wrong media type, body too large) are JSON errors.
 */
import rateLimit from "@fastify/rate-limit";
import { InvalidCertificationRequestError, type RevocationReason, toPem } from "@khatam/core/pki";
import { FINAL_REVOCATION_REASONS } from "@khatam/core/vocabulary";
import { Certificate, OID_COUNTRY, OID_ORGANIZATION } from "@khatam/core/x509";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { HttpError, perMinuteLimit } from "../http/errors.js";
import { type PlatformAnchor, trustSchemas } from "./schemas.js";
import { type TrustStore, TrustStoreError } from "./store.js";

export interface TrustRoutesOptions {
  readonly store: TrustStore;
  /** Requests per minute and client address (default 600). */
  readonly perMinute?: number;
}

/** Media types of the protocols (RFC 6960 App. C, RFC 3161 § 4, RFC 2585 § 4, RFC 8555 § 9.1). */
export const MEDIA = {
  ocspRequest: "application/ocsp-request",
  ocspResponse: "application/ocsp-response",
  tsQuery: "application/timestamp-query",
  tsReply: "application/timestamp-reply",
  crl: "application/pkix-crl",
  cert: "application/pkix-cert",
  pemChain: "application/pem-certificate-chain",
  /** ETSI TS 119 612 Annex E: the media type of an XML trusted list. */
  trustedList: "application/vnd.etsi.tsl+xml",
} as const;

/** Protocol requests are small: an OCSP request or a time-stamp query is a few hundred bytes. */
const PROTOCOL_BODY_LIMIT = 16 * 1024;
/** A CSR in JSON. */
const ADMIN_BODY_LIMIT = 64 * 1024;

export const trustRoutes: FastifyPluginAsync<TrustRoutesOptions> = async (app, options) => {
  const { store } = options;
  // The responders sign on every request (OCSP, TSA): unthrottled, one client could keep the signing keys busy.
  await app.register(rateLimit, perMinuteLimit(options.perMinute ?? 600));
  app.addContentTypeParser(
    [MEDIA.ocspRequest, MEDIA.tsQuery],
    { parseAs: "buffer", bodyLimit: PROTOCOL_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
  // Every answer from the state as all processes of this instance left it (a revocation made by another process is
  // in this one's OCSP answers and CRLs at once).
  app.addHook("preHandler", async () => {
    await store.refresh();
  });

  const pki = (request: FastifyRequest) => {
    const { ca } = request.params as { ca: string };
    try {
      return store.get(ca);
    } catch (error) {
      throw httpError(error);
    }
  };

  app.get("/pki/:ca/ca.pem", async (request, reply) => {
    const ca = pki(request);
    return reply.type(MEDIA.pemChain).send(toPem(ca.issuing.certificate) + toPem(ca.root.certificate));
  });

  // The AIA caIssuers URI of every certificate the issuing CA issues (profiles.ts): one DER certificate.
  app.get("/pki/:ca/ca.cer", async (request, reply) =>
    reply.type(MEDIA.cert).send(Buffer.from(pki(request).issuing.certificate)),
  );

  app.get("/pki/:ca/root.pem", async (request, reply) =>
    reply.type("application/x-pem-file").send(toPem(pki(request).root.certificate)),
  );

  // Cross-certificates this CA's root issued to the other countries' roots (bridge model).
  app.get("/pki/:ca/cross.pem", async (request, reply) => {
    const ca = pki(request);
    const pem = store
      .crossCertificates(ca.id)
      .map((c) => toPem(c.der))
      .join("");
    return reply.type("application/x-pem-file").send(pem);
  });

  app.get("/pki/:ca/crl", async (request, reply) => {
    const ca = pki(request);
    return reply.type(MEDIA.crl).send(Buffer.from(await store.crl(ca.id)));
  });

  app.post("/pki/:ca/ocsp", { bodyLimit: PROTOCOL_BODY_LIMIT }, async (request, reply) => {
    const ca = pki(request);
    const body = protocolBody(request, MEDIA.ocspRequest);
    return reply.type(MEDIA.ocspResponse).send(Buffer.from(await ca.ocspRespond(body)));
  });

  // RFC 6960 App. A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}. The base64 may hold "/",
  // so the request is taken from the raw URL rather than from one path segment.
  app.get("/pki/:ca/ocsp/*", async (request, reply) => {
    const ca = pki(request);
    const path = request.url.split("?")[0]!;
    const encoded = path.slice(path.indexOf("/ocsp/") + "/ocsp/".length);
    let der: Uint8Array;
    try {
      der = new Uint8Array(Buffer.from(decodeURIComponent(encoded), "base64"));
    } catch {
      der = new Uint8Array(0); // answered as malformedRequest below
    }
    return reply.type(MEDIA.ocspResponse).send(Buffer.from(await ca.ocspRespond(der)));
  });

  // The public directory says which certificates exist and their status. A person's certificate (profile official)
  // is listed without its e-mail address and without the certificate itself, whose subjectAltName holds the
  // address: relying parties get it from the signature that embeds it, harvesters get no list of officials' mail.
  app.get("/pki/:ca/certs", async (request) => {
    const ca = pki(request);
    return ca.certificates().map((record) => {
      const status = ca.status(record.serial);
      const personal = record.profile === "official";
      return {
        serial: record.serial,
        subject: withoutEmail(Certificate.fromDer(record.der).subject),
        profile: record.profile,
        status: status.status,
        notBefore: record.notBefore.toISOString(),
        notAfter: record.notAfter.toISOString(),
        ...(status.status === "revoked" && { revokedAt: status.revokedAt?.toISOString(), reason: status.reason }),
        ...(!personal && { pem: toPem(record.der) }),
      };
    });
  });

  const timestamp = async (request: FastifyRequest, reply: FastifyReply, caId: string) => {
    const body = protocolBody(request, MEDIA.tsQuery);
    const ca = store.get(caId);
    return reply.type(MEDIA.tsReply).send(Buffer.from(await ca.timestamp(body)));
  };
  // The platform's TSA is the first CA's (the default); each country's is at /pki/:ca/tsa.
  app.post("/tsa", { bodyLimit: PROTOCOL_BODY_LIMIT }, async (request, reply) => {
    const [first] = store.ids();
    if (!first) throw new HttpError(503, "not_ready", "no CA has been created yet");
    return timestamp(request, reply, first);
  });
  app.post("/pki/:ca/tsa", { bodyLimit: PROTOCOL_BODY_LIMIT }, async (request, reply) =>
    timestamp(request, reply, pki(request).id),
  );

  // The platform's trusted list (ETSI TS 119 612), signed by the scheme operator; cached between releases.
  app.get("/trust/list.xml", async (_request, reply) => {
    if (store.ids().length === 0) throw new HttpError(503, "not_ready", "no CA has been created yet");
    return reply.type(MEDIA.trustedList).send(await store.trustedList());
  });
  // The certificate relying parties pin to accept the list (TS 119 612 § 5.7.1; the EU LOTL publishes these).
  app.get("/trust/list-signer.pem", async (_request, reply) => {
    if (store.ids().length === 0) throw new HttpError(503, "not_ready", "no CA has been created yet");
    if (!store.trustedListSigningCertificate()) await store.trustedList();
    return reply.type("application/x-pem-file").send(toPem(store.trustedListSigningCertificate()!));
  });

  await app.register(adminRoutes, options);
};

/**
 * `/api/admin/cas/…`: the platform administrator's certificate operations.
 *
 * The guard is a hook of this encapsulated plugin, so it runs for exactly the routes registered below, whatever
 * spelling of the URL the router matched them by (percent-encoded, case-changed, doubled slashes): authorization
 * never depends on a string test of the raw URL. Default deny: anything but a platform administrator is refused,
 * in onRequest, before the body is read. The identity (bearer `KHATAM_ADMIN_TOKEN`, or a platform_admin account)
 * is resolved once, by the identity plugin.
 */
const adminRoutes: FastifyPluginAsync<TrustRoutesOptions> = async (app: FastifyInstance, options) => {
  const { store } = options;
  app.addHook("onRequest", async (request, reply) => {
    const identity = request.identity;
    if (!identity) {
      reply.header("www-authenticate", 'Bearer realm="khatam"');
      throw new HttpError(401, "unauthorized", "a valid bearer token is required");
    }
    if (identity.role !== "platform_admin") {
      throw new HttpError(403, "forbidden", "only a platform administrator may operate the CAs");
    }
  });

  app.post("/api/admin/cas/:ca/certificates", { bodyLimit: ADMIN_BODY_LIMIT }, async (request, reply) => {
    const { ca } = request.params as { ca: string };
    const body = jsonBody(request);
    const { profile, csrPem } = body;
    if (profile !== "official" && profile !== "seal") {
      throw new HttpError(400, "invalid_request", 'profile must be "official" or "seal"');
    }
    if (typeof csrPem !== "string" || csrPem.length === 0) {
      throw new HttpError(400, "invalid_request", "csrPem must be a PEM certification request (RFC 2986)");
    }
    try {
      const issued = await store.issue(ca, profile, { csr: csrPem });
      request.log.info({ ca, serial: issued.serial, profile }, "certificate issued");
      return reply.status(201).send({ serial: issued.serial, pem: toPem(issued.der) });
    } catch (error) {
      if (error instanceof InvalidCertificationRequestError) throw new HttpError(400, "invalid_csr", error.message);
      throw httpError(error);
    }
  });

  app.post(
    "/api/admin/cas/:ca/certificates/:serial/revoke",
    { bodyLimit: ADMIN_BODY_LIMIT },
    async (request, reply) => {
      const { ca, serial } = request.params as { ca: string; serial: string };
      const body = request.body === undefined ? {} : jsonBody(request);
      const reason = body.reason ?? "unspecified";
      if (!FINAL_REVOCATION_REASONS.includes(reason as RevocationReason)) {
        throw new HttpError(400, "invalid_request", `reason must be one of ${FINAL_REVOCATION_REASONS.join(", ")}`);
      }
      if (!/^(0x)?[0-9a-fA-F:]{1,64}$/.test(serial)) {
        throw new HttpError(400, "invalid_request", "the serial must be hexadecimal");
      }
      try {
        const revoked = await store.revoke(ca, serial, reason as RevocationReason);
        request.log.info({ ca, serial, reason: revoked.reason }, "certificate revoked");
        return reply.send({
          serial: serial.toLowerCase(),
          status: "revoked",
          revokedAt: revoked.revokedAt.toISOString(),
          reason: revoked.reason,
        });
      } catch (error) {
        throw httpError(error);
      }
    },
  );
};

/** The raw body of a protocol request, refusing any other media type (415). */
function protocolBody(request: FastifyRequest, media: string): Uint8Array {
  if (mediaType(request) !== media || !Buffer.isBuffer(request.body)) {
    throw new HttpError(415, "unsupported_media_type", `the body must be ${media}`);
  }
  return new Uint8Array(request.body);
}

/** A JSON object body, refusing any other media type (415) or shape (400). */
function jsonBody(request: FastifyRequest): Record<string, unknown> {
  if (mediaType(request) !== "application/json") {
    throw new HttpError(415, "unsupported_media_type", "the body must be application/json");
  }
  const body = request.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "invalid_request", "the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

function mediaType(request: FastifyRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

function httpError(error: unknown): unknown {
  if (!(error instanceof TrustStoreError)) return error;
  const status = error.code === "unknown_ca" || error.code === "unknown_certificate" ? 404 : 400;
  return new HttpError(status, error.code, error.message);
}

/** An RFC 4514 name without its emailAddress (PKCS#9) attribute. */
function withoutEmail(name: string): string {
  return name
    .split(",")
    .filter((part) => !/^(emailAddress|E|1\.2\.840\.113549\.1\.9\.1)=/i.test(part))
    .join(",");
}

/**
 * For the public verification page: `GET /api/trust/anchors`, the platform's national roots as PEM — the trust
 * anchors the browser validates against, the same ones `POST /api/verify` uses (in-process.ts). Registered apart from
 * {@link trustRoutes}: a page load, not a protocol request, so the web API's limits apply rather than the responders'.
 */
export const trustAnchorRoutes: FastifyPluginAsync<TrustAnchorRoutesOptions> = async (app, options) => {
  app.get(
    "/api/trust/anchors",
    { schema: trustSchemas.anchors },
    async (_request, reply): Promise<PlatformAnchor[]> => {
      reply.header("cache-control", "public, max-age=60");
      const own = app.trustStore.ids().map((ca) => {
        const pki = app.trustStore.get(ca);
        return { ca, country: pki.country, organization: pki.organization, pem: toPem(pki.root.certificate) };
      });
      const partners = (await options.partners?.()) ?? [];
      return [
        ...own,
        ...partners.map((p) => {
          const certificate = Certificate.fromDer(p.certificate);
          return {
            ca: p.partner,
            country: certificate.subjectAttribute(OID_COUNTRY) ?? "",
            organization: certificate.subjectAttribute(OID_ORGANIZATION) ?? "",
            pem: toPem(p.certificate),
            partner: p.partner,
          };
        }),
      ];
    },
  );
};

export interface TrustAnchorRoutesOptions {
  /** The roots of partner instances' pinned trusted lists (federation), also trusted by the verification page. */
  readonly partners?: () => Promise<readonly { readonly partner: string; readonly certificate: Uint8Array }[]>;
}
