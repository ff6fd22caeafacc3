import fc from 'fast-check';
import { ephemeralKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import type { Invitation, InvitationStatus } from '../../src/domain/invitation';
import { adminConsentUrl, consentStateFor, defaultScopesOf } from '../../src/usecases/invitations/customerLinks';
import { customerScreen, CustomerViewSettings, reviewerScreen } from '../../bot/presentation/customerView';
import { forTeams } from '../../bot/teams/customerTeamsCard';
import { VERBS } from '../../cards/verbs';

const settings: CustomerViewSettings = {
  providerName: 'Woodgrove Managed Services',
  appName: 'Tenant Access',
  clientId: '0b5e7a3c-1d2f-4e6a-8b9c-0d1e2f3a4b5c',
  authorityHost: 'https://login.microsoftonline.com',
  scopes: ['https://graph.microsoft.com/Organization.Read.All', 'https://graph.microsoft.com/User.Read'],
  publicBaseUrl: 'https://ta.example.com',
};
const now = new Date('2026-11-22T10:00:00Z');
const box = new SecretBox(ephemeralKeyring());

function invitation(status: InvitationStatus, extra: Partial<Invitation> = {}): Invitation {
  return {
    id: 'inv-0123456789',
    tenantId: '6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60',
    tenantName: 'contoso.onmicrosoft.com',
    email: 'admin@contoso.onmicrosoft.com',
    variant: 'delegated',
    status,
    tokenHash: 'x'.repeat(64),
    createdAt: '2026-11-21T10:00:00Z',
    expiresAt: '2026-11-28T10:00:00Z',
    sentCount: 1,
    lastSentAt: '2026-11-21T10:00:00Z',
    invitedBy: { aadObjectId: 'a' },
    history: [],
    ...extra,
  };
}

const ALL: InvitationStatus[] = ['created', 'opened', 'signing_in', 'consent_pending', 'consent_granted', 'token_acquired', 'activated', 'expired', 'revoked', 'failed', 'interrupted'];

describe('customer screens', () => {
  it.each(ALL)('renders %s with every binding resolved', (status) => {
    const inv = invitation(status, {
      flow: status === 'signing_in' ? { id: 'f', ownerId: 'o', startedAt: now.toISOString(), codeExpiresAt: '2026-11-22T10:15:00Z', verificationUri: 'https://microsoft.com/devicelogin', intervalSeconds: 5 } : undefined,
      lastError: status === 'failed' ? { code: 'AADSTS53003', title: 'Blocked by Conditional Access', cause: 'A policy blocks it.', nextStep: 'contact-admin', nextStepText: 'Ask your admin.', traceId: 't-1' } : undefined,
    });
    const screen = customerScreen(inv, { userCode: status === 'signing_in' ? 'ABCD1234' : undefined, reviewLink: status === 'consent_pending' ? 'https://ta.example.com/review/r' : undefined }, settings, now);
    expect(JSON.stringify(screen.card.content)).not.toContain('${');
  });

  it('shows the device code only when the flow has one, with a countdown target', () => {
    const inv = invitation('signing_in', { flow: { id: 'f', ownerId: 'o', startedAt: now.toISOString(), codeExpiresAt: '2026-11-22T10:15:00Z', verificationUri: 'https://microsoft.com/devicelogin', intervalSeconds: 5 } });
    const withCode = customerScreen(inv, { userCode: 'ABCD1234' }, settings, now);
    expect(JSON.stringify(withCode.card.content)).toContain('ABCD1234');
    expect(withCode.countdownTo).toBe('2026-11-22T10:15:00Z');
    expect(JSON.stringify(customerScreen(inv, {}, settings, now).card.content)).toContain('Preparing your code');
    const expired = customerScreen(inv, { userCode: 'ABCD1234' }, settings, new Date('2026-11-22T10:16:00Z'));
    expect(JSON.stringify(expired.card.content)).not.toContain('ABCD1234');
    expect(JSON.stringify(expired.card.content)).toContain('New code');
  });

  it('explains a failure with the error table words and a reference', () => {
    const inv = invitation('failed', { lastError: { code: 'AADSTS53003', title: 'Blocked by Conditional Access', cause: 'A policy blocks it.', nextStep: 'contact-admin', nextStepText: 'Ask your admin.', traceId: 't-1' } });
    const text = JSON.stringify(customerScreen(inv, {}, settings, now).card.content);
    expect(text).toContain('Blocked by Conditional Access');
    expect(text).toContain('Ask your admin.');
    expect(text).toContain('AADSTS53003 · trace t-1');
  });

  it('gives the reviewer the admin consent URL of the invited tenant, never common', () => {
    const inv = invitation('consent_pending', { consent: { stateHash: 'h', reviewTokenHash: 'r', reviewToken: box.seal('x'), requestedAt: now.toISOString(), status: 'pending' } });
    const card = JSON.stringify(reviewerScreen(inv, 'review-token', settings).card.content);
    const url = new URL(/"url":"([^"]+adminconsent[^"]+)"/.exec(card)![1]);
    expect(url.pathname).toBe('/6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60/v2.0/adminconsent');
    expect(url.searchParams.get('client_id')).toBe(settings.clientId);
    expect(url.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(url.searchParams.get('redirect_uri')).toBe('https://ta.example.com/consent/callback');
    expect(url.searchParams.get('state')).toBe(consentStateFor('review-token'));
  });
});

describe('customer links', () => {
  it('derives one .default scope per resource', () => {
    expect(defaultScopesOf(['https://graph.microsoft.com/User.Read', 'https://graph.microsoft.com/Mail.Read', 'https://outlook.office365.com/EWS.AccessAsUser.All'])).toEqual([
      'https://graph.microsoft.com/.default',
      'https://outlook.office365.com/.default',
    ]);
  });

  it('gives different consent states for different review tokens (property)', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => a === b || consentStateFor(a) !== consentStateFor(b)));
  });

  it('builds a URL whose query survives any tenant and state text', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.string(), (tenantId, state) => {
        const url = new URL(adminConsentUrl({ authorityHost: 'https://login.microsoftonline.com', tenantId, clientId: 'c', scopes: ['https://graph.microsoft.com/User.Read'], redirectUri: 'https://x/consent/callback', state }));
        return url.searchParams.get('state') === state && url.pathname.startsWith(`/${tenantId}/`);
      }),
    );
  });
});

describe('forTeams', () => {
  it('turns page buttons into Action.Execute with the invitation id and binds the view to the admin', () => {
    const screen = customerScreen(invitation('created'), {}, settings, now);
    const teams = forTeams(screen.card, 'inv-0123456789', { userIds: ['29:admin'], verb: VERBS.refreshFlow });
    const actions = teams.content.actions as { type: string; verb: string; data: Record<string, unknown> }[];
    expect(actions[0]).toMatchObject({ type: 'Action.Execute', verb: VERBS.startSignIn, data: { verb: VERBS.startSignIn, invitationId: 'inv-0123456789' } });
    expect(teams.content.refresh).toMatchObject({ userIds: ['29:admin'], action: { verb: VERBS.refreshFlow, data: { invitationId: 'inv-0123456789' } } });
    // the page's card is not changed
    expect((screen.card.content.actions as { type: string }[])[0].type).toBe('Action.Submit');
  });
});

describe('the approval screen in Teams', () => {
  const actionsOf = (card: { content: Record<string, unknown> }) => (card.content.actions as { type: string; title: string; verb?: string; data?: Record<string, unknown> }[]) ?? [];

  it('offers to post the review card only where that can be done (Teams), through the typed renderer', () => {
    const inv = invitation('consent_pending');
    const web = customerScreen(inv, { reviewLink: 'https://ta.example.com/review/x' }, settings, now);
    expect(actionsOf(web.card).map((a) => a.title)).not.toContain('Post the review card here');
    const teams = forTeams(customerScreen(inv, { reviewLink: 'https://ta.example.com/review/x', canPostReviewCard: true }, settings, now).card, inv.id);
    expect(actionsOf(teams).find((a) => a.title === 'Post the review card here')).toEqual({
      type: 'Action.Execute',
      title: 'Post the review card here',
      verb: VERBS.postReviewCard,
      data: { verb: VERBS.postReviewCard, invitationId: inv.id },
    });
  });
});
