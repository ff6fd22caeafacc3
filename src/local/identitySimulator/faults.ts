import type { ServerResponse } from 'node:http';
import { entraErrorBody } from './entraErrorBodies';
import { correlationIdOf, formOf, SimulatorRequest, sendJson } from './http';
import type { SimulatorState } from './state';

/**
 * What "the service is sick" looks like, per tenant and for everyone: latency added to each answer, and answers
 * replaced by an HTTP error (429 with or without Retry-After, 5xx) for every call, the next few calls, or a
 * share of them. Two services: `entra` is the token and device-code endpoints (not discovery, which MSAL caches
 * and whose failure would hide the token call), `graph` is /v1.0/organization and /v1.0/me.
 */
export const FAULT_SERVICES = ['entra', 'graph'] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];
export const FAULT_STATUSES = [429, 500, 502, 503, 504] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

export const MAX_LATENCY_MS = 10 * 60 * 1000;

/** One service's trouble in one scope (a tenant, or everyone). */
export interface ServiceFault {
  /** Added before each answer (a timeout is a latency above the client's timeout). */
  latencyMs: number;
  /** The answer that replaces the real one; undefined: answers are real. */
  status?: FaultStatus;
  /** Sent as `Retry-After` (seconds) with the status; undefined: no header. */
  retryAfterSeconds?: number;
  /** Only the next so many calls get the status; undefined: every (or every fraction-th) call until cleared. */
  remaining?: number;
  /**
   * Only this share of calls gets the status, spread evenly and deterministically: call n (counted from when
   * the fraction was set) gets it when ⌊n·f⌋ > ⌊(n−1)·f⌋ — for 0.1, calls 10, 20, 30, …
   */
  fraction?: number;
  /** Calls counted for the fraction. */
  calls: number;
}

/** A change to a fault: fields left out stay as they are, `null` clears one. */
export interface FaultChange {
  latencyMs?: number;
  status?: FaultStatus | null;
  retryAfterSeconds?: number | null;
  times?: number | null;
  fraction?: number | null;
}

export interface FaultDecision {
  delayMs: number;
  answer?: { status: FaultStatus; retryAfterSeconds?: number; scope: 'tenant' | 'global' };
}

/** What a fault looks like in the control API's answers. */
export type FaultView = Omit<ServiceFault, 'calls'>;

export class FaultStore {
  private readonly global = new Map<FaultService, ServiceFault>();
  private readonly byTenant = new Map<string, Map<FaultService, ServiceFault>>();

  change(tenantId: string | undefined, services: readonly FaultService[], change: FaultChange): void {
    const faults = tenantId === undefined ? this.global : this.tenantFaults(tenantId, true);
    for (const service of services) {
      const fault = faults.get(service) ?? { latencyMs: 0, calls: 0 };
      if (change.latencyMs !== undefined) fault.latencyMs = change.latencyMs;
      if (change.status !== undefined) fault.status = change.status ?? undefined;
      if (change.retryAfterSeconds !== undefined) fault.retryAfterSeconds = change.retryAfterSeconds ?? undefined;
      if (change.times !== undefined) fault.remaining = change.times ?? undefined;
      if (change.fraction !== undefined) {
        fault.fraction = change.fraction ?? undefined;
        fault.calls = 0;
      }
      if (fault.status === undefined) {
        fault.remaining = undefined;
      }
      if (fault.latencyMs === 0 && fault.status === undefined) faults.delete(service);
      else faults.set(service, fault);
    }
  }

  /** Clears one tenant's faults, or (no tenant) every fault, global ones included. */
  clear(tenantId?: string): void {
    if (tenantId === undefined) {
      this.global.clear();
      this.byTenant.clear();
    } else {
      this.byTenant.delete(tenantId.toLowerCase());
    }
  }

  view(tenantId?: string): Partial<Record<FaultService, FaultView>> {
    const faults = tenantId === undefined ? this.global : this.tenantFaults(tenantId, false);
    const view: Partial<Record<FaultService, FaultView>> = {};
    for (const [service, { calls: _calls, ...fault }] of faults) view[service] = fault;
    return view;
  }

  /** Decides one call: the latencies add up; a tenant's error answer wins over the global one. Counts the call. */
  decide(service: FaultService, tenantId: string | undefined): FaultDecision {
    const tenantFault = tenantId === undefined ? undefined : this.tenantFaults(tenantId, false).get(service);
    const globalFault = this.global.get(service);
    const delayMs = (tenantFault?.latencyMs ?? 0) + (globalFault?.latencyMs ?? 0);
    const tenantAnswer = tenantFault && this.trigger(tenantFault, () => this.tenantFaults(tenantId!, false), service);
    if (tenantAnswer) return { delayMs, answer: { ...tenantAnswer, scope: 'tenant' } };
    const globalAnswer = globalFault && this.trigger(globalFault, () => this.global, service);
    return globalAnswer ? { delayMs, answer: { ...globalAnswer, scope: 'global' } } : { delayMs };
  }

  private trigger(
    fault: ServiceFault,
    owner: () => Map<FaultService, ServiceFault>,
    service: FaultService,
  ): { status: FaultStatus; retryAfterSeconds?: number } | undefined {
    if (fault.status === undefined) return undefined;
    if (fault.fraction !== undefined) {
      fault.calls += 1;
      const due = Math.floor(fault.calls * fault.fraction + 1e-9) > Math.floor((fault.calls - 1) * fault.fraction + 1e-9);
      if (!due) return undefined;
    }
    const answer = { status: fault.status, retryAfterSeconds: fault.retryAfterSeconds };
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) {
        fault.status = undefined;
        fault.remaining = undefined;
        fault.retryAfterSeconds = undefined;
        fault.fraction = undefined;
        if (fault.latencyMs === 0) owner().delete(service);
      }
    }
    return answer;
  }

  private tenantFaults(tenantId: string, create: boolean): Map<FaultService, ServiceFault> {
    const key = tenantId.toLowerCase();
    let faults = this.byTenant.get(key);
    if (!faults) {
      faults = new Map();
      if (create) this.byTenant.set(key, faults);
    }
    return faults;
  }
}

/** Which service a route belongs to, if any: only these are subject to faults. */
export function faultServiceOf(routeName: string): FaultService | undefined {
  if (routeName === 'token' || routeName === 'devicecode') return 'entra';
  if (routeName === 'graph-organization' || routeName === 'graph-me') return 'graph';
  return undefined;
}

/**
 * The tenant a call is about, for its faults: the authority's tenant for Entra (for `organizations`, the refresh
 * token's or the device code's tenant), the access token's `tid` for Graph (read, not verified: a forged token is
 * refused later anyway).
 */
export function faultTenantOf(state: SimulatorState, service: FaultService, request: SimulatorRequest, params: Record<string, string>): string | undefined {
  if (service === 'graph') {
    const match = /^Bearer\s+([^.\s]+)\.([^.\s]+)\.\S+$/i.exec(request.headers.authorization ?? '');
    if (!match) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(match[2], 'base64url').toString('utf8')) as { tid?: unknown };
      return typeof claims.tid === 'string' ? claims.tid : undefined;
    } catch {
      return undefined;
    }
  }
  const lookup = state.directory.lookup(params.tenant ?? '');
  if (lookup.kind === 'tenant') return lookup.tenant.tenantId;
  const form = formOf(request);
  const refreshToken = form.get('refresh_token');
  if (refreshToken) return state.refreshTokens.tenantOf(refreshToken);
  const deviceCode = form.get('device_code');
  return deviceCode ? state.deviceCodes.byDeviceCode(deviceCode)?.signIn?.tenant.tenantId : undefined;
}

const STATUS_TEXT: Record<FaultStatus, string> = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const GRAPH_ERROR_CODES: Record<FaultStatus, { code: string; message: string }> = {
  429: { code: 'TooManyRequests', message: 'Too many requests. Please try again later.' },
  500: { code: 'generalException', message: 'An unspecified error has occurred.' },
  502: { code: 'serviceNotAvailable', message: 'The service is temporarily unavailable.' },
  503: { code: 'serviceNotAvailable', message: 'The service is temporarily unavailable for maintenance or is overloaded. You may repeat the request after a delay, which may be specified in a Retry-After header.' },
  504: { code: 'timeout', message: 'The operation timed out.' },
};

/**
 * Sends a fault's answer as each service sends it. Entra: a 429 is the bare text "Too Many Requests" (no OAuth
 * body, as MSAL.NET's throttling reports show), a 503 Entra's `temporarily_unavailable` error body, other 5xx a
 * gateway's plain text. Graph: its usual JSON error with `code` and `innerError`.
 */
export function sendFaultAnswer(
  state: SimulatorState,
  service: FaultService,
  request: SimulatorRequest,
  response: ServerResponse,
  answer: { status: FaultStatus; retryAfterSeconds?: number },
  graphErrorBody: (code: string, message: string) => unknown,
): void {
  const headers: Record<string, string> = {};
  if (answer.retryAfterSeconds !== undefined) headers['retry-after'] = String(answer.retryAfterSeconds);
  if (service === 'graph') {
    const { code, message } = GRAPH_ERROR_CODES[answer.status];
    return sendJson(response, answer.status, graphErrorBody(code, message), headers);
  }
  if (answer.status === 503) {
    const correlationId = correlationIdOf(request);
    const body = entraErrorBody('temporarily-unavailable', { now: state.clock.now(), correlationId, baseUrl: state.baseUrl });
    return sendJson(response, 503, body, { ...headers, 'client-request-id': correlationId, 'x-ms-request-id': body.trace_id });
  }
  const text = STATUS_TEXT[answer.status];
  response.writeHead(answer.status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store, no-cache',
    'content-length': Buffer.byteLength(text).toString(),
    ...headers,
  });
  response.end(text);
}

/** Waits that the simulator can cut short when it closes, so a long added latency never holds a close up. */
export class Delays {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; done: () => void }>();

  wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve();
        }, ms),
        done: resolve,
      };
      entry.timer.unref();
      this.pending.add(entry);
    });
  }

  cancelAll(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.done();
    }
    this.pending.clear();
  }
}
