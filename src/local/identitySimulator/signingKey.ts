import { createHash, generateKeyPair, KeyObject, sign, verify } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** The simulator's token-signing key; its public half is served at the tenant's `jwks_uri`. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: Record<string, string>;
}

export type JwtClaims = Record<string, unknown>;

export type JwtVerification =
  | { ok: true; claims: JwtClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'unknown-key' };

/** RS256 like Entra. Generated off the main thread so it overlaps with the certificate work at start-up. */
export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = createHash('sha256')
    .update(String(jwk.n))
    .digest('base64url')
    .slice(0, 27);
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: { kty: 'RSA', use: 'sig', alg: 'RS256', kid, n: String(jwk.n), e: String(jwk.e) },
  };
}

export function signJwt(claims: JwtClaims, key: SigningKey): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: key.kid };
  const signingInput = `${base64UrlJson(header)}.${base64UrlJson(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

export function verifyJwt(token: string, key: SigningKey): JwtVerification {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [encodedHeader, encodedClaims, encodedSignature] = parts;
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isRecord(header) || !isRecord(claims)) return { ok: false, reason: 'malformed' };
  if (header.alg !== 'RS256' || header.kid !== key.kid) return { ok: false, reason: 'unknown-key' };
  const valid = verify(
    'sha256',
    Buffer.from(`${encodedHeader}.${encodedClaims}`),
    key.publicKey,
    Buffer.from(encodedSignature, 'base64url'),
  );
  return valid ? { ok: true, claims } : { ok: false, reason: 'bad-signature' };
}

export function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
