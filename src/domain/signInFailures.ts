import { quoted } from './plainText';
import { EntraErrorInput, explainEntraError } from './entraErrors';

/**
 * Why a request to Entra got no usable answer. `tls-untrusted` is our side (a CA we do not trust, a
 * wrong host name); the others are Microsoft's side, or the network's, and worth retrying.
 */
export type TransportFailure =
  | { kind: 'tls-untrusted'; host: string; code: string }
  | { kind: 'unreachable'; host: string; code: string }
  | { kind: 'timeout'; host: string; timeoutMs: number }
  /** A 429 or 5xx without an OAuth body; `retryAfterSeconds` when it said how long to wait (Retry-After). */
  | { kind: 'http-status'; host: string; status: number; retryAfterSeconds?: number };

/**
 * Whose a failed sign-in is, so each reader is told what they can act on:
 * - `ours`: our process or configuration (an MSAL option, TLS trust, our app registration). The
 *   customer can do nothing; staff get the cause and a reference.
 * - `microsoft`: Entra unreachable, slow or answering 5xx. Retrying later works.
 * - `entra`: Entra's answer about this sign-in (a policy, consent, the account), explained from
 *   the error table.
 */
export type FailureSide = 'ours' | 'microsoft' | 'entra';

/** How a device-code sign-in ended without a token, as seen by the process. */
export type SignInFailure =
  /** Entra answered with an OAuth error body. */
  | { kind: 'entra'; error: EntraErrorInput; status?: number }
  /** No usable answer: the connection, TLS, a timeout, a 5xx without a body. */
  | { kind: 'transport'; failure: TransportFailure }
  /** MSAL stopped on its own, before or without an answer from Entra (an option, the authority, a parse). */
  | { kind: 'client'; code: string; message?: string; requestsSent: number };

/**
 * The one table of whose each failure is. A signal is `<kind>:<code>`; `client:*` covers every MSAL
 * client error. Anything not listed is Entra's answer about the sign-in itself (`entra`).
 */
const FAILURE_SIDES: ReadonlyMap<string, FailureSide> = new Map<string, FailureSide>([
  // Our process or configuration.
  ['client:*', 'ours'],
  ['transport:tls-untrusted', 'ours'],
  ['entra:invalid_client', 'ours'],
  ['entra:unauthorized_client', 'ours'],
  ['entra:AADSTS700016', 'ours'], // the client id is not a multi-tenant app Entra knows
  ['entra:AADSTS7000218', 'ours'], // the app is not allowed to act as a public client
  ['entra:AADSTS7000215', 'ours'], // a secret was sent and is wrong
  ['entra:AADSTS90014', 'ours'], // a required field is missing from our request
  ['entra:AADSTS900144', 'ours'],
  ['entra:AADSTS70011', 'ours'], // a scope we ask for is invalid
  ['entra:invalid_scope', 'ours'],
  // Microsoft's side.
  ['transport:unreachable', 'microsoft'],
  ['transport:timeout', 'microsoft'],
  ['transport:http-status', 'microsoft'],
  ['entra:http-5xx', 'microsoft'],
  ['entra:temporarily_unavailable', 'microsoft'],
  ['entra:server_error', 'microsoft'],
]);

export interface SignInFailureExplanation {
  readonly side: FailureSide;
  readonly code: string;
  /** Customer words: what happened and what to do. */
  readonly title: string;
  readonly cause: string;
  readonly nextStep: string;
  readonly nextStepText: string;
  /** Staff words for our side: the cause as the process saw it (never a secret). */
  readonly staffDetail?: string;
  readonly retryable: boolean;
  readonly traceId?: string;
  readonly correlationId?: string;
}

export function sideOf(failure: SignInFailure): FailureSide {
  for (const signal of signalsOf(failure)) {
    const side = FAILURE_SIDES.get(signal);
    if (side) return side;
  }
  return 'entra';
}

/** Explains a failure for the customer (and, for our side, for staff). Never throws. */
export function explainSignInFailure(failure: SignInFailure): SignInFailureExplanation {
  const side = sideOf(failure);
  if (failure.kind === 'entra' && side === 'entra') {
    const e = explainEntraError(failure.error);
    return { side, code: e.code, title: e.title, cause: e.cause, nextStep: e.nextStep, nextStepText: e.nextStepText, retryable: e.retryable, traceId: failure.error.traceId, correlationId: failure.error.correlationId };
  }
  const code = codeOf(failure);
  const ids = failure.kind === 'entra' ? { traceId: failure.error.traceId, correlationId: failure.error.correlationId } : {};
  if (side === 'ours') {
    return {
      side,
      code,
      title: 'The service is not set up correctly',
      cause: "Sign-in could not go ahead because of a problem in your provider's setup of this service, not in your organization.",
      nextStep: 'check-configuration',
      nextStepText: 'Your provider has been told and will get back to you. There is nothing to change on your side.',
      staffDetail: staffDetailOf(failure),
      retryable: false,
      ...ids,
    };
  }
  return {
    side,
    code,
    title: 'Microsoft sign-in is not answering',
    cause: `Microsoft's sign-in service ${microsoftTrouble(failure)}. Nothing is wrong on your side.`,
    nextStep: 'retry',
    nextStepText: 'Try again in a few minutes.',
    staffDetail: staffDetailOf(failure),
    retryable: true,
    ...ids,
  };
}

function signalsOf(failure: SignInFailure): string[] {
  switch (failure.kind) {
    case 'client':
      return [`client:${failure.code}`, 'client:*'];
    case 'transport':
      return [`transport:${failure.failure.kind}`];
    case 'entra': {
      const codes = (failure.error.errorCodes ?? []).map((code) => `entra:AADSTS${code}`);
      const status = failure.status !== undefined && failure.status >= 500 ? ['entra:http-5xx'] : [];
      return [...codes, `entra:${failure.error.error ?? ''}`, ...status];
    }
  }
}

function codeOf(failure: SignInFailure): string {
  switch (failure.kind) {
    case 'client':
      return failure.code;
    case 'transport':
      return failure.failure.kind === 'http-status' ? `HTTP ${failure.failure.status}` : failure.failure.kind;
    case 'entra':
      return explainEntraError(failure.error).code;
  }
}

function microsoftTrouble(failure: SignInFailure): string {
  if (failure.kind === 'transport') {
    switch (failure.failure.kind) {
      case 'timeout':
        return 'did not answer in time';
      case 'http-status':
        return `answered with an error (HTTP ${failure.failure.status})`;
      default:
        return 'could not be reached';
    }
  }
  return 'is busy or having trouble';
}

function staffDetailOf(failure: SignInFailure): string {
  switch (failure.kind) {
    case 'client':
      return (
        `MSAL stopped before Entra answered (${failure.code}${failure.message ? `: ${quoted(failure.message, 200)}` : ''}; ` +
        `${failure.requestsSent} request${failure.requestsSent === 1 ? '' : 's'} sent). Check ENTRA_AUTHORITY_HOST and ENTRA_CLIENT_ID.`
      );
    case 'transport': {
      const f = failure.failure;
      if (f.kind === 'tls-untrusted') return `The certificate of ${f.host} is not trusted by this service (${f.code}). Check NODE_EXTRA_CA_CERTS or the proxy in front of Entra.`;
      if (f.kind === 'timeout') return `${f.host} did not answer within ${f.timeoutMs} ms (ENTRA_TIMEOUT_MS).`;
      if (f.kind === 'http-status') return `${f.host} answered HTTP ${f.status} without an OAuth error.`;
      return `${f.host} could not be reached (${f.code}).`;
    }
    case 'entra': {
      const e = explainEntraError(failure.error);
      return `Entra refused our request: ${e.code} (${e.title}). Check ENTRA_CLIENT_ID: it must be a multi-tenant app registration that allows public client flows.`;
    }
  }
}
