import { VERBS } from '../../cards/verbs';
import { AdaptiveCardJson, cardActions, cardText, Exchange, TEAM, TeamsUser, teamsUser } from '../support/botHarness';
import { adminOf, screenOf, simulatedDirectory, SignInWorld, STAFF, staffUpdates, startSignInWorld, storedInvitation, waitUntil } from './signInDriver';

/**
 * The same sign-in inside Teams: `invite … here` posts the customer card into a (shared) channel,
 * the invited admin — recognized by the email Teams knows for them (`TeamsInfo.getMember`, answered
 * by the recording connector) — starts it with Action.Execute and alone sees the code through a
 * user-specific refresh view; everyone else sees who the bot is waiting for.
 */

const dir = simulatedDirectory(['fourthcoffee']);
const CUSTOMER = dir.bySlug.fourthcoffee;
const CUSTOMER_ADMIN_USER = CUSTOMER.users.find((u) => u.role === 'global-admin')!;

/** The customer's admin, a guest in the provider's shared channel. */
const ADMIN: TeamsUser = teamsUser(CUSTOMER_ADMIN_USER.oid, 'Fourth Coffee admin', CUSTOMER.tenantId);
/** Someone else in the same channel. */
const BYSTANDER: TeamsUser = teamsUser('c0a80101-4444-4aaa-8bbb-000000000004', 'Bob Bystander', CUSTOMER.tenantId);
const teamsIdOf = (u: TeamsUser) => `29:1${u.aadObjectId}`;
/** Someone from another organization in the shared channel, whose profile mail copies the admin's. */
const IMPOSTOR: TeamsUser = teamsUser('c0a80101-4444-4aaa-8bbb-000000000009', 'Impostor', 'c0a80101-9999-4aaa-8bbb-000000000000');

let w: SignInWorld;

beforeAll(async () => {
  w = await startSignInWorld(dir.tenants);
  // Teams' roster: the admin's mailbox in the case the directory has it, and a UPN of its own.
  w.h.connector.members.set(teamsIdOf(ADMIN), {
    id: teamsIdOf(ADMIN),
    name: ADMIN.name,
    aadObjectId: ADMIN.aadObjectId,
    email: adminOf(CUSTOMER).replace(/^admin@fourthcoffee/, 'Admin@FourthCoffee'),
    userPrincipalName: 'fc-admin@fourthcoffee.onmicrosoft.com',
    tenantId: CUSTOMER.tenantId,
  });
  w.h.connector.members.set(teamsIdOf(IMPOSTOR), {
    id: teamsIdOf(IMPOSTOR),
    name: IMPOSTOR.name,
    aadObjectId: IMPOSTOR.aadObjectId,
    email: adminOf(CUSTOMER),
    userPrincipalName: 'impostor@elsewhere.onmicrosoft.com',
    tenantId: 'c0a80101-9999-4aaa-8bbb-000000000000',
  });
  w.h.connector.members.set(teamsIdOf(BYSTANDER), {
    id: teamsIdOf(BYSTANDER),
    name: BYSTANDER.name,
    aadObjectId: BYSTANDER.aadObjectId,
    email: 'bob@fourthcoffee.example',
    userPrincipalName: 'bob@fourthcoffee.onmicrosoft.com',
    tenantId: CUSTOMER.tenantId,
  });
});

afterAll(async () => {
  await w?.h.close();
});

/** An Action.Execute on the customer card, in the channel. */
function press(user: TeamsUser, verb: string, invitationId: string): Promise<Exchange> {
  return w.h.execute(user, verb, { verb, invitationId }, { place: 'channel' });
}

/** The message an invoke was answered with instead of a card. */
function messageOf(exchange: Exchange): string | undefined {
  const body = exchange.body as { type?: string; value?: unknown } | undefined;
  return body?.type === 'application/vnd.microsoft.activity.message' ? String(body.value) : undefined;
}

type Refresh = { action?: { type?: string; verb?: string; data?: Record<string, unknown> }; userIds?: string[] };
const refreshOf = (card: AdaptiveCardJson | undefined) => card?.refresh as Refresh | undefined;

describe('invite … here, then the sign-in in the channel', () => {
  let card: AdaptiveCardJson;
  let invitationId: string;
  let userCode: string;
  let thread: string;

  it('posts the customer card into the channel, without the link', async () => {
    // The inviter has a 1:1 chat with the bot: that is where staff notices go for an invitation made "here".
    await w.h.say(STAFF, 'help');
    const posted = await w.h.say(STAFF, `invite ${CUSTOMER.domain} ${adminOf(CUSTOMER)} global here`, { place: 'channel' });
    thread = posted.activity.conversation.id;

    expect(posted.status).toBe(200);
    card = posted.card!;
    expect(screenOf(200, { card }).title).toBe(`Woodgrove Managed Services asks for access to ${CUSTOMER.domain}`);
    const start = cardActions(card).find((a) => a.title === 'Start authentication');
    expect(start).toMatchObject({ type: 'Action.Execute', verb: VERBS.startSignIn });
    invitationId = String(start!.data!.invitationId);
    expect(invitationId).toMatch(/^inv-/);
    expect(cardText(card)).not.toMatch(/\/invite\//);
    expect(cardText(card)).not.toMatch(/[A-Za-z0-9_-]{43}/);
    expect(refreshOf(card)).toBeUndefined();
    expect((await storedInvitation(w.h, invitationId)).status).toBe('created');
  });

  it('refuses Start from anyone but the invited admin, and starts nothing', async () => {
    const refused = await press(BYSTANDER, VERBS.startSignIn, invitationId);

    expect(refused.status).toBe(200);
    expect(messageOf(refused)).toBe(`Only ${adminOf(CUSTOMER)} can start this sign-in.`);
    expect((await storedInvitation(w.h, invitationId)).status).toBe('created');
    expect(w.sim.control.tokenRequestLog().filter((e) => e.tenant === CUSTOMER.tenantId)).toEqual([]);
    // Recognized the way Teams does it: the bot asked the connector for the member in this team.
    expect(w.h.connector.requests.some((r) => r.method === 'GET' && r.path === `/v3/conversations/${encodeURIComponent(TEAM.teamId)}/members/${encodeURIComponent(teamsIdOf(BYSTANDER))}`)).toBe(true);
  });

  it('refuses someone of another organization whose profile mail copies the admin address', async () => {
    const refused = await press(IMPOSTOR, VERBS.startSignIn, invitationId);
    expect(messageOf(refused)).toBe(`Only ${adminOf(CUSTOMER)} can start this sign-in.`);
    expect((await storedInvitation(w.h, invitationId)).status).toBe('created');
  });

  it('lets nobody but the invited admin confirm an approval from the channel', async () => {
    const refused = await press(BYSTANDER, VERBS.portalApproved, invitationId);
    expect(messageOf(refused)).toMatch(/^Only .* can confirm the approval here/);
  });

  it('starts for the invited admin, whose card refreshes only for them', async () => {
    const started = await w.h.press(ADMIN, card, 'Start authentication', { place: 'channel' });

    expect(started.status).toBe(200);
    const refresh = refreshOf(started.card);
    expect(refresh?.userIds).toEqual([teamsIdOf(ADMIN)]);
    expect(refresh?.action).toMatchObject({ type: 'Action.Execute', verb: VERBS.refreshFlow, data: { invitationId } });
    expect((await storedInvitation(w.h, invitationId)).status).toBe('signing_in');
  });

  it('shows the code to the admin on refresh, and to anyone else only who is signing in', async () => {
    const mine = await waitUntil(async () => {
      const s = screenOf(200, { card: (await press(ADMIN, VERBS.refreshFlow, invitationId)).card });
      return s.userCode ? s : undefined;
    }, "the admin's device code card");
    userCode = mine.userCode!;
    expect(mine.title).toBe(`Sign in to ${CUSTOMER.domain}`);
    expect(refreshOf(mine.card)?.userIds).toEqual([teamsIdOf(ADMIN)]);

    const theirs = screenOf(200, { card: (await press(BYSTANDER, VERBS.refreshFlow, invitationId)).card });
    expect(theirs.title).toBe(`Waiting for ${adminOf(CUSTOMER)}`);
    expect(theirs.userCode).toBeUndefined();
    expect(theirs.text).not.toContain(userCode);
    expect(refreshOf(theirs.card)).toBeUndefined();
  });

  it("activates the tenant when the admin has signed in, and tells the inviter in their own chat, not the customer's channel", async () => {
    w.sim.control.completeDeviceCode({ userCode, upn: adminOf(CUSTOMER) });

    const done = await waitUntil(async () => {
      const s = screenOf(200, { card: (await press(ADMIN, VERBS.refreshFlow, invitationId)).card });
      return s.title === 'Tenant activated' ? s : undefined;
    }, 'the activated card');
    // The one button left leads to where the admin reviews or revokes the access.
    expect(done.buttons).toEqual(['Open Enterprise applications in the Microsoft Entra admin center']);
    const seenByOthers = screenOf(200, { card: (await press(BYSTANDER, VERBS.refreshFlow, invitationId)).card });
    expect(seenByOthers.title).toBe('Tenant activated');

    const updates = await waitUntil(() => {
      const u = staffUpdates(w.h, invitationId);
      return u.some((x) => x.title === 'tenant activated') ? u : undefined;
    }, 'the activation staff update');
    expect(thread).toMatch(new RegExp(`^${TEAM.channelId};messageid=`));
    expect(updates.map((u) => u.conversationId)).toEqual(updates.map(() => `a:1personal-${STAFF.aadObjectId}`));
    expect(updates.map((u) => u.title)).toEqual(['sign-in started', 'token acquired', 'tenant activated']);
  });
});
