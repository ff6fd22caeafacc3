import type { SimulatedTenant } from './directory';
import { renderAdminConsent, renderProblemPage } from './adminConsentPages';
import { formOf, RouteContext, sendHtml, sendRedirect } from './http';
import { configuredPermissions, SimulatorState } from './state';
import { grantScopes } from './tokenIssuer';

type Context = RouteContext<SimulatorState>;

interface ConsentRequest {
  tenant: SimulatedTenant;
  clientId: string;
  scope: string;
  redirectUri: URL;
  state?: string;
}

type ConsentRequestCheck = { ok: true; request: ConsentRequest } | { ok: false; title: string; message: string };

/** GET /{tenant}/v2.0/adminconsent — the page a reviewer accepts or cancels. */
export function showAdminConsent(ctx: Context): void {
  const check = checkConsentRequest(ctx, ctx.request.query);
  if (!check.ok) return sendHtml(ctx.response, 400, renderProblemPage(check.title, check.message));
  const { request } = check;
  sendHtml(
    ctx.response,
    200,
    renderAdminConsent({
      tenant: request.tenant,
      clientId: request.clientId,
      appDisplayName: ctx.state.settings.appDisplayName,
      scope: request.scope,
      permissions: permissionsOf(ctx.state, request.scope),
      redirectUri: request.redirectUri.toString(),
      state: request.state,
    }),
  );
}

/**
 * POST /{tenant}/v2.0/adminconsent — Accept records the tenant-wide consent and redirects with
 * `admin_consent=True&tenant=…`; Cancel redirects with Entra's access_denied. The `tenant` sent back is the
 * tenant id even when the URL named a domain.
 */
export function decideAdminConsent(ctx: Context): void {
  const form = formOf(ctx.request);
  const check = checkConsentRequest(ctx, form);
  if (!check.ok) return sendHtml(ctx.response, 400, renderProblemPage(check.title, check.message));
  const { request } = check;
  const target = new URL(request.redirectUri.toString());
  const accepted = form.get('decision') === 'accept';
  if (accepted) {
    ctx.state.consents.grant({
      tenantId: request.tenant.tenantId,
      clientId: request.clientId,
      scope: request.scope,
      grantedAt: ctx.state.clock.now(),
    });
    ctx.state.resourceConsents.addScope(request.tenant.tenantId, request.scope);
    target.searchParams.set('admin_consent', 'True');
    target.searchParams.set('tenant', request.tenant.tenantId);
    target.searchParams.set('scope', request.scope);
  } else {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_subcode', 'cancel');
    target.searchParams.set('error_description', 'AADSTS65004: User declined to consent to access the app.');
  }
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  ctx.state.logger.info(
    { event: 'identity-simulator.admin-consent', tenantId: request.tenant.tenantId, clientId: request.clientId, accepted },
    'admin consent decided',
  );
  sendRedirect(ctx.response, target.toString());
}

function checkConsentRequest(ctx: Context, parameters: URLSearchParams): ConsentRequestCheck {
  const { state } = ctx;
  const lookup = state.directory.lookup(ctx.params.tenant);
  if (lookup.kind === 'multi-tenant') {
    return {
      ok: false,
      title: 'Use your organization',
      message: `Admin consent needs the organization's tenant id or domain in the URL, not '${lookup.segment}'.`,
    };
  }
  if (lookup.kind === 'unknown') {
    return { ok: false, title: 'Organization not found', message: `AADSTS90002: Tenant '${ctx.params.tenant}' not found.` };
  }
  const clientId = parameters.get('client_id');
  if (!clientId) {
    return { ok: false, title: 'Bad request', message: "AADSTS900144: The request must contain the parameter 'client_id'." };
  }
  if (state.settings.clientIds && !state.settings.clientIds.has(clientId)) {
    return {
      ok: false,
      title: 'App not found',
      message: `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${lookup.tenant.domain}'.`,
    };
  }
  const scope = parameters.get('scope');
  if (!scope) return { ok: false, title: 'Bad request', message: "AADSTS900144: The request must contain the parameter 'scope'." };
  const redirectUri = parseRedirectUri(parameters.get('redirect_uri'));
  if (!redirectUri) {
    return { ok: false, title: 'Bad request', message: 'AADSTS50011: The redirect URI is missing or is not an absolute http(s) URL.' };
  }
  return { ok: true, request: { tenant: lookup.tenant, clientId, scope, redirectUri, state: parameters.get('state') ?? undefined } };
}

function parseRedirectUri(value: string | null): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function permissionsOf(state: SimulatorState, scope: string): string[] {
  const granted = grantScopes(scope, (resource) => configuredPermissions(state.settings, resource));
  const resource = granted.resource === 'https://graph.microsoft.com' ? 'Microsoft Graph' : granted.resource;
  return granted.permissions.map((permission) => `${resource}: ${permission}`);
}
