import { createHash } from 'node:crypto';
import type { Random } from '../random';

/** 32 random bytes = 256 bits: the invitation link is the customer's credential. */
export const LINK_TOKEN_BYTES = 32;

/** SHA-256 in hex: how link tokens, consent states and reviewer tokens are kept (never the secret itself). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export const hashLinkToken = sha256Hex;

export function newLinkToken(random: Random): { token: string; hash: string } {
  const token = random.token(LINK_TOKEN_BYTES);
  return { token, hash: hashLinkToken(token) };
}

/** Link tokens are base64url of 32 bytes: anything else cannot be one, so it is not looked up. */
export function looksLikeLinkToken(text: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(text);
}
