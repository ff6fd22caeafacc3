import { randomUUID } from 'node:crypto';
import type { SimulatedTenant, SimulatedUser } from './directory';
import { RouteContext, sendJson } from './http';
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

/** GET /v1.0/organization — the signed-in user's tenant, as Graph returns it. */
export function organization(ctx: Context): void {
  answer(ctx, ORGANIZATION_READERS, ({ tenant }) => ({
    '@odata.context': `${ctx.state.baseUrl}/v1.0/$metadata#organization`,
    value: [
      {
        id: tenant.tenantId,
        displayName: tenant.displayName,
        tenantType: 'AAD',
        countryLetterCode: 'US',
        verifiedDomains: [
          { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: tenant.domain, type: 'Managed' },
        ],
      },
    ],
  }));
}

/** GET /v1.0/me — the signed-in user. */
export function me(ctx: Context): void {
  answer(ctx, ME_READERS, ({ user }) => ({
    '@odata.context': `${ctx.state.baseUrl}/v1.0/$metadata#users/$entity`,
    id: user.oid,
    userPrincipalName: user.upn,
    displayName: user.displayName,
    mail: null,
    businessPhones: [],
  }));
}

function answer(ctx: Context, readers: readonly string[], body: (caller: GraphCaller) => unknown): void {
  const authorization = authorize(ctx, readers);
  if (!authorization.ok) {
    const headers: Record<string, string> =
      authorization.status === 401
        ? { 'www-authenticate': `Bearer realm="", authorization_uri="${ctx.state.baseUrl}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"` }
        : {};
    return sendJson(ctx.response, authorization.status, graphError(ctx, authorization.code, authorization.message), headers);
  }
  const throttle = ctx.state.graphThrottle;
  if (throttle.remaining > 0) {
    throttle.remaining -= 1;
    return sendJson(
      ctx.response,
      429,
      graphError(ctx, 'TooManyRequests', 'Too many requests. Please try again later.'),
      { 'retry-after': String(throttle.retryAfterSeconds) },
    );
  }
  sendJson(ctx.response, 200, body(authorization.caller), { 'request-id': randomUUID() });
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
  const tenant = typeof claims.tid === 'string' ? ctx.state.directory.tenantById(claims.tid) : undefined;
  const user = tenant && typeof claims.oid === 'string' ? tenant.users.find((candidate) => candidate.oid === claims.oid) : undefined;
  if (!tenant || !user) {
    return { ok: false, status: 401, code: 'InvalidAuthenticationToken', message: 'The identity of the calling application could not be established.' };
  }
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
  if (!readers.some((reader) => scopes.includes(reader))) {
    return { ok: false, status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' };
  }
  return { ok: true, caller: { tenant, user } };
}

function graphError(ctx: Context, code: string, message: string): unknown {
  const clientRequestId = ctx.request.headers['client-request-id'];
  return {
    error: {
      code,
      message,
      innerError: {
        date: ctx.state.clock.now().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': randomUUID(),
        'client-request-id': typeof clientRequestId === 'string' ? clientRequestId : randomUUID(),
      },
    },
  };
}
