import fc from 'fast-check';
import { stableId } from '../../src/usecases/stableId';
import { plainText, quoted } from '../../src/domain/plainText';
import { clip, isGuid, parseDomain, parseEmail, parseGuid, parseInvitationId, Parsed, parseTenantRef } from '../../src/domain/inputs';

/** fast-check 4 dropped unicodeString/fullUnicodeString; these are their equivalents. */
const bmpChar = fc.integer({ min: 0, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCharCode(c));
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: bmpChar }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  // Raw UTF-16 code units, lone surrogates included: what a broken client could send.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);

/** A lone surrogate makes text that cannot be encoded as UTF-8 (it turns into U+FFFD on the wire). */
const isWellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
const LAYOUT_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069`*_[\]<>]/;
const guid = fc.uuid().map((u) => u.toString());
const mixedCase = (arb: fc.Arbitrary<string>) => arb.chain((s) => fc.mixedCase(fc.constant(s)));

/** The shape every parser promises: a value, or one message that quotes the input and says the right form. */
function expectParsedShape<T>(r: Parsed<T>): void {
  expect(typeof r.ok).toBe('boolean');
  if (!r.ok) {
    expect(typeof r.message).toBe('string');
    expect(r.message.length).toBeLessThan(220);
    expect(r.message).not.toMatch(/[\u0000-\u001f]/);
  }
}

const failure = <T>(r: Parsed<T>): string => {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value)}`);
  return r.message;
};
const value = <T>(r: Parsed<T>): T => {
  if (!r.ok) throw new Error(`expected a value, got "${r.message}"`);
  return r.value;
};

describe('parseEmail', () => {
  it.each([
    ['admin@contoso.com', 'admin@contoso.com'],
    ['  Admin@Contoso.COM  ', 'Admin@contoso.com'],
    ['mailto:admin@contoso.com', 'admin@contoso.com'],
    ['MAILTO:it.ops+tenant@sub.contoso.co.uk', 'it.ops+tenant@sub.contoso.co.uk'],
    ["o'brien@contoso.onmicrosoft.com", "o'brien@contoso.onmicrosoft.com"],
  ])('accepts %j as %j', (text, expected) => {
    expect(parseEmail(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    '',
    'admin',
    '@contoso.com',
    'admin@',
    'admin@contoso',
    'admin@@contoso.com',
    'a..b@contoso.com',
    '.admin@contoso.com',
    'admin.@contoso.com',
    'ad min@contoso.com',
    'admin@contoso.com.',
    'admin@-contoso.com',
    'admin@contoso.c0m',
    '"quoted"@contoso.com',
    `${'a'.repeat(65)}@contoso.com`,
    `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(60)}.com`,
  ])('refuses %j, quoting it and showing the right form', (text) => {
    const message = failure(parseEmail(text));
    expect(message).toContain(`"${clip(text.trim())}"`);
    expect(message).toContain('not a valid email address');
    expect(message).toContain('admin@contoso.com');
  });

  it('gives a value or a message for any text, never a throw', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const r = parseEmail(text);
        expectParsedShape(r);
        if (!r.ok && !/^\s*mailto:/i.test(text)) expect(r.message).toContain(`"${clip(text.trim())}"`);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts generated addresses, lower-cases their domain only, and is idempotent', () => {
    fc.assert(
      fc.property(mixedCase(fc.emailAddress()), fc.constantFrom('', ' ', '\t', 'mailto:'), (email, prefix) => {
        const v = value(parseEmail(`${prefix}${email} `));
        const at = email.lastIndexOf('@');
        expect(v).toBe(`${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`);
        expect(parseEmail(v)).toEqual({ ok: true, value: v });
        expect(v).not.toMatch(/\s/);
        expect(v.length).toBeLessThanOrEqual(254);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseDomain', () => {
  it.each([
    ['contoso.com', 'contoso.com'],
    ['Contoso.OnMicrosoft.COM', 'contoso.onmicrosoft.com'],
    [' fabrikam.co.uk. ', 'fabrikam.co.uk'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['a-b.io', 'a-b.io'],
  ])('accepts %j as %j', (text, expected) => {
    expect(parseDomain(text)).toEqual({ ok: true, value: expected });
  });

  it.each(['', 'contoso', '-contoso.com', 'contoso-.com', 'contoso..com', 'contoso.c0m', 'bücher.de', 'contoso.com/x', 'https://contoso.com', `${'a'.repeat(64)}.com`, 'a.b'])(
    'refuses %j, quoting it and showing the right form',
    (text) => {
      const message = failure(parseDomain(text));
      expect(message).toContain(`"${clip(text.trim().replace(/\.$/, ''))}"`);
      expect(message).toContain('contoso.onmicrosoft.com');
    },
  );

  it('gives a value or a message for any text, never a throw', () => {
    fc.assert(fc.property(anyText, (text) => expectParsedShape(parseDomain(text))), { numRuns: 500 });
  });

  it('accepts generated domains in any case and returns them lower-cased; the result parses to itself', () => {
    fc.assert(
      fc.property(mixedCase(fc.domain()), (domain) => {
        const v = value(parseDomain(domain));
        expect(v).toBe(domain.toLowerCase());
        expect(parseDomain(v)).toEqual({ ok: true, value: v });
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseGuid', () => {
  it('accepts a GUID in any case, trimmed, and returns it lower-cased', () => {
    expect(parseGuid('  72F988BF-86F1-41AF-91AB-2D7CD011DB47 ', 'a tenant id')).toEqual({ ok: true, value: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
  });

  it.each(['', '72f988bf86f141af91ab2d7cd011db47', '{72f988bf-86f1-41af-91ab-2d7cd011db47}', '72f988bf-86f1-41af-91ab-2d7cd011db4', '72f988bf-86f1-41af-91ab-2d7cd011db47x', 'g2f988bf-86f1-41af-91ab-2d7cd011db47'])(
    'refuses %j, saying what was expected and how it looks',
    (text) => {
      const message = failure(parseGuid(text, 'an Entra object id'));
      expect(message).toContain(`"${clip(text.trim())}"`);
      expect(message).toContain('is not an Entra object id');
      expect(message).toMatch(/GUID like [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    },
  );

  it('round-trips any GUID, and gives a value or a message for any text', () => {
    fc.assert(
      fc.property(mixedCase(guid), (g) => {
        expect(parseGuid(g, 'x')).toEqual({ ok: true, value: g.toLowerCase() });
        expect(isGuid(g)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        const r = parseGuid(text, 'a tenant id');
        expectParsedShape(r);
        expect(r.ok).toBe(isGuid(text.trim()));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseTenantRef', () => {
  it('tells tenant ids from domains, normalized', () => {
    expect(parseTenantRef('72F988BF-86F1-41AF-91AB-2D7CD011DB47')).toEqual({ ok: true, value: { kind: 'id', value: '72f988bf-86f1-41af-91ab-2d7cd011db47' } });
    expect(parseTenantRef(' Contoso.onmicrosoft.com ')).toEqual({ ok: true, value: { kind: 'domain', value: 'contoso.onmicrosoft.com' } });
  });

  it.each(['contoso', 'admin@contoso.com', '72f988bf-86f1-41af-91ab', ''])('refuses %j, naming both accepted forms', (text) => {
    const message = failure(parseTenantRef(text));
    expect(message).toContain(`"${clip(text.trim())}"`);
    expect(message).toContain('GUID');
    expect(message).toContain('contoso.onmicrosoft.com');
  });

  it('gives a value or a message for any text; values parse to themselves', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, guid, fc.domain()), (text) => {
        const r = parseTenantRef(text);
        expectParsedShape(r);
        if (r.ok) expect(parseTenantRef(r.value.value)).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseInvitationId', () => {
  it('accepts ids in any case and returns them lower-cased', () => {
    expect(parseInvitationId(' INV-7K2M9Q4XZT ')).toEqual({ ok: true, value: 'inv-7k2m9q4xzt' });
  });

  it.each(['', 'inv-', 'inv-7k2m9q4xz', 'inv-7k2m9q4xztt', 'inv-7k2m9q4xzi', 'inv-7k2m9q4xzu', '7k2m9q4xzt', 'inv_7k2m9q4xzt'])('refuses %j and shows what ids look like', (text) => {
    const message = failure(parseInvitationId(text));
    expect(message).toContain(`"${clip(text.trim())}"`);
    expect(message).toContain('inv-7k2m9q4xzt');
    expect(message).toContain('invitations');
  });

  it('accepts every id the invitation use case can mint', () => {
    fc.assert(
      fc.property(anyText, (requestKey) => {
        const id = stableId('inv-', `invite|${requestKey}`);
        expect(parseInvitationId(id)).toEqual({ ok: true, value: id });
        expect(parseInvitationId(id.toUpperCase())).toEqual({ ok: true, value: id });
      }),
      { numRuns: 300 },
    );
  });

  it('gives a value or a message for any text', () => {
    fc.assert(fc.property(anyText, (text) => expectParsedShape(parseInvitationId(text))), { numRuns: 500 });
  });
});

describe('plainText and quoted (text from outside, shown as it came)', () => {
  const HIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ue000-\uf8ff\ufff9-\ufffb]/u;

  it('leaves short plain text alone, markdown and markup included', () => {
    expect(plainText('contoso.com')).toBe('contoso.com');
    expect(plainText('**bold** [link](https://evil.example) <b>x</b> a_b_c')).toBe('**bold** [link](https://evil.example) <b>x</b> a_b_c');
  });

  it('shortens long text to the limit with an ellipsis, never cutting a character in half', () => {
    expect(plainText('a'.repeat(61), 60)).toBe(`${'a'.repeat(59)}…`);
    const text = `${'a'.repeat(58)}😀tail`;
    expect(isWellFormed(plainText(text, 60))).toBe(true);
    expect(plainText(text, 60)).toBe(`${'a'.repeat(58)}😀…`);
  });

  it('removes controls, bidi overrides and line breaks', () => {
    expect(plainText('a\nb\r\tc')).toBe('a b c');
    expect(plainText('x\u2028y\u0085z\u202eevil\u2066')).toBe('x y zevil');
  });

  it('quotes between markers no input can forge', () => {
    expect(quoted('a\ue000b\ue001c')).toBe('\ue000abc\ue001');
    expect(clip('x'.repeat(80), 10)).toBe(quoted('x'.repeat(80), 10));
  });

  it('for any text: bounded, free of hidden characters, well-formed when the input is, the identity on clean short text', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 2, max: 80 }), (text, max) => {
        const out = plainText(text, max);
        expect(Array.from(out).length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(HIDDEN_CHARS);
        if (isWellFormed(text)) expect(isWellFormed(out)).toBe(true);
        if (Array.from(text).length <= max && !HIDDEN_CHARS.test(text) && !/\s\s|^\s|\s$|[^\S ]/u.test(text)) expect(out).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
