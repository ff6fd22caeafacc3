import { randomUUID } from 'node:crypto';
import { unauthorizedBody } from '../../bot/web/inboundAuth';
import { createIdentitySimulator, IdentitySimulator } from '../../src/local/identitySimulator';
import { BotHarness, cardFacts, cardTitle, teamsUser } from '../support/botHarness';
import { CONFIGURED_ADMIN, CONFIGURED_BOT_ID, CONFIGURED_PROVIDER_TENANT, startConfiguredHarness } from '../support/configuredHarness';
import { generateSigningKey, startLocalBotFrameworkIssuer, type ChannelTokenClaims, type LocalBotFrameworkIssuer } from '../support/jwt/localBotFrameworkIssuer';
import { OfflineCredentialsFactory } from '../support/jwt/offlineCredentialsFactory';

/**
 * The real server with BOT_ID set: every request to /api/messages needs a Bot Framework channel
 * token (signed by the local OpenID/JWKS issuer); anything else gets 401 with a constant body and
 * reaches no handler. Entra is the identity simulator, trusted through its CA.
 */

const BOT_ID = CONFIGURED_BOT_ID;
const OTHER_APP_ID = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const PROVIDER_TENANT = CONFIGURED_PROVIDER_TENANT;
const ADMIN = CONFIGURED_ADMIN;
const CONTOSO_DOMAIN = 'contoso.onmicrosoft.com';

let issuer: LocalBotFrameworkIssuer;
let simulator: IdentitySimulator;
let credentials: OfflineCredentialsFactory;
let h: BotHarness;

const claimsFor = (serviceUrl: string, extra: Partial<ChannelTokenClaims> = {}): ChannelTokenClaims => ({ audience: BOT_ID, serviceUrl, ...extra });

beforeAll(async () => {
  [issuer, simulator] = await Promise.all([startLocalBotFrameworkIssuer(), createIdentitySimulator()]);
  credentials = new OfflineCredentialsFactory(BOT_ID);
  h = await startConfiguredHarness({ botId: BOT_ID, providerTenantId: PROVIDER_TENANT, adminObjectId: ADMIN.aadObjectId, issuer, simulator, credentials, claimsFor });
  expect(h.config).toMatchObject({ localMode: false, bot: { id: BOT_ID }, entra: { authorityHost: simulator.url } });
});

afterAll(async () => {
  await h?.close();
  await Promise.all([issuer?.close(), simulator?.close()]);
});

describe('with a valid Bot Framework token', () => {
  it('runs a command end to end and replies with the bot\'s own outbound token', async () => {
    const reply = await h.say(ADMIN, `invite ${CONTOSO_DOMAIN} megan.bowen@contoso.onmicrosoft.com`);
    expect(reply.status).toBe(200);
    expect(cardTitle(reply.card)).toBe('Invitation created');
    // The real tenant directory resolved the domain at the simulator (its CA trusted).
    expect(cardFacts(reply.card).Tenant).toBe(`${CONTOSO_DOMAIN} (6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60)`);
    const sent = h.connector.requests.find((r) => (r.body as { replyToId?: string }).replyToId === reply.activity.id);
    expect(sent?.authorization).toBe(`Bearer ${credentials.outboundToken}`);
    expect(credentials.requests.some((r) => r.appId === BOT_ID)).toBe(true);
  });

  it('answers a card button (Action.Execute invoke)', async () => {
    const created = await h.say(ADMIN, `invite ${CONTOSO_DOMAIN} button@contoso.com`);
    const asked = await h.press(ADMIN, created.card!, 'Revoke');
    expect(cardTitle(asked.card)).toBe('Revoke this invitation?');
    const pressed = await h.press(ADMIN, asked.card!, 'Yes, revoke');
    expect(pressed.status).toBe(200);
    expect(cardTitle(pressed.card)).toBe('Invitation revoked');
  });

  it('still applies staff roles: a valid channel token says nothing about the user', async () => {
    const stranger = teamsUser('0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d', 'Stranger', PROVIDER_TENANT);
    expect(cardTitle((await h.say(stranger, 'tenants')).card)).toBe('You have no Tenant Access role yet');
  });
});

describe('without a valid token', () => {
  const otherKey = generateSigningKey();
  // botframework-connector prints each verification failure with console.error: keep the output clean.
  let consoleErrors: string[] = [];
  beforeEach(() => {
    consoleErrors = [];
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void consoleErrors.push(args.map(String).join(' ')));
  });
  afterEach(() => jest.restoreAllMocks());

  type Case = [string, (serviceUrl: string) => string | null];
  const cases: Case[] = [
    ['no Authorization header', () => null],
    ['an empty bearer', () => 'Bearer '],
    ['a garbage bearer', () => 'Bearer not.a.jwt'],
    ['another scheme', () => `Basic ${Buffer.from('user:password').toString('base64')}`],
    ['a forged signature with the published key id', (s) => `Bearer ${issuer.mintToken(claimsFor(s), { key: otherKey, keyId: issuer.publishedKey.keyId })}`],
    ['a signature by an unknown key', (s) => `Bearer ${issuer.mintToken(claimsFor(s), { key: otherKey })}`],
    ['an unsigned token (alg none)', (s) => `Bearer ${issuer.mintUnsignedToken(claimsFor(s))}`],
    ['an expired token', (s) => `Bearer ${issuer.mintToken(claimsFor(s, { expiresInSeconds: -3600, notBeforeOffsetSeconds: -7200 }))}`],
    ['a token not valid yet', (s) => `Bearer ${issuer.mintToken(claimsFor(s, { notBeforeOffsetSeconds: 3600, expiresInSeconds: 7200 }))}`],
    ['a token for another bot', (s) => `Bearer ${issuer.mintToken(claimsFor(s, { audience: OTHER_APP_ID }))}`],
    ['a token from another issuer', (s) => `Bearer ${issuer.mintToken(claimsFor(s, { issuer: `https://sts.windows.net/${PROVIDER_TENANT}/` }))}`],
    ['a token bound to another serviceUrl', () => `Bearer ${issuer.mintToken(claimsFor('https://smba.trafficmanager.net/emea/'))}`],
  ];

  it.each(cases)('%s gets 401 with the constant body, and no handler runs', async (_case, authorization) => {
    // A first message from someone new: any handler would save the conversation, audit a refusal and reply.
    const newcomer = teamsUser(randomUUID(), 'Newcomer', PROVIDER_TENANT);
    const before = { requests: h.connector.requests.length, refusals: refusals() };
    const header = authorization(h.connector.serviceUrl);
    const reply = await h.say(newcomer, `invite ${CONTOSO_DOMAIN} newcomer@contoso.com`, { authorization: header });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(JSON.parse(unauthorizedBody));
    expect(h.connector.requests.length).toBe(before.requests);
    expect(refusals()).toBe(before.refusals + 1);
    const docs = await h.documents(['invitations', 'conversations', 'audit']);
    expect(docs.conversations.filter((d) => d.conversationId === reply.activity.conversation.id)).toEqual([]);
    expect(JSON.stringify(docs.audit)).not.toContain(newcomer.aadObjectId);
    expect(docs.invitations.filter((d) => d.email === 'newcomer@contoso.com')).toEqual([]);
    const token = header?.split(' ')[1];
    if (token) expect(h.logs.lines.concat(consoleErrors).some((line) => line.includes(token))).toBe(false);
  });

  it('the same first message with a valid token is handled (the probe above can see a handler run)', async () => {
    const newcomer = teamsUser(randomUUID(), 'Newcomer', PROVIDER_TENANT);
    const reply = await h.say(newcomer, `invite ${CONTOSO_DOMAIN} newcomer@contoso.com`);
    expect(reply.status).toBe(200);
    expect(reply.replies).toHaveLength(1);
    const docs = await h.documents(['conversations', 'audit']);
    expect(docs.conversations.filter((d) => d.conversationId === reply.activity.conversation.id)).toHaveLength(1);
    expect(JSON.stringify(docs.audit)).toContain(newcomer.aadObjectId);
  });

  it('an invoke without a token gets the same 401', async () => {
    const reply = await h.execute(ADMIN, 'tenants.refresh', { verb: 'tenants.refresh' }, { authorization: null });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(JSON.parse(unauthorizedBody));
  });

  it('never logs a presented token', () => {
    const logged = h.logs.lines.join('\n');
    expect(logged).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });

  function refusals(): number {
    return h.logs.records().filter((r) => r.msg === 'inbound request refused: not authenticated').length;
  }
});
