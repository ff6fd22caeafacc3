import { z } from 'zod';
import type { IdentitySimulatorControl } from './control';
import { SIGN_IN_OUTCOMES } from './deviceCodes';
import { jsonOf, RouteContext, sendJson } from './http';
import type { SimulatorState } from './state';

const CompleteBody = z.object({ userCode: z.string().min(1), upn: z.string().min(1), outcome: z.enum(SIGN_IN_OUTCOMES).optional() });
const UserCodeBody = z.object({ userCode: z.string().min(1) });
const SlowDownBody = z.object({ userCode: z.string().min(1), times: z.number().int().positive().max(100).optional() });
const UpnBody = z.object({ upn: z.string().min(1) });
const ConsentBody = z.object({ tenant: z.string().min(1), clientId: z.string().min(1), scope: z.string().min(1).optional() });
const ThrottleBody = z.object({ times: z.number().int().min(0).max(1000), retryAfterSeconds: z.number().int().min(0).max(3600) });

type Context = RouteContext<SimulatorState>;

export interface ControlRoute {
  method: 'GET' | 'POST';
  path: string;
  handle: (ctx: Context) => void;
}

/** The JSON control API under /_sim: the same switches as the sign-in page, for tests in other processes. */
export function controlRoutes(control: IdentitySimulatorControl): ControlRoute[] {
  return [
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
  ];
}

function withBody<T>(ctx: Context, schema: z.ZodType<T>, act: (body: T) => { ok: boolean }): void {
  // JSON only: a cross-site form or text/plain post (no CORS preflight) cannot flip a switch.
  const type = String(ctx.request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') return sendJson(ctx.response, 415, { ok: false, reason: 'unsupported-media-type', issues: ['send the body as application/json'] });
  const parsed = schema.safeParse(jsonOf(ctx.request));
  if (!parsed.success) {
    return sendJson(ctx.response, 400, { ok: false, reason: 'bad-request', issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) });
  }
  const result = act(parsed.data);
  sendJson(ctx.response, result.ok ? 200 : 404, result);
}
