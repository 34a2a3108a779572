import "reflect-metadata";

export type { HashAlgorithm, Signer, SignatureAlgorithm } from "./keys/signer.js";
export { algorithmFor, defaultHash, generateKey, type KeyType, softwareSigner } from "./keys/software.js";
