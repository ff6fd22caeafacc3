import { z } from 'zod';
import { MAX_CLOCK_SHIFT_MS } from './adjustableClock';
import { IdentitySimulatorControl, REFRESH_FAILURE_CODES } from './control';
import { SIGN_IN_OUTCOMES } from './deviceCodes';
import { ACCOUNT_STATES, TENANT_STATES } from './directory';
import { FAULT_SERVICES, FAULT_STATUSES, FaultStatus, MAX_LATENCY_MS } from './faults';
import { jsonOf, RouteContext, sendJson } from './http';
import { MAX_SEED_COUNT } from './seeding';
import type { SimulatorState } from './state';

const CompleteBody = z.object({ userCode: z.string().min(1), upn: z.string().min(1), outcome: z.enum(SIGN_IN_OUTCOMES).optional() });
const UserCodeBody = z.object({ userCode: z.string().min(1) });
const SlowDownBody = z.object({ userCode: z.string().min(1), times: z.number().int().positive().max(100).optional() });
const UpnBody = z.object({ upn: z.string().min(1) });
const ConsentBody = z.object({ tenant: z.string().min(1), clientId: z.string().min(1), scope: z.string().min(1).optional() });
const ThrottleBody = z.object({ times: z.number().int().min(0).max(1000), retryAfterSeconds: z.number().int().min(0).max(3600) });
const Tenant = z.string().min(1).max(300);
const Resource = z.string().min(1).max(500);
const ClockBody = z
  .object({
    advanceMs: z.number().finite().min(-MAX_CLOCK_SHIFT_MS).max(MAX_CLOCK_SHIFT_MS).optional(),
    advanceDays: z.number().finite().min(-3660).max(3660).optional(),
    now: z.string().datetime({ offset: true }).optional(),
    nowMs: z.number().int().nonnegative().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length === 1, 'give exactly one of advanceMs, advanceDays, now, nowMs');
const AccountStateBody = z.object({ upn: z.string().min(1), state: z.enum(ACCOUNT_STATES) }).strict();
const TenantStateBody = z.object({ tenant: Tenant, state: z.enum(TENANT_STATES) }).strict();
const OrganizationBody = z
  .object({
    tenant: Tenant,
    displayName: z.string().min(1).max(256).optional(),
    domains: z.array(z.string().min(1).max(253)).max(50).optional(),
    defaultDomain: z.string().min(1).max(253).optional(),
  })
  .strict();
const ResourceConsentBody = z.object({ tenant: Tenant, resource: Resource, permissions: z.array(z.string().min(1).max(200)).max(100).optional() }).strict();
const ConsentRemoveBody = z.object({ tenant: Tenant, resource: Resource }).strict();
const RefreshFailureBody = z
  .object({
    tenant: Tenant,
    code: z.number().int().refine((code) => REFRESH_FAILURE_CODES.includes(code), `code must be one of ${REFRESH_FAILURE_CODES.join(', ')}`),
    upn: z.string().min(1).optional(),
    resource: Resource.optional(),
    times: z.number().int().positive().max(100_000).optional(),
  })
  .strict();
const RefreshFailureClearBody = z.object({ tenant: Tenant, upn: z.string().min(1).optional() }).strict();
const FaultBody = z
  .object({
    tenant: Tenant.optional(),
    service: z.enum([...FAULT_SERVICES, 'all']).optional(),
    latencyMs: z.number().int().min(0).max(MAX_LATENCY_MS).optional(),
    status: z
      .number()
      .refine((status): status is FaultStatus => (FAULT_STATUSES as readonly number[]).includes(status), `status must be one of ${FAULT_STATUSES.join(', ')}`)
      .nullable()
      .optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).nullable().optional(),
    times: z.number().int().positive().max(1_000_000).nullable().optional(),
    fraction: z.number().gt(0).max(1).nullable().optional(),
  })
  .strict();
const FaultClearBody = z.object({ tenant: Tenant.optional() }).strict();
const SeedBody = z
  .object({
    count: z.number().int().min(1).max(MAX_SEED_COUNT, `count must be at most ${MAX_SEED_COUNT}`),
    clientId: z.string().min(1).max(200),
    prefix: z.string().min(1).max(30).optional(),
    resources: z.array(Resource).max(10).optional(),
  })
  .strict();
const EmptyBody = z.object({}).strict();

type Context = RouteContext<SimulatorState>;

export interface ControlRoute {
  method: 'GET' | 'POST';
  path: string;
  handle: (ctx: Context) => void;
}

/** The JSON control API under /_sim: the same switches as the sign-in page, for tests in other processes. */
export function controlRoutes(control: IdentitySimulatorControl): ControlRoute[] {
  const routes: ControlRoute[] = [
    { method: 'POST', path: '/_sim/devicecode/complete', handle: (ctx) => withBody(ctx, CompleteBody, (body) => control.completeDeviceCode(body)) },
    { method: 'POST', path: '/_sim/devicecode/expire', handle: (ctx) => withBody(ctx, UserCodeBody, (body) => control.expireDeviceCode(body.userCode)) },
    {
      method: 'POST',
      path: '/_sim/devicecode/slow-down',
      handle: (ctx) => withBody(ctx, SlowDownBody, (body) => control.slowDownDeviceCode(body.userCode, body.times)),
    },
    {
      method: 'GET',
      path: '/_sim/devicecode/polls',
      // Only the polls of a code the caller already knows: the live user codes are never listed.
      handle: (ctx) => {
        const userCode = ctx.request.query.get('userCode');
        if (!userCode) return sendJson(ctx.response, 400, { ok: false, reason: 'bad-request', issues: ['userCode: name the user code whose polls you want'] });
        sendJson(ctx.response, 200, { ok: true, polls: control.pollLog(userCode).map(({ userCode: _code, ...poll }) => poll) });
      },
    },
    { method: 'POST', path: '/_sim/refresh-tokens/revoke', handle: (ctx) => withBody(ctx, UpnBody, (body) => control.revokeRefreshTokens(body.upn)) },
    { method: 'POST', path: '/_sim/refresh-tokens/expire', handle: (ctx) => withBody(ctx, UpnBody, (body) => control.expireRefreshTokens(body.upn)) },
    { method: 'POST', path: '/_sim/admin-consent', handle: (ctx) => withBody(ctx, ConsentBody, (body) => control.grantAdminConsent(body)) },
    {
      method: 'POST',
      path: '/_sim/graph/throttle',
      handle: (ctx) =>
        withBody(ctx, ThrottleBody, (body) => {
          control.throttleGraph(body.times, body.retryAfterSeconds);
          return { ok: true };
        }),
    },
    { method: 'GET', path: '/_sim/clock', handle: (ctx) => sendJson(ctx.response, 200, { ok: true, clock: control.clock() }) },
    {
      method: 'POST',
      path: '/_sim/clock',
      handle: (ctx) =>
        withBody(ctx, ClockBody, (body) => {
          if (body.advanceMs !== undefined) return control.advanceClock(body.advanceMs);
          if (body.advanceDays !== undefined) return control.advanceClock(body.advanceDays * 24 * 60 * 60 * 1000);
          return control.setClock(new Date(body.now ?? body.nowMs ?? 0));
        }),
    },
    {
      method: 'GET',
      path: '/_sim/tenants',
      handle: (ctx) => {
        const tenant = ctx.request.query.get('tenant');
        if (!tenant) return sendJson(ctx.response, 400, { ok: false, reason: 'bad-request', issues: ['tenant: name the tenant (id or domain)'] });
        const result = control.describeTenant(tenant);
        sendJson(ctx.response, result.ok ? 200 : 404, result);
      },
    },
    { method: 'POST', path: '/_sim/tenants/state', handle: (ctx) => withBody(ctx, TenantStateBody, (body) => control.setTenantState(body.tenant, body.state)) },
    {
      method: 'POST',
      path: '/_sim/tenants/organization',
      handle: (ctx) => withBody(ctx, OrganizationBody, ({ tenant, ...change }) => control.changeOrganization(tenant, change)),
    },
    { method: 'POST', path: '/_sim/tenants/consent', handle: (ctx) => withBody(ctx, ResourceConsentBody, (body) => control.grantResourceConsent(body)) },
    { method: 'POST', path: '/_sim/tenants/consent/remove', handle: (ctx) => withBody(ctx, ConsentRemoveBody, (body) => control.removeResourceConsent(body)) },
    { method: 'POST', path: '/_sim/accounts/state', handle: (ctx) => withBody(ctx, AccountStateBody, (body) => control.setAccountState(body.upn, body.state)) },
    { method: 'POST', path: '/_sim/refresh-failures', handle: (ctx) => withBody(ctx, RefreshFailureBody, (body) => control.setRefreshFailure(body)) },
    { method: 'POST', path: '/_sim/refresh-failures/clear', handle: (ctx) => withBody(ctx, RefreshFailureClearBody, (body) => control.clearRefreshFailures(body)) },
    { method: 'POST', path: '/_sim/faults', handle: (ctx) => withBody(ctx, FaultBody, (body) => control.setFault(body)) },
    { method: 'POST', path: '/_sim/faults/clear', handle: (ctx) => withBody(ctx, FaultClearBody, (body) => control.clearFaults(body.tenant)) },
    {
      method: 'POST',
      path: '/_sim/seed',
      handle: (ctx) =>
        withBody(ctx, SeedBody, (body) => control.seedTenants(body), (result) => {
          if (result.ok) return 200;
          if (result.reason === 'unknown-client') return 404;
          return result.reason === 'domain-in-use' || result.reason === 'directory-full' ? 409 : 400;
        }),
    },
    { method: 'GET', path: '/_sim/stats', handle: (ctx) => sendJson(ctx.response, 200, { ok: true, stats: control.stats() }) },
    {
      method: 'POST',
      path: '/_sim/stats/reset',
      handle: (ctx) =>
        withBody(ctx, EmptyBody, () => {
          control.resetStats();
          return { ok: true };
        }),
    },
  ];
  // GET /_sim: what there is (docs/SIMULATOR.md says what each one does).
  routes.push({
    method: 'GET',
    path: '/_sim',
    handle: (ctx) => sendJson(ctx.response, 200, { ok: true, routes: routes.map((route) => `${route.method} ${route.path}`), refreshFailureCodes: REFRESH_FAILURE_CODES }),
  });
  return routes;
}

function withBody<T, R extends { ok: boolean }>(
  ctx: Context,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  act: (body: T) => R,
  statusOf: (result: R) => number = (result) => (result.ok ? 200 : 404),
): void {
  // JSON only: a cross-site form or text/plain post (no CORS preflight) cannot flip a switch.
  const type = String(ctx.request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') return sendJson(ctx.response, 415, { ok: false, reason: 'unsupported-media-type', issues: ['send the body as application/json'] });
  const parsed = schema.safeParse(jsonOf(ctx.request));
  if (!parsed.success) {
    return sendJson(ctx.response, 400, { ok: false, reason: 'bad-request', issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) });
  }
  const result = act(parsed.data);
  sendJson(ctx.response, statusOf(result), result);
}
