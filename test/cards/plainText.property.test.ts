import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { renderFlowStatus, renderInvitation, renderMessage, type CardAttachment } from '../../cards';
import { plainText, quoted } from '../../src/domain/plainText';

/**
 * Text from outside goes through one plain-text path (`quoted`, then the card renderer's TextRuns).
 * Whatever it holds, no markdown renderer may turn it into a link or emphasis, no bidi control may
 * survive, and an address or a link comes out byte for byte as it went in.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pageScript = require('../../bot/web/customerPages/static/invitePage.js') as { markdownToHtml(text: string): string | null };
/** What Adaptive Cards uses for TextBlock markdown when it is on the page (window.markdownit). */
const markdownIt = new MarkdownIt();

type Json = Record<string, unknown>;
const BIDI_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const FORMATTING = /<(a|em|strong|img|code|del|s)\b/gi;
const formattingIn = (html: string) => (html.match(FORMATTING) ?? []).map((t) => t.toLowerCase()).sort();

/** Every string a renderer reads as markdown: TextBlock text, Fact titles and values. */
function markdownFields(card: CardAttachment): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as Json;
      if (n.type === 'TextBlock' && typeof n.text === 'string') out.push(n.text);
      if (n.type === 'FactSet') for (const f of (n.facts as { title: string; value: string }[]) ?? []) out.push(f.title, f.value);
      Object.entries(n).forEach(([k, v]) => k !== 'data' && walk(v));
    }
  };
  walk(card.content.body);
  return out;
}

/** Every TextRun's text: shown as it is, never parsed. */
function textRuns(card: CardAttachment): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as Json;
      if (n.type === 'TextRun' && typeof n.text === 'string') out.push(n.text);
      Object.values(n).forEach(walk);
    }
  };
  walk(card.content.body);
  return out;
}

const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: fc.constantFrom('[', ']', '(', ')', '*', '_', '~', '`', '<', '>', '#', '!', '\\', 'a', ' ', '\n', '\u202e', '\u2066', '\u200f', 'h', 't', 'p', 's', ':', '/', '.'), maxLength: 60 }),
  fc.constantFrom('[Re-verify here](https://evil.example/login)', '**bold**@contoso.onmicrosoft.com', 'Contoso \u202e[moc.live](https://x)', '_x_ <b>y</b> ![i](https://x/i.png)'),
);

const escapeHtml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Shown exactly as it came: as a TextRun (never parsed), or — when nothing in it means anything
 * to a markdown renderer — left in a field whose renderers both give it back unchanged.
 */
function shownAsIs(card: CardAttachment, text: string): boolean {
  if (textRuns(card).includes(text)) return true;
  if (!markdownFields(card).some((f) => f.includes(text))) return false;
  return pageScript.markdownToHtml(text) === null && markdownIt.renderInline(text) === escapeHtml(text);
}

/** The same outside text in the places the bot puts it: a message, an invitation's facts, a flow card's fields. */
function cardsWith(text: string): CardAttachment[] {
  const q = quoted(text);
  return [
    renderMessage({ title: `Unknown "${q}"`, text: `No customer tenant "${q}" yet. **tenants** lists them.` }),
    renderInvitation({ title: 'Invitation created', subtitle: `For ${q}`, id: 'inv-0000000000', tenant: q, email: q, variant: 'Global admin', status: 'Sent', createdAt: '—', expiresAt: '—', sentCount: 1, link: '', canChange: true, canPostHere: false, confirming: false }),
    renderFlowStatus({ tenantName: q, title: `Waiting for ${q}`, text: `Only ${q} can see the code.`, color: 'default', cause: q, nextStep: '', reviewLink: '', reference: '', actionTitle: '', actionVerb: '' }),
  ];
}

describe('the plain-text path (text from outside on cards)', () => {
  it('no markdown renderer finds a link or emphasis, and no bidi or control character survives', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        for (const card of cardsWith(text)) {
          for (const field of markdownFields(card)) {
            expect(field).not.toMatch(BIDI_OR_CONTROL);
            expect(field).not.toContain('\ue000');
            // Our own words may be bold ("**Why:**"); the outside text adds no formatting of its own.
            const shown = plainText(text);
            const ours = shown === '' ? field : field.split(shown).join('X');
            expect(formattingIn(markdownIt.renderInline(field))).toEqual(formattingIn(markdownIt.renderInline(ours)));
            expect(formattingIn(pageScript.markdownToHtml(field) ?? '')).toEqual(formattingIn(pageScript.markdownToHtml(ours) ?? ''));
          }
          for (const run of textRuns(card)) expect(run).not.toMatch(BIDI_OR_CONTROL);
          if (plainText(text) !== '') expect(shownAsIs(card, plainText(text))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an email address or a link comes out byte-identical', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), fc.webUrl({ withQueryParameters: true, withFragments: true })), (text) => {
        fc.pre(Array.from(text).length <= 300);
        for (const card of cardsWith(text)) expect(shownAsIs(card, text)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('the examples from the field stay inert', () => {
    const [message] = cardsWith('[Re-verify here](https://evil.example/login)');
    expect(markdownFields(message).join('\n')).not.toContain('[Re-verify here]');
    expect(textRuns(message)).toContain('[Re-verify here](https://evil.example/login)');
    const [, invitation] = cardsWith('**bold**@contoso.onmicrosoft.com');
    expect(textRuns(invitation)).toContain('**bold**@contoso.onmicrosoft.com');
    expect(markdownFields(invitation).join('\n')).not.toContain('**bold**');
  });
});

describe('bold of ours around a quoted part', () => {
  it('is a bold run of the plain text, with no asterisks left over', () => {
    const card = renderMessage({ title: 'T', text: `Tenant **${quoted('a_b*c')}** and **tenants** here.` });
    const runs = (card.content.body as Json[])[1].inlines as { text: string; weight?: string }[];
    expect(runs).toEqual([
      expect.objectContaining({ text: 'Tenant ' }),
      expect.objectContaining({ text: 'a_b*c', weight: 'Bolder' }),
      expect.objectContaining({ text: ' and ' }),
      expect.objectContaining({ text: 'tenants', weight: 'Bolder' }),
      expect.objectContaining({ text: ' here.' }),
    ]);
    expect(runs.filter((r) => r.weight !== 'Bolder').every((r) => r.weight === undefined)).toBe(true);
  });
});

describe('a card rendered again from the same data', () => {
  it('is the same card, which no caller can change for another (a change needs a copy)', () => {
    const first = renderMessage({ title: 'Same', text: `For ${quoted('x_y@contoso.com')}` });
    expect(() => (first.content.body as Json[]).push({ type: 'TextBlock', text: 'added by a caller' })).toThrow(TypeError);
    expect(() => {
      ((first.content.body as Json[])[0] as Json).text = 'changed by a caller';
    }).toThrow(TypeError);
    const second = renderMessage({ title: 'Same', text: `For ${quoted('x_y@contoso.com')}` });
    expect(second.content).toBe(first.content);
    expect((second.content.body as Json[]).map((b) => b.type)).toEqual(['TextBlock', 'RichTextBlock']);
    expect(renderMessage({ title: 'Other', text: 'x' }).content).not.toEqual(second.content);
  });
});
