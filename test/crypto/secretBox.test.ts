import crypto from 'node:crypto';
import fc from 'fast-check';
import { ephemeralKeyring, Keyring, parseKeyring, SecretBox, SecretBoxError, SecretBoxErrorReason, sealedSecretSchema } from '../../src/adapters/crypto/secretBox';
import { SealedSecret } from '../../src/domain/sealedSecret';

const keyA = Buffer.alloc(32, 0xa1);
const keyB = Buffer.alloc(32, 0xb2);
const keyringOf = (...entries: [string, Buffer][]): Keyring => ({
  activeKeyId: entries[0][0],
  keys: new Map(entries),
});
const box = new SecretBox(keyringOf(['k2025b', keyA]));

function openFailure(action: () => unknown): SecretBoxErrorReason | 'no error' {
  try {
    action();
    return 'no error';
  } catch (error) {
    if (error instanceof SecretBoxError) return error.reason;
    throw error;
  }
}

/** Flips one bit of a base64 field at the byte level (changing a base64 character may not change a byte). */
function flipBit(field: string, bit: number): string {
  const bytes = Buffer.from(field, 'base64');
  bytes[Math.floor(bit / 8) % bytes.length] ^= 1 << bit % 8;
  return bytes.toString('base64');
}

describe('SecretBox', () => {
  it('opens what it sealed, for any bytes and any AAD', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
        (bytes, aad) => {
          const plaintext = Buffer.from(bytes);
          const opened = box.open(box.seal(plaintext, aad), aad);
          expect(opened.equals(plaintext)).toBe(true);
        },
      ),
    );
  });

  it('opens strings as the same string, for any Unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (text, aad) => {
        expect(box.openString(box.seal(text, aad), aad)).toBe(text);
      }),
    );
  });

  it('produces the stored shape: version 1, active kid, 12-byte IV, 16-byte tag, no plaintext', () => {
    const sealed = box.seal('refresh-token-value', 'tenant-1');
    expect(sealedSecretSchema.safeParse(sealed).success).toBe(true);
    expect(sealed.v).toBe(1);
    expect(sealed.kid).toBe('k2025b');
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(16);
    expect(JSON.stringify(sealed)).not.toContain('refresh-token-value');
    expect(Buffer.from(sealed.ct, 'base64').toString('utf8')).not.toContain('refresh-token');
  });

  it('uses a fresh IV every time, so equal plaintexts never give equal ciphertexts', () => {
    const sealed = Array.from({ length: 300 }, () => box.seal('same secret', 'tenant-1'));
    expect(new Set(sealed.map((s) => s.iv)).size).toBe(300);
    expect(new Set(sealed.map((s) => s.ct)).size).toBe(300);
  });

  it('reports any flipped bit in ct, tag or iv as tampered', () => {
    const sealed = box.seal('a refresh token worth protecting', 'tenant-1');
    fc.assert(
      fc.property(fc.constantFrom<'ct' | 'tag' | 'iv'>('ct', 'tag', 'iv'), fc.nat(4096), (field, bit) => {
        const tampered: SealedSecret = { ...sealed, [field]: flipBit(sealed[field], bit) };
        expect(openFailure(() => box.open(tampered, 'tenant-1'))).toBe('tampered');
      }),
    );
  });

  it('will not open a blob in another context (AAD): copied to another tenant it fails', () => {
    const sealed = box.seal('secret', 'tenant-1');
    expect(openFailure(() => box.open(sealed, 'tenant-2'))).toBe('tampered');
    expect(openFailure(() => box.open(sealed))).toBe('tampered');
    expect(openFailure(() => box.open(box.seal('secret'), 'tenant-1'))).toBe('tampered');
  });

  it('binds the key id: relabelling a blob with another known kid does not open it, even under the same key', () => {
    // The same bytes under two names isolate the binding: only the label differs.
    const both = new SecretBox(keyringOf(['k2026a', keyA], ['k2025b', keyA]));
    const sealed = both.seal('secret', 'tenant-1');
    expect(openFailure(() => both.open({ ...sealed, kid: 'k2025b' }, 'tenant-1'))).toBe('tampered');
  });

  it('reports a blob sealed with a key it does not hold as unknown-key', () => {
    const other = new SecretBox(keyringOf(['k1999', keyB]));
    expect(openFailure(() => box.open(other.seal('secret')))).toBe('unknown-key');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'v1.abc'],
    ['another version', { ...box.seal('x'), v: 2 }],
    ['no tag', { ...box.seal('x'), tag: undefined }],
    ['a truncated 4-byte tag', { ...box.seal('x'), tag: Buffer.alloc(4).toString('base64') }],
    ['an 8-byte IV', { ...box.seal('x'), iv: Buffer.alloc(8).toString('base64') }],
    ['ct that is not base64', { ...box.seal('x'), ct: 'not base64!' }],
    ['non-canonical base64', { ...box.seal('x'), tag: 'AAAAAAAAAAAAAAAAAAAAAB==' }],
    ['a kid with bad characters', { ...box.seal('x'), kid: 'k 1' }],
  ])('reports %s as malformed', (_name, blob) => {
    expect(openFailure(() => box.open(blob as SealedSecret))).toBe('malformed');
  });

  it('refuses to return bytes that are not UTF-8 as a string', () => {
    const sealed = box.seal(Buffer.from([0xff, 0xfe, 0x00]));
    expect(openFailure(() => box.openString(sealed))).toBe('malformed');
    expect(box.open(sealed)).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
  });

  it('keeps old blobs readable after a new key is prepended, and seals new ones with the new key', () => {
    const oldKey = crypto.randomBytes(32).toString('base64');
    const newKey = crypto.randomBytes(32).toString('base64');
    const before = parseKeyring(`k2025b:${oldKey}`);
    const after = parseKeyring(`k2026a:${newKey},k2025b:${oldKey}`);
    if (!before.ok || !after.ok) throw new Error('keyrings should parse');
    const oldBox = new SecretBox(before.keyring);
    const newBox = new SecretBox(after.keyring);

    const oldBlob = oldBox.seal('old token', 'tenant-1');
    expect(newBox.openString(oldBlob, 'tenant-1')).toBe('old token');
    expect(newBox.isSealedWithActiveKey(oldBlob)).toBe(false);

    const newBlob = newBox.seal('new token', 'tenant-1');
    expect(newBlob.kid).toBe('k2026a');
    expect(newBox.isSealedWithActiveKey(newBlob)).toBe(true);
    expect(openFailure(() => oldBox.open(newBlob, 'tenant-1'))).toBe('unknown-key');
  });

  it('is not affected by later changes to the keyring it was built from', () => {
    const key = Buffer.from(keyA);
    const keys = new Map([['k1', key]]);
    const own = new SecretBox({ activeKeyId: 'k1', keys });
    const sealed = own.seal('secret');
    key.fill(0);
    keys.delete('k1');
    expect(own.openString(sealed)).toBe('secret');
  });

  it.each<[string, Keyring]>([
    ['an empty keyring', { activeKeyId: 'k1', keys: new Map() }],
    ['a 16-byte key', keyringOf(['k1', Buffer.alloc(16, 7)])],
    ['an active id that is not in the ring', { activeKeyId: 'k2', keys: new Map([['k1', keyA]]) }],
    ['a kid with bad characters', keyringOf(['k/1', keyA])],
  ])('refuses to start with %s, without quoting key bytes', (_name, keyring) => {
    let message = '';
    try {
      new SecretBox(keyring);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid keyring: /);
    for (const key of keyring.keys.values()) {
      expect(message).not.toContain(key.toString('base64'));
      expect(message).not.toContain(key.toString('hex'));
    }
  });
});

describe('parseKeyring', () => {
  const key32 = crypto.randomBytes(32).toString('base64');
  const key32b = crypto.randomBytes(32).toString('base64');

  it('reads kid:base64key entries in order, the first one active', () => {
    const parsed = parseKeyring(` k2026a:${key32} , k2025b:${key32b} `);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.keyring.activeKeyId).toBe('k2026a');
    expect([...parsed.keyring.keys.keys()]).toEqual(['k2026a', 'k2025b']);
    expect(parsed.keyring.keys.get('k2025b')?.toString('base64')).toBe(key32b);
  });

  it.each<[string, string, RegExp]>([
    ['an empty value', '', /no keys/],
    ['only spaces', '   ', /no keys/],
    ['a trailing comma', `k1:${key32},`, /entry 2 of 2 is empty/],
    ['a key without kid', key32, /no "kid:" prefix/],
    ['an empty kid', `:${key32}`, /key id must be/],
    ['a kid with a space', `k 1:${key32}`, /key id must be/],
    ['a kid with a dot', `k.1:${key32}`, /key id must be/],
    ['a 33-character kid', `${'k'.repeat(33)}:${key32}`, /key id must be/],
    ['key and kid swapped', `${key32}:k1`, /key id must be/],
    ['a 16-byte key', `k1:${crypto.randomBytes(16).toString('base64')}`, /decodes to 16 bytes; expected 32/],
    ['a 33-byte key', `k1:${crypto.randomBytes(33).toString('base64')}`, /decodes to 33 bytes; expected 32/],
    ['a hex key', `k1:${crypto.randomBytes(32).toString('hex')}`, /decodes to 48 bytes|not base64/],
    ['a key that is not base64', `k1:${key32.slice(0, 40)}!!!`, /not base64/],
    ['an empty key', 'k1:', /not base64/],
    ['a duplicate kid', `k1:${key32},k1:${key32b}`, /"k1" is used more than once/],
  ])('rejects %s and says what is wrong', (_name, spec, expected) => {
    const parsed = parseKeyring(spec);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toMatch(expected);
  });

  it('never echoes key material in its messages', () => {
    const badSpec = fc.oneof(
      fc.constant((key: string) => `k1:${key.slice(0, 30)}`), // short key
      fc.constant((key: string) => `${key}:k1`), // swapped
      fc.constant((key: string) => key), // no kid
      fc.constant((key: string) => `k1:${key},k1:${key}`), // duplicate kid
      fc.constant((key: string) => `bad kid:${key}`), // bad kid
      fc.constant((key: string) => `k1:${key}#`), // not base64
      fc.constant((key: string) => `k1:${key},`), // trailing comma
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), badSpec, (bytes, build) => {
        const key = Buffer.from(bytes).toString('base64');
        const parsed = parseKeyring(build(key));
        expect(parsed.ok).toBe(false);
        if (parsed.ok) return;
        // Any 12-character run of the key would be a leak; kid-like words are far shorter.
        for (let start = 0; start + 12 <= key.length; start += 4) {
          expect(parsed.message).not.toContain(key.slice(start, start + 12));
        }
      }),
    );
  });
});

describe('ephemeralKeyring', () => {
  it('builds a one-key ring from the given randomness', () => {
    let counter = 0;
    const fixedRandom = (size: number) => Buffer.alloc(size, ++counter);
    const keyring = ephemeralKeyring(fixedRandom);
    expect(keyring.activeKeyId).toBe('ephemeral-01010101');
    expect(keyring.keys.get('ephemeral-01010101')).toEqual(Buffer.alloc(32, 2));
    const local = new SecretBox(keyring);
    expect(local.openString(local.seal('local secret', 'tenant-1'), 'tenant-1')).toBe('local secret');
  });

  it('differs on every start, so blobs do not outlive the process', () => {
    const first = ephemeralKeyring();
    const second = ephemeralKeyring();
    expect(first.activeKeyId).toMatch(/^ephemeral-[0-9a-f]{8}$/);
    expect(first.activeKeyId).not.toBe(second.activeKeyId);
    const blob = new SecretBox(first).seal('x');
    expect(openFailure(() => new SecretBox(second).open(blob))).toBe('unknown-key');
  });
});
