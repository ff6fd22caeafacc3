/**
 * AES-256-GCM encryption of secrets at rest (refresh tokens, MSAL caches, passwords) with key ids,
 * so a new key can become active while blobs sealed with older keys still open.
 *
 * The caller's AAD (e.g. the tenant id) is bound into the tag: a blob copied into another tenant's
 * record fails to open there. The version and key id are bound too, so neither can be swapped on a
 * stored blob. Bound AAD = `tenant-access/secretbox/v1|<kid>|<caller aad>` (kids cannot hold `|`).
 */
import crypto from 'node:crypto';
import { z } from 'zod';

import type { SealedSecret } from '../../domain/sealedSecret';

export type Keyring = { activeKeyId: string; keys: ReadonlyMap<string, Buffer> };

export type SecretBoxErrorReason = 'unknown-key' | 'tampered' | 'malformed';

export class SecretBoxError extends Error {
  constructor(
    readonly reason: SecretBoxErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Canonical base64 only, so one blob has exactly one spelling (no ignored trailing bits).
const isCanonicalBase64 = (text: string) =>
  BASE64.test(text) && Buffer.from(text, 'base64').toString('base64') === text;
const base64Text = z.string().refine(isCanonicalBase64, 'must be canonical base64');
const base64Of = (bytes: number) =>
  base64Text.refine((text) => Buffer.from(text, 'base64').length === bytes, `must decode to ${bytes} bytes`);

/** A stored blob, checked before it is opened. */
export const sealedSecretSchema = z.object({
  v: z.literal(1),
  kid: z.string().regex(KEY_ID, 'must be a key id'),
  iv: base64Of(IV_BYTES),
  tag: base64Of(TAG_BYTES),
  ct: base64Text,
});

export class SecretBox {
  readonly activeKeyId: string;
  private readonly keys: ReadonlyMap<string, Buffer>;

  /** Throws on an invalid keyring: that is a startup configuration error, not a runtime case. */
  constructor(keyring: Keyring) {
    const problem = keyringProblem(keyring);
    if (problem) throw new Error(`Invalid keyring: ${problem}`);
    this.activeKeyId = keyring.activeKeyId;
    // Copies, so later changes to the caller's map or buffers cannot change what we encrypt with.
    this.keys = new Map([...keyring.keys].map(([kid, key]) => [kid, Buffer.from(key)]));
  }

  // The IV is never injectable: reusing one with the same GCM key gives away the key stream.
  seal(plaintext: string | Buffer, aad?: string): SealedSecret {
    const kid = this.activeKeyId;
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv(ALGORITHM, this.keys.get(kid)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(boundAad(kid, aad));
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const ct = Buffer.concat([cipher.update(data), cipher.final()]);
    return {
      v: 1,
      kid,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
  }

  /** Throws `SecretBoxError` ('malformed' | 'unknown-key' | 'tampered'). */
  open(sealed: SealedSecret, aad?: string): Buffer {
    const parsed = sealedSecretSchema.safeParse(sealed);
    if (!parsed.success) throw new SecretBoxError('malformed', 'sealed secret is malformed');
    if (aad !== undefined && typeof aad !== 'string') throw new SecretBoxError('malformed', 'aad must be a string');
    const { kid, iv, tag, ct } = parsed.data;
    const key = this.keys.get(kid);
    if (!key) throw new SecretBoxError('unknown-key', `no key with id "${kid}" in the keyring`);
    try {
      const decipher = crypto.createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(boundAad(kid, aad));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]);
    } catch {
      throw new SecretBoxError('tampered', 'sealed secret failed authentication (changed, or wrong context)');
    }
  }

  openString(sealed: SealedSecret, aad?: string): string {
    const bytes = this.open(sealed, aad);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new SecretBoxError('malformed', 'sealed secret is not UTF-8 text');
    }
  }

  /** False for blobs sealed with an older key: re-seal them when convenient to finish a rotation. */
  isSealedWithActiveKey(sealed: SealedSecret): boolean {
    return sealed.kid === this.activeKeyId;
  }
}

function boundAad(kid: string, aad: string | undefined): Buffer {
  return Buffer.from(`tenant-access/secretbox/v1|${kid}|${aad ?? ''}`, 'utf8');
}

function keyringProblem(keyring: Keyring): string | undefined {
  if (typeof keyring !== 'object' || keyring === null || !(keyring.keys instanceof Map)) {
    return 'expected { activeKeyId, keys: Map }';
  }
  if (keyring.keys.size === 0) return 'no keys';
  for (const [kid, key] of keyring.keys) {
    if (typeof kid !== 'string' || !KEY_ID.test(kid)) return 'a key id is not [A-Za-z0-9_-]{1,32}';
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) return `key "${kid}" is not ${KEY_BYTES} bytes`;
  }
  if (!keyring.keys.has(keyring.activeKeyId)) return 'the active key id is not in the keyring';
  return undefined;
}

export type ParsedKeyring = { ok: true; keyring: Keyring } | { ok: false; message: string };

/**
 * Reads the TOKEN_ENCRYPTION_KEY format: `kid:base64key[,kid:base64key...]`, the first key active.
 * Messages never quote the key material, nor a key id that failed validation (it may be a key
 * pasted into the wrong place).
 */
export function parseKeyring(spec: string): ParsedKeyring {
  if (typeof spec !== 'string' || spec.trim() === '') {
    return { ok: false, message: 'no keys given; expected kid:base64key[,kid:base64key...] (first is active)' };
  }
  const keys = new Map<string, Buffer>();
  const entries = spec.split(',');
  for (const [index, rawEntry] of entries.entries()) {
    const where = `entry ${index + 1} of ${entries.length}`;
    const entry = rawEntry.trim();
    if (entry === '') return { ok: false, message: `${where} is empty` };
    const colon = entry.indexOf(':');
    if (colon < 0) return { ok: false, message: `${where} has no "kid:" prefix; expected kid:base64key` };
    const kid = entry.slice(0, colon).trim();
    const keyText = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(kid)) {
      return { ok: false, message: `${where}: the key id must be 1-32 characters of A-Z, a-z, 0-9, _ or -` };
    }
    if (keys.has(kid)) return { ok: false, message: `${where}: key id "${kid}" is used more than once` };
    if (!BASE64.test(keyText) || keyText === '') {
      return { ok: false, message: `${where}: the key of "${kid}" is not base64` };
    }
    const key = Buffer.from(keyText, 'base64');
    if (key.length !== KEY_BYTES) {
      return {
        ok: false,
        message: `${where}: the key of "${kid}" decodes to ${key.length} bytes; expected ${KEY_BYTES} (e.g. openssl rand -base64 32)`,
      };
    }
    keys.set(kid, key);
  }
  const activeKeyId = keys.keys().next().value as string;
  return { ok: true, keyring: { activeKeyId, keys } };
}

/** A throwaway keyring for local mode: secrets sealed with it are unreadable after a restart. */
export function ephemeralKeyring(randomBytes: (size: number) => Buffer = crypto.randomBytes): Keyring {
  const kid = `ephemeral-${randomBytes(4).toString('hex')}`;
  return { activeKeyId: kid, keys: new Map([[kid, Buffer.from(randomBytes(KEY_BYTES))]]) };
}
