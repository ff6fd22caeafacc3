import type { FlowError, Invitation } from '../../domain/invitation';
import { EntraErrorInput, explainEntraError } from '../../domain/entraErrors';
import { explainSignInFailure, type SignInFailure } from '../../domain/signInFailures';
import type { SignInDeps } from './signInDeps';

/** Entra's answer, explained from the error table, as the invitation keeps it. */
export function explanationOf(error: EntraErrorInput): FlowError {
  const e = explainEntraError(error);
  return { code: e.code, title: e.title, cause: e.cause, nextStep: e.nextStep, nextStepText: e.nextStepText, traceId: error.traceId, correlationId: error.correlationId };
}

/**
 * Any failed sign-in, explained by whose failure it is. Our own failures get a reference that is
 * in the log with the whole cause, so staff can find it; the customer is told the service is not
 * set up correctly, never to try again.
 */
export function explainFailure(deps: Pick<SignInDeps, 'logger' | 'random'>, inv: Invitation, failure: SignInFailure): FlowError {
  const e = explainSignInFailure(failure);
  const reference = e.side === 'entra' ? undefined : deps.random.correlationId();
  if (reference) {
    const log = e.side === 'ours' ? deps.logger.error.bind(deps.logger) : deps.logger.warn.bind(deps.logger);
    log({ event: 'flow.sign-in-failed', side: e.side, correlationId: reference, invitationId: inv.id, tenantId: inv.tenantId, code: e.code, detail: e.staffDetail }, e.side === 'ours' ? 'sign-in failed on our side' : 'Microsoft sign-in did not answer');
  }
  return {
    code: e.code,
    title: e.title,
    cause: e.cause,
    nextStep: e.nextStep,
    nextStepText: e.nextStepText,
    side: e.side,
    staffDetail: e.staffDetail,
    traceId: e.traceId,
    correlationId: reference ?? e.correlationId,
  };
}
