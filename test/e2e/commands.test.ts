import { createHash } from 'node:crypto';
import { TeamsInfo } from 'botbuilder';
import { COMMANDS } from '../../bot/teams/commandTable';
import { CARD_ACTIONS } from '../../bot/teams/features/cardActions';
import { renderMessage } from '../../cards';
import { VERBS } from '../../cards/verbs';
import { DAY_MS } from '../../src/clock';
import { roleAllows, Role } from '../../src/domain/staff';
import { defaultSimulatedDirectory } from '../../src/local/identitySimulator';
import {
  AdaptiveCardJson,
  BOOTSTRAP_ADMIN,
  BOOTSTRAP_ADMIN_ID,
  BOT_ACCOUNT,
  BotHarness,
  cardActions,
  cardFacts,
  cardText,
  cardTitle,
  DEFAULT_PUBLIC_BASE_URL,
  Exchange,
  ManualClock,
  PROVIDER_TENANT_ID,
  startBotHarness,
  memoryPersistence,
  TEAM,
  teamsUser,
  type TeamsActivity,
  type TeamsUser,
  textOf,
} from '../support/botHarness';

/**
 * The whole HTTP round trip in local mode: activities posted to /api/messages as Teams sends them,
 * replies read from a recording connector service, state read from the Cosmos-protocol server.
 */

const directory = defaultSimulatedDirectory().tenants;
const tenantNamed = (name: string) => {
  const t = directory.find((d) => d.displayName.startsWith(name));
  if (!t) throw new Error(`the simulator directory has no ${name}`);
  return t;
};
const CONTOSO = tenantNamed('Contoso');
const FABRIKAM = tenantNamed('Fabrikam');
const NORTHWIND = tenantNamed('Northwind');

const ADMIN = BOOTSTRAP_ADMIN;
const OPERATOR = teamsUser('c0a80101-1111-4aaa-8bbb-000000000001', 'Olivia Operator');
const VIEWER = teamsUser('c0a80101-2222-4aaa-8bbb-000000000002', 'Victor Viewer');
const STRANGER = teamsUser('c0a80101-3333-4aaa-8bbb-000000000003', 'Sam Stranger');
/** The bootstrap admin's object id, but signed in to another organization: still nobody here. */
const OUTSIDER = teamsUser(BOOTSTRAP_ADMIN_ID, 'Diego Siciliani', NORTHWIND.tenantId);

const START = '2025-03-01T09:00:00.000Z';
const clock = new ManualClock(START);
const LINK = new RegExp(`^${DEFAULT_PUBLIC_BASE_URL.replace(/[.]/g, '\\.')}/invite/([A-Za-z0-9_-]{43})$`);
/** Error text that must only ever reach the logs. */
const INTERNAL_ERROR = 'cosmos exploded: AccountKey=c2VjcmV0LWtleQ== at /srv/internal/repository.ts';

let h: BotHarness;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function linkOf(card: AdaptiveCardJson | undefined): string | undefined {
  return cardText(card).split('\n').find((line) => LINK.test(line));
}

function tokenOf(card: AdaptiveCardJson | undefined): string {
  const link = linkOf(card);
  if (!link) throw new Error(`no invitation link on the card:\n${cardText(card)}`);
  return LINK.exec(link)![1];
}

/** The text of the message card's body (title, text, usage, reference). */
function said(exchange: Exchange): string {
  return cardText(exchange.card);
}

/** Cards show angle brackets as look-alikes (Teams would drop `<…>` as markup). */
const shown = (text: string) => text.replace(/</g, '‹').replace(/>/g, '›');
const usageOf = (command: string) => shown(COMMANDS.find((c) => c.name === command)!.usage);

function expectUsage(exchange: Exchange, command: string, why: RegExp | string): void {
  expect(exchange.status).toBe(200);
  expect(cardTitle(exchange.card)).toBe(`That ${command} command needs a fix`);
  expect(said(exchange)).toMatch(why);
  expect(said(exchange)).toContain(`Usage: ${usageOf(command)}`);
}

/** The monospace lines of the help card: one usage per command shown. */
function helpUsages(card: AdaptiveCardJson | undefined): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as { type?: string; fontType?: string; text?: string };
      if (n.type === 'TextBlock' && n.fontType === 'Monospace' && n.text) out.push(n.text);
      Object.values(node).forEach(walk);
    }
  };
  walk(card?.body);
  return out;
}

const usagesFor = (role: Role) => COMMANDS.filter((c) => roleAllows(role, c.role)).map((c) => shown(c.usage));

type TableJson = { type?: string; rows?: { cells: { items?: { text?: unknown }[] }[] }[] };

/** The rows of a Table card (header excluded), each as the text of its cells, whatever the column layout. */
function tableRows(card: AdaptiveCardJson | undefined): string[] {
  const table = (card?.body as TableJson[] | undefined)?.find((b) => b.type === 'Table');
  return (table?.rows ?? []).slice(1).map((row) => row.cells.flatMap((cell) => (cell.items ?? []).map((i) => String(textOf(i)))).join(' | '));
}

const rowWith = (card: AdaptiveCardJson | undefined, text: string) => tableRows(card).find((row) => row.includes(text));

/** A number standing alone in a row once its timestamps are gone (the "times sent" column). */
const standsAlone = (row: string | undefined, n: number) =>
  new RegExp(`(^|[^\\w-])${n}(?![\\w-])`).test((row ?? '').replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/g, ''));

async function invitationsFor(email: string) {
  return (await h.documents(['invitations'])).invitations.filter((d) => d.email === email);
}

async function auditEvents(filter: { action?: string; outcome?: string; actor?: string; target?: string }) {
  return (await h.documents(['audit'])).audit.filter(
    (e) =>
      (filter.action === undefined || e.action === filter.action) &&
      (filter.outcome === undefined || e.outcome === filter.outcome) &&
      (filter.actor === undefined || (e.actor as { aadObjectId?: string }).aadObjectId === filter.actor) &&
      (filter.target === undefined || e.target === filter.target),
  );
}

async function invite(user: typeof ADMIN, text: string): Promise<{ exchange: Exchange; id: string; token: string }> {
  const exchange = await h.say(user, text);
  expect(cardTitle(exchange.card)).toBe('Invitation created');
  return { exchange, id: cardFacts(exchange.card).Invitation, token: tokenOf(exchange.card) };
}

const persistence = memoryPersistence();

beforeAll(async () => {
  // The stores are in memory here (the fast layer); the contract suite holds them to Cosmos DB's behaviour.
  h = await startBotHarness({ compose: { clock, persistence } });
  for (const [user, role] of [[OPERATOR, 'operator'], [VIEWER, 'viewer']] as const) {
    const added = await h.say(ADMIN, `staff add ${user.aadObjectId} ${role}`);
    expect(said(added)).toContain(`${user.aadObjectId} is now ${role}.`);
  }
});

afterAll(async () => {
  await h?.close();
});

describe('help', () => {
  it('lists every command for an admin, in the order of the command table', async () => {
    const reply = await h.say(ADMIN, 'help');
    expect(reply.status).toBe(200);
    expect(helpUsages(reply.card)).toEqual(COMMANDS.map((c) => shown(c.usage)));
    expect(said(reply)).toContain('Your role: **admin**');
  });

  it('lists only what an operator may run', async () => {
    const usages = helpUsages((await h.say(OPERATOR, 'help')).card);
    expect(usages).toEqual(usagesFor('operator'));
    expect(usages.some((u) => u.startsWith('invite'))).toBe(true);
    expect(usages.some((u) => u.startsWith('staff'))).toBe(false);
  });

  it('lists only the read commands for a viewer', async () => {
    const usages = helpUsages((await h.say(VIEWER, 'help')).card);
    expect(usages).toEqual(usagesFor('viewer'));
    expect(usages.map((u) => u.split(' ')[0])).toEqual(['help', 'invitations', 'tenants', 'status', 'sweep']);
  });

  it('shows one command with help <command>, case-insensitively', async () => {
    expect(helpUsages((await h.say(ADMIN, 'HELP Invite')).card)).toEqual([usageOf('invite')]);
  });

  it('says which commands exist when asked about one that does not', async () => {
    const reply = await h.say(ADMIN, 'help frobnicate');
    expectUsage(reply, 'help', /"frobnicate" is not a command\. Commands: help, invite, invitations, resend, revoke, tenants, status, validate, sweep, staff\./);
  });

  it('does not show a command a viewer may not run, even by name, and says which role it needs', async () => {
    const reply = await h.say(VIEWER, 'help staff');
    expect(cardTitle(reply.card)).toBe('staff needs the admin role');
    expect(cardText(reply.card)).toContain('You are a viewer');
  });

  it('points unknown words and empty messages to help', async () => {
    expect(cardTitle((await h.say(ADMIN, 'hello there')).card)).toBe('I don\'t know "hello"');
    expect(cardTitle((await h.say(ADMIN, '   ')).card)).toBe('How can I help?');
  });
});

describe('invite', () => {
  it('creates the tenant and an invitation, and shows the link only once, only as a hash in the store', async () => {
    const reply = await h.say(OPERATOR, `invite ${CONTOSO.domain} megan.bowen@contoso.onmicrosoft.com`);
    expect(reply.status).toBe(200);
    expect(reply.replies).toHaveLength(1);
    expect(cardTitle(reply.card)).toBe('Invitation created');
    expect(said(reply)).toContain(`New customer tenant ${CONTOSO.domain} added.`);
    const facts = cardFacts(reply.card);
    expect(facts).toMatchObject({
      Tenant: `${CONTOSO.domain} (${CONTOSO.tenantId})`,
      'Admin email': 'megan.bowen@contoso.onmicrosoft.com',
      Variant: 'Global admin',
      Status: 'Sent',
      'Created at': '2025-03-01 09:00 UTC',
      'Expires at': '2025-03-08 09:00 UTC',
      'Times sent': '1',
    });
    expect(facts.Invitation).toMatch(/^inv-[0-9a-z]{10}$/);
    expect(cardActions(reply.card).map((a) => [a.type, a.title, a.verb])).toEqual(
      expect.arrayContaining([
        ['Action.Execute', 'Resend', VERBS.resendInvitation],
        ['Action.Execute', 'Revoke', VERBS.revokeInvitation],
      ]),
    );

    const token = tokenOf(reply.card);
    expect(linkOf(reply.card)).toBe(`${DEFAULT_PUBLIC_BASE_URL}/invite/${token}`);
    const stored = await invitationsFor('megan.bowen@contoso.onmicrosoft.com');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: facts.Invitation, tenantId: CONTOSO.tenantId, status: 'created', tokenHash: sha256(token), sentCount: 1 });

    // The token is nowhere at rest and nowhere in the logs.
    const everything = await h.documents();
    for (const [container, docs] of Object.entries(everything)) {
      expect({ container, found: JSON.stringify(docs).includes(token) }).toEqual({ container, found: false });
    }
    expect(h.logs.lines.some((line) => line.includes(token))).toBe(false);
    expect(everything.tenants.filter((t) => t.tenantId === CONTOSO.tenantId)).toEqual([
      expect.objectContaining({ domain: CONTOSO.domain, authMode: 'token', authStatus: 'not_configured', createdBy: OPERATOR.aadObjectId }),
    ]);
    expect(await auditEvents({ action: 'invitation.create', target: facts.Invitation, outcome: 'ok' })).toHaveLength(1);
  });

  it('invites by tenant id, delegated, in any letter case', async () => {
    const reply = await h.say(OPERATOR, `INVITE ${FABRIKAM.tenantId.toUpperCase()} Svc-TenantAccess@FABRIKAM.onmicrosoft.com DELEGATED`);
    expect(cardTitle(reply.card)).toBe('Invitation created');
    expect(cardFacts(reply.card)).toMatchObject({
      Tenant: FABRIKAM.tenantId,
      'Admin email': 'Svc-TenantAccess@fabrikam.onmicrosoft.com',
      Variant: 'Delegated (service account + admin consent)',
    });
    expect(await invitationsFor('Svc-TenantAccess@fabrikam.onmicrosoft.com')).toEqual([expect.objectContaining({ tenantId: FABRIKAM.tenantId, variant: 'delegated' })]);
  });

  it.each([
    ['no arguments', 'invite', /Say which tenant and which admin to invite\./],
    ['a tenant but no email', `invite ${CONTOSO.domain}`, /Say which admin to invite \(their email\)\./],
    ['an extra word', `invite ${CONTOSO.domain} extra@contoso.com global now`, /Too many words/],
    ['an invalid email', `invite ${CONTOSO.domain} extra.contoso.com`, /"extra\.contoso\.com" is not a valid email address/],
    ['an invalid domain', 'invite contoso_onmicrosoft extra@contoso.com', /"contoso_onmicrosoft" is neither a tenant id nor a domain/],
    ['an invalid GUID-like id', 'invite 6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a6 extra@contoso.com', /is neither a tenant id nor a domain/],
    ['an unknown variant', `invite ${CONTOSO.domain} extra@contoso.com superadmin`, /"superadmin" is not a variant: use global .* or delegated/],
  ])('refuses %s with the right usage and writes nothing', async (_case, text, why) => {
    const before = await h.documents(['invitations', 'tenants']);
    expectUsage(await h.say(OPERATOR, text), 'invite', why);
    const after = await h.documents(['invitations', 'tenants']);
    expect(after.invitations).toHaveLength(before.invitations.length);
    expect(after.tenants).toHaveLength(before.tenants.length);
  });

  it.each([
    ['a domain', 'nosuchtenant.onmicrosoft.com'],
    ['a tenant id', '0f0e0d0c-0b0a-4909-8807-060504030201'],
  ])('says "No such Microsoft 365 tenant" for %s Entra does not know, and stores nothing', async (_case, tenant) => {
    const before = await h.documents(['invitations', 'tenants']);
    const reply = await h.say(OPERATOR, `invite ${tenant} admin@nosuchtenant.com`);
    expect(cardTitle(reply.card)).toBe('No such Microsoft 365 tenant');
    expect(said(reply)).toContain(`does not know the tenant "${tenant}"`);
    const after = await h.documents(['invitations', 'tenants']);
    expect(after.tenants).toHaveLength(before.tenants.length);
    expect(after.invitations).toHaveLength(before.invitations.length);
  });

  it('answers "Already invited" for a second invitation to the same admin, with the pending one', async () => {
    const first = await invite(OPERATOR, `invite ${CONTOSO.domain} twice@contoso.com`);
    const second = await h.say(OPERATOR, `invite ${CONTOSO.domain} twice@contoso.com delegated`);
    expect(cardTitle(second.card)).toBe('Already invited');
    expect(cardFacts(second.card).Invitation).toBe(first.id);
    expect(linkOf(second.card)).toBeUndefined();
    expect(await invitationsFor('twice@contoso.com')).toHaveLength(1);
  });

  it('creates one invitation when Teams redelivers the same activity', async () => {
    const first = await invite(OPERATOR, `invite ${CONTOSO.domain} redelivered@contoso.com`);
    const again = await h.post(first.exchange.activity);
    expect(again.status).toBe(200);
    expect(cardTitle(again.card)).toBe('Invitation already created');
    expect(cardFacts(again.card).Invitation).toBe(first.id);
    // The link is never shown twice: it is not stored, and a redelivery must not mint a second one.
    expect(linkOf(again.card)).toBeUndefined();
    expect(await invitationsFor('redelivered@contoso.com')).toHaveLength(1);
    expect(await auditEvents({ action: 'invitation.create', target: first.id })).toHaveLength(1);
  });

  it('does not take "reinvite" for invite', async () => {
    const reply = await h.say(OPERATOR, `reinvite ${CONTOSO.domain} reinvite@contoso.com`);
    expect(cardTitle(reply.card)).toBe('I don\'t know "reinvite"');
    expect(await invitationsFor('reinvite@contoso.com')).toHaveLength(0);
  });
});

describe('invitations', () => {
  it('lists pending invitations by default, and finished ones with "all"', async () => {
    const live = await invite(OPERATOR, `invite ${CONTOSO.domain} listed@contoso.com`);
    const gone = await invite(OPERATOR, `invite ${CONTOSO.domain} gone@contoso.com`);
    expect(cardTitle((await h.say(OPERATOR, `revoke ${gone.id}`)).card)).toBe('Invitation revoked');

    const pending = await h.say(VIEWER, 'invitations');
    expect(cardTitle(pending.card)).toBe('Customer invitations (pending)');
    const row = rowWith(pending.card, live.id);
    for (const shownText of ['listed@contoso.com', CONTOSO.domain, 'Global', 'Sent', '2025-03-01 09:00 UTC', '2025-03-08 09:00 UTC']) {
      expect(row).toContain(shownText);
    }
    expect(standsAlone(row, 1)).toBe(true);
    expect(rowWith(pending.card, gone.id)).toBeUndefined();

    const all = await h.say(VIEWER, 'Invitations ALL');
    expect(cardTitle(all.card)).toBe('Customer invitations (all)');
    expect(rowWith(all.card, gone.id)).toContain('Revoked');
    expect(rowWith(all.card, live.id)).toContain('Sent');
  });

  it.each([
    ['an unknown filter', 'invitations expired'],
    ['two filters', 'invitations pending all'],
  ])('refuses %s', async (_case, text) => {
    expectUsage(await h.say(VIEWER, text), 'invitations', 'Choose pending (the default) or all.');
  });
});

describe('resend and revoke', () => {
  it('resend issues a new link: the old hash is gone and times sent goes up by one', async () => {
    const created = await invite(OPERATOR, `invite ${CONTOSO.domain} resend@contoso.com`);
    const resent = await h.say(OPERATOR, `RESEND ${created.id.toUpperCase()}`);
    expect(cardTitle(resent.card)).toBe('Invitation resent');
    expect(cardFacts(resent.card)).toMatchObject({ Invitation: created.id, 'Times sent': '2', Status: 'Sent' });
    const newToken = tokenOf(resent.card);
    expect(newToken).not.toBe(created.token);
    const [stored] = await invitationsFor('resend@contoso.com');
    expect(stored.tokenHash).toBe(sha256(newToken));
    expect(stored.tokenHash).not.toBe(sha256(created.token));
    expect(stored.sentCount).toBe(2);
    expect(JSON.stringify(await h.documents())).not.toContain(newToken);
    expect(standsAlone(rowWith((await h.say(VIEWER, 'invitations')).card, created.id), 2)).toBe(true);
  });

  it('revoke stops the invitation; a revoked invitation can be neither resent nor revoked again', async () => {
    const created = await invite(OPERATOR, `invite ${CONTOSO.domain} revoke@contoso.com`);
    const revoked = await h.say(OPERATOR, `revoke ${created.id}`);
    expect(cardTitle(revoked.card)).toBe('Invitation revoked');
    expect(cardFacts(revoked.card).Status).toBe('Revoked');
    expect(cardActions(revoked.card)).toEqual([]);
    expect((await invitationsFor('revoke@contoso.com'))[0].status).toBe('revoked');

    const resend = await h.say(OPERATOR, `resend ${created.id}`);
    expect(cardTitle(resend.card)).toBe('Cannot resend this invitation');
    expect(said(resend)).toContain('It is revoked. Invite the admin again with **invite** instead.');
    const again = await h.say(OPERATOR, `revoke ${created.id}`);
    expect(cardTitle(again.card)).toBe('Cannot revoke this invitation');
    expect(said(again)).toContain('It is already revoked.');
    const [stored] = await invitationsFor('revoke@contoso.com');
    expect(stored).toMatchObject({ status: 'revoked', sentCount: 1 });
  });

  it.each(['resend', 'revoke'])('%s of an unknown invitation id says so', async (verb) => {
    const reply = await h.say(OPERATOR, `${verb} inv-0000000000`);
    expect(cardTitle(reply.card)).toBe('No such invitation');
    expect(said(reply)).toContain('There is no invitation inv-0000000000.');
  });

  it.each([
    ['resend', 'resend', 'Say which invitation'],
    ['resend', 'resend inv-0000000000 inv-0000000001', 'Give exactly one invitation id.'],
    ['resend', 'resend 12345', '"12345" is not an invitation id'],
    ['revoke', 'revoke', 'Say which invitation'],
    ['revoke', 'revoke inv-0000000000 now', 'Give exactly one invitation id.'],
    ['revoke', 'revoke inv-ILOU000000', '"inv-ILOU000000" is not an invitation id'],
  ])('%s: refuses "%s"', async (command, text, why) => {
    expectUsage(await h.say(OPERATOR, text), command, why);
  });
});

describe('card buttons', () => {
  it('Resend (Action.Execute) replaces the card; pressing it again on the old card is "out of date"', async () => {
    const created = await invite(OPERATOR, `invite ${CONTOSO.domain} button-resend@contoso.com`);
    const pressed = await h.press(OPERATOR, created.exchange.card!, 'Resend');
    expect(pressed.status).toBe(200);
    expect(pressed.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(cardTitle(pressed.card)).toBe('Invitation resent');
    expect(cardFacts(pressed.card)['Times sent']).toBe('2');
    const token = tokenOf(pressed.card);

    const stale = await h.press(OPERATOR, created.exchange.card!, 'Resend');
    expect(cardTitle(stale.card)).toBe('This card was out of date');
    expect(cardFacts(stale.card)['Times sent']).toBe('2');
    expect(linkOf(stale.card)).toBeUndefined();
    const [stored] = await invitationsFor('button-resend@contoso.com');
    expect(stored).toMatchObject({ sentCount: 2, tokenHash: sha256(token) });
  });

  it('Revoke asks first; "Keep it" changes nothing and shows the invitation as it is', async () => {
    const created = await invite(OPERATOR, `invite ${CONTOSO.domain} button-keep@contoso.com`);
    const asked = await h.press(OPERATOR, created.exchange.card!, 'Revoke');
    expect(cardTitle(asked.card)).toBe('Revoke this invitation?');
    expect(said(asked)).toContain('button-keep@contoso.com can no longer sign in with it');
    expect(cardActions(asked.card).map((a) => a.title)).toEqual(['Yes, revoke', 'Keep it']);
    expect((await invitationsFor('button-keep@contoso.com'))[0].status).toBe('created');
    const kept = await h.press(OPERATOR, asked.card!, 'Keep it');
    expect(cardTitle(kept.card)).toBe('Invitation');
    expect(cardActions(kept.card).map((a) => a.title)).toEqual(expect.arrayContaining(['Resend', 'Revoke']));
    expect((await invitationsFor('button-keep@contoso.com'))[0].status).toBe('created');
    expect(await auditEvents({ action: 'invitation.revoke', target: created.id })).toHaveLength(0);
  });

  it('offers "Post for the admin here" only where the admin can be, and refuses it in a 1:1 chat', async () => {
    const personal = await invite(OPERATOR, `invite ${CONTOSO.domain} post-personal@contoso.com`);
    expect(cardActions(personal.exchange.card).map((a) => a.title)).not.toContain('Post for the admin here');
    const refused = await h.execute(OPERATOR, VERBS.postInvitation, { invitationId: personal.id });
    expect(cardTitle(refused.card)).toBe('Post it where the admin is');
    expect(refused.replies).toHaveLength(0);
    const inChannel = await h.say(OPERATOR, `invite ${CONTOSO.domain} post-channel@contoso.com`, { place: 'channel' });
    expect(cardActions(inChannel.card).map((a) => a.title)).toContain('Post for the admin here');
  });

  it('Revoke pressed twice (and confirmed twice) revokes once and then says it is already revoked', async () => {
    const created = await invite(OPERATOR, `invite ${CONTOSO.domain} button-revoke@contoso.com`);
    const asked = await h.press(OPERATOR, created.exchange.card!, 'Revoke');
    const first = await h.press(OPERATOR, asked.card!, 'Yes, revoke');
    expect(cardTitle(first.card)).toBe('Invitation revoked');
    const second = await h.press(OPERATOR, (await h.press(OPERATOR, created.exchange.card!, 'Revoke')).card!, 'Yes, revoke');
    expect(second.status).toBe(200);
    expect(cardTitle(second.card)).toBe('Cannot revoke this invitation');
    expect(await auditEvents({ action: 'invitation.revoke', target: created.id, outcome: 'ok' })).toHaveLength(1);
    expect(await auditEvents({ action: 'invitation.revoke', target: created.id, outcome: 'rejected' })).toHaveLength(1);
  });

  it('the Action.Submit fallback works the same and answers with a new message', async () => {
    const created = await invite(OPERATOR, `invite ${CONTOSO.domain} button-submit@contoso.com`);
    const asked = await h.press(OPERATOR, created.exchange.card!, 'Revoke', { fallback: true });
    expect(cardTitle(asked.card)).toBe('Revoke this invitation?');
    const pressed = await h.press(OPERATOR, asked.card!, 'Yes, revoke', { fallback: true });
    expect(pressed.status).toBe(200);
    expect(pressed.replies).toHaveLength(1);
    expect(cardTitle(pressed.card)).toBe('Invitation revoked');
    expect((await invitationsFor('button-submit@contoso.com'))[0].status).toBe('revoked');
  });

  it('Refresh on the invitation list keeps its filter', async () => {
    const list = await h.say(VIEWER, 'invitations all');
    const refreshed = await h.press(VIEWER, list.card!, 'Refresh');
    expect(cardTitle(refreshed.card)).toBe('Customer invitations (all)');
    expect(tableRows(refreshed.card).length).toBe(tableRows(list.card).length);
    const pending = await h.press(VIEWER, (await h.say(VIEWER, 'invitations')).card!, 'Refresh', { fallback: true });
    expect(cardTitle(pending.card)).toBe('Customer invitations (pending)');
  });

  it('Refresh on the tenant list and on a tenant card', async () => {
    const tenants = await h.press(VIEWER, (await h.say(VIEWER, 'tenants')).card!, 'Refresh');
    expect(cardTitle(tenants.card)).toBe('Customer tenants');
    const status = await h.press(VIEWER, (await h.say(VIEWER, `status ${CONTOSO.domain}`)).card!, 'Refresh');
    expect(cardTitle(status.card)).toBe(CONTOSO.domain);
    expect(said(status)).toContain(CONTOSO.tenantId);
  });

  it.each([
    [VERBS.revokeInvitation, {}, 'This button is missing its invitation.'],
    [VERBS.resendInvitation, { invitationId: 'not-an-id', sentCount: 1 }, '"not-an-id" is not an invitation id'],
    [VERBS.resendInvitation, { invitationId: 'inv-0000000000', sentCount: 1 }, 'There is no invitation inv-0000000000.'],
    [VERBS.showTenant, { tenantId: 'contoso' }, '"contoso" is not a tenant id'],
    [VERBS.showTenant, { tenantId: NORTHWIND.tenantId }, `No customer tenant "${NORTHWIND.tenantId}" yet.`],
  ])('%s with data %j answers what was wrong', async (verb, data, why) => {
    const reply = await h.execute(OPERATOR, verb, data);
    expect(reply.status).toBe(200);
    expect(said(reply)).toContain(why);
  });

  it('checks who presses: a viewer may not revoke, and nothing changes', async () => {
    const created = await invite(OPERATOR, `invite ${CONTOSO.domain} button-viewer@contoso.com`);
    const reply = await h.press(VIEWER, created.exchange.card!, 'Revoke');
    expect(cardTitle(reply.card)).toBe('Not allowed');
    expect(said(reply)).toContain('needs the operator role; you are a viewer');
    expect((await invitationsFor('button-viewer@contoso.com'))[0].status).toBe('created');
    expect(await auditEvents({ action: `action.${VERBS.revokeInvitation}`, outcome: 'denied', actor: VIEWER.aadObjectId })).toHaveLength(1);
  });

  it('checks who presses: someone without a role is refused and audited', async () => {
    const created = await invite(OPERATOR, `invite ${CONTOSO.domain} button-stranger@contoso.com`);
    const reply = await h.press(STRANGER, created.exchange.card!, 'Resend', { fallback: true });
    expect(cardTitle(reply.card)).toBe('You have no Tenant Access role yet');
    expect((await invitationsFor('button-stranger@contoso.com'))[0].sentCount).toBe(1);
    expect(await auditEvents({ action: `action.${VERBS.resendInvitation}`, outcome: 'denied', actor: STRANGER.aadObjectId })).toHaveLength(1);
  });

  it('a card submit no button route knows is answered as chat is, and typed text with card data is read as a command', async () => {
    const unknown = await h.submit(VIEWER, { verb: 'tenant.nosuch', tenantId: CONTOSO.tenantId });
    expect(unknown.status).toBe(200);
    expect(cardTitle(unknown.card)).toBe('How can I help?');
    const typed = (await h.say(VIEWER, 'x')).activity;
    const withText = await h.post({ ...typed, id: `${typed.id}-2`, text: 'help', value: { verb: 'tenant.show', tenantId: CONTOSO.tenantId } });
    expect(withText.status).toBe(200);
    expect(helpUsages(withText.card)).toContain(shown('status <tenant domain or id>'));
  });

  it('every verb has a handler that answers (no 501 "not implemented")', async () => {
    for (const spec of CARD_ACTIONS) {
      const reply = await h.execute(ADMIN, spec.verb, { invitationId: 'inv-0000000000', tenantId: CONTOSO.tenantId, filter: 'all' });
      expect({ verb: spec.verb, status: reply.status, answered: reply.card !== undefined }).toEqual({ verb: spec.verb, status: 200, answered: true });
    }
  });
});

describe('tenants and status', () => {
  it('tenants lists customer tenants with auth mode, status, validation and token dates', async () => {
    const reply = await h.say(VIEWER, 'Tenants');
    expect(cardTitle(reply.card)).toBe('Customer tenants');
    const contoso = rowWith(reply.card, CONTOSO.tenantId);
    for (const shownText of [CONTOSO.domain, 'Auth token', 'Not authenticated yet', 'Onboarding: Invited', '—']) expect(contoso).toContain(shownText);
    expect(rowWith(reply.card, FABRIKAM.tenantId)).toBeDefined();
  });

  it('tenants takes no arguments', async () => {
    expectUsage(await h.say(VIEWER, 'tenants all'), 'tenants', 'This command takes no arguments (got "all").');
  });

  it('status shows one tenant by domain or by id, with its invitations', async () => {
    const byDomain = await h.say(VIEWER, `status ${CONTOSO.domain.toUpperCase()}`);
    expect(cardTitle(byDomain.card)).toBe(CONTOSO.domain);
    expect(cardFacts(byDomain.card)).toMatchObject({ 'Auth mode': 'Auth token', 'Authentication status': 'Not authenticated yet', 'Token account': '—' });
    expect(said(byDomain)).toMatch(/inv-[0-9a-z]{10} · [^ ]+@contoso\.(com|onmicrosoft\.com) · (global|delegated) · \*\*(Sent|Revoked)\*\*/);
    const byId = await h.say(VIEWER, `status ${FABRIKAM.tenantId}`);
    expect(said(byId)).toContain(FABRIKAM.tenantId);
    expect(said(byId)).toContain('Svc-TenantAccess@fabrikam.onmicrosoft.com · delegated');
  });

  it('status of a tenant that is no customer says so', async () => {
    const reply = await h.say(VIEWER, `status ${NORTHWIND.domain}`);
    expect(cardTitle(reply.card)).toBe('Unknown tenant');
    expect(said(reply)).toContain(`Usage: ${usageOf('status')}`);
  });

  it.each([
    ['status', 'Say which tenant.'],
    [`status ${CONTOSO.domain} ${FABRIKAM.domain}`, 'Give exactly one tenant'],
    ['status contoso', '"contoso" is neither a tenant id nor a domain'],
  ])('refuses "%s"', async (text, why) => {
    expectUsage(await h.say(VIEWER, text), 'status', why);
  });
});

describe('staff roles', () => {
  const NEWBIE = teamsUser('c0a80101-4444-4aaa-8bbb-000000000004', 'Nina Newbie');
  const SECOND_ADMIN = teamsUser('c0a80101-5555-4aaa-8bbb-000000000005', 'Sean Second-Admin');

  it('staff lists the bootstrap admin (from configuration) and the stored roles', async () => {
    const reply = await h.say(ADMIN, 'staff');
    expect(cardTitle(reply.card)).toBe('Provider staff');
    expect(said(reply)).toContain(`${BOOTSTRAP_ADMIN_ID} (from configuration: BOOTSTRAP_ADMINS)`);
    expect(said(reply)).toContain(`${OPERATOR.aadObjectId} (since 2025-03-01 09:00 UTC)`);
    expect(said(reply)).toContain(VIEWER.aadObjectId);
  });

  it('a viewer added by an admin can read but not invite; removing the role takes it away', async () => {
    expect(said(await h.say(NEWBIE, 'tenants'))).toContain('You have no Tenant Access role yet');
    expect(said(await h.say(ADMIN, `staff add ${NEWBIE.aadObjectId.toUpperCase()} Viewer`))).toContain(`${NEWBIE.aadObjectId} is now viewer.`);
    expect(cardTitle((await h.say(NEWBIE, 'tenants')).card)).toBe('Customer tenants');

    const refused = await h.say(NEWBIE, `invite ${CONTOSO.domain} newbie@contoso.com`);
    expect(cardTitle(refused.card)).toBe('Not allowed');
    expect(said(refused)).toContain('**invite** needs the operator role; you are a viewer');
    expect(await invitationsFor('newbie@contoso.com')).toHaveLength(0);
    expect(await auditEvents({ action: 'command.invite', outcome: 'denied', actor: NEWBIE.aadObjectId })).toHaveLength(1);

    expect(said(await h.say(ADMIN, `staff add ${NEWBIE.aadObjectId} operator`))).toContain(`${NEWBIE.aadObjectId}: viewer → operator.`);
    expect(said(await h.say(ADMIN, `staff remove ${NEWBIE.aadObjectId}`))).toContain(`${NEWBIE.aadObjectId} no longer has a role.`);
    expect(cardTitle((await h.say(NEWBIE, 'tenants')).card)).toBe('You have no Tenant Access role yet');
    expect(await auditEvents({ action: 'staff.add', target: NEWBIE.aadObjectId, actor: ADMIN.aadObjectId })).toHaveLength(2);
    expect(await auditEvents({ action: 'staff.remove', target: NEWBIE.aadObjectId, actor: ADMIN.aadObjectId })).toHaveLength(1);
  });

  it('staff commands are for admins only', async () => {
    for (const [user, youAre] of [[VIEWER, 'a viewer'], [OPERATOR, 'an operator']] as const) {
      const reply = await h.say(user, `staff add ${NEWBIE.aadObjectId} admin`);
      expect(cardTitle(reply.card)).toBe('Not allowed');
      expect(said(reply)).toContain(`**staff** needs the admin role; you are ${youAre}.`);
    }
    expect((await h.documents(['staff'])).staff.some((s) => s.id === NEWBIE.aadObjectId)).toBe(false);
  });

  it('an admin cannot remove their own role, and nobody can remove a bootstrap admin', async () => {
    expect(said(await h.say(ADMIN, `staff add ${SECOND_ADMIN.aadObjectId} admin`))).toContain('is now admin.');
    const self = await h.say(SECOND_ADMIN, `staff remove ${SECOND_ADMIN.aadObjectId}`);
    expect(cardTitle(self.card)).toBe('Nothing changed');
    expect(said(self)).toContain('You cannot remove your own role; ask another admin.');
    const bootstrap = await h.say(SECOND_ADMIN, `staff remove ${BOOTSTRAP_ADMIN_ID}`);
    expect(said(bootstrap)).toContain('is an admin from configuration (BOOTSTRAP_ADMINS); remove it there.');
    const demote = await h.say(SECOND_ADMIN, `staff add ${BOOTSTRAP_ADMIN_ID} viewer`);
    expect(cardTitle(demote.card)).toBe('Already an admin');
    expect((await h.documents(['staff'])).staff.find((s) => s.id === SECOND_ADMIN.aadObjectId)).toMatchObject({ role: 'admin' });
  });

  it.each([
    ['staff fire someone', '"fire" is not a staff action'],
    ['staff add', 'staff add needs an Entra object id and a role.'],
    [`staff add ${NEWBIE.aadObjectId}`, 'staff add needs an Entra object id and a role.'],
    [`staff add ${NEWBIE.aadObjectId} superuser`, '"superuser" is not a role'],
    ['staff remove', 'staff remove needs one Entra object id.'],
    ['staff remove 1234', '"1234" is not an Entra object id'],
  ])('refuses "%s"', async (text, why) => {
    expectUsage(await h.say(ADMIN, text), 'staff', why);
  });

  it('removing someone without a role changes nothing and says so', async () => {
    const reply = await h.say(ADMIN, 'staff remove 0f0e0d0c-0b0a-4909-8807-060504030201');
    expect(said(reply)).toContain('0f0e0d0c-0b0a-4909-8807-060504030201 has no role.');
  });
});

describe('who may ask', () => {
  it('refuses a provider user without a role, politely, and audits the attempt', async () => {
    const reply = await h.say(STRANGER, 'invitations');
    expect(reply.status).toBe(200);
    expect(cardTitle(reply.card)).toBe('You have no Tenant Access role yet');
    expect(said(reply)).toContain(`staff add ${STRANGER.aadObjectId} viewer`);
    expect(said(reply)).not.toContain('inv-');
    const [event, ...more] = await auditEvents({ action: 'command.invitations', outcome: 'denied', actor: STRANGER.aadObjectId });
    expect(more).toEqual([]);
    expect(event).toMatchObject({ tenantId: 'provider', detail: 'no-role', actor: { aadObjectId: STRANGER.aadObjectId, tenantId: PROVIDER_TENANT_ID } });
  });

  it('refuses everything to a user without a role, even help and malformed commands', async () => {
    for (const text of ['help', 'invite', 'staff add', 'status nowhere']) {
      expect(cardTitle((await h.say(STRANGER, text)).card)).toBe('You have no Tenant Access role yet');
    }
  });

  it('refuses a user of another organization, even with an admin\'s object id', async () => {
    const reply = await h.say(OUTSIDER, `invite ${CONTOSO.domain} outsider@contoso.com`);
    expect(cardTitle(reply.card)).toBe('Not available to you');
    expect(await invitationsFor('outsider@contoso.com')).toHaveLength(0);
    expect(await auditEvents({ action: 'command.invite', outcome: 'denied', actor: OUTSIDER.aadObjectId })).toEqual([
      expect.objectContaining({ detail: 'not-provider-tenant', actor: expect.objectContaining({ tenantId: NORTHWIND.tenantId }) }),
    ]);
  });
});

describe('channels and group chats', () => {
  it('answers an @mention in a channel, in the thread', async () => {
    const reply = await h.say(VIEWER, 'TENANTS', { place: 'channel' });
    expect(reply.status).toBe(200);
    expect(reply.activity.text).toBe(`<at>${BOT_ACCOUNT.name}</at> TENANTS`);
    expect(cardTitle(reply.card)).toBe('Customer tenants');
    const request = h.connector.requests.find((r) => (r.body as { replyToId?: string }).replyToId === reply.activity.id)!;
    expect(decodeURIComponent(request.path)).toBe(`/v3/conversations/${TEAM.channelId};messageid=${reply.activity.id}/activities/${reply.activity.id}`);
  });

  it('runs an invitation from a channel', async () => {
    const reply = await h.say(OPERATOR, `invite ${FABRIKAM.domain} channel@fabrikam.com`, { place: 'channel' });
    expect(cardTitle(reply.card)).toBe('Invitation created');
    expect(await invitationsFor('channel@fabrikam.com')).toHaveLength(1);
  });

  it('answers an @mention in a group chat', async () => {
    const reply = await h.say(OPERATOR, 'help', { place: 'groupChat' });
    expect(helpUsages(reply.card)).toEqual(usagesFor('operator'));
  });

  it('refuses a stranger in a channel too', async () => {
    expect(cardTitle((await h.say(STRANGER, 'tenants', { place: 'channel' })).card)).toBe('You have no Tenant Access role yet');
  });
});

describe('what staff trip over', () => {
  /** Text as a person reads it: bold marks dropped (the card renderer may draw them as bold runs). */
  const read = (exchange: Exchange) => said(exchange).replace(/\*\*/g, '');
  const MEGAN = teamsUser('c0a80101-8888-4aaa-8bbb-000000000008', 'Megan Bowen');
  const MEGAN_UPN = 'MeganB@provider.example';
  const member = (user: TeamsUser, upn: string, tenantId = user.tenantId) => ({ id: `29:1${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId, userPrincipalName: upn, email: upn.toLowerCase(), tenantId });
  const storedStaff = async (id: string) => (await h.documents(['staff'])).staff.find((s) => s.id === id);

  let sequence = 0;
  /** An install-time event as Teams sends it, in a conversation of the test's own (so it is new to the bot). */
  function installEvent(user: TeamsUser, where: { kind: 'personal' } | { kind: 'channel'; teamId: string }, type: 'conversationUpdate' | 'installationUpdate', membersAdded: { id: string }[] = [{ id: BOT_ACCOUNT.id }]): TeamsActivity {
    const from = { id: `29:1${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId };
    const common = { id: `f:welcome-${++sequence}`, type, channelId: 'msteams', serviceUrl: h.connector.serviceUrl, timestamp: new Date().toISOString(), locale: 'en-US', from, recipient: { ...BOT_ACCOUNT } };
    const conversation =
      where.kind === 'personal'
        ? { conversationType: 'personal', tenantId: user.tenantId, id: `a:1personal-${user.aadObjectId}` }
        : { isGroup: true, conversationType: 'channel', tenantId: user.tenantId, id: where.teamId };
    const channelData =
      where.kind === 'personal'
        ? { tenant: { id: user.tenantId } }
        : { team: { id: where.teamId }, channel: { id: where.teamId }, tenant: { id: user.tenantId }, ...(type === 'conversationUpdate' ? { eventType: 'teamMemberAdded' } : {}) };
    return { ...common, conversation, channelData, ...(type === 'installationUpdate' ? { action: 'add' } : { membersAdded }) };
  }

  describe('5. staff shows names and UPNs, and takes a UPN or email', () => {
    it('finds a person by email in the channel\'s Teams roster, and lists them by name and UPN', async () => {
      h.connector.members.set('meganb@provider.example', member(MEGAN, MEGAN_UPN));
      try {
        const added = await h.say(ADMIN, 'staff add meganb@provider.example viewer', { place: 'channel' });
        expect(cardTitle(added.card)).toBe('Staff updated');
        expect(read(added)).toContain(`Megan Bowen (${MEGAN_UPN}) is now viewer.`);
      } finally {
        h.connector.members.delete('meganb@provider.example');
      }
      expect(await storedStaff(MEGAN.aadObjectId)).toMatchObject({ role: 'viewer', displayName: 'Megan Bowen', upn: MEGAN_UPN, addedBy: ADMIN.aadObjectId });
      expect(cardTitle((await h.say(MEGAN, 'tenants')).card)).toBe('Customer tenants');

      const list = await h.say(ADMIN, 'staff');
      expect(read(list)).toContain(`Megan Bowen · ${MEGAN_UPN} · ${MEGAN.aadObjectId} (since `);
      // A role change by object id keeps what the roster said.
      expect(read(await h.say(ADMIN, `staff add ${MEGAN.aadObjectId} operator`))).toContain(`Megan Bowen (${MEGAN_UPN}): viewer → operator.`);
      expect(await storedStaff(MEGAN.aadObjectId)).toMatchObject({ role: 'operator', displayName: 'Megan Bowen', upn: MEGAN_UPN });
    });

    it('explains the configuration entries: BOOTSTRAP_ADMINS, the Playground\'s made-up id, and who is listing', async () => {
      const list = await h.say(ADMIN, 'staff');
      expect(read(list)).toContain(`${ADMIN.name} (you) · local mode's admin (Alex Wilber in .m365agentsplayground.yml) · ${BOOTSTRAP_ADMIN_ID} (from configuration: BOOTSTRAP_ADMINS)`);
      expect(read(list)).toContain('Entra object ids set in BOOTSTRAP_ADMINS');
      expect(read(list)).toContain("the Agents Playground's default user, whose object id the Playground makes up");
    });

    it('in a 1:1 chat says a UPN is looked up only in a channel or group chat, suggests the object id, and changes nothing', async () => {
      const before = (await h.documents(['staff'])).staff.length;
      const reply = await h.say(ADMIN, 'staff add nina@provider.example viewer');
      expect(cardTitle(reply.card)).toBe('I can look that up only in a channel or group chat');
      expect(read(reply)).toContain('in this 1:1 chat that is just the two of us');
      expect(read(reply)).toContain('Entra object id');
      expect((await h.documents(['staff'])).staff).toHaveLength(before);
    });

    it('says so when nobody in the conversation has that email, and changes nothing', async () => {
      const before = (await h.documents(['staff'])).staff.length;
      const reply = await h.say(ADMIN, 'staff add nobody@provider.example viewer', { place: 'groupChat' });
      expect(cardTitle(reply.card)).toMatch(/^No member .*nobody@provider\.example.* here$/);
      expect(read(reply)).toContain('Nothing changed');
      expect((await h.documents(['staff'])).staff).toHaveLength(before);
    });

    it('gives no role to a roster member of another organization', async () => {
      const guest = teamsUser('c0a80101-9999-4aaa-8bbb-000000000009', 'Gary Guest', NORTHWIND.tenantId);
      h.connector.members.set('gary@northwind.example', member(guest, 'gary@northwind.example'));
      try {
        const reply = await h.say(ADMIN, 'staff add gary@northwind.example viewer', { place: 'channel' });
        expect(cardTitle(reply.card)).toBe('Not one of us');
        expect(read(reply)).toContain('belongs to another organization');
      } finally {
        h.connector.members.delete('gary@northwind.example');
      }
      expect(await storedStaff(guest.aadObjectId)).toBeUndefined();
    });

    it('says kindly when Teams fails to answer the roster lookup', async () => {
      const getMember = jest.spyOn(TeamsInfo, 'getMember').mockRejectedValue(Object.assign(new Error('connector down'), { statusCode: 503 }));
      const paged = jest.spyOn(TeamsInfo, 'getPagedMembers').mockRejectedValue(Object.assign(new Error('connector down'), { statusCode: 503 }));
      try {
        const reply = await h.say(ADMIN, 'staff add meganb@provider.example viewer', { place: 'channel' });
        expect(cardTitle(reply.card)).toBe('Could not look that up');
        expect(read(reply)).toContain('Nothing changed. Try again in a minute');
        expect(read(reply)).not.toContain('connector down');
      } finally {
        getMember.mockRestore();
        paged.mockRestore();
      }
    });

    it('removes someone by the UPN the staff list shows', async () => {
      expect(read(await h.say(ADMIN, `staff remove ${MEGAN_UPN.toLowerCase()}`))).toContain(`${MEGAN.aadObjectId} no longer has a role.`);
      expect(await storedStaff(MEGAN.aadObjectId)).toBeUndefined();
      expect(read(await h.say(ADMIN, `staff remove ${MEGAN_UPN}`))).toContain('Nobody staff lists has the UPN');
    });
  });

  describe('6. friendlier parsing', () => {
    it('"hlep" asks "did you mean help?"', async () => {
      const reply = await h.say(ADMIN, 'hlep');
      expect(cardTitle(reply.card)).toBe('I don\'t know "hlep"');
      expect(read(reply)).toContain('Did you mean help?');
      expect(read(await h.say(ADMIN, 'frobnicate'))).not.toContain('Did you mean');
    });

    it('"help staff add" is the help for staff add, and a misspelt help topic gets a suggestion', async () => {
      expect(helpUsages((await h.say(ADMIN, 'help staff add')).card)).toEqual([shown('staff add <email or object id> <viewer|operator|admin>')]);
      expect(helpUsages((await h.say(ADMIN, 'help staff')).card)).toEqual([usageOf('staff')]);
      expect(read(await h.say(ADMIN, 'help stauts'))).toContain('Did you mean status?');
    });

    it('invite with only a tenant asks for the admin\'s email', async () => {
      expectUsage(await h.say(OPERATOR, `invite ${CONTOSO.domain}`), 'invite', 'Say which admin to invite (their email).');
    });

    it('accepts a comma or semicolon after the email (pasted from a list)', async () => {
      const created = await invite(OPERATOR, `invite ${CONTOSO.domain} pasted@contoso.onmicrosoft.com, delegated`);
      expect(cardFacts(created.exchange.card)).toMatchObject({ Variant: 'Delegated (service account + admin consent)' });
      expect(await invitationsFor('pasted@contoso.onmicrosoft.com')).toHaveLength(1);
      await invite(OPERATOR, `invite ${CONTOSO.domain} semicolon@contoso.onmicrosoft.com;`);
    });

    it('re-inviting an active tenant says it is active and that a new sign-in replaces nothing until it succeeds', async () => {
      const tenants = persistence.stores.tenants;
      const before = (await tenants.get(FABRIKAM.tenantId))!;
      const token = { account: 'admin@fabrikam.onmicrosoft.com', createdAt: '2025-02-20T10:00:00.000Z', lastRefreshedAt: '2025-02-20T10:00:00.000Z', refreshExpiresAt: '2025-05-21T10:00:00.000Z', scopes: ['User.Read'] };
      await tenants.update(FABRIKAM.tenantId, (t) => ({ ok: true, value: { ...t, authMode: 'token', authStatus: 'successful', token } }));
      try {
        const active = await invite(OPERATOR, `invite ${FABRIKAM.domain} second@fabrikam.onmicrosoft.com`);
        expect(read(active.exchange)).toContain('This tenant is already active (token since 2025-02-20 10:00 UTC); a new sign-in replaces nothing until it succeeds.');
      } finally {
        await tenants.update(FABRIKAM.tenantId, () => ({ ok: true, value: before }));
      }
      const inactive = await invite(OPERATOR, `invite ${FABRIKAM.domain} third@fabrikam.onmicrosoft.com`);
      expect(read(inactive.exchange)).not.toContain('already active');
    });

    it('warns when the admin\'s email domain is none of the tenant\'s known domains, and not for a verified one', async () => {
      const unknown = await invite(OPERATOR, `invite ${CONTOSO.domain} admin@fabrikam.com`);
      expect(read(unknown.exchange)).toContain(`The admin's email domain fabrikam.com is none of ${CONTOSO.domain}'s known domains (${CONTOSO.domain}); check the address.`);
      expect(read(await invite(OPERATOR, `invite ${CONTOSO.domain} known@contoso.onmicrosoft.com`).then((r) => r.exchange))).not.toContain('check the address');
      // A verified domain a sign-in brought (the tenant store's domain index) counts as known.
      await persistence.stores.tenants.addDomain('contoso.com', CONTOSO.tenantId);
      expect(read(await invite(OPERATOR, `invite ${CONTOSO.domain} verified@contoso.com`).then((r) => r.exchange))).not.toContain('check the address');
    });
  });

  describe('7. a welcome once per install or new 1:1 chat', () => {
    const WELCOMED_OPERATOR = teamsUser('c0a80101-aaaa-4aaa-8bbb-00000000000a', 'Wendy Welcome');
    const WELCOMED_VIEWER = teamsUser('c0a80101-bbbb-4aaa-8bbb-00000000000b', 'Walt Welcome');
    const NO_ROLE = teamsUser('c0a80101-cccc-4aaa-8bbb-00000000000c', 'Nick Norole');

    beforeAll(async () => {
      await h.say(ADMIN, `staff add ${WELCOMED_OPERATOR.aadObjectId} operator`);
      await h.say(ADMIN, `staff add ${WELCOMED_VIEWER.aadObjectId} viewer`);
    });

    it('welcomes a new 1:1 chat once, with the first command for the role, though Teams sends two install events', async () => {
      const first = await h.post(installEvent(WELCOMED_OPERATOR, { kind: 'personal' }, 'conversationUpdate', [{ id: BOT_ACCOUNT.id }, { id: `29:1${WELCOMED_OPERATOR.aadObjectId}` }]));
      expect(first.status).toBe(200);
      expect(first.cards.map(cardTitle)).toEqual(['Welcome to Tenant Access']);
      expect(read(first)).toContain('You are an operator: start with invite ‹tenant domain or id› ‹admin email›');
      expect(read(first)).not.toContain('staff add');
      const second = await h.post(installEvent(WELCOMED_OPERATOR, { kind: 'personal' }, 'installationUpdate'));
      expect(second.status).toBe(200);
      expect(second.replies).toEqual([]);
    });

    it('starts a viewer with tenants, and an admin with staff too', async () => {
      const viewer = await h.post(installEvent(WELCOMED_VIEWER, { kind: 'personal' }, 'installationUpdate'));
      expect(read(viewer)).toContain('You are a viewer: start with tenants');
      // The bootstrap admin's 1:1 chat is already known (they have talked to the bot): no second welcome.
      expect((await h.post(installEvent(ADMIN, { kind: 'personal' }, 'installationUpdate'))).replies).toEqual([]);
      const newAdmin = teamsUser('c0a80101-dddd-4aaa-8bbb-00000000000d', 'Ada Newadmin');
      await h.say(ADMIN, `staff add ${newAdmin.aadObjectId} admin`);
      expect(read(await h.post(installEvent(newAdmin, { kind: 'personal' }, 'conversationUpdate')))).toMatch(/You are an admin: .*staff shows who holds a role/);
    });

    it('gives someone without a role their object id and tenant id to pass to an admin', async () => {
      const reply = await h.post(installEvent(NO_ROLE, { kind: 'personal' }, 'installationUpdate'));
      expect(cardTitle(reply.card)).toBe('Welcome to Tenant Access');
      expect(read(reply)).toContain(`Give a Tenant Access admin your Entra object id ${NO_ROLE.aadObjectId} and tenant id ${PROVIDER_TENANT_ID}`);
      const outsider = teamsUser('c0a80101-eeee-4aaa-8bbb-00000000000e', 'Olga Outside', NORTHWIND.tenantId);
      const other = await h.post(installEvent(outsider, { kind: 'personal' }, 'installationUpdate'));
      expect(read(other)).toContain('your account belongs to another organization');
      expect(read(other)).toContain(`${outsider.aadObjectId} and tenant id ${NORTHWIND.tenantId}`);
    });

    it('welcomes a team once for everyone, and never per member added', async () => {
      const where = { kind: 'channel', teamId: '19:welcome-team-0001@thread.tacv2' } as const;
      const added = await h.post(installEvent(OPERATOR, where, 'conversationUpdate'));
      expect(added.cards.map(cardTitle)).toEqual(['Tenant Access is here']);
      expect(read(added)).toContain('@mention me with help');
      expect(read(added)).not.toContain(OPERATOR.aadObjectId);
      expect((await h.post(installEvent(OPERATOR, where, 'installationUpdate'))).replies).toEqual([]);
      expect((await h.post(installEvent(OPERATOR, where, 'conversationUpdate', [{ id: '29:1someone-new' }]))).replies).toEqual([]);
      expect((await h.post(installEvent(VIEWER, where, 'conversationUpdate', [{ id: '29:1another' }, { id: '29:1third' }]))).replies).toEqual([]);
    });
  });
});

describe('a roster lookup that runs out of time', () => {
  const TURN_BUDGET_MS = 1_500;
  let slow: BotHarness;

  beforeAll(async () => {
    slow = await startBotHarness({ env: { TURN_BUDGET_MS: String(TURN_BUDGET_MS) }, compose: { clock, persistence: memoryPersistence() } });
  });
  afterAll(async () => {
    await slow?.close();
  });

  it('answers within the turn\'s budget that Teams took too long, and changes nothing', async () => {
    const hung = jest.spyOn(TeamsInfo, 'getMember').mockImplementation(() => new Promise(() => undefined));
    try {
      const started = Date.now();
      const reply = await slow.say(ADMIN, 'staff add meganb@provider.example viewer', { place: 'groupChat' });
      expect(Date.now() - started).toBeLessThan(TURN_BUDGET_MS + 1_500);
      expect(cardTitle(reply.card)).toBe('Teams took too long');
      expect(said(reply)).toContain('Nothing changed');
      expect((await slow.documents(['staff'])).staff).toEqual([]);
    } finally {
      hung.mockRestore();
    }
  });
});

describe('conversation references and the Notifier', () => {
  const NEWCOMER = teamsUser('c0a80101-6666-4aaa-8bbb-000000000006', 'Nora Newcomer');

  async function savedConversation(conversationId: string) {
    return (await h.documents(['conversations'])).conversations.find((c) => c.conversationId === conversationId);
  }

  it('saves the reference of a personal chat on the first message', async () => {
    const reply = await h.say(NEWCOMER, 'help');
    const saved = await savedConversation(reply.activity.conversation.id);
    expect(saved).toMatchObject({
      kind: 'personal',
      teamsTenantId: PROVIDER_TENANT_ID,
      reference: {
        serviceUrl: h.connector.serviceUrl,
        channelId: 'msteams',
        bot: { id: BOT_ACCOUNT.id },
        user: { aadObjectId: NEWCOMER.aadObjectId },
        conversation: { id: reply.activity.conversation.id },
      },
    });
  });

  it('saves the reference when the bot is installed in a group chat', async () => {
    const event = await h.install(OPERATOR, { place: 'groupChat' });
    expect(event.status).toBe(200);
    expect(event.replies).toEqual([]);
    expect(await savedConversation(event.activity.conversation.id)).toMatchObject({ kind: 'groupChat', reference: { conversation: { id: event.activity.conversation.id } } });
  });

  it('saves the reference when the bot is added to a team (conversationUpdate membersAdded)', async () => {
    const event = await h.membersAdded(ADMIN, { place: 'channel' });
    expect(event.status).toBe(200);
    expect(event.activity.conversation.id).toBe(TEAM.channelId);
    expect(await savedConversation(TEAM.channelId)).toMatchObject({ kind: 'channel', reference: { conversation: { id: TEAM.channelId } } });
  });

  it('the Notifier posts a card to a saved conversation', async () => {
    const before = h.connector.requests.length;
    const result = await h.bot.notifier.notify(TEAM.channelId, renderMessage({ title: 'Proactive hello', text: 'from the Notifier' }));
    expect(result).toMatchObject({ ok: true });
    const sent = h.connector.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].method).toBe('POST');
    expect(decodeURIComponent(sent[0].path)).toMatch(new RegExp(`^/v3/conversations/${TEAM.channelId.replace(/[.]/g, '\\.')}/activities`));
    const body = sent[0].body as { attachments: { contentType: string; content: AdaptiveCardJson }[] };
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardTitle(body.attachments[0].content)).toBe('Proactive hello');
  });

  it('the Notifier says so when a conversation was never saved, and sends nothing', async () => {
    const before = h.connector.requests.length;
    expect(await h.bot.notifier.notify('19:never-seen@thread.v2', renderMessage({ title: 'x', text: 'y' }))).toEqual({ ok: false, reason: 'unknown-conversation' });
    expect(h.connector.requests.length).toBe(before);
  });
});

describe('health probes', () => {
  it('/healthz and /readyz answer 200', async () => {
    expect(await h.get('/healthz')).toEqual({ status: 200, body: JSON.stringify({ status: 'alive' }) });
    expect(await h.get('/readyz')).toEqual({ status: 200, body: JSON.stringify({ status: 'ready' }) });
  });
});

describe('handler errors', () => {
  const referenceIn = (text: string) => /Reference: ([0-9a-z]{12})/.exec(text)?.[1];
  const loggedErrors = (correlationId: string) => h.logs.records().filter((r) => r.correlationId === correlationId && r.level === 50);

  it('apologizes in a 1:1 chat with a correlation id that is also in the logs, and never shows the error', async () => {
    const failing = jest.spyOn(h.bot.stores.tenants, 'list').mockRejectedValueOnce(new Error(INTERNAL_ERROR));
    try {
      const reply = await h.say(VIEWER, 'tenants');
      expect(reply.status).toBe(200);
      expect(cardTitle(reply.card)).toBe('Something went wrong on our side');
      const reference = referenceIn(said(reply));
      expect(reference).toBeDefined();
      const [logged] = loggedErrors(reference!);
      expect(logged).toMatchObject({ event: 'handler.error', what: 'tenants', err: { message: INTERNAL_ERROR } });
      expect(JSON.stringify(reply.replies)).not.toContain('cosmos exploded');
    } finally {
      failing.mockRestore();
    }
  });

  it('says nothing in a channel, answers 200, and logs the error', async () => {
    const failing = jest.spyOn(h.bot.stores.tenants, 'list').mockRejectedValueOnce(new Error(INTERNAL_ERROR));
    try {
      const before = h.logs.lines.length;
      const reply = await h.say(VIEWER, 'tenants', { place: 'channel' });
      expect(reply.status).toBe(200);
      expect(reply.replies).toEqual([]);
      const logged = h.logs.records().slice(before).filter((r) => r.event === 'handler.error');
      expect(logged).toEqual([expect.objectContaining({ conversationType: 'channel', correlationId: expect.stringMatching(/^[0-9a-z]{12}$/) })]);
    } finally {
      failing.mockRestore();
    }
  });

  it('answers a failing button with a short message and a reference, not a 500', async () => {
    const failing = jest.spyOn(h.bot.stores.invitations, 'listRecent').mockRejectedValueOnce(new Error(INTERNAL_ERROR));
    try {
      const reply = await h.execute(VIEWER, VERBS.refreshInvitations, { filter: 'all' });
      expect(reply.status).toBe(200);
      const body = reply.body as { type: string; value: string };
      expect(body.type).toBe('application/vnd.microsoft.activity.message');
      const reference = referenceIn(body.value);
      expect(loggedErrors(reference!)).toEqual([expect.objectContaining({ event: 'handler.error', what: VERBS.refreshInvitations })]);
      expect(body.value).not.toContain('cosmos exploded');
    } finally {
      failing.mockRestore();
    }
  });

  it('an error saving the conversation still gets the apology in 1:1 and silence in a channel', async () => {
    const failing = jest.spyOn(h.bot.stores.conversations, 'save').mockRejectedValue(new Error(INTERNAL_ERROR));
    try {
      const personal = await h.say(teamsUser('c0a80101-7777-4aaa-8bbb-000000000007'), 'help');
      expect(personal.status).toBe(200);
      expect(cardTitle(personal.card)).toBe('Something went wrong on our side');
      const reference = referenceIn(said(personal));
      // Saving the conversation is part of the handler's work (it shares the turn's budget).
      expect(loggedErrors(reference!)).toEqual([expect.objectContaining({ event: 'handler.error' })]);

      const channel = await h.say(VIEWER, 'help', { place: 'channel' });
      expect(channel.status).toBe(200);
      expect(channel.replies).toEqual([]);
    } finally {
      failing.mockRestore();
    }
  });
});

describe('expiry (moves the clock)', () => {
  it('shows an invitation past its expiry as expired, and Resend brings it back with a new expiry', async () => {
    const created = await invite(OPERATOR, `invite ${FABRIKAM.domain} expiring@fabrikam.com`);
    expect(rowWith((await h.say(VIEWER, 'invitations')).card, created.id)).toContain('Sent');

    clock.advance(7 * DAY_MS + 60_000);
    expect(rowWith((await h.say(VIEWER, 'invitations pending')).card, created.id)).toBeUndefined();
    expect(rowWith((await h.say(VIEWER, 'invitations all')).card, created.id)).toContain('Expired');
    expect(said(await h.say(VIEWER, `status ${FABRIKAM.tenantId}`))).toContain(`${created.id} · expiring@fabrikam.com · global · **Expired**`);
    // Expiry is enforced in code: the stored status has not changed, what people see has.
    expect((await invitationsFor('expiring@fabrikam.com'))[0].status).toBe('created');

    const resent = await h.press(OPERATOR, created.exchange.card!, 'Resend');
    expect(cardTitle(resent.card)).toBe('Invitation resent');
    expect(cardFacts(resent.card)).toMatchObject({ Status: 'Sent', 'Expires at': '2025-03-15 09:01 UTC', 'Times sent': '2' });
  });

  it('a new invitation for an admin whose invitation expired is allowed', async () => {
    await invite(OPERATOR, `invite ${CONTOSO.domain} megan.bowen@contoso.onmicrosoft.com`);
  });
});

describe('readiness when the store stops answering', () => {
  it('/readyz answers 503 while the database cannot be read, and 200 again after', async () => {
    // The store's failure is simulated at the ping the probe makes; the probe's own code path is the real one.
    const down = jest.spyOn(persistence, 'ping').mockRejectedValue(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1'), { code: 'ECONNREFUSED' }));
    try {
      expect(await h.get('/readyz')).toEqual({ status: 503, body: JSON.stringify({ status: 'store unreachable' }) });
      expect((await h.get('/healthz')).status).toBe(200);
    } finally {
      down.mockRestore();
    }
    expect((await h.get('/readyz')).status).toBe(200);
  });
});

describe('across every exchange of this file', () => {
  it('never answered 500 and never sent an error text or stack trace', () => {
    expect(h.exchanges.length).toBeGreaterThan(100);
    expect(h.exchanges.filter((e) => e.status >= 500).map((e) => [e.status, e.activity.type, e.activity.text])).toEqual([]);
    const everythingSent = JSON.stringify([h.exchanges.map((e) => e.body), h.connector.requests.map((r) => r.body)]);
    expect(everythingSent).not.toMatch(/\\n\s+at |Error:|cosmos exploded|ECONNREFUSED/);
  });
});
