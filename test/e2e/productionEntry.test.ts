import { productionBotEnv, startProductionPeers, type ProductionPeers } from '../support/productionPeers';
import { randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { CustomerPage, linkOn, onBot, openUrlOf, Screen, waitUntil } from '../support/customerPage';
import type { LocalBotFrameworkIssuer } from '../support/jwt/localBotFrameworkIssuer';
import type { RecordingConnectorService } from '../support/jwt/recordingConnectorService';
import type { SimulatorProcess, startCosmosProcess } from '../support/localPeerProcesses';
import { ProductionBot, requireProductionBuild, startProductionBot } from '../support/productionBot';
import {
  AdaptiveCardJson,
  cardActions,
  cardFacts,
  cardOfRequest,
  cardText,
  cardTitle,
  conversationOfRequest,
  personalConversationId,
  TeamsChannel,
  teamsChannel,
  TeamsUser,
} from '../support/teamsChannel';

/**
 * The production build the way it runs: `node dist/bot/index.js` in its own process, configured by
 * environment variables alone (no test-only composition options), with every peer outside it:
 *
 *   - Microsoft Entra ID and Microsoft Graph: the identity simulator, its own process (HTTPS, its own CA);
 *   - Azure Cosmos DB: the Cosmos-protocol server, its own process;
 *   - login.botframework.com (channel token keys): a local OpenID/JWKS issuer over HTTPS, in jest;
 *   - the Bot Connector (the activities' serviceUrl): a recording connector, in jest.
 *
 * The bot trusts the two local CAs through NODE_EXTRA_CA_CERTS only, as it would trust a corporate CA.
 */

const BOT_ID = randomUUID();
const BOT_SECRET = randomBytes(24).toString('base64url');
const ENTRA_CLIENT_ID = randomUUID();
const PROVIDER_TENANT_ID = randomUUID();
const PUBLIC_BASE_URL = 'https://tenant-access.example.test';
/** Bot Framework's tenant id: the simulator issues the bot's connector token there (directory.ts BOT_FRAMEWORK_TENANT). */
const BOT_FRAMEWORK_TENANT_ID = 'd6d49420-f39b-4df7-a1dc-d59a935871db';

const STAFF: TeamsUser = { aadObjectId: randomUUID(), tenantId: PROVIDER_TENANT_ID, name: 'Provider Admin' };

/** The simulator's default directory (src/local/identitySimulator/directory.ts). */
const CONTOSO = { tenantId: '6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60', domain: 'contoso.onmicrosoft.com', displayName: 'Contoso', admin: 'megan.bowen@contoso.onmicrosoft.com' };
const FABRIKAM = {
  tenantId: '2a9d8c7b-6e5f-4a3b-8c1d-0e9f8a7b6c50',
  domain: 'fabrikam.onmicrosoft.com',
  displayName: 'Fabrikam',
  admin: 'alex.wilber@fabrikam.onmicrosoft.com',
  serviceAccount: 'svc-tenantaccess@fabrikam.onmicrosoft.com',
};
const NORTHWIND = { tenantId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c60', admin: 'diego.siciliani@northwind.onmicrosoft.com' };

const DEFAULT_SCOPES = ['https://graph.microsoft.com/Organization.Read.All', 'https://graph.microsoft.com/User.Read'];
const DAY_MS = 24 * 60 * 60 * 1000;

let peers: ProductionPeers | undefined;
let sim: SimulatorProcess;
let cosmos: Awaited<ReturnType<typeof startCosmosProcess>>;
let issuer: LocalBotFrameworkIssuer;
let connector: RecordingConnectorService;
let bot: ProductionBot;
let teams: TeamsChannel;

beforeAll(async () => {
  // First, and on its own: without the build every test fails with this one message.
  requireProductionBuild();
  peers = await startProductionPeers('production-e2e', { confidentialClients: [{ clientId: BOT_ID, secret: BOT_SECRET }], clientIds: [ENTRA_CLIENT_ID], pollIntervalSeconds: 0.05 });
  ({ sim, cosmos, issuer, connector } = peers);

  bot = await startProductionBot({
    env: {
      ...productionBotEnv(peers, { botId: BOT_ID, botSecret: BOT_SECRET, entraClientId: ENTRA_CLIENT_ID, providerTenantId: PROVIDER_TENANT_ID, adminObjectId: STAFF.aadObjectId, publicBaseUrl: PUBLIC_BASE_URL, tokenEncryptionKey: `k1:${randomBytes(32).toString('base64')}` }),
      ENTRA_TIMEOUT_MS: '5000',
      GRAPH_TIMEOUT_MS: '5000',
    },
  });
  teams = teamsChannel({ botUrl: bot.url, botId: BOT_ID, issuer, connector });
}, 60_000);

afterAll(async () => {
  // The bot first (it talks to the others while it stops), then its peers; each SIGTERM, then SIGKILL.
  await bot?.stop();
  await peers?.stop();
}, 30_000);

/** Adds the bot's output to a failing expectation, so a failure in another process can be read. */
async function withBotOutput<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error) error.message += `\n\n${bot?.describe() ?? '(the bot did not start)'}`;
    throw error;
  }
}

const page = (link: { token: string }, kind: 'invite' | 'review' = 'invite') => new CustomerPage(bot.url, kind, link.token);

interface Invited {
  readonly id: string;
  readonly page: CustomerPage;
  readonly card: AdaptiveCardJson;
}

async function invite(text: string): Promise<Invited> {
  const exchange = await teams.say(STAFF, text);
  expect(exchange.status).toBe(200);
  if (cardTitle(exchange.card) !== 'Invitation created') throw new Error(`"${text}" did not create an invitation (HTTP ${exchange.status}):\n${cardText(exchange.card)}`);
  const link = linkOn(exchange.card, PUBLIC_BASE_URL);
  if (!link) throw new Error(`no invitation link on the card:\n${cardText(exchange.card)}`);
  return { id: cardFacts(exchange.card).Invitation, page: page(link), card: exchange.card! };
}

async function staffSays(text: string): Promise<AdaptiveCardJson | undefined> {
  const exchange = await teams.say(STAFF, text);
  expect(exchange.status).toBe(200);
  return exchange.card;
}

/** The proactive staff updates about one invitation the connector received, oldest first. */
function staffUpdates(invitationId: string) {
  return connector.requests.flatMap((request) => {
    const card = cardOfRequest(request);
    const conversationId = conversationOfRequest(request);
    if (request.method !== 'POST' || !card || !conversationId) return [];
    const facts = cardFacts(card);
    if (facts.Invitation !== invitationId || facts.When === undefined) return [];
    const headline = cardTitle(card) ?? '';
    return [{ title: headline.slice(headline.indexOf(': ') + 2), facts, text: cardText(card), conversationId, authorization: request.authorization }];
  });
}

/** The customer admin signs in on the simulator's device-login page (its control API) with `upn`. */
async function signInAtMicrosoft(userCode: string, upn: string, expectedOutcome = 'success'): Promise<void> {
  expect(await sim.completeDeviceCode(userCode, upn, 'success')).toEqual({ ok: true, outcome: expectedOutcome });
}

describe('the production entry point, configured by its environment', () => {
  it('starts with inbound auth on, Entra at the configured authority, no simulator, and refuses a request without a token', () =>
    withBotOutput(async () => {
      const records = bot.records();
      expect(records.find((r) => r.event === 'inbound.auth.on')).toMatchObject({
        botId: BOT_ID,
        botType: 'MultiTenant',
        openIdMetadataUrl: issuer.openIdMetadataUrl,
        loginUrl: `${sim.url}/botframework.com`,
      });
      expect(issuer.openIdMetadataUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
      expect(records.find((r) => r.event === 'identity.entra')).toMatchObject({ authorityHost: sim.url, clientId: ENTRA_CLIENT_ID, graphBaseUrl: sim.url, cloud: 'other' });
      expect(records.find((r) => r.event === 'store.ready')).toMatchObject({ endpoint: cosmos.endpoint });
      // PORT=0: the bot took a free port and names it (startProductionBot reads bot.url from this record).
      expect(records.find((r) => r.event === 'server.listening')).toMatchObject({ url: bot.url, localMode: false });
      expect(bot.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      const events = records.map((r) => r.event);
      for (const local of ['identity.simulator', 'inbound.auth.off', 'store.embedded', 'crypto.ephemeral-key', 'local.playground']) expect(events).not.toContain(local);
      const everything = `${bot.stdoutLines().join('\n')}\n${bot.stderr()}`;
      expect(everything).not.toMatch(/local (identity )?simulator/i);
      expect(everything).not.toMatch(/local mode/i);

      const activity = {
        type: 'message',
        id: 'no-token-1',
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        text: 'help',
        from: { id: `29:1${STAFF.aadObjectId}`, aadObjectId: STAFF.aadObjectId },
        recipient: { id: `28:${BOT_ID}` },
        conversation: { id: personalConversationId(STAFF), conversationType: 'personal', tenantId: PROVIDER_TENANT_ID },
        channelData: { tenant: { id: PROVIDER_TENANT_ID } },
      };
      const before = connector.requests.length;
      const refused = await teams.postRaw(activity, undefined);
      expect(refused.status).toBe(401);
      expect(refused.body).toBe('{"error":"unauthorized"}');
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(connector.requests.length).toBe(before);
      // The log says why, without the body.
      await waitUntil(() => bot.records().some((r) => r.reason === 'missing-authorization'), 'the refusal in the log', 2_000);

      // An expired token makes botframework-connector print a stack trace with console.error: it
      // arrives as one JSON log line, not as raw text on stderr (checked after the journeys).
      const expired = issuer.mintToken({ audience: BOT_ID, serviceUrl: connector.serviceUrl, notBeforeOffsetSeconds: -7200, expiresInSeconds: -3600 });
      const refusedExpired = await teams.postRaw({ ...activity, id: 'expired-token-1' }, `Bearer ${expired}`);
      expect(refusedExpired.status).toBe(401);
      await waitUntil(() => bot.records().some((r) => r.event === 'library.console'), 'the library console line in the JSON log', 2_000);
    }));
});

describe('a staff member invites from Teams, the customer admin signs in at Entra', () => {
  let contoso: Invited;
  let replyAuthorization: string | undefined;

  it("invite: the reply reaches the connector signed with the bot's own Entra token, with the invitation link", () =>
    withBotOutput(async () => {
      const exchange = await teams.say(STAFF, `invite ${CONTOSO.domain} ${CONTOSO.admin}`);

      expect(exchange.status).toBe(200);
      expect(exchange.replies).toHaveLength(1);
      const [reply] = exchange.replies;
      expect(reply.method).toBe('POST');
      expect(reply.path).toBe(`/v3/conversations/${encodeURIComponent(personalConversationId(STAFF))}/activities/${exchange.activity.id}`);
      replyAuthorization = reply.authorization;
      expect(replyAuthorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      const token = replyAuthorization!.slice('Bearer '.length);
      const header = jwt.decode(token, { complete: true })?.header;
      expect(header).toMatchObject({ alg: 'RS256' });
      const key = await sim.signingKey('botframework.com', String(header!.kid));
      const claims = jwt.verify(token, key, {
        algorithms: ['RS256'],
        audience: 'https://api.botframework.com',
        issuer: `${sim.url}/${BOT_FRAMEWORK_TENANT_ID}/v2.0`,
      }) as jwt.JwtPayload;
      expect(claims).toMatchObject({ appid: BOT_ID, tid: BOT_FRAMEWORK_TENANT_ID, idtyp: 'app' });

      expect(cardTitle(exchange.card)).toBe('Invitation created');
      expect(cardFacts(exchange.card)).toMatchObject({ Tenant: `${CONTOSO.domain} (${CONTOSO.tenantId})`, 'Admin email': CONTOSO.admin, Variant: 'Global admin' });
      const link = linkOn(exchange.card, PUBLIC_BASE_URL);
      expect(link?.url).toMatch(new RegExp(`^${PUBLIC_BASE_URL.replace(/\./g, '\\.')}/invite/[A-Za-z0-9_-]{43}$`));
      contoso = { id: cardFacts(exchange.card).Invitation, page: page(link!), card: exchange.card! };
      expect(contoso.id).toMatch(/^inv-/);
    }));

  it('the Global admin follows the link, signs in with the device code, and the tenant is activated', () =>
    withBotOutput(async () => {
      const shell = await contoso.page.open();
      expect(shell.status).toBe(200);
      const first = await contoso.page.state();
      expect(first.status).toBe(200);
      expect(first.title).toMatch(/asks for access to contoso\.onmicrosoft\.com$/);
      expect(first.buttons).toEqual(['Start authentication']);

      const startedAt = Date.now();
      const { userCode, screen } = await contoso.page.startAndGetCode();
      expect(userCode).toMatch(/^[A-HJ-NP-Z2-9]{9}$/);
      expect(screen.title).toBe(`Sign in to ${CONTOSO.domain}`);
      expect(openUrlOf(screen.card, 'Open the Microsoft sign-in page')).toBe(`${sim.url}/devicelogin`);
      // MSAL in the bot polls the simulator's token endpoint, at the tenant, as the configured client.
      const polls = await waitUntil(async () => {
        const seen = await sim.polls(userCode);
        return seen.length >= 1 ? seen : undefined;
      }, 'MSAL to poll the token endpoint');
      expect(polls[0]).toMatchObject({ answer: 'authorization_pending', clientId: ENTRA_CLIENT_ID });

      await signInAtMicrosoft(userCode, CONTOSO.admin);
      const done = await contoso.page.waitFor('Tenant activated');

      expect(done.text).toContain(`now has delegated access to ${CONTOSO.domain}`);
      // The one button left leads to where the admin reviews or revokes the access.
      expect(done.buttons).toEqual(['Open Enterprise applications in the Microsoft Entra admin center']);
      expect((await sim.polls(userCode)).at(-1)?.answer).toBe('tokens');
      expect((await contoso.page.open()).status).toBe(404);

      const status = await staffSays(`status ${CONTOSO.domain}`);
      // Graph's organization answer named the tenant after sign-in (it was known only by its domain).
      expect(cardTitle(status)).toBe(CONTOSO.displayName);
      const facts = cardFacts(status);
      expect(facts).toMatchObject({ 'Auth mode': 'Auth token', 'Authentication status': 'Successful', 'Token account': CONTOSO.admin });
      expect(facts['Token created']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      const created = Date.parse(facts['Token created'].replace(' UTC', 'Z').replace(' ', 'T'));
      expect(created).toBeGreaterThanOrEqual(Math.floor(startedAt / 60_000) * 60_000);
      expect(Date.parse(facts['Token expires'].replace(' UTC', 'Z').replace(' ', 'T')) - created).toBe(90 * DAY_MS);
      expect(facts.Scopes.split(', ')).toEqual(expect.arrayContaining(DEFAULT_SCOPES));
      expect(cardText(status)).toContain(`${contoso.id} · ${CONTOSO.admin} · global · **Activated**`);

      // The staff member was told, proactively, in the chat they invited from, signed like every reply.
      const updates = await waitUntil(() => {
        const u = staffUpdates(contoso.id);
        return u.some((x) => x.title === 'tenant activated') ? u : undefined;
      }, 'the "tenant activated" staff update');
      expect(updates.map((u) => u.title)).toEqual(['invitation opened', 'sign-in started', 'token acquired', 'tenant activated']);
      const activated = updates.at(-1)!;
      expect(activated.conversationId).toBe(personalConversationId(STAFF));
      expect(activated.facts).toMatchObject({ Status: 'Activated', Admin: CONTOSO.admin });
      expect(activated.authorization).toMatch(/^Bearer /);
      expect(updates.some((u) => u.text.includes(userCode))).toBe(false);
    }), 20_000);
});

describe('validate: the saved sign-in from the journey above, then revoked at Entra', () => {
  /** Refresh-token grants the simulator answered, by answer (`tokens`, `invalid_grant`, …). */
  async function refreshGrants(): Promise<Record<string, number>> {
    const answer = await sim.call('GET', '/_sim/stats');
    return answer.json<{ stats: { token: Record<string, Record<string, number>> } }>().stats.token.refresh_token ?? {};
  }
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

  it('validate says Successful, check by check, after redeeming the refresh token at Entra', () =>
    withBotOutput(async () => {
      const before = await refreshGrants();
      const card = await staffSays(`validate ${CONTOSO.domain}`);
      expect(cardTitle(card)).toBe('Last Authentication Status: Successful');
      const text = cardText(card).replace(/\*\*/g, '');
      for (const check of ['Token', 'Tenant', 'Account', 'Permissions']) expect(text).toMatch(new RegExp(`^${check}: Passed · \\d+(\\.\\d)? m?s$`, 'm'));
      expect(cardFacts(card)).toMatchObject({ Account: CONTOSO.admin });
      const after = await refreshGrants();
      expect((after.tokens ?? 0) - (before.tokens ?? 0)).toBe(1);
      expect(cardFacts(await staffSays(`status ${CONTOSO.domain}`))['Authentication status']).toBe('Successful');
    }));

  it('after the refresh tokens are revoked at the simulator, validate says Failed and explains it', () =>
    withBotOutput(async () => {
      const revoked = await sim.call('POST', '/_sim/refresh-tokens/revoke', { json: { upn: CONTOSO.admin } });
      expect(revoked.status).toBe(200);
      expect(revoked.json<{ ok: boolean; count: number }>()).toMatchObject({ ok: true });
      const before = await refreshGrants();

      const card = await staffSays(`validate ${CONTOSO.domain}`);
      expect(cardTitle(card)).toBe('Last Authentication Status: Failed');
      const text = cardText(card);
      expect(text).toContain('The saved sign-in was revoked.');
      expect(text).toContain("the account's password was changed or reset, or an admin revoked its sessions");
      expect(text).toContain('AADSTS50173');
      expect(text).toMatch(/Next step:\*?\*? Re-invite the customer admin/);
      expect(cardActions(card).map((a) => a.title)).toEqual(['Re-invite', 'Validate again', 'Tenant status']);
      expect(total(await refreshGrants()) - total(before)).toBe(1);
      const status = await staffSays(`status ${CONTOSO.domain}`);
      expect(cardFacts(status)['Authentication status']).toBe('Failed');
      expect(cardText(status).replace(/\*\*/g, '')).toMatch(/UTC · Failed · token: The saved sign-in was revoked \(AADSTS50173\)/);
    }));
});

describe('an account of another organization', () => {
  it('is refused as the wrong tenant, and nothing is activated', () =>
    withBotOutput(async () => {
      const inv = await invite(`invite ${FABRIKAM.domain} ${FABRIKAM.admin}`);
      const { userCode } = await inv.page.startAndGetCode();

      await signInAtMicrosoft(userCode, NORTHWIND.admin);
      const screen = await inv.page.waitFor('Signed in to the wrong tenant');

      // Microsoft did hand out tokens: the bot threw them away.
      expect((await sim.polls(userCode)).at(-1)?.answer).toBe('tokens');
      expect(screen.text).toContain(NORTHWIND.admin);
      expect(screen.text).toContain(`an administrator account of ${FABRIKAM.domain}`);
      expect(screen.buttons).toEqual(['Start again']);

      const status = await staffSays(`status ${FABRIKAM.domain}`);
      expect(cardFacts(status)).toMatchObject({ 'Auth mode': 'Auth token', 'Authentication status': 'Not authenticated yet', 'Token account': '—', 'Token created': '—' });
      expect(cardText(status)).toContain(`${inv.id} · ${FABRIKAM.admin} · global · **Failed: Signed in to the wrong tenant**`);
      const failed = await waitUntil(() => staffUpdates(inv.id).find((u) => u.title === 'sign-in failed'), 'the "sign-in failed" staff update');
      expect(failed.facts.Status).toBe('Failed: Signed in to the wrong tenant');
      expect(staffUpdates(inv.id).map((u) => u.title)).not.toContain('tenant activated');
      // Northwind, whose account it was, did not become a customer either.
      expect(cardText(await staffSays('tenants'))).not.toContain(NORTHWIND.tenantId);
    }), 20_000);
});

describe('the delegated variant: a service account, an admin consent, and a second sign-in', () => {
  it('stops for approval, the reviewer consents at Entra, the callback records it, and the second sign-in activates', () =>
    withBotOutput(async () => {
      const inv = await invite(`invite ${FABRIKAM.domain} ${FABRIKAM.serviceAccount} delegated`);
      expect(cardFacts(inv.card).Variant).toMatch(/^Delegated/);

      const { userCode } = await inv.page.startAndGetCode();
      await signInAtMicrosoft(userCode, FABRIKAM.serviceAccount, 'admin-approval-required');
      const pending: Screen = await inv.page.waitFor('Approval required');
      const reviewLink = linkOn(pending.card, PUBLIC_BASE_URL, 'review');
      expect(reviewLink).toBeDefined();
      expect(openUrlOf(pending.card, 'Open the reviewer page')).toBe(reviewLink!.url);
      const asked = await waitUntil(() => staffUpdates(inv.id).find((u) => u.title === 'admin approval requested'), 'the approval staff update');
      expect(asked.text).toContain(reviewLink!.url);

      const reviewer = page(reviewLink!, 'review');
      expect((await reviewer.open()).status).toBe(200);
      const review = await reviewer.state();
      expect(review.title).toBe(`Admin consent requested for ${FABRIKAM.domain}`);
      expect(cardFacts(review.card)).toMatchObject({ 'Application (client) ID': ENTRA_CLIENT_ID, Status: 'Waiting for your review' });
      const consentUrl = new URL(openUrlOf(review.card, 'Review permissions and consent'));
      expect(`${consentUrl.origin}${consentUrl.pathname}`).toBe(`${sim.url}/${FABRIKAM.tenantId}/v2.0/adminconsent`);
      expect(consentUrl.searchParams.get('client_id')).toBe(ENTRA_CLIENT_ID);
      expect(consentUrl.searchParams.get('redirect_uri')).toBe(`${PUBLIC_BASE_URL}/consent/callback`);

      const redirect = await sim.decideAdminConsent(consentUrl.toString(), 'accept');
      expect(`${redirect.origin}${redirect.pathname}`).toBe(`${PUBLIC_BASE_URL}/consent/callback`);
      expect(redirect.searchParams.get('admin_consent')).toBe('True');
      expect(redirect.searchParams.get('tenant')).toBe(FABRIKAM.tenantId);
      const callback = await fetch(onBot(bot.url, PUBLIC_BASE_URL, redirect.toString()));
      const callbackPage = await callback.text();
      expect(callback.status).toBe(200);
      expect(callbackPage).toContain('Consent recorded');

      const granted = await inv.page.state();
      expect(granted.buttons).toEqual(['Sign in again']);
      expect(granted.text).toContain('Admin consent was granted');
      const again = await inv.page.startAndGetCode({ button: 'Sign in again', on: granted });
      expect(again.userCode).not.toBe(userCode);
      await signInAtMicrosoft(again.userCode, FABRIKAM.serviceAccount);
      const done = await inv.page.waitFor('Tenant activated');
      expect(done.text).toContain(`now has delegated access to ${FABRIKAM.domain}`);

      const status = await staffSays(`status ${FABRIKAM.domain}`);
      expect(cardTitle(status)).toBe(FABRIKAM.displayName);
      expect(cardFacts(status)).toMatchObject({ 'Auth mode': 'Auth token', 'Authentication status': 'Successful', 'Token account': FABRIKAM.serviceAccount });
      expect(cardText(status)).toContain(`${inv.id} · ${FABRIKAM.serviceAccount} · delegated · **Activated**`);
      await waitUntil(() => staffUpdates(inv.id).some((u) => u.title === 'tenant activated'), 'the "tenant activated" staff update');
    }), 20_000);
});

describe('after the journeys', () => {
  it('logged no errors, wrote nothing to stderr, printed no deprecation warning, and stops on SIGTERM with exit code 0', () =>
    withBotOutput(async () => {
      expect(bot.records().filter((r) => Number(r.level) >= 50)).toEqual([]);
      expect(bot.stderr()).toBe('');
      // Node prints warnings with console.error, which the entry point turns into log lines: look there too.
      // restify's spdy dependency used to print DEP0111 twice (bot/spdyBindingWarning.ts).
      expect(bot.stdoutLines().filter((line) => /DeprecationWarning|--trace-deprecation/.test(line))).toEqual([]);

      await bot.stop();

      expect(await bot.exited).toEqual({ code: 0, signal: null });
      expect(bot.records().at(-1)).toMatchObject({ event: 'shutdown', signal: 'SIGTERM' });
    }));
});
