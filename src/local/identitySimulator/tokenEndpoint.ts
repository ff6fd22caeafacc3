import { randomUUID } from 'node:crypto';
import { appTokenResource, issueAppToken } from './appTokens';
import { codeRef, DeviceCodeGrant } from './deviceCodes';
import { answerDeviceCodePoll } from './deviceCodePolling';
import type { AccountState, AuthorityLookup, TenantLookup } from './directory';
import { entraErrorBody, EntraErrorKind } from './entraErrorBodies';
import { correlationIdOf, formOf, RouteContext, sendJson } from './http';
import { configuredPermissions, rememberIssued, rememberTokenRequest, SimulatorState, TokenRequestLogEntry } from './state';
import { GrantedScopes, grantScopes, issueTokens } from './tokenIssuer';

type Context = RouteContext<SimulatorState>;
type KnownAuthority = Exclude<AuthorityLookup, { kind: 'unknown' }>;

const DEVICE_CODE_GRANT_TYPES = new Set(['device_code', 'urn:ietf:params:oauth:grant-type:device_code']);
const CLIENT_CREDENTIALS_GRANT_TYPE = 'client_credentials';

/** What Entra answers when it will not issue tokens for an account in this state, at sign-in or at a refresh. */
const ACCOUNT_STATE_ERRORS: Record<Exclude<AccountState, 'enabled'>, EntraErrorKind> = {
  deleted: 'account-not-found',
  disabled: 'account-disabled',
  locked: 'account-locked',
};

/** POST /{tenant}/oauth2/v2.0/devicecode — starts a device-code sign-in. */
export function deviceCodeEndpoint(ctx: Context): void {
  const { state } = ctx;
  const form = formOf(ctx.request);
  const lookup = state.directory.lookup(ctx.params.tenant);
  if (lookup.kind === 'unknown') return sendError(ctx, 'unknown-tenant', { tenant: ctx.params.tenant });
  const clientId = form.get('client_id');
  if (!clientId) return sendError(ctx, 'missing-parameter', { parameter: 'client_id' });
  if (state.settings.clientIds && !state.settings.clientIds.has(clientId)) {
    return sendError(ctx, 'unknown-client', { clientId, tenant: ctx.params.tenant });
  }
  const scope = form.get('scope');
  if (!scope) return sendError(ctx, 'missing-parameter', { parameter: 'scope' });

  const { settings } = state;
  const { deviceCode, grant } = state.deviceCodes.issue({
    authoritySegment: ctx.params.tenant,
    authorityTenant: lookup.kind === 'tenant' ? lookup.tenant : undefined,
    clientId,
    scope,
    nowMs: state.clock.now().getTime(),
    expiresInSeconds: settings.deviceCodeExpiresInSeconds,
    intervalSeconds: settings.pollIntervalSeconds,
  });
  rememberIssued(state.issued.deviceCodes, deviceCode);
  const verificationUri = `${state.baseUrl}/devicelogin`;
  state.logger.info(
    { event: 'identity-simulator.device-code-issued', tenant: ctx.params.tenant, clientId, codeRef: codeRef(grant.userCode) },
    'device code issued',
  );
  sendJson(ctx.response, 200, {
    user_code: grant.userCode,
    device_code: deviceCode,
    verification_uri: verificationUri,
    expires_in: settings.deviceCodeExpiresInSeconds,
    interval: settings.pollIntervalSeconds,
    message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${grant.userCode} to authenticate.`,
  });
}

/** POST /{tenant}/oauth2/v2.0/token — the device-code poll, the refresh-token grant and the client-credentials grant. */
export function tokenEndpoint(ctx: Context): void {
  const form = formOf(ctx.request);
  const lookup = ctx.state.directory.lookupAuthority(ctx.params.tenant);
  const grantType = form.get('grant_type') ?? '';
  const clientId = form.get('client_id') ?? '';
  const log: TokenRequestLogEntry = {
    atMs: ctx.state.clock.now().getTime(),
    grantType,
    tenant: ctx.params.tenant,
    clientId,
    answer: '',
  };
  if (lookup.kind === 'unknown') return answerError(ctx, log, 'unknown-tenant', { tenant: ctx.params.tenant });
  if (!grantType) return answerError(ctx, log, 'missing-parameter', { parameter: 'grant_type' });
  if (!clientId) return answerError(ctx, log, 'missing-parameter', { parameter: 'client_id' });
  if (grantType === CLIENT_CREDENTIALS_GRANT_TYPE) return clientCredentialsGrant(ctx, form, lookup, log);
  // A service tenant has no users: for user grants it is as unknown as any other name.
  if (lookup.kind === 'service') return answerError(ctx, log, 'unknown-tenant', { tenant: ctx.params.tenant });
  if (DEVICE_CODE_GRANT_TYPES.has(grantType)) return deviceCodeGrant(ctx, form, lookup, log);
  if (grantType === 'refresh_token') return refreshTokenGrant(ctx, form, log);
  return answerError(ctx, log, 'unsupported-grant-type', { grantType });
}

function deviceCodeGrant(ctx: Context, form: URLSearchParams, lookup: TenantLookup, log: TokenRequestLogEntry): void {
  const { state } = ctx;
  const deviceCode = form.get('device_code');
  if (!deviceCode) return answerError(ctx, log, 'missing-parameter', { parameter: 'device_code' });
  const grant = state.deviceCodes.byDeviceCode(deviceCode);
  if (!grant || !sameAuthority(grant, lookup)) return answerError(ctx, log, 'bad-device-code');
  log.userCode = grant.userCode;
  if (grant.clientId !== log.clientId) return answerError(ctx, log, 'client-mismatch');

  const decision = answerDeviceCodePoll(
    grant,
    log.atMs,
    state.settings.slowDownIncrementSeconds * 1000,
    state.deviceCodes.isExpired(grant, log.atMs),
  );
  if (decision.kind === 'error') {
    return answerError(ctx, log, decision.error, { clientId: grant.clientId, resource: resourceOf(state, grant.scope) });
  }
  const { user, tenant } = decision.signIn;
  answerTokens(ctx, log, { grant: 'device_code', clientId: grant.clientId, userOid: user.oid, tenantId: tenant.tenantId, scope: grant.scope });
}

/**
 * The refresh-token grant, checked in the order Entra's answers suggest: the token itself (known, this app's, not
 * revoked, not idle for its 90 days), then the account and its tenant, then the control API's forced failures,
 * then the tenant's consent for the resource asked for (which is how one refresh token gets tokens for several
 * resources: Graph, or the Teams admin API once the tenant has consented to it).
 */
function refreshTokenGrant(ctx: Context, form: URLSearchParams, log: TokenRequestLogEntry): void {
  const { state } = ctx;
  const refreshToken = form.get('refresh_token');
  if (!refreshToken) return answerError(ctx, log, 'missing-parameter', { parameter: 'refresh_token' });
  const redemption = state.refreshTokens.redeem(refreshToken, log.clientId, log.atMs);
  if (!redemption.ok) {
    const kinds: Record<typeof redemption.reason, EntraErrorKind> = {
      unknown: 'malformed-refresh-token',
      'client-mismatch': 'client-mismatch',
      revoked: 'refresh-token-revoked',
      expired: 'refresh-token-expired',
    };
    return answerError(ctx, log, kinds[redemption.reason], {
      issuedAt: redemption.issuedAt?.toISOString() ?? '',
      validFrom: redemption.validFrom?.toISOString() ?? '',
    });
  }
  answerTokens(ctx, log, {
    grant: 'refresh_token',
    clientId: redemption.clientId,
    userOid: redemption.userOid,
    tenantId: redemption.tenantId,
    scope: form.get('scope') ?? redemption.scope,
    authTimeMs: redemption.authTimeMs,
    issuedAt: redemption.issuedAt,
  });
}

/**
 * client_credentials with client_secret (sent in the body, as MSAL does): an app-only token for one
 * `<resource>/.default`, issued in the authority's tenant. Checks go as Entra's appear to: the app, its secret, the scope.
 */
function clientCredentialsGrant(ctx: Context, form: URLSearchParams, lookup: KnownAuthority, log: TokenRequestLogEntry): void {
  const { state } = ctx;
  if (lookup.kind === 'multi-tenant') return answerError(ctx, log, 'no-tenant-for-app');
  const registry = state.settings.confidentialClients;
  if (!registry.has(log.clientId)) return answerError(ctx, log, 'unknown-client', { clientId: log.clientId, tenant: ctx.params.tenant });
  const secret = form.get('client_secret');
  if (!secret) return answerError(ctx, log, 'missing-client-credential');
  if (registry.check(log.clientId, secret) !== 'ok') return answerError(ctx, log, 'invalid-client-secret', { clientId: log.clientId });
  const scope = form.get('scope');
  const resource = appTokenResource(scope);
  // The scope, unlike the secret, is safe to echo: Entra puts it in the description too.
  if (!resource) return answerError(ctx, log, 'invalid-app-scope', { scope: scope ?? '' });

  const body = issueAppToken({
    key: state.key,
    baseUrl: state.baseUrl,
    now: state.clock.now(),
    clientId: log.clientId,
    tenantId: lookup.tenant.tenantId,
    resource,
    lifetimeSeconds: state.settings.accessTokenLifetimeSeconds,
  });
  rememberIssued(state.issued.accessTokens, body.access_token);
  log.answer = 'tokens';
  record(ctx, log);
  sendJson(ctx.response, 200, body, responseHeaders(ctx));
}

interface TokenSubject {
  grant: 'device_code' | 'refresh_token';
  clientId: string;
  userOid: string;
  tenantId: string;
  scope: string;
  /** The interactive sign-in the refresh token goes back to. */
  authTimeMs?: number;
  /** When the redeemed refresh token was issued. */
  issuedAt?: Date;
}

function answerTokens(ctx: Context, log: TokenRequestLogEntry, subject: TokenSubject): void {
  const { state } = ctx;
  const account = state.directory.account(subject.tenantId, subject.userOid);
  if (!account || account.tenantState === 'deleted') return answerError(ctx, log, 'unknown-tenant', { tenant: subject.tenantId });
  const { tenant, user } = account;
  const resource = grantScopes(subject.scope, []).resource;
  const detail = {
    clientId: subject.clientId,
    appName: state.settings.appDisplayName,
    resource,
    tenant: tenant.domain,
    tenantId: tenant.tenantId,
    tenantName: tenant.displayName,
    issuedAt: subject.issuedAt?.toISOString() ?? '',
  };
  if (account.accountState !== 'enabled') return answerError(ctx, log, ACCOUNT_STATE_ERRORS[account.accountState], detail);

  let granted: GrantedScopes;
  if (subject.grant === 'refresh_token') {
    const forced = state.refreshFailures.take(tenant.tenantId, user.oid, resource);
    if (forced) return answerError(ctx, log, forced.kind, detail);
    const consented = state.resourceConsents.permissions(tenant.tenantId, resource);
    granted = grantScopes(subject.scope, () => consented ?? []);
    if (!consented || granted.permissions.length === 0 || !withinConsent(granted.namedPermissions, consented)) {
      return answerError(ctx, log, 'consent-required', detail);
    }
  } else {
    // Signing in consents to what was asked for (an admin for the tenant, as the bot's customers do).
    const asked = grantScopes(subject.scope, () => configuredPermissions(state.settings, resource));
    state.resourceConsents.add(tenant.tenantId, resource, asked.permissions);
    granted = asked;
  }

  const now = state.clock.now();
  const refreshToken = granted.offlineAccess
    ? state.refreshTokens.issue({
        clientId: subject.clientId,
        userOid: user.oid,
        tenantId: tenant.tenantId,
        scope: subject.scope,
        nowMs: now.getTime(),
        lifetimeSeconds: state.settings.refreshTokenLifetimeSeconds,
        authTimeMs: subject.authTimeMs,
      })
    : undefined;
  const body = issueTokens({
    key: state.key,
    baseUrl: state.baseUrl,
    now,
    clientId: subject.clientId,
    user,
    tenant,
    granted,
    accessTokenLifetimeSeconds: state.settings.accessTokenLifetimeSeconds,
    refreshToken,
  });
  rememberIssued(state.issued.accessTokens, body.access_token);
  rememberIssued(state.issued.idTokens, body.id_token);
  if (body.refresh_token) rememberIssued(state.issued.refreshTokens, body.refresh_token);
  log.answer = 'tokens';
  record(ctx, log);
  sendJson(ctx.response, 200, body, responseHeaders(ctx));
}

/** Permissions are compared as Entra does, without regard to case. */
function withinConsent(named: readonly string[], consented: readonly string[]): boolean {
  const granted = new Set(consented.map((permission) => permission.toLowerCase()));
  return named.every((permission) => granted.has(permission.toLowerCase()));
}

function answerError(ctx: Context, log: TokenRequestLogEntry, kind: EntraErrorKind, detail: Record<string, string> = {}): void {
  const correlationId = correlationIdOf(ctx.request);
  const body = entraErrorBody(kind, { now: ctx.state.clock.now(), correlationId, baseUrl: ctx.state.baseUrl, detail });
  log.answer = body.error;
  log.errorCode = body.error_codes[0];
  record(ctx, log);
  sendJson(ctx.response, 400, body, { 'client-request-id': correlationId, 'x-ms-request-id': body.trace_id });
}

function sendError(ctx: Context, kind: EntraErrorKind, detail: Record<string, string>): void {
  const correlationId = correlationIdOf(ctx.request);
  const body = entraErrorBody(kind, { now: ctx.state.clock.now(), correlationId, baseUrl: ctx.state.baseUrl, detail });
  ctx.state.logger.info(
    { event: 'identity-simulator.request-refused', tenant: ctx.params.tenant, error: body.error, errorCode: body.error_codes[0] },
    'request refused',
  );
  sendJson(ctx.response, 400, body, { 'client-request-id': correlationId, 'x-ms-request-id': body.trace_id });
}

/** A device-code poll answers "still pending" every few seconds until the person signs in: those go to debug. */
const WAITING_ANSWERS = new Set(['authorization_pending', 'slow_down']);

function record(ctx: Context, log: TokenRequestLogEntry): void {
  rememberTokenRequest(ctx.state, log);
  ctx.state.logger[WAITING_ANSWERS.has(log.answer) ? 'debug' : 'info'](
    {
      event: 'identity-simulator.token',
      grantType: log.grantType,
      tenant: log.tenant,
      clientId: log.clientId,
      answer: log.answer,
      errorCode: log.errorCode,
      codeRef: log.userCode ? codeRef(log.userCode) : undefined,
    },
    'token endpoint answered',
  );
}

function responseHeaders(ctx: Context): Record<string, string> {
  return { 'client-request-id': correlationIdOf(ctx.request), 'x-ms-request-id': randomUUID() };
}

/** A poll must come to the authority the code was issued for (by id or by domain: both name the same tenant). */
function sameAuthority(grant: DeviceCodeGrant, lookup: TenantLookup): boolean {
  if (lookup.kind === 'tenant') return grant.authorityTenant?.tenantId === lookup.tenant.tenantId;
  if (lookup.kind === 'multi-tenant') return !grant.authorityTenant && grant.authoritySegment.toLowerCase() === lookup.segment;
  return false;
}

function resourceOf(state: SimulatorState, scope: string): string {
  return grantScopes(scope, state.settings.defaultPermissions).resource;
}
