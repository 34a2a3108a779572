/**
 * The national PKIs the platform operates, kept in the database (`trust_state`, one row; issue 12.5) so that every
 * process of an instance — several behind a load balancer, on one PostgreSQL database — serves, issues and revokes
 * from the same state.
 *
 * The state holds, per CA: the trust services' certificates, every certificate the issuing CA issued with its
 * revocation state, the last CRL number, the cross-certificates its root issued, and references to its keys (names
 * of encrypted keys in `trust_keys` or in files, or PKCS#11 labels and ids; never key material); once the trusted
 * list has been asked for, the scheme operator's TL-signing key reference and certificate with the list's last
 * release (sequence number, content digest, dates, signed XML); and the instance key's reference. It is written whole
 * after every change, before the change is reported to anyone: an HTTP answer that says "revoked" means the
 * revocation is committed, and a `kill -9` at any moment loses nothing that was answered.
 *
 * Several processes (optimistic concurrency): a change is made on the state as this process last read it, then
 * written by an UPDATE that names that version. If another process wrote in between, no row matches: this process
 * reloads the state it missed and makes the change again on it (an issuance gets a new serial; a CRL the next
 * number). Reads that must be current across processes (OCSP, CRLs, certificate status) first call
 * {@link TrustStore.refresh}, one `select version` on PostgreSQL; on the embedded database only this process writes.
 *
 * Crash at each step of a change: the in-memory PKI changes first, then the row is written; a crash before the
 * commit leaves the old row, and since nobody was told, nothing was promised. Keys are stored before the state that
 * names them (see keys.ts), under names never used before, so an unused key is never taken for another.
 *
 * A data directory of an earlier version kept the state in `trust-services.json`: it is imported once, on an empty
 * `trust_state`, and the file renamed `trust-services.json.imported`.
 */
import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { KeyType } from "@khatam/core/keys";
import {
  createNationalPki,
  createSelfSignedCertificate,
  type EndEntityProfile,
  type IssuedCertificate,
  KeyMismatchError,
  type NationalPki,
  type NationalPkiState,
  nationalPkiState,
  type RevocationReason,
  type RoleKey,
  restoreNationalPki,
  type SubjectFields,
  type SubjectKey,
  TRUST_SERVICE_ROLES,
  type TrustServiceRole,
} from "@khatam/core/pki";
import { Certificate } from "@khatam/core/x509";
import type { Db } from "../db/connect.js";
import { removeStaleTemporaries } from "./atomic-file.js";
import { CA_KEY_ROLES } from "./key-pregeneration.js";
import type { KeyReference, KeyStore } from "./keys.js";
import type * as TrustedListModel from "./trusted-list.js";

/** A CA to create. */
export interface CaSpecification {
  /** Id in URLs: lower-case letters, digits and hyphens, e.g. `jp`. */
  readonly id: string;
  /** ISO 3166 code, e.g. `JP`. */
  readonly country: string;
  /** Operating organisation, e.g. `Digital Agency`. */
  readonly organization: string;
  readonly keyType: KeyType;
}

/** A certificate a CA's root issued to another CA (bridge model). */
export interface CrossCertificate {
  /** Id of the CA whose root was certified. */
  readonly subjectCa: string;
  readonly der: Uint8Array;
}

/** The state (the JSON of `trust_state.state`, and of the file before it), version 1 (`trustedList` and `instance` were added later and are optional). */
interface StoreFile {
  readonly version: 1;
  readonly cas: readonly CaFileEntry[];
  readonly trustedList?: TrustedListFileEntry;
  readonly instance?: InstanceKeyFileEntry;
}

/** The instance's long-lived key (federation): a reference into the key store and its public key. */
interface InstanceKeyFileEntry {
  readonly id: string;
  readonly keyType: KeyType;
  readonly key: KeyReference;
  /** SubjectPublicKeyInfo, base64 DER. */
  readonly publicKey: string;
}

/** The instance key in memory. */
export interface InstanceKey {
  /** The instance id (`KHATAM_INSTANCE`), e.g. `jp`. */
  readonly id: string;
  readonly key: RoleKey;
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKey: Uint8Array;
}

/** The scheme operator's TL-signing key and certificate, and the list's last release. */
interface TrustedListFileEntry {
  readonly keyType: KeyType;
  readonly key: KeyReference;
  /** The self-signed TL-signing certificate, base64 DER. */
  readonly certificate: string;
  readonly release?: TrustedListReleaseState;
}

interface TrustedListReleaseState {
  /** TSLSequenceNumber (§ 5.3.2): never reused, so it must survive a restart. */
  readonly sequenceNumber: number;
  /** {@link contentDigest} of what was released. */
  readonly contentDigest: string;
  readonly issueDate: string;
  readonly nextUpdate: string;
  /** The signed XML served until the next release (same bytes after a restart). */
  readonly xml: string;
}

/** The TL signer in memory. */
interface TrustedListSigner {
  readonly keyType: KeyType;
  readonly key: RoleKey;
  readonly reference: KeyReference;
  readonly certificate: Uint8Array;
  release?: TrustedListReleaseState;
}

interface CaFileEntry {
  readonly keyType: KeyType;
  readonly pki: NationalPkiState;
  readonly keys: Readonly<Record<TrustServiceRole, KeyReference>>;
  readonly crossCertificates: readonly { readonly subjectCa: string; readonly der: string }[];
}

/** One CA in memory. */
interface CaEntry {
  readonly keyType: KeyType;
  readonly pki: NationalPki;
  readonly keys: Readonly<Record<TrustServiceRole, KeyReference>>;
  readonly crossCertificates: CrossCertificate[];
  /** The CRL being served, until a revocation or its half-life replaces it. */
  crl?: { readonly der: Uint8Array; readonly thisUpdate: Date; readonly nextUpdate: Date };
}

/** A coded failure the HTTP layer turns into a 4xx answer. */
export class TrustStoreError extends Error {
  override readonly name = "TrustStoreError";
  constructor(
    readonly code: "unknown_ca" | "unknown_certificate" | "ca_exists" | "invalid_ca_id",
    message: string,
  ) {
    super(message);
  }
}

/** How long a CRL is valid (RFC 5280 § 5.1.2.5 nextUpdate − thisUpdate); it is replaced after half of that. */
const DEFAULT_CRL_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export const STATE_FILE = "trust-services.json";

/** Key type of the instance key (federation). */
const INSTANCE_KEY_TYPE: KeyType = "P-256";

/** Key type of the scheme operator's trusted-list signing key. */
const TL_SIGNER_KEY_TYPE: KeyType = "P-256";

/** The platform's national PKIs, persistent (see the module comment). */
export class TrustStore {
  private readonly cas = new Map<string, CaEntry>();
  private readonly revokedListeners: ((id: string, serial: string) => void)[] = [];
  private tlSigner?: TrustedListSigner;
  private instance?: InstanceKey & { readonly keyType: KeyType; readonly reference: KeyReference };
  private queue: Promise<unknown> = Promise.resolve();
  /** The version of `trust_state` the memory holds (0: no row yet). */
  private version = 0;
  private loadedOnce = false;
  /** Keys opened so far, by reference: a reload reopens none of them. */
  private readonly openedKeys = new Map<string, Promise<RoleKey>>();

  private constructor(
    private readonly db: Db,
    /** Whether other processes may write the state (PostgreSQL), so reads must check for their changes. */
    private readonly shared: boolean,
    private readonly keyStore: KeyStore,
    private readonly publicUrl: string,
    private readonly crlLifetimeMs: number,
  ) {}

  /**
   * Opens the store on `db`, re-opening every CA and its keys (throws if a key is missing or wrong); imports the
   * `trust-services.json` of an earlier version found in `dataDir` into an empty `trust_state`.
   */
  static async open(options: {
    db: Db;
    /** PostgreSQL: other processes may share the state. */
    shared?: boolean;
    dataDir: string;
    keyStore: KeyStore;
    publicUrl: string;
    crlLifetimeMs?: number;
  }): Promise<TrustStore> {
    const store = new TrustStore(
      options.db,
      options.shared ?? false,
      options.keyStore,
      options.publicUrl,
      options.crlLifetimeMs ?? DEFAULT_CRL_LIFETIME_MS,
    );
    await importStateFile(options.db, join(options.dataDir, STATE_FILE));
    const row = await store.readRow();
    if (row) await store.load(row.state, row.version);
    return store;
  }

  /** Takes in changes other processes made since this one last read the state (a no-op on the embedded database). */
  async refresh(): Promise<void> {
    if (!this.shared) return;
    const row = await this.db.selectFrom("trust_state").select("version").executeTakeFirst();
    if (row && row.version !== this.version) {
      await this.serialised(async () => {}); // the queue's reload does it, in order with this process's changes
    }
  }

  private async readRow(): Promise<{ version: number; state: StoreFile } | undefined> {
    const row = await this.db.selectFrom("trust_state").select(["version", "state"]).executeTakeFirst();
    if (!row) return undefined;
    const state = (typeof row.state === "string" ? JSON.parse(row.state) : row.state) as StoreFile;
    if (state.version !== 1) throw new Error(`trust_state: unsupported version ${state.version}`);
    return { version: row.version, state };
  }

  private openKey(reference: KeyReference): Promise<RoleKey> {
    const id = JSON.stringify(reference);
    let key = this.openedKeys.get(id);
    if (!key) {
      key = this.keyStore.open(reference);
      key.catch(() => this.openedKeys.delete(id));
      this.openedKeys.set(id, key);
    }
    return key;
  }

  /** Replaces the memory with `file` (version `version`); tells the revocation listeners of revocations it brings. */
  private async load(file: StoreFile, version: number): Promise<void> {
    const revokedBefore = new Set(
      [...this.cas.values()].flatMap((e) =>
        e.pki
          .certificates()
          .filter((r) => r.revoked)
          .map((r) => `${e.pki.id}/${r.serial}`),
      ),
    );
    let tlSigner: TrustedListSigner | undefined;
    if (file.trustedList) {
      const tl = file.trustedList;
      const key = await this.openKey(tl.key);
      const certificate = new Uint8Array(Buffer.from(tl.certificate, "base64"));
      if (!Buffer.from(Certificate.fromDer(certificate).spki).equals(Buffer.from(key.signer.publicKeySpki))) {
        throw new KeyMismatchError("the trusted-list signing key does not match its certificate");
      }
      tlSigner = { keyType: tl.keyType, key, reference: tl.key, certificate, release: tl.release };
    }
    let instance: typeof this.instance;
    if (file.instance) {
      const entry = file.instance;
      const key = await this.openKey(entry.key);
      const publicKey = new Uint8Array(Buffer.from(entry.publicKey, "base64"));
      if (!Buffer.from(key.signer.publicKeySpki).equals(Buffer.from(publicKey))) {
        throw new KeyMismatchError("the instance key does not match its recorded public key");
      }
      instance = { id: entry.id, keyType: entry.keyType, key, reference: entry.key, publicKey };
    }
    const cas = new Map<string, CaEntry>();
    for (const entry of file.cas) {
      const keys = {} as Record<TrustServiceRole, RoleKey>;
      for (const role of TRUST_SERVICE_ROLES) keys[role] = await this.openKey(entry.keys[role]);
      cas.set(entry.pki.id, {
        keyType: entry.keyType,
        pki: restoreNationalPki({ state: entry.pki, keys, publicUrl: this.publicUrl }),
        keys: entry.keys,
        crossCertificates: entry.crossCertificates.map((c) => ({
          subjectCa: c.subjectCa,
          der: new Uint8Array(Buffer.from(c.der, "base64")),
        })),
      });
    }
    this.tlSigner = tlSigner;
    this.instance = instance;
    this.cas.clear();
    for (const [id, entry] of cas) this.cas.set(id, entry);
    this.version = version;
    for (const entry of file.cas) {
      for (const record of entry.pki.records) {
        const id = `${entry.pki.id}/${record.serial}`;
        if (record.revoked && !revokedBefore.has(id) && this.loadedOnce) {
          for (const listener of this.revokedListeners) listener(entry.pki.id, record.serial);
        }
      }
    }
    this.loadedOnce = true;
  }

  /** CA ids in creation order; the first is the default (e.g. for `POST /tsa`). */
  ids(): string[] {
    return [...this.cas.keys()];
  }

  /** The CA `id`, or a TrustStoreError `unknown_ca`. */
  get(id: string): NationalPki {
    return this.entry(id).pki;
  }

  /** The cross-certificates CA `id`'s root issued. */
  crossCertificates(id: string): readonly CrossCertificate[] {
    return this.entry(id).crossCertificates;
  }

  /**
   * Creates CAs and, with `crossCertify`, has every root certify every other root (the bridge model); everything is
   * written in one state change, so a crash leaves either none of them or all.
   */
  createCas(specifications: readonly CaSpecification[], options: { crossCertify?: boolean } = {}): Promise<void> {
    return this.serialised(async () => {
      const created: CaEntry[] = [];
      // Software keys are generated all at once (RSA-3072 takes hundreds of milliseconds each, in libuv's thread
      // pool): the demo federation's eight keys then cost about what the slowest few do, not their sum. A token's
      // keys are made one after another, as its session requires.
      const early = new Map<string, Promise<{ key: RoleKey; reference: KeyReference }>>();
      const valid = specifications.every(
        (spec, i) =>
          /^[a-z0-9][a-z0-9-]{0,31}$/.test(spec.id) &&
          !this.cas.has(spec.id) &&
          specifications.findIndex((o) => o.id === spec.id) === i,
      );
      // (Invalid specifications are refused below, one by one, before any key of theirs is made.)
      if (valid && this.keyStore.kind === "software") {
        for (const spec of specifications) {
          for (const role of CA_KEY_ROLES) {
            const pending = this.keyStore.create(spec.id, role, spec.keyType);
            pending.catch(() => {}); // awaited below; a failure is reported there
            early.set(`${spec.id}/${role}`, pending);
          }
        }
      }
      for (const spec of specifications) {
        if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(spec.id)) {
          throw new TrustStoreError("invalid_ca_id", `CA id "${spec.id}" must be lower-case letters, digits, hyphens`);
        }
        if (this.cas.has(spec.id) || created.some((c) => c.pki.id === spec.id)) {
          throw new TrustStoreError("ca_exists", `CA ${spec.id} exists already`);
        }
        const references = {} as Record<TrustServiceRole, KeyReference>;
        const pki = await createNationalPki({
          id: spec.id,
          country: spec.country,
          organization: spec.organization,
          publicUrl: this.publicUrl,
          keyFor: async (role) => {
            const { key, reference } = await (early.get(`${spec.id}/${role}`) ??
              this.keyStore.create(spec.id, role, spec.keyType));
            references[role] = reference;
            return key;
          },
        });
        created.push({ keyType: spec.keyType, pki, keys: references, crossCertificates: [] });
      }
      if (options.crossCertify) {
        const all = [...this.cas.values(), ...created];
        for (const issuer of all) {
          for (const subject of all) {
            if (issuer === subject) continue;
            if (!created.includes(issuer) && !created.includes(subject)) continue;
            const cross = await issuer.pki.crossCertify(subject.pki.root.certificate);
            issuer.crossCertificates.push({ subjectCa: subject.pki.id, der: cross.der });
          }
        }
      }
      for (const entry of created) this.cas.set(entry.pki.id, entry);
      await this.persist();
    });
  }

  /**
   * Issues an end-entity certificate for a PKCS#10 request or a public key (`spki`, e.g. of a key the platform holds
   * for an official); `subject` overrides the request's. Durable when this resolves.
   */
  issue(
    id: string,
    profile: EndEntityProfile,
    request: SubjectKey & { subject?: SubjectFields },
  ): Promise<IssuedCertificate> {
    this.entry(id); // an unknown CA is refused before anything else
    return this.serialised(async () => {
      const issued = await this.entry(id).pki.issue(profile, request);
      await this.persist();
      return issued;
    });
  }

  /** Calls `listener` after each revocation is durable (e.g. to forget an opened key of that certificate). */
  onRevoked(listener: (id: string, serial: string) => void): void {
    this.revokedListeners.push(listener);
  }

  /**
   * Revokes a certificate of CA `id` (RFC 5280 § 3.3: final; revoking again keeps the first time and reason).
   * The current CRL is dropped, so the next one lists it. Durable when this resolves.
   */
  revoke(id: string, serial: string, reason: RevocationReason): Promise<{ revokedAt: Date; reason: RevocationReason }> {
    this.entry(id);
    return this.serialised(async () => {
      const entry = this.entry(id);
      try {
        entry.pki.revoke(serial, reason);
      } catch {
        throw new TrustStoreError("unknown_certificate", `CA ${id} has not issued a certificate with serial ${serial}`);
      }
      entry.crl = undefined;
      await this.persist();
      for (const listener of this.revokedListeners) listener(id, serial);
      const status = entry.pki.status(serial);
      return { revokedAt: status.revokedAt!, reason: status.reason ?? "unspecified" };
    });
  }

  /**
   * The CA's current CRL (DER). A new one is made (with the next CRL number, persisted before it is served) when
   * there is none yet, after a revocation, and once half of the served one's lifetime has passed, so relying parties
   * that cache until nextUpdate are never more than half a lifetime behind.
   */
  async crl(id: string, now = new Date()): Promise<Uint8Array> {
    const current = this.entry(id).crl;
    if (current && !this.stale(current, now)) return current.der;
    return this.serialised(async () => {
      const entry = this.entry(id);
      if (entry.crl && !this.stale(entry.crl, now)) return entry.crl.der; // made while we waited
      const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
      const nextUpdate = new Date(thisUpdate.getTime() + this.crlLifetimeMs);
      const der = await entry.pki.crl({ now: thisUpdate, nextUpdate });
      await this.persist();
      entry.crl = { der, thisUpdate, nextUpdate };
      return der;
    });
  }

  /**
   * The platform's trusted list (ETSI TS 119 612), XAdES-signed by the scheme operator's TL-signing key.
   *
   * Releases: the signed XML is kept (in memory and in the state file) and served as it is while the content is
   * unchanged and less than half of its validity ({@link TRUSTED_LIST_VALIDITY_MONTHS}) has passed. Otherwise a new
   * release is made: the next sequence number (§ 5.3.2), issue date now, next update six months later (§ 5.3.15),
   * persisted before it is served. Made on first request, so the first list of a new data directory (or of one
   * written before lists existed) also creates the TL-signing key.
   */
  async trustedList(now = new Date()): Promise<string> {
    // The list's model and the XML signature stack (core's trust entry: xadesjs, pkijs, an XML parser) are loaded
    // with the first list, not at every start.
    const model = await import("./trusted-list.js");
    const current = this.currentRelease(now, model);
    if (current) return current.xml;
    return this.serialised(async () => {
      const again = this.currentRelease(now, model);
      if (again) return again.xml;
      const signer = await this.trustedListSigner(now);
      const content = model.trustedListContent(this.pkis(), this.publicUrl);
      const issueDate = new Date(Math.floor(now.getTime() / 1000) * 1000);
      const nextUpdate = model.addMonths(issueDate, model.TRUSTED_LIST_VALIDITY_MONTHS);
      const sequenceNumber = (signer.release?.sequenceNumber ?? 0) + 1;
      const { writeTrustedList } = await import("@khatam/core/trust");
      const xml = await writeTrustedList(model.trustedListRelease(content, { sequenceNumber, issueDate, nextUpdate }), {
        signer: signer.key.signer,
        certificate: signer.certificate,
        signingTime: issueDate,
      });
      const previous = signer.release;
      signer.release = {
        sequenceNumber,
        contentDigest: model.contentDigest(content),
        issueDate: issueDate.toISOString(),
        nextUpdate: nextUpdate.toISOString(),
        xml,
      };
      try {
        await this.persist();
      } catch (error) {
        signer.release = previous; // nobody saw it: the number may be used again
        throw error;
      }
      return xml;
    });
  }

  /**
   * The instance's long-lived key (ECDSA P-256, in the PKCS#11 token when one is configured), with which it signs
   * what it says to its peers. Made on first use and kept for good: peers pin its fingerprint. An instance id that
   * differs from the one the key was made for is refused (a data directory belongs to one instance).
   */
  instanceKey(id: string): Promise<InstanceKey> {
    const current = this.instance;
    if (current) {
      if (current.id !== id) {
        return Promise.reject(new Error(`this data directory belongs to instance "${current.id}", not "${id}"`));
      }
      return Promise.resolve(current);
    }
    return this.serialised(async () => {
      if (this.instance) return this.instanceKey(id); // made while we waited
      const { key, reference } = await this.keyStore.createNamed(`instance-${id}`, INSTANCE_KEY_TYPE);
      this.instance = { id, keyType: INSTANCE_KEY_TYPE, key, reference, publicKey: key.signer.publicKeySpki };
      try {
        await this.persist();
      } catch (error) {
        this.instance = undefined;
        throw error;
      }
      return this.instance;
    });
  }

  /** The scheme operator's TL-signing certificate (DER), created with the first list; undefined before. */
  trustedListSigningCertificate(): Uint8Array | undefined {
    return this.tlSigner?.certificate;
  }

  /** The release to serve now, or undefined when a new one is due (content changed, or half its life is over). */
  private currentRelease(now: Date, model: typeof TrustedListModel): TrustedListReleaseState | undefined {
    const release = this.tlSigner?.release;
    if (!release || this.cas.size === 0) return undefined;
    const issued = Date.parse(release.issueDate);
    const halfLife = (Date.parse(release.nextUpdate) - issued) / 2;
    if (now.getTime() < issued || now.getTime() >= issued + halfLife) return undefined;
    if (release.contentDigest !== model.contentDigest(model.trustedListContent(this.pkis(), this.publicUrl))) {
      return undefined;
    }
    return release;
  }

  /**
   * The TL signer, created on first use: a key in the key store (encrypted file or PKCS#11 token, like the CA keys)
   * and a self-signed `tl-signer` certificate naming the scheme operator (TS 119 612 § 5.7.1: countryName the
   * scheme territory, organizationName the operator). Called inside the queue; the caller persists.
   */
  private async trustedListSigner(now: Date): Promise<TrustedListSigner> {
    if (this.tlSigner) return this.tlSigner;
    const first = this.pkis()[0];
    if (!first) throw new TrustStoreError("unknown_ca", "no CA has been created yet: the trusted list would be empty");
    const { key, reference } = await this.keyStore.create("platform", "tl-signer", TL_SIGNER_KEY_TYPE);
    const issued = await createSelfSignedCertificate({
      profile: "tl-signer",
      subject: { country: first.country, organization: first.organization, commonName: "Khatam Trusted List Signer" },
      signer: key.signer,
      now,
    });
    this.tlSigner = { keyType: TL_SIGNER_KEY_TYPE, key, reference, certificate: issued.der };
    return this.tlSigner;
  }

  private pkis(): NationalPki[] {
    return [...this.cas.values()].map((entry) => entry.pki);
  }

  /** Releases the key store (the PKCS#11 session). */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.keyStore.close();
  }

  private stale(crl: { thisUpdate: Date; nextUpdate: Date }, now: Date): boolean {
    const halfLife = (crl.nextUpdate.getTime() - crl.thisUpdate.getTime()) / 2;
    return now.getTime() >= crl.thisUpdate.getTime() + halfLife || now < crl.thisUpdate;
  }

  private entry(id: string): CaEntry {
    const entry = this.cas.get(id);
    if (!entry) throw new TrustStoreError("unknown_ca", `no CA with id "${id}"`);
    return entry;
  }

  /**
   * Runs a change in this process's queue, on the current state: another process's newer state is loaded first, and
   * if one is written while the change is made (its write fails, see {@link persist}), the change is made again on
   * that one.
   */
  private serialised<T>(operation: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        await this.catchUp();
        try {
          return await operation();
        } catch (error) {
          if (!(error instanceof StaleStateError) || attempt >= MAX_CHANGE_ATTEMPTS) throw error;
        }
      }
    };
    const next = this.queue.then(run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Loads the stored state when it is not the one in memory (another process wrote, or a write of ours failed). */
  private async catchUp(): Promise<void> {
    if (!this.shared && this.version >= 0) return;
    const row = await this.readRow();
    if (row && row.version !== this.version) await this.load(row.state, row.version);
  }

  private async persist(): Promise<void> {
    const file: StoreFile = {
      version: 1,
      cas: [...this.cas.values()].map((entry) => ({
        keyType: entry.keyType,
        pki: nationalPkiState(entry.pki),
        keys: entry.keys,
        crossCertificates: entry.crossCertificates.map((c) => ({
          subjectCa: c.subjectCa,
          der: Buffer.from(c.der).toString("base64"),
        })),
      })),
      ...(this.tlSigner && {
        trustedList: {
          keyType: this.tlSigner.keyType,
          key: this.tlSigner.reference,
          certificate: Buffer.from(this.tlSigner.certificate).toString("base64"),
          ...(this.tlSigner.release && { release: this.tlSigner.release }),
        },
      }),
      ...(this.instance && {
        instance: {
          id: this.instance.id,
          keyType: this.instance.keyType,
          key: this.instance.reference,
          publicKey: Buffer.from(this.instance.publicKey).toString("base64"),
        },
      }),
    };
    const state = JSON.stringify(file);
    const expected = this.version;
    let written: boolean;
    try {
      if (expected === 0) {
        const inserted = await this.db
          .insertInto("trust_state")
          .values({ id: 1, version: 1, state })
          .onConflict((oc) => oc.column("id").doNothing())
          .returning("version")
          .executeTakeFirst();
        written = inserted !== undefined;
      } else {
        const updated = await this.db
          .updateTable("trust_state")
          .set({ version: expected + 1, state, updated_at: new Date() })
          .where("id", "=", 1)
          .where("version", "=", expected)
          .executeTakeFirst();
        written = updated.numUpdatedRows > 0n;
      }
    } catch (error) {
      this.version = -1; // memory holds a change that may not be stored: read the row before the next change
      throw error;
    }
    if (!written) {
      this.version = -1;
      throw new StaleStateError();
    }
    this.version = expected + 1;
  }
}

/** Another process changed the state since this one read it: the change is made again on the new state. */
class StaleStateError extends Error {
  override readonly name = "StaleStateError";
  constructor() {
    super("the trust services' state was changed by another process meanwhile");
  }
}

/** How often a change is made again after other processes' changes overtook it, before giving up. */
const MAX_CHANGE_ATTEMPTS = 20;

/**
 * Imports the state file of an earlier version into an empty `trust_state` (once: the file is then renamed), so an
 * existing data directory keeps its CAs, records and revocations.
 */
async function importStateFile(db: Db, path: string): Promise<void> {
  await removeStaleTemporaries(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new Error(`cannot read ${path}: ${error}`);
  }
  const file = JSON.parse(text) as StoreFile;
  if (file.version !== 1) throw new Error(`${path}: unsupported version ${file.version}`);
  await db
    .insertInto("trust_state")
    .values({ id: 1, version: 1, state: JSON.stringify(file) })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  await rename(path, `${path}.imported`);
}

/** A software key's encrypted PKCS#8 PEM, stored under a name never used before (keys.ts). */
export async function insertTrustKey(db: Db, name: string, pem: string): Promise<void> {
  await db.insertInto("trust_keys").values({ name, pem }).execute();
}

/** The encrypted PEM of the software key `name`, if the database has it. */
export async function trustKeyPem(db: Db, name: string): Promise<string | undefined> {
  return (await db.selectFrom("trust_keys").select("pem").where("name", "=", name).executeTakeFirst())?.pem;
}
