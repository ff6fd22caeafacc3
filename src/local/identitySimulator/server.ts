import type { IncomingMessage, ServerResponse } from 'node:http';
import { decideAdminConsent, showAdminConsent } from './adminConsentEndpoint';
import type { IdentitySimulatorControl } from './control';
import { isLoopbackHostHeader } from '../../domain/loopback';
import { controlRoutes } from './controlEndpoints';
import { showEnterCode, submitCode, submitSignIn } from './deviceLoginPages';
import { openIdConfiguration, signingKeys } from './discoveryEndpoints';
import { faultServiceOf, faultTenantOf, sendFaultAnswer } from './faults';
import { graphErrorBody, me, organization } from './graphEndpoints';
import { readBody, RouteContext, sendHtml, sendJson, SimulatorRequest } from './http';
import { renderErrorCode, renderHome } from './infoPages';
import type { SimulatorState } from './state';
import { deviceCodeEndpoint, tokenEndpoint } from './tokenEndpoint';

interface Route {
  method: 'GET' | 'POST';
  name: string;
  pattern: RegExp;
  handle: (ctx: RouteContext<SimulatorState>) => void;
}

const TENANT = '(?<tenant>[^/]+)';

/** Every path the simulator answers, in one list. Tenant routes need their fixed suffix, so they cannot shadow the rest. */
function routes(control: IdentitySimulatorControl): Route[] {
  return [
    { method: 'GET', name: 'home', pattern: /^\/$/, handle: (ctx) => sendHtml(ctx.response, 200, renderHome(ctx.state.directory)) },
    { method: 'GET', name: 'openid-configuration', pattern: new RegExp(`^/${TENANT}/v2\\.0/\\.well-known/openid-configuration$`), handle: openIdConfiguration },
    { method: 'GET', name: 'openid-configuration', pattern: new RegExp(`^/${TENANT}/\\.well-known/openid-configuration$`), handle: openIdConfiguration },
    { method: 'GET', name: 'keys', pattern: new RegExp(`^/${TENANT}/discovery/v2\\.0/keys$`), handle: signingKeys },
    { method: 'POST', name: 'devicecode', pattern: new RegExp(`^/${TENANT}/oauth2/v2\\.0/devicecode$`), handle: deviceCodeEndpoint },
    { method: 'POST', name: 'token', pattern: new RegExp(`^/${TENANT}/oauth2/v2\\.0/token$`), handle: tokenEndpoint },
    { method: 'GET', name: 'adminconsent', pattern: new RegExp(`^/${TENANT}/v2\\.0/adminconsent$`), handle: showAdminConsent },
    { method: 'POST', name: 'adminconsent', pattern: new RegExp(`^/${TENANT}/v2\\.0/adminconsent$`), handle: decideAdminConsent },
    { method: 'GET', name: 'devicelogin', pattern: /^\/devicelogin$/, handle: showEnterCode },
    { method: 'POST', name: 'devicelogin', pattern: /^\/devicelogin$/, handle: submitCode },
    { method: 'POST', name: 'devicelogin-complete', pattern: /^\/devicelogin\/complete$/, handle: submitSignIn },
    { method: 'GET', name: 'graph-organization', pattern: /^\/v1\.0\/organization$/, handle: organization },
    { method: 'GET', name: 'graph-me', pattern: /^\/v1\.0\/me$/, handle: me },
    { method: 'GET', name: 'error', pattern: /^\/error$/, handle: (ctx) => sendHtml(ctx.response, 200, renderErrorCode(ctx.request.query.get('code') ?? '')) },
    ...controlRoutes(control).map((route) => ({
      method: route.method,
      name: route.path,
      pattern: new RegExp(`^${route.path.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}$`),
      handle: route.handle,
    })),
  ];
}

/**
 * Only this machine's own clients: a loopback Host (no DNS rebinding) and no Origin but the
 * simulator's own (its sign-in and consent pages post forms to themselves).
 */
function refusalOf(incoming: IncomingMessage, ownOrigin: string): 'browser-origin' | 'not-loopback-host' | undefined {
  const origin = incoming.headers.origin;
  if (origin !== undefined && origin !== ownOrigin) return 'browser-origin';
  if (!isLoopbackHostHeader(incoming.headers.host)) return 'not-loopback-host';
  return undefined;
}

/** The request listener: routing, body reading, one log line per request (method, route, status — never bodies or queries). */
export function createRequestListener(state: SimulatorState, control: IdentitySimulatorControl) {
  const table = routes(control);
  return async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const refusal = refusalOf(incoming, state.baseUrl);
    if (refusal) {
      state.logger.warn({ event: 'identity-simulator.refused', reason: refusal }, 'request refused');
      return sendJson(response, 403, { error: 'forbidden', reason: refusal });
    }
    const url = new URL(incoming.url ?? '/', 'https://simulator.invalid');
    const candidates = table
      .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
      .filter((candidate) => candidate.match !== null);
    const found = candidates.find((candidate) => candidate.route.method === incoming.method);
    response.on('finish', () => {
      state.stats.countHttp(found?.route.name ?? 'none', response.statusCode);
      state.logger.debug(
        {
          event: 'identity-simulator.http',
          method: incoming.method,
          route: found?.route.name ?? 'none',
          status: response.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request answered',
      );
    });
    if (!found || !found.match) {
      const status = candidates.length > 0 ? 405 : 404;
      return sendJson(response, status, { error: status === 405 ? 'method_not_allowed' : 'not_found' });
    }
    const params: Record<string, string> = {};
    try {
      for (const [name, value] of Object.entries(found.match.groups ?? {})) params[name] = decodeURIComponent(value);
    } catch {
      return sendJson(response, 400, { error: 'invalid_request' });
    }
    const body = incoming.method === 'POST' ? await readBody(incoming) : { ok: true as const, body: '' };
    if (!body.ok) return sendJson(response, 413, { error: 'invalid_request', error_description: 'Request body too large.' });
    const request: SimulatorRequest = {
      method: incoming.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      body: body.body,
    };
    // Latency and error answers the control API set for Entra or Graph (for this call's tenant, or everyone).
    const service = faultServiceOf(found.route.name);
    if (service) {
      const decision = state.faults.decide(service, faultTenantOf(state, service, request, params));
      if (decision.delayMs > 0) {
        state.stats.countDelay(decision.delayMs);
        await state.delays.wait(decision.delayMs);
        if (response.writableEnded || !response.socket || response.socket.destroyed) return;
      }
      if (decision.answer) {
        state.stats.countFaultAnswer(service, decision.answer.status);
        return sendFaultAnswer(state, service, request, response, decision.answer, (code, message) => graphErrorBody(state, request, code, message));
      }
    }
    try {
      found.route.handle({ state, request, response, params });
    } catch (error) {
      state.logger.error(
        { event: 'identity-simulator.failure', route: found.route.name, error: error instanceof Error ? error.message : String(error) },
        'request failed',
      );
      if (!response.headersSent) sendJson(response, 500, { error: 'server_error' });
    }
  };
}
