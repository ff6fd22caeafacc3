import { quoted } from '../../src/domain/plainText';

/**
 * Microsoft Graph's delegated permissions in the words a customer's admin reads on the "Tenant
 * activated" page. Microsoft's own descriptions (the admin center's Permissions tab) speak of "the
 * user"; here the person who signed in is "you". The keys are lower case: Entra's answers keep the
 * case of the request, which is configuration.
 */
const PERMISSION_WORDS: ReadonlyMap<string, string> = new Map([
  ['openid', 'Sign you in'],
  ['profile', 'Sign you in'],
  ['email', 'See your email address'],
  ['user.read', 'Sign you in and read your profile'],
  ['organization.read.all', "Read your organization's profile (name, domains)"],
  ['offline_access', 'Keep access while you are away (refresh token)'],
]);
/** Lines follow the table's order (sign-in first, keeping access last), whatever order Entra answers in. */
const ORDER = [...new Set(PERMISSION_WORDS.values())];

const GRAPH_PREFIX = /^https:\/\/graph\.microsoft\.com\//i;

/** A permission as Microsoft names it in the admin center: Graph's without the resource, any other in full. */
export const permissionName = (scope: string) => scope.replace(GRAPH_PREFIX, '');

/**
 * One line per thing the access allows, in plain words, with the names Microsoft shows beside them
 * (so the admin finds them again in the admin center). Names the table does not know come from
 * Entra's answer and are shown as they came, quoted.
 */
export function permissionLines(scopes: readonly string[]): string[] {
  const byWords = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const name of [...new Set(scopes.map(permissionName).filter((s) => s.length > 0))]) {
    const words = PERMISSION_WORDS.get(name.toLowerCase());
    if (!words) unknown.push(name);
    else byWords.set(words, [...(byWords.get(words) ?? []), name]);
  }
  const known = [...byWords].sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b));
  return [...known.map(([words, names]) => `${words} — ${names.join(', ')}`), ...unknown.map((name) => quoted(name))];
}
