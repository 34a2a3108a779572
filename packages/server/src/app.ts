/**
 * The platform server as a Fastify application: {@link buildApp} opens the trust store in the data directory (and,
 * on an empty one in demo mode, creates the demo federation's PKIs), then mounts the routes. main.ts reads the
 * environment and listens; tests call buildApp directly.
 */
import { chmod, mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import type { KeyType } from "@khatam/core/keys";
import { type FastifyInstance, type FastifyServerOptions, fastify } from "fastify";
import { addressVerificationRoutes } from "./auth/address-verification.js";
import { identityPlugin } from "./auth/identity.js";
import type { LoginLimits } from "./auth/login.js";
import { loginRoutes } from "./auth/login-routes.js";
import type { OidcSettings } from "./auth/oidc.js";
import { type SecretBox, secretBox } from "./auth/secret-box.js";
import { type Db, openDatabase } from "./db/connect.js";
import { crossInstanceRoutes } from "./envelopes/cross-instance.js";
import { envelopeRoutes } from "./envelopes/routes.js";
import { expireDue, purgeExpiredSessions, remindDue } from "./envelopes/scheduled.js";
import { bindRecipients } from "./envelopes/store.js";
import { identityRoutes } from "./federation/identity-routes.js";
import { partnerDirectoryRoutes, peerRoutes } from "./federation/peer-routes.js";
import { peerRefreshTask, peerTrustAnchors } from "./federation/peers.js";
import { federationDeliverer, purgeNoncesTask } from "./federation/protocol.js";
import { frameworkErrors, installErrorHandling } from "./http/errors.js";
import { lazySchemas } from "./http/lazy-schemas.js";
import { openApiPlugin } from "./http/openapi.js";
import { webRoutes } from "./http/web-routes.js";
import { type OutboxWorker, startOutboxWorker } from "./notify/delivery.js";
import { type ScheduledTask, type Scheduler, startScheduler } from "./notify/scheduler.js";
import { webhookRoutes } from "./notify/webhook-routes.js";
import { sealStoredWebhookSecrets } from "./notify/webhook-secrets.js";
import { parseWebhookAllowList, type WebhookResolver, webhookTargets } from "./notify/webhook-target.js";
import { tenancyRoutes } from "./tenancy/admin-routes.js";
import { demoPasswordHash, seedDemo } from "./tenancy/demo.js";
import { directoryRoutes } from "./tenancy/directory-routes.js";
import { selfServiceRoutes } from "./tenancy/self-service-routes.js";
import { SignerCache } from "./tenancy/signing-keys.js";
import { demoCas } from "./trust/demo-cas.js";
import { keyDirectory } from "./trust/key-pregeneration.js";
import { type KeyStore, loadMasterKey, pkcs11KeyStore, softwareKeyStore } from "./trust/keys.js";
import { trustAnchorRoutes, trustRoutes } from "./trust/routes.js";
import { type InstanceKey, TrustStore, TrustStoreError } from "./trust/store.js";
import { verifyRoutes } from "./verify/routes.js";
import { ValidationPool, type ValidationPoolOptions } from "./verify/validation-pool.js";

export interface AppOptions {
  /** `KHATAM_DATA`: the embedded database and the master key (and key files of earlier versions). */
  readonly dataDir: string;
  /** `KHATAM_PUBLIC_URL`: base URL written into certificates (AIA, CRL DP). */
  readonly publicUrl: string;
  /** `KHATAM_DEMO`: create the demo federation on an empty data directory (default true). */
  readonly demo?: boolean;
  /**
   * `KHATAM_INSTANCE`: this server is one country's own instance (e.g. `jp`): the demo creates only that country's
   * CAs, agencies and people, and the instance has a long-lived key published at `GET /federation/v1/identity`.
   * Unset: one server hosts the whole demo federation.
   */
  readonly instance?: string;
  /** Key types of the demo CAs (default: jp P-256, sa RSA-3072); tests use P-256 for speed. */
  readonly demoKeyTypes?: { readonly jp?: KeyType; readonly sa?: KeyType };
  /** `KHATAM_ADMIN_TOKEN`: bearer token of the bootstrap administrator. */
  readonly adminToken?: string;
  /** `KHATAM_MASTER_KEY` (base64): encrypts software keys; default a random key in `$dataDir/master.key`. */
  readonly masterKey?: string;
  /** `KHATAM_PKCS11_*`: keep every key in this token instead of encrypted in the database. */
  readonly pkcs11?: { readonly module: string; readonly token?: string; readonly pin?: string };
  /** CRL lifetime (default 7 days); a CRL is replaced after half of it. */
  readonly crlLifetimeMs?: number;
  /** `DATABASE_URL`: PostgreSQL; default PGlite in `$dataDir/db`. */
  readonly databaseUrl?: string;
  /** `KHATAM_SMTP_URL`: where notification e-mails go; unset: they are logged (recipient and subject) only. */
  readonly smtpUrl?: string;
  /** `KHATAM_MAIL_FROM`: the From of notification e-mails; default `Khatam <notifications@<public host>>`. */
  readonly mailFrom?: string;
  /** Run the outbox worker and the scheduler (default true); tests turn it off and call `app.outbox.drainOnce()`. */
  readonly backgroundJobs?: boolean;
  /** Pause between outbox drains (default 2 s) and between scheduler ticks (default 60 s). */
  readonly outboxIntervalMs?: number;
  readonly schedulerIntervalMs?: number;
  /** `KHATAM_DEMO_PASSWORD`: password of the demo users (default `khatam-demo`). */
  readonly demoPassword?: string;
  /** `KHATAM_OIDC_ISSUER`, `KHATAM_OIDC_CLIENT_ID`, `KHATAM_OIDC_CLIENT_SECRET`: sign-in with OpenID Connect. */
  readonly oidc?: OidcSettings;
  /** Sign-in throttling (default 5 failures per address, 30 per client IP, per 15 minutes). */
  readonly loginLimits?: Partial<LoginLimits>;
  /** The clock of sign-in throttling (tests). */
  readonly authClock?: () => Date;
  /** Fastify's logger option (pino); default off. */
  readonly logger?: FastifyServerOptions["logger"];
  /** `KHATAM_VERIFY_RATE_LIMIT`: `POST /api/verify` requests per minute and client address (default 30). */
  readonly verifyPerMinute?: number;
  /**
   * `KHATAM_PROTOCOL_RATE_LIMIT`: requests per minute and client address to the trust services (OCSP, TSA, CRL,
   * certificates; default 600). A relying party fetches a handful per validation; a flood is refused with 429.
   */
  readonly protocolPerMinute?: number;
  /**
   * `KHATAM_TRUST_PROXY`: the reverse proxies whose X-Forwarded-For is believed — `true` (any), a hop count, or
   * addresses and CIDR blocks; default none.
   */
  readonly trustProxy?: boolean | number | string[];
  /** Threads, queue and deadline of the worker pool that checks uploaded documents. */
  readonly documentPool?: ValidationPoolOptions;
  /**
   * `KHATAM_WEBHOOK_ALLOW`: CIDR blocks, addresses and host names of on-premises webhook receivers, which may then be
   * on private or loopback addresses (comma-separated, or a list); default none: webhooks go to public addresses only.
   */
  readonly webhookAllow?: string | readonly string[];
  /** How webhook host names are resolved (default the system resolver); tests inject answers. */
  readonly webhookResolver?: WebhookResolver;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Compiles the route schemas not compiled yet (they are compiled at first use); resolves with how many. */
    compileSchemas(): Promise<number>;
    /** The national PKIs (decorated by {@link buildApp}). */
    trustStore: TrustStore;
    /** The platform database (PGlite or PostgreSQL). */
    db: Db;
    /** Where the database lives, for health reports and logs. */
    dbEngine: "pglite" | "postgres";
    /** Where platform-held keys live (CA keys and officials' signing keys): encrypted rows, or the PKCS#11 token. */
    keyStore: KeyStore;
    /** Seals small secrets (TOTP seeds, OIDC state) under keys derived from the master key. */
    secretBox: SecretBox;
    /** Delivers the notification outbox (e-mail, webhooks); `drainOnce()` delivers what is due now. */
    outbox: OutboxWorker;
    /** Periodic tasks (envelope expiry, reminders, expired signing sessions). */
    scheduler: Scheduler;
    /** Worker threads that inspect officials' uploads off the event loop. */
    documentPool: ValidationPool;
    /** Worker threads that validate documents sent to the public verifier. */
    verifyPool: ValidationPool;
  }
}

/** Builds the application; the trust store is reachable as `app.trustStore` and closed with the app. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  await privateDirectory(options.dataDir);
  const webhookAllow = parseWebhookAllowList(options.webhookAllow); // a typo stops the start, before anything opens
  const masterKey = () => loadMasterKey(options.dataDir, options.masterKey);
  const box = secretBox(masterKey);
  // The database first: the trust services' state and software keys live in it (issue 12.5). On an empty data
  // directory the CA keys are meanwhile being made in libuv's pool (main.ts pre-generates them, issue 14.1).
  const database = await openDatabase({ url: options.databaseUrl, dataDir: options.dataDir });
  let keyStore: KeyStore;
  try {
    keyStore = options.pkcs11
      ? await pkcs11KeyStore(options.pkcs11)
      : softwareKeyStore(keyDirectory(options.dataDir), await masterKey(), database.unqueued);
  } catch (error) {
    await database.close();
    throw error;
  }
  let store: TrustStore;
  let passwordHash: Promise<string> | undefined;
  let instance: InstanceKey | undefined;
  try {
    store = await TrustStore.open({
      db: database.unqueued,
      shared: database.engine === "postgres",
      dataDir: options.dataDir,
      keyStore,
      publicUrl: options.publicUrl,
      crlLifetimeMs: options.crlLifetimeMs,
    });
    if (options.instance) {
      const known = demoCas().map((ca) => ca.id);
      if ((options.demo ?? true) && !known.includes(options.instance)) {
        throw new Error(
          `KHATAM_INSTANCE=${options.instance}: the demo knows the instances ${known.join(" and ")} (or set KHATAM_DEMO=0)`,
        );
      }
      // Taken before anything else is made: a data directory that belongs to another instance stops here.
      instance = await store.instanceKey(options.instance);
    }
    if (store.ids().length === 0 && (options.demo ?? true)) {
      // A first demo start: the demo users' password is hashed while the CAs' keys are made.
      passwordHash = demoPasswordHash(options.demoPassword);
      passwordHash.catch(() => {}); // awaited by seedDemo
      const cas = demoCas(options.demoKeyTypes).filter((ca) => !options.instance || ca.id === options.instance);
      try {
        await store.createCas(cas, { crossCertify: true });
      } catch (error) {
        // Another process of this instance made them first (two first starts on one database): theirs stand.
        if (!(error instanceof TrustStoreError && error.code === "ca_exists")) throw error;
      }
    }
  } catch (error) {
    await keyStore.close();
    await database.close();
    throw error;
  }

  try {
    if (options.demo ?? true)
      await seedDemo({ db: database.db, store, keyStore, password: options.demoPassword, passwordHash });
    // Webhook secrets stored in clear by a version before migration 4, sealed before the outbox worker starts.
    await sealStoredWebhookSecrets(database.db, box);
  } catch (error) {
    await database.close();
    await store.close();
    throw error;
  }

  // Fastify's default request serialiser logs method, URL and addresses, never headers or bodies.
  // Route schemas compiled at first use (issue 14.1: most of a second of every start). Fastify leaves header schemas
  // of a custom compiler as written, not lower-cased: no route has one (a header schema would name headers in lower case).
  const schemas = lazySchemas();
  const app = fastify({
    schemaController: { compilersFactory: schemas.compilersFactory },
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    frameworkErrors,
    // Behind a reverse proxy, request.ip is the client's (X-Forwarded-For) only from the proxies named here, so that
    // sign-in throttles and rate limits count each client, not the proxy.
    // (Fastify takes a hop count too, which its type declarations omit.)
    trustProxy: (options.trustProxy ?? false) as boolean | string[],
  });
  installErrorHandling(app);
  await app.register(openApiPlugin, { publicUrl: options.publicUrl });
  app.decorate("compileSchemas", schemas.compilePending);
  app.decorate("trustStore", store);
  app.decorate("db", database.db);
  app.decorate("dbEngine", database.engine);
  app.decorate("keyStore", keyStore);
  app.decorate("secretBox", box);
  // Officials' opened platform-held keys, in memory only (tenancy/signing-keys.ts); forgotten on revocation and close.
  const signers = new SignerCache(keyStore);
  store.onRevoked((ca, serial) => signers.dropSerial(ca, serial));
  // Uploaded documents are validated and inspected in worker threads (verify/validation-pool.ts): the public
  // verifier and the officials' uploads in separate pools, so a flood of anonymous verifications cannot hold up
  // an agency's work (each pool has its own queue; idle pools keep no thread).
  const documentPool = new ValidationPool(options.documentPool);
  const verifyPool = new ValidationPool(options.documentPool);
  app.decorate("documentPool", documentPool);
  app.decorate("verifyPool", verifyPool);
  app.addHook("onClose", async () => {
    signers.clear();
    await documentPool.close();
    await verifyPool.close();
    await database.close();
    await store.close();
  });
  await app.register(identityPlugin, {
    db: database.db,
    adminToken: options.adminToken,
    publicUrl: options.publicUrl,
  });
  // Notifications: stopped in preClose, before the database closes in onClose; the delivery in flight finishes.
  const backgroundJobs = options.backgroundJobs ?? true;
  // Where webhooks may go (SSRF): checked at registration and again at each delivery, with the same allow-list.
  const targets = webhookTargets({
    allow: webhookAllow,
    resolve: options.webhookResolver,
    publicUrl: options.publicUrl,
    ownAddresses: () => {
      const address = app.server.address();
      return address && typeof address === "object"
        ? [{ address: (address as AddressInfo).address, port: address.port }]
        : [];
    },
  });
  const outbox = startOutboxWorker({
    ...(instance && { federation: federationDeliverer(database.db, instance) }),
    db: database.db,
    box,
    webhookTargets: targets,
    smtpUrl: options.smtpUrl,
    from: options.mailFrom,
    publicUrl: options.publicUrl,
    log: app.log,
    intervalMs: options.outboxIntervalMs ?? 2000,
    autoStart: backgroundJobs,
  });
  // Both lock each envelope and check its version, so replicas running them at once do each change once.
  const scheduledTasks: ScheduledTask[] = [
    async function expireEnvelopes() {
      await expireDue(database.db, new Date(), { publicUrl: options.publicUrl });
    },
    async function remindRecipients() {
      await remindDue(database.db, new Date(), { publicUrl: options.publicUrl });
    },
    // A plain delete of what has expired: idempotent, and harmless when replicas run it at once.
    async function purgeSigningSessions() {
      await purgeExpiredSessions(database.db, new Date());
    },
    // A partner's trusted list at its NextUpdate; replicas may run it at once (the pinning statement is guarded).
    peerRefreshTask(database.db, app.log),
    purgeNoncesTask(database.db),
  ];
  const scheduler = startScheduler({
    intervalMs: options.schedulerIntervalMs ?? 60_000,
    tasks: scheduledTasks,
    log: app.log,
    autoStart: backgroundJobs,
  });
  app.decorate("outbox", outbox);
  app.decorate("scheduler", scheduler);
  app.addHook("preClose", async () => {
    await scheduler.stop();
    await outbox.stop();
  });
  await app.register(webhookRoutes, { db: database.db, box, targets });
  app.get("/healthz", async () => ({ status: "ok", cas: store.ids() }));
  if (instance) await app.register(identityRoutes, { instance, store, publicUrl: options.publicUrl });
  await app.register(peerRoutes, { db: database.db, instance });
  await app.register(partnerDirectoryRoutes, { db: database.db });
  await app.register(trustRoutes, { store, perMinute: options.protocolPerMinute });
  await app.register(trustAnchorRoutes, { partners: () => peerTrustAnchors(database.db) });
  await app.register(directoryRoutes);
  await app.register(loginRoutes, {
    box: app.secretBox,
    publicUrl: options.publicUrl,
    limits: options.loginLimits,
    now: options.authClock,
  });
  if (options.oidc) {
    // openid-client (and oauth4webapi) only when single sign-on is configured.
    const { oidcRoutes } = await import("./auth/oidc.js");
    await app.register(oidcRoutes, {
      oidc: options.oidc,
      box: app.secretBox,
      publicUrl: options.publicUrl,
      bindAddress: bindRecipients,
    });
  }
  await app.register(tenancyRoutes, { publicUrl: options.publicUrl });
  await app.register(selfServiceRoutes, { publicUrl: options.publicUrl });
  await app.register(addressVerificationRoutes, {
    box: app.secretBox,
    publicUrl: options.publicUrl,
    bindAddress: bindRecipients,
  });
  await app.register(envelopeRoutes, {
    publicUrl: options.publicUrl,
    signerFor: (row) => signers.signerFor(row),
  });
  if (instance) {
    await app.register(crossInstanceRoutes, {
      instance,
      ctx: {
        db: database.db,
        trustStore: store,
        publicUrl: options.publicUrl,
        signerFor: (row) => signers.signerFor(row),
        documents: documentPool,
      },
    });
  }
  await app.register(verifyRoutes, { publicUrl: options.publicUrl, perMinute: options.verifyPerMinute });
  await app.register(webRoutes);
  return app;
}

/**
 * The data directory holds the database, sealed keys and the master key: readable by the server's user only (0700),
 * also when it already existed with looser rights. Files inside are created under the process umask (main.ts sets
 * 077), so a directory shared by mistake does not expose them either.
 */
async function privateDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}
