import { AuthError } from '@azure/msal-node';
import { parseEntraErrorBody } from '../../domain/entraErrors';
import type { SignInFailure, TransportFailure } from '../../domain/signInFailures';
import { EntraTransportError, type EntraNetworkClient } from './entraNetworkClient';

/** What one MSAL call saw on the wire: MSAL drops a failed discovery request's reason, so it is noted here. */
export interface SeenOnTheWire {
  requests: number;
  transport?: TransportFailure;
}

/** What ended an MSAL call (a sign-in, a refresh): Entra's answer (the full body, by correlation id), the network, or MSAL itself. */
export function failureOf(error: unknown, network: EntraNetworkClient, seen: SeenOnTheWire): SignInFailure {
  const e = error as { correlationId?: string; errorCode?: string; errorMessage?: string; errorNo?: string; status?: number };
  const answer = e.correlationId ? network.lastTokenErrorAnswer(e.correlationId) : undefined;
  const parsed = answer ? parseEntraErrorBody(answer.body) : undefined;
  if (parsed) return { kind: 'entra', error: parsed, status: e.status ?? answer?.status };
  if (error instanceof EntraTransportError) return { kind: 'transport', failure: error.failure };
  // A failed discovery request surfaces as endpoints_resolution_error: the request's own failure says more.
  if (seen.transport) return { kind: 'transport', failure: seen.transport };
  const isServerAnswer = error instanceof AuthError && (error.name === 'ServerError' || e.errorNo !== undefined);
  if (isServerAnswer) {
    return { kind: 'entra', error: { error: e.errorCode ?? 'unknown_error', errorCodes: e.errorNo ? [Number(e.errorNo)] : undefined, description: e.errorMessage }, status: e.status };
  }
  return { kind: 'client', code: e.errorCode ?? (error instanceof Error ? error.name : 'unknown_error'), message: e.errorMessage ?? (error instanceof Error ? error.message : undefined), requestsSent: seen.requests };
}

