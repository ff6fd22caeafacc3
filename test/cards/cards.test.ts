import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as AdaptiveCards from 'adaptivecards';
import fc from 'fast-check';
import { CARD_ACTIONS } from '../../bot/teams/features/cardActions';
import {
  CardAttachment,
  renderConsentReview,
  renderCustomerInvitation,
  renderDeviceCode,
  renderFlowStatus,
  renderHelp,
  renderInvitation,
  renderInvitationList,
  renderMessage,
  renderStaffList,
  renderStaffUpdate,
  renderSweepStatus,
  renderTenantList,
  renderTenantStatus,
  renderValidationResult,
  TEMPLATES,
} from '../../cards';
import { ALL_VERBS, CUSTOMER_VERBS, VERBS } from '../../cards/verbs';

// The package's `main` is ES modules; its UMD bundle is what the invitation page loads, and it parses without a DOM.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

const CARDS_DIR = join(__dirname, '..', '..', 'cards');
const json = (value: unknown) => JSON.stringify(value);

/**
 * Every template with the data its callers give it: a full sample and a sparse one (empty lists,
 * optional texts empty, flags off). A new template must be added here.
 */
const SAMPLES: Record<string, { full: () => CardAttachment; sparse: () => CardAttachment[] }> = {
  message: {
    full: () => renderMessage({ title: 'That invite command needs a fix', text: '"x" is not a domain name.', tone: 'warning', usage: 'invite <tenant domain or id> <admin email>', correlationId: 'c0rr3l4t10n1' }),
    sparse: () => [renderMessage({ title: 'Staff updated', text: 'Done.' })],
  },
  help: {
    full: () => renderHelp({ intro: 'Tenant Access keeps access alive.', role: 'operator', commands: [{ usage: 'help [command]', description: 'Show commands.' }, { usage: 'tenants', description: 'List tenants.' }] }),
    sparse: () => [renderHelp({ intro: 'Commands:', role: 'viewer', commands: [] })],
  },
  invitation: {
    full: () =>
      renderInvitation({
        title: 'Invitation created',
        subtitle: 'New customer tenant contoso.com added.',
        id: 'inv-7k2m9q4xzt',
        tenant: 'contoso.com (0f0e0d0c-0b0a-4909-8807-060504030201)',
        email: 'admin@contoso.com',
        variant: 'Global admin',
        status: 'Sent',
        createdAt: '2026-03-01 09:00 UTC',
        expiresAt: '2026-03-08 09:00 UTC',
        sentCount: 2,
        link: 'https://tenant-access.example/invite/abc',
        canChange: true, canPostHere: true, confirming: false,
      }),
    sparse: () => [
      renderInvitation({ title: 'Invitation revoked', subtitle: '', id: 'inv-7k2m9q4xzt', tenant: 't', email: 'e@x.co', variant: 'v', status: 'Revoked', createdAt: '—', expiresAt: '—', sentCount: 0, link: '', canChange: false, canPostHere: true, confirming: false }),
      renderInvitation({ title: 'Revoke this invitation?', subtitle: 'The link stops working.', id: 'inv-7k2m9q4xzt', tenant: 't', email: 'e@x.co', variant: 'v', status: 'Sent', createdAt: '—', expiresAt: '—', sentCount: 1, link: '', canChange: true, canPostHere: false, confirming: true }),
    ],
  },
  invitationList: {
    full: () =>
      renderInvitationList({
        filter: 'all',
        emptyText: 'No invitations yet.',
        rows: [
          { id: 'inv-7k2m9q4xzt', email: 'admin@contoso.com', tenant: 'contoso.com', variant: 'Global', status: 'Sent', createdAt: '2026-03-01 09:00 UTC', expiresAt: '2026-03-08 09:00 UTC', sentCount: 3 },
          { id: 'inv-8k2m9q4xzt', email: 'it@fabrikam.com', tenant: 'fabrikam.com', variant: 'Delegated', status: 'Expired', createdAt: '2026-02-01 09:00 UTC', expiresAt: '2026-02-08 09:00 UTC', sentCount: 1 },
        ],
      }),
    sparse: () => [renderInvitationList({ filter: 'pending', emptyText: 'No pending invitations.', rows: [] })],
  },
  staffList: {
    full: () => renderStaffList({ members: [{ id: '5b8e2c1a-7d4f-4e3b-9a6c-0f1e2d3c4b5a', role: 'admin', note: ' (from configuration)' }, { id: '11111111-1111-4111-8111-111111111111', role: 'viewer', note: '' }] }),
    sparse: () => [renderStaffList({ members: [] })],
  },
  tenantList: {
    full: () =>
      renderTenantList({
        rows: [{ tenantId: '0f0e0d0c-0b0a-4909-8807-060504030201', name: 'contoso.com', authMode: 'Auth token', authStatus: 'Successful', onboarding: 'Completed (2026-03-01 09:00 UTC)', lastValidation: '2026-03-01 09:00 UTC (ok)', tokenCreated: '2026-03-01 09:00 UTC', tokenExpires: '2026-05-30 09:00 UTC' }],
      }),
    sparse: () => [renderTenantList({ rows: [] })],
  },
  tenantStatus: {
    full: () =>
      renderTenantStatus({
        tenantId: '0f0e0d0c-0b0a-4909-8807-060504030201',
        name: 'contoso.com',
        authMode: 'Auth token',
        authStatus: 'Successful',
        lastValidation: '2026-03-01 09:00 UTC (ok)',
        tokenCreated: '2026-03-01 09:00 UTC',
        tokenExpires: '2026-05-30 09:00 UTC',
        tokenAccount: 'svc@contoso.com',
        tokenRefreshed: '2026-03-02 09:00 UTC',
        scopes: 'User.Read, Organization.Read.All',
        onboarding: 'Completed (2026-03-01 09:00 UTC)',
        domains: 'contoso.com, contoso.onmicrosoft.com',
        invitations: [{ id: 'inv-7k2m9q4xzt', email: 'admin@contoso.com', variant: 'global', status: 'Activated', expiresAt: '2026-03-08 09:00 UTC' }],
        canValidate: true,
        validations: [
          { when: '2026-03-02 09:00 UTC', outcome: 'Failed', summary: 'token: The saved sign-in was revoked (AADSTS50173)', duration: '212 ms', by: 'Alex Wilber' },
          { when: '2026-03-01 09:00 UTC', outcome: 'Successful', summary: '5 checks passed', duration: '1.2 s', by: 'sweep' },
        ],
        otherAccounts: 'admin@contoso.com: removed — The saved sign-in was revoked (AADSTS50173)',
      }),
    sparse: () => [
      renderTenantStatus({ tenantId: 't', name: 't', authMode: 'Auth token', authStatus: 'Not authenticated yet', onboarding: 'Not invited', domains: '—', lastValidation: '—', tokenCreated: '—', tokenExpires: '—', tokenAccount: '—', tokenRefreshed: '—', scopes: '—', invitations: [] }),
    ],
  },
  customerInvitation: {
    full: () =>
      renderCustomerInvitation({
        providerName: 'Woodgrove Managed Services',
        tenantName: 'fabrikam.com',
        email: 'admin@fabrikam.com',
        expiresAt: '2026-03-08 09:00 UTC',
        purpose: 'To run your Teams phone system.',
        appName: 'Tenant Access',
        permissions: 'User.Read, Organization.Read.All',
        signInAs: 'a Global Administrator',
        howItWorks: 'Start, copy the code, sign in.',
        startTitle: 'Start authentication',
        note: 'The last attempt was interrupted.',
        noteColor: 'warning',
      }),
    sparse: () => [
      renderCustomerInvitation({ providerName: 'p', tenantName: 't', email: 'e@x.co', expiresAt: 'x', purpose: 'p', appName: 'a', permissions: 'p', signInAs: 's', howItWorks: 'h', startTitle: 'Start', note: '', noteColor: 'default' }),
    ],
  },
  deviceCode: {
    full: () =>
      renderDeviceCode({
        tenantName: 'fabrikam.com',
        providerName: 'Woodgrove Managed Services',
        appName: 'Tenant Access',
        userCode: 'ABCD-EFGH',
        verificationUri: 'https://microsoft.com/devicelogin',
        codeExpiresAt: '09:15 UTC',
        signInAs: 'admin@fabrikam.com',
      }),
    sparse: () => [],
  },
  flowStatus: {
    full: () =>
      renderFlowStatus({
        tenantName: 'fabrikam.com',
        title: 'Approval required',
        text: 'Your tenant requires an administrator to approve the app.',
        color: 'warning',
        cause: 'AADSTS90094',
        nextStep: 'Send the reviewer link.',
        reviewLink: 'https://tenant-access.example/review/abc',
        reference: 'Trace id 1234',
        actionTitle: 'Approved in the portal — continue',
        actionVerb: VERBS.portalApproved,
      }),
    sparse: () => [
      renderFlowStatus({ tenantName: 't', title: 'Activated', text: 'Done.', color: 'good', cause: '', nextStep: '', reviewLink: '', reference: '', actionTitle: '', actionVerb: '' }),
      ...CUSTOMER_VERBS.map((verb) =>
        renderFlowStatus({ tenantName: 't', title: 'x', text: 'y', color: 'default', cause: '', nextStep: '', reviewLink: '', reference: '', actionTitle: 'Go', actionVerb: verb }),
      ),
    ],
  },
  consentReview: {
    full: () =>
      renderConsentReview({
        tenantName: 'fabrikam.com',
        providerName: 'Woodgrove Managed Services',
        appName: 'Tenant Access',
        clientId: '6f1c7c2e-8f0e-4b7a-9d3e-0a1b2c3d4e5f',
        requester: 'svc-teams',
        signedInAs: 'svc-teams@fabrikam.com',
        permissions: 'User.Read',
        requestedAt: '2026-03-01 09:00 UTC',
        status: 'Pending',
        consentUrl: 'https://login.microsoftonline.com/fabrikam.com/v2.0/adminconsent?client_id=x',
        pending: true,
      }),
    sparse: () => [
      renderConsentReview({ tenantName: 't', providerName: 'p', appName: 'a', clientId: 'c', requester: 'r', signedInAs: 's', permissions: 'p', requestedAt: 'r', status: 'Granted', consentUrl: '', pending: false }),
    ],
  },
  staffUpdate: {
    full: () =>
      renderStaffUpdate({
        tenantName: 'fabrikam.com',
        tenantId: '0f0e0d0c-0b0a-4909-8807-060504030201',
        title: 'Consent pending',
        text: 'The service account asked for approval.',
        color: 'warning',
        invitationId: 'inv-7k2m9q4xzt',
        email: 'svc@fabrikam.com',
        status: 'Approval pending',
        at: '2026-03-01 09:00 UTC',
        reviewLink: 'https://tenant-access.example/review/abc',
        advice: 'Tell them which account to use.',
        customerSaw: 'Your organization blocks this sign-in.',
        ids: [{ title: 'Entra error', value: 'AADSTS53003' }, { title: 'Trace ID', value: '1234' }],
        canResend: true,
        sentCount: 2,
        canValidate: true,
      }),
    sparse: () => [
      renderStaffUpdate({ tenantName: 't', tenantId: 't', title: 'Activated', text: 'x', color: 'good', invitationId: 'inv-7k2m9q4xzt', email: 'e', status: 's', at: 'a', reviewLink: '', canResend: false, sentCount: 1 }),
    ],
  },
  validationResult: {
    full: () =>
      renderValidationResult({
        headline: 'Last Authentication Status: Failed',
        color: 'attention',
        tenantName: 'Contoso',
        tenantId: '0f0e0d0c-0b0a-4909-8807-060504030201',
        summary: 'Some permissions are no longer granted. 4 of 5 checks passed.',
        pending: false,
        when: '2026-03-01 09:00 UTC',
        duration: '412 ms',
        account: 'svc@contoso.com',
        by: 'Alex Wilber',
        checks: [
          { name: 'Token', result: 'Passed', color: 'good', duration: '120 ms', detail: 'a new access token through the refresh-token grant', explanation: '' },
          { name: 'Permissions', result: 'Failed', color: 'attention', duration: '0 ms', detail: 'granted: User.Read', explanation: 'Some permissions are no longer granted (permissions-missing). The new token lacks Organization.Read.All.' },
        ],
        otherAccounts: [{ text: 'admin@contoso.com: refreshed' }],
        cause: 'The new token lacks Organization.Read.All.',
        nextStep: "Ask the customer's admin to grant admin consent again with the link on this card, then validate again.",
        reference: 'Entra: permissions-missing',
        consentLink: 'https://login.microsoftonline.com/0f0e0d0c-0b0a-4909-8807-060504030201/v2.0/adminconsent?client_id=x',
        canReinvite: true,
        canValidateAgain: true,
      }),
    sparse: () => [
      renderValidationResult({ headline: 'Validating…', color: 'accent', tenantName: 't', tenantId: 't', summary: '', pending: true, when: '', duration: '', account: '', by: '', checks: [], otherAccounts: [], cause: '', nextStep: '', reference: '', consentLink: '', canReinvite: false, canValidateAgain: false }),
      renderValidationResult({ headline: 'Last Authentication Status: Successful', color: 'good', tenantName: 't', tenantId: 't', summary: 's', pending: false, when: 'w', duration: 'd', account: 'a', by: 'b', checks: [], otherAccounts: [], cause: '', nextStep: '', reference: '', consentLink: '', canReinvite: false, canValidateAgain: true }),
    ],
  },
  sweepStatus: {
    full: () =>
      renderSweepStatus({
        title: 'Sweep running',
        text: '',
        tone: 'default',
        sections: [
          { heading: 'Running sweep', facts: [{ name: 'Started', value: '2026-12-01 06:00 UTC' }, { name: 'Tenants checked', value: '4120' }, { name: 'OK', value: '4100' }, { name: 'Failed', value: '20' }, { name: 'Skipped', value: '3 (no saved sign-in yet)' }] },
          { heading: 'Last sweep', facts: [{ name: 'Finished', value: '2026-12-01 00:04 UTC' }, { name: 'Duration', value: '4 min 12 s' }] },
          { heading: 'Schedule', facts: [{ name: 'Next run', value: '2026-12-01 12:00 UTC' }] },
        ],
        footer: 'Times are UTC. **validate all** starts one now.',
      }),
    sparse: () => [renderSweepStatus({ title: 'Sweeps', text: 'No sweep has run yet.', sections: [{ heading: 'Schedule', facts: [{ name: 'Next run', value: '—' }] }], footer: 'f' })],
  },
};

/** Templating is slow (tens of ms a card): each sample is rendered once per run. */
const renderedCache = new Map<string, CardAttachment[]>();
function renderedOf(name: string): CardAttachment[] {
  if (!renderedCache.has(name)) renderedCache.set(name, [SAMPLES[name].full(), ...SAMPLES[name].sparse()]);
  return renderedCache.get(name)!;
}
const allRendered = (): [string, CardAttachment][] => Object.keys(SAMPLES).flatMap((name) => renderedOf(name).map((c) => [name, c] as [string, CardAttachment]));

/** Every object in a JSON tree. */
function* objectsIn(value: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(value)) for (const v of value) yield* objectsIn(v);
  else if (value !== null && typeof value === 'object') {
    yield value as Record<string, unknown>;
    for (const v of Object.values(value)) yield* objectsIn(v);
  }
}

type ActionObject = { type: string; verb?: unknown; data?: { verb?: unknown }; fallback?: ActionObject };
const isVerbAction = (o: Record<string, unknown>) => o.type === 'Action.Execute' || o.type === 'Action.Submit';
const verbsIn = (tree: unknown): string[] =>
  [...objectsIn(tree)].filter(isVerbAction).flatMap((a) => [(a as ActionObject).verb, (a as ActionObject).data?.verb].filter((v): v is string => typeof v === 'string'));

/** What a person reads on a card: texts, facts and button titles, in order (fallbacks show only where Execute cannot). */
function visibleTexts(tree: unknown): unknown[] {
  if (Array.isArray(tree)) return tree.flatMap(visibleTexts);
  if (tree === null || typeof tree !== 'object') return [];
  const o = tree as Record<string, unknown>;
  const own = [
    ...(o.type === 'TextBlock' ? [o.text] : []),
    ...(Array.isArray(o.facts) ? (o.facts as Record<string, unknown>[]).flatMap((f) => [f.title, f.value]) : []),
    ...(typeof o.type === 'string' && o.type.startsWith('Action.') ? [o.title] : []),
  ];
  return [...own, ...Object.entries(o).flatMap(([key, value]) => (key === 'fallback' || key === 'facts' ? [] : visibleTexts(value)))];
}

/**
 * The card as the Adaptive Cards renderer (the one the invitation page uses) understands it: its
 * complaints, and what it keeps to show. It drops silently what it cannot read (a number as a text).
 */
function rendererView(content: object): { events: string[]; texts: unknown[] } {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(content, context);
  const events: string[] = [];
  for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i).message);
  return { events, texts: visibleTexts(card.toJSON()) };
}

describe('card templates', () => {
  const files = readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json'));

  it('are all registered, and all have sample data here', () => {
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(Object.keys(TEMPLATES).sort());
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(TEMPLATES).sort());
  });

  it.each(files)('%s is an Adaptive Card 1.5', (file) => {
    const template = JSON.parse(readFileSync(join(CARDS_DIR, file), 'utf8')) as Record<string, unknown>;
    expect(template).toMatchObject({ type: 'AdaptiveCard', version: '1.5', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
  });

  describe.each(Object.keys(SAMPLES))('%s', (name) => {
    const rendered = () => renderedOf(name);

    it('renders every sample with every binding resolved', () => {
      for (const card of rendered()) {
        expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
        expect(card.content).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
        const text = json(card.content);
        expect(text).not.toContain('${');
        expect(text).not.toContain('"$when"');
        expect(text).not.toContain('"$data"');
      }
    });

    it('gives every text a string, so no renderer drops it', () => {
      for (const card of rendered()) {
        for (const o of objectsIn(card.content)) {
          if (o.type === 'TextBlock' || o.type === 'TextRun') expect({ type: o.type, text: typeof o.text }).toEqual({ type: o.type, text: 'string' });
          if (typeof o.type === 'string' && o.type.startsWith('Action.')) expect(typeof o.title).toBe('string');
          if ('facts' in o) for (const f of o.facts as Record<string, unknown>[]) expect([typeof f.title, typeof f.value]).toEqual(['string', 'string']);
        }
      }
    });

    it('parses in the Adaptive Cards renderer without complaint, keeping every text', () => {
      for (const card of rendered()) expect(rendererView(card.content)).toEqual({ events: [], texts: visibleTexts(card.content) });
    });
  });

  it('shows the values it was given, where they belong', () => {
    const invitation = json(renderedOf('invitation')[0].content);
    for (const value of ['inv-7k2m9q4xzt', 'admin@contoso.com', 'Global admin', '2026-03-08 09:00 UTC', 'https://tenant-access.example/invite/abc']) expect(invitation).toContain(value);
    const sparse = renderedOf('invitation')[1].content as { body: unknown[]; actions?: unknown[] };
    expect(json(sparse)).not.toContain('Forward this link');
    expect(sparse.actions ?? []).toEqual([]);
    const list = json(renderedOf('invitationList')[1].content);
    expect(list).toContain('No pending invitations.');
    expect(list).not.toContain('"Table"');
  });
});

describe('card action verbs', () => {
  const staticVerbs = () => new Set(Object.values(TEMPLATES).flatMap((t) => verbsIn(t).filter((v) => !v.includes('${'))));
  const renderedVerbs = () => new Set(allRendered().flatMap(([, c]) => verbsIn(c.content)));

  it('are all constants from cards/verbs.ts, in templates and in rendered cards', () => {
    for (const verb of [...staticVerbs(), ...renderedVerbs()]) expect(ALL_VERBS).toContain(verb);
  });

  it('agree within each button: Action.Execute verb, its data.verb and its Action.Submit fallback', () => {
    for (const [, card] of allRendered()) {
      for (const o of objectsIn(card.content)) {
        if (o.type === 'Action.Execute') {
          const a = o as ActionObject;
          expect(a.data?.verb).toBe(a.verb);
          expect(a.fallback).toMatchObject({ type: 'Action.Submit', data: { verb: a.verb } });
        }
        if (o.type === 'Action.Submit') expect(ALL_VERBS).toContain((o as ActionObject).data?.verb);
      }
    }
  });

  it('each staff verb has exactly one card action handler, and customer verbs none', () => {
    const staffVerbs = ALL_VERBS.filter((v) => !CUSTOMER_VERBS.includes(v));
    for (const verb of staffVerbs) expect({ verb, handlers: CARD_ACTIONS.filter((a) => a.verb === verb).length }).toEqual({ verb, handlers: 1 });
    for (const verb of CUSTOMER_VERBS) expect(CARD_ACTIONS.filter((a) => a.verb === verb)).toEqual([]);
    expect(CARD_ACTIONS).toHaveLength(staffVerbs.length);
  });

  /** The customer side answers verbs in code (the invitation page routes and the Teams customer actions). */
  const customerHandlers = () =>
    ['web/customerPages/routes.ts', 'teams/features/customerActions.ts'].map((f) => readFileSync(join(__dirname, '..', '..', 'bot', f), 'utf8')).join('\n');

  it('customer verbs are answered by the customer-side handlers', () => {
    const code = customerHandlers();
    for (const [key, verb] of Object.entries(VERBS)) {
      if (CUSTOMER_VERBS.includes(verb)) expect({ key, answered: code.includes(`VERBS.${key}`) }).toEqual({ key, answered: true });
    }
  });

  it('every card action handler is used by some template, and no verb is unused', () => {
    for (const a of CARD_ACTIONS) expect({ verb: a.verb, usedByATemplate: staticVerbs().has(a.verb) }).toEqual({ verb: a.verb, usedByATemplate: true });
    const used = new Set([...staticVerbs(), ...renderedVerbs()]);
    const code = customerHandlers();
    for (const [key, verb] of Object.entries(VERBS)) expect({ verb, used: used.has(verb) || code.includes(`VERBS.${key}`) }).toEqual({ verb, used: true });
  });
});

describe('user text in card data', () => {
  it('is shown literally, never evaluated as a template expression', () => {
    const nasty = ['${title}', '${1+1}', "${join(createArray('a','b'), '-')}", '${$root}', '$when', '${', '}'];
    for (const text of nasty) {
      const card = renderMessage({ title: text, text: `user typed ${text}`, usage: text });
      const blocks = [...objectsIn(card.content)].filter((o) => o.type === 'TextBlock').map((o) => o.text);
      expect(blocks).toEqual([text, `user typed ${text}`, `Usage: ${text}`]);
    }
  });

  it('is shown literally for any text, in any card field', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ unit: 'binary' }), (a, b) => {
        const card = renderInvitation({ title: a, subtitle: b, id: a, tenant: b, email: `${a}@x.co`, variant: a, status: b, createdAt: a, expiresAt: b, sentCount: 1, link: a, canChange: true, canPostHere: true, confirming: false, });
        const text = json(card.content);
        // Angle brackets are shown as look-alikes (Teams drops <…> as markup); nothing else changes.
        const shown = (s: string) => s.replace(/</g, '‹').replace(/>/g, '›');
        expect(text).toContain(json(shown(`${a}@x.co`)));
        const facts = [...objectsIn(card.content)].flatMap((o) => ('facts' in o ? (o.facts as { value: unknown }[]) : [])).map((f) => f.value);
        expect(facts.slice(0, 5)).toEqual([a, b, `${a}@x.co`, a, b].map(shown));
      }),
      { numRuns: 10 },
    );
  });
});
