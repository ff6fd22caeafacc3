import { onboardingOf } from '../../src/domain/onboarding';
import type { Invitation, InvitationStatus } from '../../src/domain/invitation';

const NOW = new Date('2026-03-10T09:00:00.000Z');

function invitation(id: string, status: InvitationStatus, lastAt: string, extra: Partial<Invitation> = {}): Invitation {
  return {
    id,
    tenantId: 't',
    tenantName: 'Contoso',
    email: `${id}@contoso.com`,
    variant: 'global',
    status,
    createdAt: '2026-03-01T09:00:00.000Z',
    expiresAt: '2026-03-20T09:00:00.000Z',
    sentCount: 1,
    tokenHash: 'h',
    createdBy: 's',
    history: [{ at: lastAt, event: 'create', status }],
    ...extra,
  } as Invitation;
}

describe('onboardingOf (how far a tenant got, apart from its authentication)', () => {
  it('is none without invitations', () => {
    expect(onboardingOf([], NOW)).toEqual({ state: 'none' });
  });

  it('follows the invitation that changed last, whatever the order they come in', () => {
    const older = invitation('a', 'activated', '2026-03-02T09:00:00.000Z');
    const newer = invitation('b', 'failed', '2026-03-05T09:00:00.000Z', { lastError: { code: 'wrong-tenant', title: 'Signed in to the wrong tenant', cause: '', nextStep: 'retry', nextStepText: '' } });
    for (const list of [[older, newer], [newer, older]]) {
      expect(onboardingOf(list, NOW)).toEqual({ state: 'failed', at: '2026-03-05T09:00:00.000Z', invitationId: 'b', email: 'b@contoso.com', error: { code: 'wrong-tenant', title: 'Signed in to the wrong tenant' } });
    }
  });

  it.each<[InvitationStatus, string]>([
    ['created', 'invited'],
    ['opened', 'invited'],
    ['signing_in', 'signing_in'],
    ['token_acquired', 'signing_in'],
    ['consent_pending', 'approval_pending'],
    ['consent_granted', 'approval_pending'],
    ['activated', 'completed'],
    ['interrupted', 'failed'],
    ['revoked', 'revoked'],
  ])('reads %s as %s', (status, state) => {
    expect(onboardingOf([invitation('x', status, '2026-03-03T09:00:00.000Z')], NOW).state).toBe(state);
  });

  it('says an invitation past its expiry expired, and when', () => {
    const expired = invitation('x', 'opened', '2026-03-02T09:00:00.000Z', { expiresAt: '2026-03-09T09:00:00.000Z' });
    expect(onboardingOf([expired], NOW)).toMatchObject({ state: 'expired', at: '2026-03-09T09:00:00.000Z' });
  });
});
