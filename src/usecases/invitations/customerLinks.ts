import { createHmac } from 'node:crypto';

/**
 * The consent `state` is derived from the review token, so the reviewer page (which holds the token
 * in its URL) can always build the admin consent URL, and only its hash needs storing.
 */
const derive = (secret: string, purpose: string) => createHmac('sha256', secret).update(purpose).digest('base64url');

export const consentStateFor = (reviewToken: string) => derive(reviewToken, 'tenant-access/consent-state/v1');

export const inviteLink = (publicBaseUrl: string, token: string) => `${publicBaseUrl}/invite/${token}`;
export const reviewLink = (publicBaseUrl: string, reviewToken: string) => `${publicBaseUrl}/review/${reviewToken}`;
export const consentRedirectUri = (publicBaseUrl: string) => `${publicBaseUrl}/consent/callback`;

/** `<resource>/.default` for every resource the configured scopes name (Graph, usually). */
export function defaultScopesOf(scopes: readonly string[]): string[] {
  const resources = new Set<string>();
  for (const scope of scopes) {
    try {
      const u = new URL(scope);
      resources.add(`${u.origin}/.default`);
    } catch {
      resources.add('https://graph.microsoft.com/.default');
    }
  }
  return [...resources];
}

/** Entra's admin consent endpoint for the customer's own tenant (never `common`); `state` ties the answer to an invitation, when one waits for it. */
export function adminConsentUrl(o: { authorityHost: string; tenantId: string; clientId: string; scopes: readonly string[]; redirectUri: string; state?: string }): string {
  const url = new URL(`${o.authorityHost}/${encodeURIComponent(o.tenantId)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', o.clientId);
  url.searchParams.set('scope', defaultScopesOf(o.scopes).join(' '));
  url.searchParams.set('redirect_uri', o.redirectUri);
  if (o.state !== undefined) url.searchParams.set('state', o.state);
  return url.toString();
}
