import { quoted } from '../../src/domain/plainText';
import fc from 'fast-check';
import { COMMANDS } from '../../bot/teams/commandTable';
import type { CommandSpec } from '../../bot/teams/services';
import { closestWord, normalizeChatText, ParsedCommand, parseCommand, typoDistance } from '../../bot/teams/parseCommand';

/** fast-check 4 dropped unicodeString/fullUnicodeString; these are their equivalents. */
const bmpChar = fc.integer({ min: 0, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCharCode(c));
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Pieces of what Teams actually puts in `text`: mentions, markup, entities, odd spaces. */
const teamsPiece = fc.constantFrom(
  '<at>Tenant Access</at>',
  '<at>Bot</at>',
  '<p>',
  '</p>',
  '<div>',
  '<br>',
  '&nbsp;',
  '&amp;',
  '&lt;',
  '&gt;',
  '\u00a0',
  ' ',
  '\n',
  '\t',
  '/',
  '<',
  '>',
  '</at>',
  '<at>',
);
const chatText = fc.oneof(
  fc.string(),
  fc.string({ unit: bmpChar }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: codeUnit }),
  fc.array(fc.oneof(teamsPiece, fc.constantFrom(...COMMANDS.map((c) => c.name)), fc.string({ maxLength: 6 })), { maxLength: 12 }).map((p) => p.join('')),
);

const SAMPLES: Record<string, readonly string[]> = {
  'tenant domain or id': ['contoso.onmicrosoft.com', 'Fabrikam.COM', '72f988bf-86f1-41af-91ab-2d7cd011db47'],
  'admin email': ['admin@contoso.com', 'It.Ops+m365@fabrikam.co.uk'],
  'invitation id': ['inv-7k2m9q4xzt'],
  'aad object id': ['5b8e2c1a-7d4f-4e3b-9a6c-0f1e2d3c4b5a'],
  'email or object id': ['meganb@provider.example', 'MeganB@Provider.Example,', '5b8e2c1a-7d4f-4e3b-9a6c-0f1e2d3c4b5a'],
  command: COMMANDS.map((c) => c.name),
};

/**
 * Every concrete line a command's usage text describes: `<placeholder>` takes sample values,
 * `<a|b>` each choice, `[x]` either nothing or what x stands for (a sampled placeholder, else the
 * literal word, as in `[here]`). Unknown `<placeholders>` fail the test, so a new command's usage
 * gets a sample here.
 */
function usageExamples(spec: CommandSpec): string[][] {
  return spec.usage.split(' | ').flatMap((alternative) => {
    const tokens = alternative.match(/<[^>]+>|\[[^\]]+\]|\S+/g) ?? [];
    let lines: string[][] = [[]];
    for (const token of tokens) {
      const optional = token.startsWith('[');
      const inner = /^[<[]/.test(token) ? token.slice(1, -1) : token;
      let choices: string[];
      if (!/^[<[]/.test(token)) choices = [token];
      else if (inner.includes('|')) choices = inner.split('|');
      else if (SAMPLES[inner]) choices = [...SAMPLES[inner]];
      else if (optional && /^[a-z]+$/.test(inner)) choices = [inner];
      else throw new Error(`no sample values for <${inner}> in "${spec.usage}"`);
      const options = optional ? [undefined, ...choices] : choices;
      lines = lines.flatMap((line) => options.map((o) => (o === undefined ? line : [...line, o])));
    }
    return lines;
  });
}

/** A message without the marks around echoed text (the card renderer turns them into plain-text runs). */
const plain = (p: ParsedCommand) => (p.kind === 'usage' ? { ...p, message: p.message.replace(/[\ue000\ue001]/g, '') } : p);
const specNamed = (name: string) => COMMANDS.find((c) => c.name === name)!;
const kindOf = (p: ParsedCommand) => p.kind;
const specOf = (p: ParsedCommand) => (p.kind === 'command' || p.kind === 'usage' ? p.spec.name : undefined);

describe('parseCommand with the real command table', () => {
  it('runs a plain command', () => {
    const r = parseCommand('invite contoso.onmicrosoft.com admin@contoso.com delegated', COMMANDS);
    expect(r).toEqual({
      kind: 'command',
      spec: specNamed('invite'),
      input: expect.objectContaining({ tenant: { kind: 'domain', value: 'contoso.onmicrosoft.com' }, email: 'admin@contoso.com', variant: 'delegated' }),
    });
  });

  it('does not take "reinvite" or "invitex" for invite', () => {
    // Suggested, never run.
    expect(parseCommand('reinvite contoso.com admin@contoso.com', COMMANDS)).toEqual({ kind: 'unknown', word: 'reinvite', suggestion: 'invite' });
    expect(parseCommand('reinvite x', COMMANDS)).toMatchObject({ kind: 'unknown', word: 'reinvite' });
    expect(parseCommand('invitex contoso.com admin@contoso.com', COMMANDS)).toMatchObject({ kind: 'unknown', word: 'invitex' });
  });

  it('tells invite from invitations', () => {
    expect(specOf(parseCommand('invitations all', COMMANDS))).toBe('invitations');
    expect(specOf(parseCommand('invite contoso.com admin@contoso.com', COMMANDS))).toBe('invite');
  });

  it('is case-insensitive on the command word and accepts a leading slash', () => {
    expect(kindOf(parseCommand('INVITE contoso.com admin@contoso.com GLOBAL', COMMANDS))).toBe('command');
    expect(specOf(parseCommand('/Help', COMMANDS))).toBe('help');
  });

  it('ignores the @mention Teams puts in channel messages', () => {
    const r = parseCommand('<at>Tenant Access</at> invite contoso.com admin@contoso.com', COMMANDS);
    expect(r.kind === 'command' && r.spec.name).toBe('invite');
    expect(parseCommand('<at>Bot</at>', COMMANDS)).toEqual({ kind: 'empty' });
    expect(specOf(parseCommand('<AT>Bot</AT>&nbsp;status contoso.com', COMMANDS))).toBe('status');
  });

  it('reads through HTML entities, non-breaking spaces and markup', () => {
    expect(parseCommand('invite&nbsp;contoso.com\u00a0a&amp;b@contoso.com', COMMANDS)).toEqual({
      kind: 'command',
      spec: specNamed('invite'),
      input: expect.objectContaining({ tenant: { kind: 'domain', value: 'contoso.com' }, email: 'a&b@contoso.com', variant: 'global' }),
    });
    expect(parseCommand('<p>status <b>contoso.com</b></p>', COMMANDS)).toMatchObject({ kind: 'command', input: { kind: 'domain', value: 'contoso.com' } });
    expect(normalizeChatText('&amp;lt;at&amp;gt;')).toBe('&lt;at&gt;');
    // Teams turns typed addresses and domains into links.
    expect(parseCommand('invite <a href="http://contoso.com">contoso.com</a> <a href="mailto:admin@contoso.com">admin@contoso.com</a>', COMMANDS)).toMatchObject({
      kind: 'command',
      input: { tenant: { value: 'contoso.com' }, email: 'admin@contoso.com' },
    });
  });

  it('answers empty text with empty, and bad arguments with the command and a message', () => {
    for (const text of ['', '   ', '\u00a0&nbsp;', '<p></p>']) expect(parseCommand(text, COMMANDS)).toEqual({ kind: 'empty' });
    const r = parseCommand('invite contoso.com not-an-email', COMMANDS);
    expect(r).toEqual({ kind: 'usage', spec: specNamed('invite'), message: expect.stringContaining(`"${quoted('not-an-email')}" is not a valid email address`) });
    expect(parseCommand('staff add 5b8e2c1a-7d4f-4e3b-9a6c-0f1e2d3c4b5a owner', COMMANDS)).toMatchObject({ kind: 'usage', message: expect.stringContaining('is not a role') });
    expect(parseCommand('resend', COMMANDS)).toMatchObject({ kind: 'usage', message: expect.stringContaining('Say which invitation') });
  });

  describe('every usage line of every command', () => {
    const cases = COMMANDS.flatMap((spec) => usageExamples(spec).map((args) => [spec.name, args.join(' ')] as const));

    it('has examples for every command', () => {
      expect(new Set(cases.map(([name]) => name))).toEqual(new Set(COMMANDS.map((c) => c.name)));
    });

    it.each(cases)('%s: "%s" parses to the command, also in upper case', (name, line) => {
      for (const text of [line, line.toUpperCase(), `<at>Tenant Access</at> ${line}`]) {
        const r = parseCommand(text, COMMANDS);
        if (r.kind !== 'command') throw new Error(`"${text}" gave ${JSON.stringify(r)}`);
        expect(r.spec.name).toBe(name);
      }
    });

    // `help <command>` reads only the command's name and ignores what follows (`help staff add`).
    const strict = cases.filter(([name, line]) => name !== 'help' || line === 'help');

    it.each(strict)('%s: "%s" plus one more word is a usage error of that command', (name, line) => {
      const r = parseCommand(`${line} extra`, COMMANDS);
      expect(r).toEqual({ kind: 'usage', spec: specNamed(name), message: expect.any(String) });
      if (r.kind === 'usage') expect(r.message.length).toBeGreaterThan(10);
    });
  });

  describe('what staff trip over (friendlier parsing)', () => {
    it('suggests the command a typo or two away: "hlep" → help, and nothing for a word far from all', () => {
      expect(parseCommand('hlep', COMMANDS)).toEqual({ kind: 'unknown', word: 'hlep', suggestion: 'help' });
      expect(parseCommand('Tenant', COMMANDS)).toEqual({ kind: 'unknown', word: 'Tenant', suggestion: 'tenants' });
      expect(parseCommand('invtie contoso.com a@contoso.com', COMMANDS)).toMatchObject({ kind: 'unknown', suggestion: 'invite' });
      for (const far of ['hi', 'ok', 'frobnicate', 'thanks!']) expect(parseCommand(far, COMMANDS)).toEqual({ kind: 'unknown', word: far });
    });

    it('counts a swap of two neighbouring letters as one typo', () => {
      expect(typoDistance('hlep', 'help')).toBe(1);
      expect(typoDistance('staff', 'status')).toBe(3);
      expect(closestWord('veiwer', ['viewer', 'operator', 'admin'])).toBe('viewer');
    });

    it('every command name with one typo (swap, letter dropped, added or changed) suggests itself', () => {
      const typo = fc.record({
        spec: fc.constantFrom(...COMMANDS),
        kind: fc.constantFrom('swap', 'drop', 'add', 'change'),
        at: fc.nat(),
        letter: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
        upper: fc.boolean(),
      });
      fc.assert(
        fc.property(typo, ({ spec, kind, at, letter, upper }) => {
          const n = spec.name;
          const i = at % n.length;
          const word =
            kind === 'swap' ? (i + 1 < n.length ? n.slice(0, i) + n[i + 1] + n[i] + n.slice(i + 2) : n.slice(0, -2) + n[n.length - 1] + n[n.length - 2])
            : kind === 'drop' ? n.slice(0, i) + n.slice(i + 1)
            : kind === 'add' ? n.slice(0, i) + letter + n.slice(i)
            : n.slice(0, i) + letter + n.slice(i + 1);
          const typed = upper ? word.toUpperCase() : word;
          const r = parseCommand(`${typed} contoso.com`, COMMANDS);
          if (word === n) expect(specOf(r)).toBe(n);
          else expect(r).toEqual({ kind: 'unknown', word: typed, suggestion: n });
        }),
        { numRuns: 2000 },
      );
    });

    it('help reads the command after it and ignores the rest: "help staff add" is help for staff', () => {
      expect(parseCommand('help staff add', COMMANDS)).toEqual({ kind: 'command', spec: specNamed('help'), input: { name: 'staff', words: ['add'] } });
      expect(parseCommand('help /Invite contoso.com', COMMANDS)).toMatchObject({ kind: 'command', input: { name: 'invite' } });
      expect(plain(parseCommand('help stauts', COMMANDS))).toEqual({ kind: 'usage', spec: specNamed('help'), message: expect.stringContaining('"stauts" is not a command. Did you mean **status**?') });
    });

    it('invite says what is missing: the admin, or the tenant', () => {
      expect(parseCommand('invite contoso.onmicrosoft.com', COMMANDS)).toMatchObject({ kind: 'usage', message: 'Say which admin to invite (their email).' });
      expect(parseCommand('invite contoso.onmicrosoft.com here', COMMANDS)).toMatchObject({ kind: 'usage', message: 'Say which admin to invite (their email).' });
      expect(parseCommand('invite admin@contoso.com', COMMANDS)).toMatchObject({ kind: 'usage', message: expect.stringContaining('Say which tenant') });
      expect(parseCommand('invite', COMMANDS)).toMatchObject({ kind: 'usage', message: 'Say which tenant and which admin to invite.' });
    });

    it('invite takes an email pasted from a list, with its comma or semicolon', () => {
      for (const text of ['invite contoso.com admin@contoso.com,', 'invite contoso.com admin@contoso.com; delegated', 'invite contoso.com, admin@contoso.com , delegated']) {
        expect(parseCommand(text, COMMANDS)).toMatchObject({ kind: 'command', spec: specNamed('invite'), input: { tenant: { value: 'contoso.com' }, email: 'admin@contoso.com' } });
      }
    });

    it('staff add and remove take an email or UPN as well as an object id', () => {
      expect(parseCommand('staff add MeganB@Provider.Example viewer', COMMANDS)).toMatchObject({ kind: 'command', input: { kind: 'add', who: { kind: 'address', address: 'meganb@provider.example' }, role: 'viewer' } });
      expect(parseCommand('staff remove meganb@provider.example;', COMMANDS)).toMatchObject({ kind: 'command', input: { kind: 'remove', who: { kind: 'address', address: 'meganb@provider.example' } } });
      expect(parseCommand('staff add 5B8E2C1A-7D4F-4E3B-9A6C-0F1E2D3C4B5A admin', COMMANDS)).toMatchObject({ kind: 'command', input: { who: { kind: 'id', id: '5b8e2c1a-7d4f-4e3b-9a6c-0f1e2d3c4b5a' } } });
      expect(parseCommand('staff ad x@y.com viewer', COMMANDS)).toMatchObject({ kind: 'usage', message: expect.stringContaining('did you mean add?') });
      expect(parseCommand('staff add x@y.com veiwer', COMMANDS)).toMatchObject({ kind: 'usage', message: expect.stringContaining('did you mean viewer?') });
    });
  });

  describe('for any chat text', () => {
    it('answers command, usage, unknown or empty, and never throws', () => {
      const names = new Set(COMMANDS.map((c) => c.name));
      fc.assert(
        fc.property(chatText, (text) => {
          const r = parseCommand(text, COMMANDS);
          switch (r.kind) {
            case 'empty':
              expect(normalizeChatText(text).trim()).toBe('');
              break;
            case 'unknown':
              expect(r.word.length).toBeGreaterThan(0);
              expect(names.has(r.word.toLowerCase().replace(/^\//, ''))).toBe(false);
              break;
            case 'usage':
              expect(COMMANDS).toContain(r.spec);
              expect(typeof r.message).toBe('string');
              expect(r.message.length).toBeGreaterThan(0);
              break;
            case 'command':
              expect(COMMANDS).toContain(r.spec);
              break;
            default:
              throw new Error(`unexpected ${JSON.stringify(r)}`);
          }
        }),
        { numRuns: 1000 },
      );
    });

    it('routes a command word followed by anything to that command (command or usage)', () => {
      const line = fc.record({
        spec: fc.constantFrom(...COMMANDS),
        mention: fc.option(fc.string({ unit: fc.constantFrom('B', 'o', 't', ' ', '&', '>') }), { nil: undefined }),
        slash: fc.boolean(),
        separator: fc.constantFrom(' ', '  ', '\u00a0', '&nbsp;', '\t', '\n'),
        args: fc.array(
          fc.oneof(
            fc.constantFrom('contoso.com', 'admin@contoso.com', 'inv-7k2m9q4xzt', 'add', 'remove', 'global', 'delegated', 'all', 'pending', 'viewer', '72f988bf-86f1-41af-91ab-2d7cd011db47', ...COMMANDS.map((c) => c.name)),
            fc.string({ unit: 'binary' }),
            fc.string({ unit: bmpChar, maxLength: 20 }),
          ),
          { maxLength: 5 },
        ),
      });
      fc.assert(
        fc.property(line, fc.nat(), ({ spec, mention, slash, separator, args }, seed) => {
          const word = [...spec.name].map((c, i) => ((seed >> i) & 1 ? c.toUpperCase() : c)).join('');
          const text = `${mention === undefined ? '' : `<at>${mention}</at> `}${slash ? '/' : ''}${word}${args.map((a) => separator + a).join('')}`;
          const r = parseCommand(text, COMMANDS);
          expect(r.kind === 'command' || r.kind === 'usage').toBe(true);
          expect(specOf(r)).toBe(spec.name);
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('a direction mark pasted into an argument', () => {
  it('is named, instead of a message that echoes the text without it', () => {
    const r = parseCommand('status \u202econtoso.onmicrosoft.com', COMMANDS);
    expect(r).toMatchObject({ kind: 'usage', spec: { name: 'status' }, message: expect.stringContaining('invisible direction mark (U+202E)') });
    expect(parseCommand('status contoso.onmicrosoft.com', COMMANDS)).toMatchObject({ kind: 'command' });
  });
});
