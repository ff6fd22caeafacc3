import { randomBytes } from 'node:crypto';

/** Randomness comes in as a dependency so tests can fix ids and tokens. */
export interface Random {
  /** A URL-safe secret with `bytes` bytes of entropy (base64url). */
  token(bytes?: number): string;
  /** A short id people can type: Crockford base32, `length` characters. */
  shortId(length?: number): string;
  /** A correlation id for logs and error messages. */
  correlationId(): string;
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export function toCrockford(bytes: Buffer, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

export const cryptoRandom: Random = {
  token: (bytes = 32) => randomBytes(bytes).toString('base64url'),
  shortId: (length = 10) => toCrockford(randomBytes(Math.ceil((length * 5) / 8)), length),
  correlationId: () => toCrockford(randomBytes(8), 12),
};
