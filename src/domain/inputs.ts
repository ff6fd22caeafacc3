import { quoted } from './plainText';
/**
 * Parsers for the values people type. Each returns the normalized value or a message that says
 * what was wrong, in words a person can act on. They never throw.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 1035 labels, at least two of them, a letter-only top-level label.
const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

export const isGuid = (s: string): boolean => GUID.test(s);

export function parseGuid(text: string, what: string): Parsed<string> {
  const t = text.trim();
  return GUID.test(t)
    ? { ok: true, value: t.toLowerCase() }
    : { ok: false, message: `"${clip(t)}" is not ${what}: expected a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47.` };
}

export function parseDomain(text: string): Parsed<string> {
  const t = text.trim().replace(/\.$/, '');
  return DOMAIN.test(t)
    ? { ok: true, value: t.toLowerCase() }
    : { ok: false, message: `"${clip(t)}" is not a domain name: expected something like contoso.onmicrosoft.com.` };
}

export type TenantRef = { kind: 'id'; value: string } | { kind: 'domain'; value: string };

/** A customer tenant named by its Entra tenant id or one of its domains. */
export function parseTenantRef(text: string): Parsed<TenantRef> {
  const t = text.trim();
  if (GUID.test(t)) return { ok: true, value: { kind: 'id', value: t.toLowerCase() } };
  const d = parseDomain(t);
  if (d.ok) return { ok: true, value: { kind: 'domain', value: d.value } };
  return {
    ok: false,
    message: `"${clip(t)}" is neither a tenant id nor a domain: use the tenant's id (a GUID) or a domain such as contoso.onmicrosoft.com.`,
  };
}

export function parseEmail(text: string): Parsed<string> {
  const t = text.trim().replace(/^mailto:/i, '');
  const at = t.lastIndexOf('@');
  const local = t.slice(0, at);
  const domain = t.slice(at + 1);
  if (at > 0 && local.length <= 64 && EMAIL_LOCAL.test(local) && DOMAIN.test(domain) && t.length <= 254) {
    return { ok: true, value: `${local}@${domain.toLowerCase()}` };
  }
  return { ok: false, message: `"${clip(t)}" is not a valid email address: expected something like admin@contoso.com.` };
}

const INVITATION_ID = /^inv-[0-9a-hjkmnp-tv-z]{10}$/;

export function parseInvitationId(text: string): Parsed<string> {
  const t = text.trim().toLowerCase();
  return INVITATION_ID.test(t)
    ? { ok: true, value: t }
    : { ok: false, message: `"${clip(text.trim())}" is not an invitation id: ids look like inv-7k2m9q4xzt (see \`invitations\`).` };
}

/** Typed text echoed back in a message: quoted, so it is shown as typed (plain text), capped. */
export function clip(text: string, max = 60): string {
  return quoted(text, max);
}
