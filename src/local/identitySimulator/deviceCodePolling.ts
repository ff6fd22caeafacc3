import type { CompletedSignIn, DeviceCodeGrant, SignInOutcome } from './deviceCodes';
import type { EntraErrorKind } from './entraErrorBodies';

export type PollDecision = { kind: 'error'; error: EntraErrorKind } | { kind: 'tokens'; signIn: CompletedSignIn };

const OUTCOME_ERRORS: Record<Exclude<SignInOutcome, 'success'>, EntraErrorKind> = {
  'mfa-required': 'mfa-required',
  'conditional-access-blocked': 'conditional-access-blocked',
  'admin-approval-required': 'admin-approval-required',
  declined: 'authorization-declined',
};

/**
 * Timers and clocks count whole milliseconds: a client that waited exactly the interval can arrive a
 * millisecond or two "early" by them. Only a poll sooner than that is too soon.
 */
export const POLL_GAP_SLACK_MS = 2;

/**
 * The token endpoint's answer to one device-code poll, in RFC 8628 order: an expired code is expired whatever
 * else holds; a poll that comes sooner than the (possibly slowed) interval after the previous one gets slow_down,
 * and the required gap grows by the increment, so a client that does not slow down keeps getting slow_down.
 * Mutates the grant: the poll time, the gap, and redemption.
 */
export function answerDeviceCodePoll(
  grant: DeviceCodeGrant,
  nowMs: number,
  slowDownIncrementMs: number,
  isExpired: boolean,
): PollDecision {
  const previousPollAtMs = grant.lastPollAtMs;
  grant.lastPollAtMs = nowMs;
  if (isExpired) return { kind: 'error', error: 'expired-token' };
  if (grant.redeemed) return { kind: 'error', error: 'code-already-redeemed' };

  const tooSoon = previousPollAtMs !== undefined && nowMs - previousPollAtMs < grant.requiredGapMs - POLL_GAP_SLACK_MS;
  if (grant.forcedSlowDowns > 0 || tooSoon) {
    if (grant.forcedSlowDowns > 0) grant.forcedSlowDowns -= 1;
    grant.requiredGapMs += slowDownIncrementMs;
    return { kind: 'error', error: 'slow-down' };
  }

  const signIn = grant.signIn;
  if (!signIn) return { kind: 'error', error: 'authorization-pending' };
  if (signIn.outcome !== 'success') return { kind: 'error', error: OUTCOME_ERRORS[signIn.outcome] };
  grant.redeemed = true;
  return { kind: 'tokens', signIn };
}
