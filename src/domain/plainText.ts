/**
 * Text from outside (Graph, Entra, a callback, what staff type) as it may be shown: exactly as it
 * came, minus what would make it lie about itself. Control characters and bidirectional overrides
 * go (U+202E turns "moc.otnoc@nimda" into what looks like an address), so do the zero-width and
 * private-use characters the card renderer uses as markers; whitespace runs become one space;
 * the length is capped. Nothing is escaped here: the renderer shows the result as plain text.
 */
const HIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ue000-\uf8ff\ufff9-\ufffb]/gu;
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/gu;
const WHITESPACE_RUN = /\s+/gu;

export const PLAIN_TEXT_MAX = 300;

/** Printable ASCII words with single spaces between them: nothing to drop, one character per code unit. */
const ALREADY_PLAIN = /^[!-~]+(?: [!-~]+)*$/;

export function plainText(raw: string, maxLength: number = PLAIN_TEXT_MAX): string {
  // Most of what is shown (addresses, domains, tenant ids) is already plain: one test instead of three replaces.
  if (typeof raw === 'string' && raw.length <= maxLength && ALREADY_PLAIN.test(raw)) return raw;
  const cleaned = String(raw).replace(LINE_BREAKS, ' ').replace(HIDDEN, '').replace(WHITESPACE_RUN, ' ').trim();
  const chars = Array.from(cleaned);
  return chars.length <= maxLength ? cleaned : `${chars.slice(0, Math.max(1, maxLength - 1)).join('')}…`;
}

/*
 * Quoted text travels to the card renderer between two private-use characters, which `plainText`
 * removes from anything outside, so no input can forge them. The renderer shows what is between
 * them as plain text (TextRuns), never as markdown.
 */
export const QUOTE_OPEN = '\ue000';
export const QUOTE_CLOSE = '\ue001';

/** Text from outside (Graph, Entra, a callback, what someone typed), to be shown exactly as it came. */
export function quoted(text: string | undefined, maxLength?: number): string {
  return text === undefined ? '' : `${QUOTE_OPEN}${plainText(text, maxLength)}${QUOTE_CLOSE}`;
}
