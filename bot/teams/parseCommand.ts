import type { CommandSpec } from './services';

export type ParsedCommand =
  | { kind: 'command'; spec: CommandSpec; input: unknown }
  | { kind: 'usage'; spec: CommandSpec; message: string }
  | { kind: 'unknown'; word: string }
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
 * first word (so "reinvite" is not "invite"). Total: any text gives an answer, never a throw.
 */
export function parseCommand(text: string, table: readonly CommandSpec[]): ParsedCommand {
  const words = normalizeChatText(text).split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return { kind: 'empty' };
  const name = words[0].toLowerCase().replace(/^\//, '');
  const spec = table.find((c) => c.name === name);
  if (!spec) return { kind: 'unknown', word: words[0] };
  const parsed = spec.parse(words.slice(1));
  return parsed.ok ? { kind: 'command', spec, input: parsed.value } : { kind: 'usage', spec, message: parsed.message };
}
