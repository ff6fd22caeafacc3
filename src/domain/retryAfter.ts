/**
 * Retry-After as seconds (RFC 9110 §10.2.3): a number of seconds, or an HTTP date. Anything else
 * says nothing. Entra and Graph send it with 429 and with some 5xx answers.
 */
export function retryAfterSecondsOf(header: string | readonly string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const value = (typeof header === 'string' ? header : header?.[0])?.trim();
  if (!value) return undefined;
  if (/^\d{1,9}$/.test(value)) return Number(value);
  // Only a date (it names a month or a weekday): Date.parse reads bare numbers and other text too.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
