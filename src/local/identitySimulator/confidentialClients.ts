import { createHash, timingSafeEqual } from 'node:crypto';

/** An app registration with a client secret: who may use the client-credentials grant. */
export interface ConfidentialClient {
  clientId: string;
  secret: string;
}

export type ClientSecretCheck = 'ok' | 'unknown-client' | 'wrong-secret';

/**
 * The confidential clients the simulator knows. Like Entra it keeps only a hash of each secret, so nothing
 * that reads the simulator's state (or a heap dump of a test) finds the secret itself.
 */
export class ConfidentialClientRegistry {
  private readonly secretHashes = new Map<string, Buffer>();

  constructor(clients: readonly ConfidentialClient[] = []) {
    for (const client of clients) this.secretHashes.set(client.clientId, hashOf(client.secret));
  }

  get size(): number {
    return this.secretHashes.size;
  }

  has(clientId: string): boolean {
    return this.secretHashes.has(clientId);
  }

  /** Compares hashes in constant time, so the answer's timing says nothing about how much of a guess was right. */
  check(clientId: string, secret: string): ClientSecretCheck {
    const expected = this.secretHashes.get(clientId);
    if (!expected) return 'unknown-client';
    return timingSafeEqual(expected, hashOf(secret)) ? 'ok' : 'wrong-secret';
  }
}

function hashOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
