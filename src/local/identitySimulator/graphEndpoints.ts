import { randomUUID } from 'node:crypto';
import type { SimulatedTenant, SimulatedUser } from './directory';
import { RouteContext, sendJson, SimulatorRequest } from './http';
import { verifyJwt } from './signingKey';
import type { SimulatorState } from './state';

type Context = RouteContext<SimulatorState>;

const GRAPH_AUDIENCES = new Set(['https://graph.microsoft.com', 'https://graph.microsoft.com/', '00000003-0000-0000-c000-000000000000']);

// Delegated permissions that let a caller read each endpoint (a subset of Graph's documented lists).
const ORGANIZATION_READERS = ['User.Read', 'Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const ME_READERS = ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'];

interface GraphCaller {
  tenant: SimulatedTenant;
  user: SimulatedUser;
}

type GraphAuthorization =
  | { ok: true; caller: GraphCaller }
  | { ok: false; status: 401 | 403; code: string; message: string };

/** GET /v1.0/organization — the signed-in user's tenant, as Graph returns it (its current name and domains). */
export function organization(ctx: Context): void {
  answer(ctx, ORGANIZATION_READERS, ({ tenant }) => {
    const all: Record<string, unknown> = {
      id: tenant.tenantId,
      displayName: tenant.displayName,
      tenantType: 'AAD',
      countryLetterCode: 'US',
      verifiedDomains: ctx.state.directory.verifiedDomains(tenant).map((domain) => ({
        capabilities: 'Email, OfficeCommunicationsOnline',
        isDefault: domain.isDefault,
        isInitial: domain.isInitial,
        name: domain.name,
        type: 'Managed',
      })),
    };
    const selected = select(ctx, all, Object.keys(all), ORGANIZATION_TYPE);
    if (!selected.ok) return selected;
    return { ok: true, body: { '@odata.context': `${ctx.state.baseUrl}/v1.0/$metadata#organization`, value: [selected.properties] } };
  });
}

/**
 * GET /v1.0/me — the signed-in user. `accountEnabled` is not a default property: Graph returns it only when
 * `$select` names it, which is how a caller sees a disabled account through a token issued before it was disabled
 * (Entra keeps access tokens valid until they expire). A deleted account's token still passes Graph's token
 * checks until it expires, but the user is gone: 404 Request_ResourceNotFound, as for any deleted object.
 */
export function me(ctx: Context): void {
  answer(ctx, ME_READERS, ({ tenant, user }) => {
    const accountState = ctx.state.directory.accountState(tenant.tenantId, user.oid);
    if (accountState === 'deleted') {
      return {
        ok: false,
        status: 404,
        code: 'Request_ResourceNotFound',
        message: `Resource '${user.oid}' does not exist or one of its queried reference-property objects are not present.`,
      };
    }
    const all: Record<string, unknown> = {
      businessPhones: [],
      displayName: user.displayName,
      givenName: user.displayName.split(' ')[0] ?? null,
      jobTitle: null,
      mail: null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: user.displayName.split(' ').slice(1).join(' ') || null,
      userPrincipalName: user.upn,
      id: user.oid,
      accountEnabled: accountState !== 'disabled',
    };
    const defaults = Object.keys(all).filter((name) => name !== 'accountEnabled');
    const selected = select(ctx, all, defaults, USER_TYPE);
    if (!selected.ok) return selected;
    return { ok: true, body: { '@odata.context': `${ctx.state.baseUrl}/v1.0/$metadata#users/$entity`, ...selected.properties } };
  });
}

const ORGANIZATION_TYPE = 'microsoft.graph.organization';
const USER_TYPE = 'microsoft.graph.user';

type GraphAnswer = { ok: true; body: unknown } | { ok: false; status: number; code: string; message: string };

/** `$select`: only the named properties (names are case-insensitive in Graph); an unknown one is a 400, as in Graph. */
function select(
  ctx: Context,
  all: Record<string, unknown>,
  defaults: readonly string[],
  typeName: string,
): { ok: true; properties: Record<string, unknown> } | { ok: false; status: number; code: string; message: string } {
  const parameter = ctx.request.query.get('$select');
  const wanted = parameter === null ? [...defaults] : parameter.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const properties: Record<string, unknown> = {};
  for (const name of wanted) {
    const key = Object.keys(all).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (key === undefined) {
      return { ok: false, status: 400, code: 'Request_BadRequest', message: `Could not find a property named '${name}' on type '${typeName}'.` };
    }
    properties[key] = all[key];
  }
  return { ok: true, properties };
}

function answer(ctx: Context, readers: readonly string[], body: (caller: GraphCaller) => GraphAnswer): void {
  const authorization = authorize(ctx, readers);
  if (!authorization.ok) {
    const headers: Record<string, string> =
      authorization.status === 401
        ? { 'www-authenticate': `Bearer realm="", authorization_uri="${ctx.state.baseUrl}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"` }
        : {};
    return sendJson(ctx.response, authorization.status, graphErrorBody(ctx.state, ctx.request, authorization.code, authorization.message), headers);
  }
  const answered = body(authorization.caller);
  if (!answered.ok) return sendJson(ctx.response, answered.status, graphErrorBody(ctx.state, ctx.request, answered.code, answered.message));
  sendJson(ctx.response, 200, answered.body, { 'request-id': randomUUID() });
}

function authorize(ctx: Context, readers: readonly string[]): GraphAuthorization {
  const header = ctx.request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'Access token is empty.' };
  const verification = verifyJwt(match[1], ctx.state.key);
  if (!verification.ok) {
    return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid signature or malformed token.' };
  }
  const { claims } = verification;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= ctx.state.clock.now().getTime()) {
    return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' };
  }
  if (typeof claims.aud !== 'string' || !GRAPH_AUDIENCES.has(claims.aud)) {
    return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' };
  }
  const found = typeof claims.tid === 'string' ? ctx.state.directory.findTenant(claims.tid) : undefined;
  const user = found && typeof claims.oid === 'string' ? found.tenant.users.find((candidate) => candidate.oid === claims.oid) : undefined;
  if (!found || !user) {
    return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'The identity of the calling application could not be established.' };
  }
  // The simulator's choice (Graph's exact answer for a deleted tenant is not documented): the token's tenant is unknown.
  if (found.state === 'deleted') {
    return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: `The tenant for tenant guid '${found.tenant.tenantId}' does not exist.` };
  }
  const tenant = found.tenant;
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
  if (!readers.some((reader) => scopes.includes(reader))) {
    return { ok: false, status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' };
  }
  return { ok: true, caller: { tenant, user } };
}

/** Graph's error body: `error.code`, `error.message` and the `innerError` with the request's ids. */
export function graphErrorBody(state: SimulatorState, request: SimulatorRequest, code: string, message: string): unknown {
  const clientRequestId = request.headers['client-request-id'];
  return {
    error: {
      code,
      message,
      innerError: {
        date: state.clock.now().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': randomUUID(),
        'client-request-id': typeof clientRequestId === 'string' ? clientRequestId : randomUUID(),
      },
    },
  };
}
