import { correlationIdOf, RouteContext, sendJson } from './http';
import { entraErrorBody } from './entraErrorBodies';
import type { SimulatorState } from './state';

type Context = RouteContext<SimulatorState>;

/**
 * GET /{tenant}/v2.0/.well-known/openid-configuration. Shaped like Entra's: for a domain the endpoints carry the
 * tenant id (MSAL swaps the domain back in); for common/organizations the issuer keeps the `{tenantid}` template.
 * Service tenants (botframework.com) are answered too: a confidential client discovers its token endpoint here.
 */
export function openIdConfiguration(ctx: Context): void {
  const { state } = ctx;
  const lookup = state.directory.lookupAuthority(ctx.params.tenant);
  if (lookup.kind === 'unknown') {
    const body = entraErrorBody('unknown-tenant', {
      now: state.clock.now(),
      correlationId: correlationIdOf(ctx.request),
      baseUrl: state.baseUrl,
      detail: { tenant: ctx.params.tenant },
    });
    return sendJson(ctx.response, 400, body);
  }
  const pathTenant = lookup.kind === 'multi-tenant' ? lookup.segment : lookup.tenant.tenantId;
  const issuerTenant = lookup.kind === 'multi-tenant' ? '{tenantid}' : lookup.tenant.tenantId;
  const base = state.baseUrl;
  const oauth = `${base}/${pathTenant}/oauth2/v2.0`;
  sendJson(ctx.response, 200, {
    token_endpoint: `${oauth}/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${pathTenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${oauth}/authorize`,
    device_authorization_endpoint: `${oauth}/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${oauth}/logout`,
    claims_supported: [
      'sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver',
      'at_hash', 'c_hash', 'email',
    ],
    tenant_region_scope: 'NA',
    cloud_instance_name: 'simulator.local',
    cloud_graph_host_name: new URL(base).host,
    msgraph_host: new URL(base).host,
  });
}

/** GET /{tenant}/discovery/v2.0/keys — the public key the simulator's tokens are signed with. */
export function signingKeys(ctx: Context): void {
  sendJson(ctx.response, 200, { keys: [ctx.state.key.publicJwk] });
}
