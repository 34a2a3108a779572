import "reflect-metadata";

export type { HashAlgorithm, Signer, SignatureAlgorithm } from "./keys/signer.js";
