import type { CommandSpec } from './services';

export type ParsedCommand =
  | { kind: 'command'; spec: CommandSpec; input: unknown }
  | { kind: 'usage'; spec: CommandSpec; message: string }
  /** `suggestion`: the command name one or two typos away, if there is one. */
  | { kind: 'unknown'; word: string; suggestion?: string }
  | { kind: 'empty' };

/** Teams adds HTML entities and non-breaking spaces; people paste from mail clients. */
export function normalizeChatText(text: string): string {
  return text
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/&nbsp;|\u00a0/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/<[^>]*>/g, ' ')
    .trim();
}

/**
 * Chat text → a command and its input, or what was wrong. Anchored and case-insensitive on the
 * first word (so "reinvite" is not "invite", though it is suggested). Total: any text gives an
 * answer, never a throw.
 */
export function parseCommand(text: string, table: readonly CommandSpec[]): ParsedCommand {
  const words = normalizeChatText(text).split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return { kind: 'empty' };
  const name = words[0].toLowerCase().replace(/^\//, '');
  const spec = table.find((c) => c.name === name);
  if (!spec) {
    const suggestion = closestWord(name, table.map((c) => c.name));
    return suggestion === undefined ? { kind: 'unknown', word: words[0] } : { kind: 'unknown', word: words[0], suggestion };
  }
  // A direction mark pasted along with a domain or an address makes it read as something else, and
  // the echoed text (shown without it) would look right: say what is wrong instead.
  const marked = words.slice(1).find((w) => DIRECTION_MARKS.test(w));
  if (marked !== undefined) {
    const code = marked.match(DIRECTION_MARKS)![0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { kind: 'usage', spec, message: `The text holds an invisible direction mark (U+${code}), often pasted along with it. Type it again, or paste it as plain text.` };
  }
  const parsed = spec.parse(words.slice(1));
  return parsed.ok ? { kind: 'command', spec, input: parsed.value } : { kind: 'usage', spec, message: parsed.message };
}

/** Bidirectional controls: they reorder what is shown, and no command argument needs one. */
const DIRECTION_MARKS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * The candidate a typo or two away from `word` (case-insensitive), the nearest one, the first of
 * the list on a tie; undefined when none is that near. Short words allow one typo only: "hi" is
 * not "help". Words far longer than any candidate are not compared at all.
 */
export function closestWord(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const allowed = w.length <= 3 ? 1 : 2;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - w.length) > allowed) continue;
    const distance = typoDistance(w, candidate.toLowerCase());
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/**
 * Damerau-Levenshtein distance in its optimal-string-alignment form: insertions, deletions,
 * substitutions and swaps of two neighbouring letters ("hlep") each count one. Command names are
 * a dozen letters at most, so the full table is cheap.
 */
export function typoDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
