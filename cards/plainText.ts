import { QUOTE_CLOSE, QUOTE_OPEN } from '../src/domain/plainText';

/*
 * Text from outside reaches a template quoted (`quoted` in src/domain/plainText.ts). After the
 * template is expanded, every shown string that holds a quoted part is rebuilt from TextRuns: a
 * RichTextBlock's TextRuns are never read as markdown, in Teams or on the invitation page, so the
 * part is shown exactly as it came — an address or a link copied from the card is the one typed.
 */
const OPEN = QUOTE_OPEN;
const MARKED = new RegExp(`${QUOTE_OPEN}([^${QUOTE_CLOSE}]*)${QUOTE_CLOSE}`, 'g');

/**
 * Quoted text that no markdown renderer could read as anything but itself (no emphasis, link,
 * code, heading, list, table, HTML, entity or `{{…}}` date marker in it) is left where it is: a
 * tenant called Contoso or an address such as megan.bowen@contoso.com keeps its FactSet row and
 * the card stays small. Anything else is rebuilt from TextRuns.
 */
const INERT = /^(?![-+>]|\d+[.)])[^*_[\]()~`<>#!|\\{}&]*$/u;
const needsRuns = (s: string) => [...s.matchAll(MARKED)].some((m) => !INERT.test(m[1]));
const needsTextRuns = (s: string) => s.includes(OPEN) && needsRuns(s);
const unmarked = (s: string) => s.replace(MARKED, '$1');

/**
 * Teams and the Playground treat `<…>` in our own card text as markup and drop it, which would eat
 * usage placeholders like `<admin email>`: our own words get look-alike angle quotes. Text from
 * outside is never changed; it is in TextRuns.
 */
const ownWords = (s: string) => s.replace(/</g, '‹').replace(/>/g, '›');

type Json = Record<string, unknown>;
interface Segment {
  readonly text: string;
  readonly outside: boolean;
}

function segmentsOf(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(MARKED)) {
    if (m.index! > last) out.push({ text: text.slice(last, m.index), outside: false });
    out.push({ text: m[1], outside: true });
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), outside: false });
  return out.filter((s) => s.text !== '');
}

const RUN_STYLE_KEYS = ['size', 'weight', 'color', 'isSubtle', 'fontType'] as const;
const BLOCK_KEYS = ['id', 'horizontalAlignment', 'spacing', 'separator', 'height', 'isVisible', 'style', '$when'] as const;

/**
 * Our own text keeps its one markdown habit, **bold**, as bold runs; a bold span may hold a quoted
 * part (`**${name}**`), which is then a bold run of plain text. Each `**` of ours toggles it.
 */
function richText(text: string, from: Json): Json {
  const style = Object.fromEntries(RUN_STYLE_KEYS.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));
  const block = Object.fromEntries(BLOCK_KEYS.filter((k) => from[k] !== undefined && k !== 'style').map((k) => [k, from[k]]));
  const inlines: Json[] = [];
  let bold = false;
  const run = (t: string) => t !== '' && inlines.push({ type: 'TextRun', ...style, ...(bold ? { weight: 'Bolder' } : {}), text: t });
  for (const segment of segmentsOf(text)) {
    if (segment.outside) {
      run(segment.text);
      continue;
    }
    segment.text.split('**').forEach((part, i) => {
      if (i > 0) bold = !bold;
      run(ownWords(part));
    });
  }
  return { type: 'RichTextBlock', ...block, inlines };
}

/** A FactSet whose values come from outside becomes one two-column row per fact. */
function factRows(factSet: Json): Json[] {
  const facts = (factSet.facts as { title: string; value: string }[] | undefined) ?? [];
  return facts.map((fact, i) => ({
    type: 'ColumnSet',
    id: typeof factSet.id === 'string' ? `${factSet.id}-${i}` : undefined,
    spacing: i === 0 ? (factSet.spacing ?? 'Default') : 'None',
    separator: i === 0 ? factSet.separator : undefined,
    columns: [
      { type: 'Column', width: 35, items: [richText(fact.title, { weight: 'Bolder' })] },
      { type: 'Column', width: 65, items: [richText(fact.value, {})] },
    ],
  }));
}

const SHOWN_KEYS = new Set(['text', 'title', 'value', 'placeholder', 'label', 'altText', 'fallbackText']);

/** Nothing to change in a string without angle brackets or quoted parts: the common case, kept cheap. */
const PLAIN = /^[^<>\ue000]*$/;

/**
 * Our words with look-alike angle quotes; text from outside in TextRuns; button data exactly as
 * sent. Works on the template's fresh expansion in place (a card per turn: no copy of it).
 */
export function presentable(node: unknown, key?: string): unknown {
  if (typeof node === 'string') {
    if (PLAIN.test(node)) return node;
    return key !== undefined && SHOWN_KEYS.has(key) ? ownWordsAround(node) : unmarked(node);
  }
  if (Array.isArray(node)) {
    if (!node.some(isFactSetWithMarks)) {
      for (let i = 0; i < node.length; i++) node[i] = presentable(node[i]);
      return node;
    }
    return node.flatMap((n) => (isFactSetWithMarks(n) ? factRows(n as Json).map(withoutUndefined) : [presentable(n)]));
  }
  if (node && typeof node === 'object') {
    const n = node as Json;
    if (n.type === 'TextBlock' && typeof n.text === 'string' && needsTextRuns(n.text)) return richText(n.text, n);
    for (const k of Object.keys(n)) {
      const v = n[k];
      if (v === undefined) delete n[k];
      else n[k] = k === 'data' ? unmarkedDeep(v) : presentable(v, k);
    }
    return n;
  }
  return node;
}

/** A shown string left as it is (a button title, inert quoted text): marks dropped, our parts with angle quotes. */
function ownWordsAround(s: string): string {
  return s.includes(OPEN) ? segmentsOf(s).map((seg) => (seg.outside ? seg.text : ownWords(seg.text))).join('') : ownWords(s);
}

function isFactSetWithMarks(n: unknown): boolean {
  const facts = (n as Json | null)?.type === 'FactSet' ? ((n as Json).facts as { title?: unknown; value?: unknown }[] | undefined) : undefined;
  return facts?.some((f) => (typeof f.value === 'string' && needsTextRuns(f.value)) || (typeof f.title === 'string' && needsTextRuns(f.title))) ?? false;
}

const withoutUndefined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function unmarkedDeep(v: unknown): unknown {
  if (typeof v === 'string') return v.includes(OPEN) ? unmarked(v) : v;
  if (Array.isArray(v)) return v.map(unmarkedDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unmarkedDeep(x)]));
  return v;
}
