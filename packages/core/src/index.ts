import "reflect-metadata";

export type { HashAlgorithm, SignatureAlgorithm, Signer } from "./keys/signer.js";
export { algorithmFor, defaultHash, generateKey, type KeyType, softwareSigner } from "./keys/software.js";
