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

/** What a person reads on a screen's card: its texts (rich or plain) and button titles, in order. */
function shownText(card: { content: Record<string, unknown> }): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
    if (o.type === 'RichTextBlock') out.push((o.inlines as { text: string }[]).map((r) => r.text).join(''));
    if (o.type === 'FactSet') for (const f of o.facts as { title: string; value: string }[]) out.push(`${f.title}: ${f.value}`);
    if (typeof o.type === 'string' && o.type.startsWith('Action.')) out.push(`[${String(o.title)}]`);
    for (const [k, v] of Object.entries(o)) if (k !== 'inlines') walk(v);
  };
  walk(card.content);
  return out.join('\n');
}
/** Text runs are shown as they are: markdown in them would be read literally (a "**" on the page). */
const runTexts = (card: { content: Record<string, unknown> }): string[] => JSON.stringify(card.content).match(/"type":"TextRun"[^}]*"text":"[^"]*"/g) ?? [];
const openUrls = (card: { content: Record<string, unknown> }) =>
  ((card.content.actions as { type: string; title: string; url?: string }[]) ?? []).filter((a) => a.type === 'Action.OpenUrl');

describe('what was granted, on the Tenant activated screen', () => {
  const activated = invitation('activated', {
    grantedScopes: ['https://graph.microsoft.com/Organization.Read.All', 'https://graph.microsoft.com/User.Read', 'openid', 'profile', 'https://graph.microsoft.com/Mail.Read'],
  });

  it('lists each permission the token holds in plain words, with the name Microsoft shows beside it', () => {
    const text = shownText(customerScreen(activated, {}, settings, now).card);
    expect(text).toContain('What was granted');
    expect(text).toContain("• Read your organization's profile (name, domains) — Organization.Read.All");
    // In the table's order (sign-in first, keeping access last), whatever order Entra answered in; unknown names after.
    expect(text.split('\n').filter((line) => line.startsWith('• '))).toEqual([
      '• Sign you in — openid, profile',
      '• Sign you in and read your profile — User.Read',
      "• Read your organization's profile (name, domains) — Organization.Read.All",
      '• Keep access while you are away (refresh token) — offline_access',
      '• Mail.Read',
    ]);
    expect(text).toContain('• Sign you in and read your profile — User.Read');
    expect(text).toContain('• Sign you in — openid, profile');
    // Entra never echoes offline_access, but the stored sign-in is its refresh token.
    expect(text).toContain('• Keep access while you are away (refresh token) — offline_access');
    // A permission the table does not know is shown by its name, as it came.
    expect(text).toContain('• Mail.Read');
    expect(text).not.toContain('https://graph.microsoft.com/');
  });

  it('names the enterprise application as Microsoft shows it, and links to Enterprise applications in the customer\'s tenant', () => {
    const screen = customerScreen(activated, {}, settings, now);
    const text = shownText(screen.card);
    expect(text).toContain(`the enterprise application ${settings.appName} (Application ID ${settings.clientId})`);
    expect(text).toContain('Microsoft Entra admin center');
    expect(text).toMatch(/review these permissions or revoke the access/);
    expect(openUrls(screen.card)).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'Open Enterprise applications in the Microsoft Entra admin center',
        url: `https://entra.microsoft.com/${activated.tenantId}/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview`,
      },
    ]);
    expect(screen.pollAfterMs).toBeNull();
  });

  it('falls back to the configured permissions for an invitation activated before they were recorded', () => {
    const text = shownText(customerScreen(invitation('activated'), {}, settings, now).card);
    expect(text).toContain('— Organization.Read.All');
    expect(text).toContain('— User.Read');
    expect(text).toContain('— offline_access');
  });

  it('shows a tenant or application name from outside as plain text, never as markdown', () => {
    const inv = invitation('activated', { tenantName: '**Contoso** [x](https://evil.example)', grantedScopes: ['[Mail.Read](https://evil.example)'] });
    const card = customerScreen(inv, {}, { ...settings, appName: '_Tenant_ Access' }, now).card;
    const runs = JSON.stringify(card.content);
    expect(runs).toContain('"text":"[Mail.Read](https://evil.example)"');
    expect(runs).toContain('"text":"**Contoso** [x](https://evil.example)"');
    expect(runs).toContain('"text":"_Tenant_ Access"');
  });
});

describe('the approval steps say what is known', () => {
  const granted = (via: 'portal' | 'callback') =>
    invitation('consent_granted', { consent: { stateHash: 'h', reviewTokenHash: 'r', reviewToken: box.seal('x'), requestedAt: now.toISOString(), status: 'granted', via, decidedAt: now.toISOString() } });

  it('an approval only reported from the admin center is not called granted: the next sign-in checks it', () => {
    const text = shownText(customerScreen(granted('portal'), {}, settings, now).card);
    expect(text).toContain('Your request was reported as approved in the Microsoft Entra admin center');
    expect(text).toContain('not confirmed yet');
    expect(text).toContain('that sign-in checks it');
    expect(text).not.toContain('Admin consent was granted');
    expect(text).toContain('[Sign in again]');
  });

  it("Entra's own answer (the consent callback) is called granted", () => {
    const text = shownText(customerScreen(granted('callback'), {}, settings, now).card);
    expect(text).toContain('Admin consent was granted by your reviewer.');
  });

  it('the approval screen names the Microsoft Entra admin center, not the Azure portal', () => {
    const text = shownText(customerScreen(invitation('consent_pending'), { reviewLink: 'https://ta.example.com/review/r' }, settings, now).card);
    expect(text).toContain('[Approved in the Microsoft Entra admin center — continue]');
    expect(text).toContain('Enterprise applications → Admin consent requests');
    expect(text).not.toContain('Azure portal');
  });

  it('after the reviewer declined, the service account is told to talk to its reviewer or the provider, not to choose Accept', () => {
    const inv = invitation('failed', {
      failureReason: 'admin consent declined',
      consent: { stateHash: 'h', reviewTokenHash: 'r', reviewToken: box.seal('x'), requestedAt: now.toISOString(), status: 'declined', via: 'callback' },
      lastError: { code: 'AADSTS65004', title: 'The permissions were declined', cause: 'The permissions screen was answered with Cancel.', nextStep: 'sign-in-again', nextStepText: 'Start authentication again and choose Accept on the permissions screen.' },
    });
    const screen = customerScreen(inv, {}, settings, now);
    const text = shownText(screen.card);
    expect(text).toContain('Your reviewer declined the request');
    expect(text).toContain(`so ${settings.providerName} has no access to ${inv.tenantName}`);
    expect(text).toContain('Talk to your Admin Consent Reviewer, or to Woodgrove Managed Services');
    expect(text).toContain('they approve Tenant Access in the Microsoft Entra admin center (Enterprise applications → Admin consent requests)');
    expect(text).not.toContain('choose Accept');
    expect(text).toContain('AADSTS65004');
    expect((screen.card.content.actions as { title: string; style: string }[]).map((a) => [a.title, a.style])).toEqual([['Start again', 'default']]);
  });

  it('the device code screen says who signs in without brackets in brackets', () => {
    const flow = { id: 'f', ownerId: 'o', startedAt: now.toISOString(), codeExpiresAt: '2026-11-22T10:15:00Z', verificationUri: 'https://microsoft.com/devicelogin', intervalSeconds: 5 };
    const globalCard = customerScreen(invitation('signing_in', { variant: 'global', flow }), { userCode: 'ABCD1234' }, settings, now).card;
    const global = shownText(globalCard);
    expect(global).toContain('sign in as admin@contoso.onmicrosoft.com, your Global Administrator account. Expect Microsoft to ask for multi-factor authentication too.');
    expect(global).not.toMatch(/\)\s*\(/);
    // An address with markdown characters is drawn as text runs: no ** may be left around it.
    const marked = customerScreen(invitation('signing_in', { variant: 'global', email: 'first_last@contoso.onmicrosoft.com', flow }), { userCode: 'ABCD1234' }, settings, now).card;
    expect(runTexts(marked).some((run) => run.includes('first_last@contoso.onmicrosoft.com'))).toBe(true);
    expect(runTexts(marked).filter((run) => run.includes('**'))).toEqual([]);
    const delegated = shownText(customerScreen(invitation('signing_in', { flow }), { userCode: 'ABCD1234' }, settings, now).card);
    expect(delegated).toContain('sign in as admin@contoso.onmicrosoft.com, the service account.');
  });
});

describe("the reviewer's page follows the request", () => {
  const consent = (status: 'pending' | 'granted' | 'declined', via?: 'portal' | 'callback') => ({ stateHash: 'h', reviewTokenHash: 'r', reviewToken: box.seal('x'), requestedAt: now.toISOString(), status, via });
  const screenOf = (inv: Invitation) => reviewerScreen(inv, 'review-token', settings);
  const titleOf = (inv: Invitation) => shownText(screenOf(inv).card).split('\n')[0];
  const buttonsOf = (inv: Invitation) => ((screenOf(inv).card.content.actions as { title: string }[]) ?? []).map((a) => a.title);

  it('while it waits: the request, both ways to approve, and no Azure portal', () => {
    const inv = invitation('consent_pending', { consent: consent('pending') });
    expect(titleOf(inv)).toBe('Admin consent requested for contoso.onmicrosoft.com');
    expect(buttonsOf(inv)).toEqual(['Review permissions and consent', 'Approved in the Microsoft Entra admin center — continue']);
    const text = shownText(screenOf(inv).card);
    expect(text).toContain('Enterprise applications → Admin consent requests');
    expect(text).not.toContain('Azure portal');
    const marked = screenOf(invitation('consent_pending', { consent: consent('pending'), email: 'first_last@contoso.onmicrosoft.com' }));
    expect(runTexts(marked.card).some((run) => run.includes('first_last@'))).toBe(true);
    expect(runTexts(marked.card).filter((run) => run.includes('**'))).toEqual([]);
    expect(screenOf(inv).pollAfterMs).toBe(5_000);
  });

  it('after consent through Entra: titled granted, no buttons described or shown, and it follows the second sign-in', () => {
    const inv = invitation('consent_granted', { consent: consent('granted', 'callback') });
    expect(titleOf(inv)).toBe('Admin consent granted for contoso.onmicrosoft.com');
    expect(buttonsOf(inv)).toEqual([]);
    const text = shownText(screenOf(inv).card);
    expect(text).not.toContain('Review permissions and consent');
    expect(text).not.toContain('choose Approved');
    expect(text).toContain('There is nothing more for you to do.');
    expect(screenOf(inv).pollAfterMs).toBe(15_000);
  });

  it('after an approval only reported: says so, and that the next sign-in checks it', () => {
    const inv = invitation('consent_granted', { consent: consent('granted', 'portal') });
    expect(titleOf(inv)).toBe('Approval reported for contoso.onmicrosoft.com');
    expect(shownText(screenOf(inv).card)).toContain('Reported as approved, not confirmed yet');
    expect(buttonsOf(inv)).toEqual([]);
  });

  it('once access is in place: says so, and links to Enterprise applications to review or revoke it', () => {
    const inv = invitation('activated', { consent: consent('granted', 'callback') });
    expect(titleOf(inv)).toBe('Access is in place for contoso.onmicrosoft.com');
    expect(shownText(screenOf(inv).card)).toContain('review its permissions or revoke the access later');
    expect(openUrls(screenOf(inv).card).map((a) => a.url)).toEqual([`https://entra.microsoft.com/${inv.tenantId}/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AppAppsPreview`]);
    expect(screenOf(inv).pollAfterMs).toBeNull();
  });

  it('declined, or no longer waiting: titled so, with no buttons', () => {
    const declined = invitation('failed', { failureReason: 'admin consent declined', consent: consent('declined', 'callback') });
    expect(titleOf(declined)).toBe('Admin consent declined for contoso.onmicrosoft.com');
    expect(buttonsOf(declined)).toEqual([]);
    const revoked = invitation('revoked', { consent: consent('pending') });
    expect(titleOf(revoked)).toBe('This request is no longer waiting');
    expect(buttonsOf(revoked)).toEqual([]);
  });
});
