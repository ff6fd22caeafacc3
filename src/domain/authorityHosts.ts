/**
 * Which Microsoft cloud an authority host belongs to, and what MSAL needs to be told about it.
 *
 * MSAL ships the public cloud's instance-discovery metadata, so for those hosts it needs nothing.
 * For any other host (the local identity simulator, a test stand-in, a proxy) it would first ask
 * login.microsoftonline.com whether the host is a real authority; naming the host in
 * `knownAuthorities` makes MSAL trust it and read its OpenID configuration directly.
 * Sovereign clouds come with their own Graph and Bot Framework endpoints, which we do not pair yet,
 * so configuration refuses them rather than half-working.
 */
export type AuthorityCloud =
  | { kind: 'public'; name: 'public' }
  | { kind: 'unsupported-cloud'; name: string }
  | { kind: 'other'; host: string };

/** Hosts of the Microsoft public cloud that MSAL's bundled metadata covers. */
const PUBLIC_CLOUD_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoft.com', 'login.windows.net', 'sts.windows.net']);

const SOVEREIGN_CLOUD_HOSTS = new Map<string, string>([
  ['login.microsoftonline.us', 'US Government'],
  ['login.usgovcloudapi.net', 'US Government'],
  ['login.chinacloudapi.cn', 'China (21Vianet)'],
  ['login.partner.microsoftonline.cn', 'China (21Vianet)'],
  ['login.microsoftonline.de', 'Germany'],
]);

/** `host` as in `URL.host`: a name, with `:port` when it is not the default. */
export function cloudOfAuthorityHost(host: string): AuthorityCloud {
  const name = host.toLowerCase().replace(/:443$/, '');
  if (PUBLIC_CLOUD_HOSTS.has(name)) return { kind: 'public', name: 'public' };
  const sovereign = SOVEREIGN_CLOUD_HOSTS.get(name);
  if (sovereign) return { kind: 'unsupported-cloud', name: sovereign };
  return { kind: 'other', host: host.toLowerCase() };
}

/**
 * MSAL `auth` options for an authority URL. The key is left out entirely for Microsoft's hosts:
 * msal-node spreads these options over its defaults, and an explicit `knownAuthorities: undefined`
 * replaces the default `[]`, which makes every sign-in fail with `endpoints_resolution_error`.
 */
export function msalAuthorityOptions(authority: string): { authority: string; knownAuthorities?: string[] } {
  const cloud = cloudOfAuthorityHost(new URL(authority).host);
  return cloud.kind === 'other' ? { authority, knownAuthorities: [cloud.host] } : { authority };
}
