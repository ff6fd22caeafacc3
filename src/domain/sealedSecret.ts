/** A secret sealed with AES-256-GCM under a key id (the adapter in src/adapters/crypto seals and opens it). */
export type SealedSecret = { v: 1; kid: string; iv: string; tag: string; ct: string };
