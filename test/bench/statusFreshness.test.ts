import { productionBotEnv, startProductionPeers, type ProductionPeers } from '../support/productionPeers';
import { randomBytes, randomUUID } from 'node:crypto';
import { CustomerPage, linkOn } from '../support/customerPage';
import type { LocalBotFrameworkIssuer } from '../support/jwt/localBotFrameworkIssuer';
import type { RecordingConnectorService } from '../support/jwt/recordingConnectorService';
import type { SimulatorProcess, startCosmosProcess } from '../support/localPeerProcesses';
import { ProductionBot, requireProductionBuild, startProductionBot } from '../support/productionBot';
import { AdaptiveCardJson, cardFacts, cardText, cardTitle, TeamsChannel, teamsChannel, TeamsUser } from '../support/teamsChannel';

/**
 * The rule a faster `status` must keep (issue "Turn cost close to its I/O floor"): a change written
 * by one instance shows on the next `status` turn served by any other instance. Two production
 * processes (`node dist/bot/index.js`, one app, two instances) share one Cosmos-protocol server
 * process; every change goes through instance A, and instance B — which has just answered `status`
 * for the same tenant, so anything it might keep from that turn is in place — must show it at once.
 *
 * Peers as in test/e2e/productionEntry.test.ts: the identity simulator and the Cosmos-protocol
 * server in their own processes, the channel-token issuer and the recording connector in jest.
 */

const BOT_ID = randomUUID();
const BOT_SECRET = randomBytes(24).toString('base64url');
const ENTRA_CLIENT_ID = randomUUID();
const PROVIDER_TENANT_ID = randomUUID();
const PUBLIC_BASE_URL = 'https://tenant-access.example.test';
const TOKEN_ENCRYPTION_KEY = `k1:${randomBytes(32).toString('base64')}`;

const STAFF: TeamsUser = { aadObjectId: randomUUID(), tenantId: PROVIDER_TENANT_ID, name: 'Provider Admin' };

/** The simulator's default directory (src/local/identitySimulator/directory.ts). */
const CONTOSO = {
  tenantId: '6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60',
  domain: 'contoso.onmicrosoft.com',
  displayName: 'Contoso',
  admin: 'megan.bowen@contoso.onmicrosoft.com',
  serviceAccount: 'svc-tenantaccess@contoso.onmicrosoft.com',
};

let peers: ProductionPeers | undefined;
let sim: SimulatorProcess;
let cosmos: Awaited<ReturnType<typeof startCosmosProcess>>;
let issuer: LocalBotFrameworkIssuer;
let connector: RecordingConnectorService;
let botA: ProductionBot;
let botB: ProductionBot;
let onA: TeamsChannel;
let onB: TeamsChannel;

async function startInstance(trustedCaFile: string): Promise<ProductionBot> {
  // One key for the app, as production's instances share it: either may open what the other sealed.
  return startProductionBot({
    env: {
      ...productionBotEnv({ sim, cosmos, issuer, trustedCaFile }, { botId: BOT_ID, botSecret: BOT_SECRET, entraClientId: ENTRA_CLIENT_ID, providerTenantId: PROVIDER_TENANT_ID, adminObjectId: STAFF.aadObjectId, publicBaseUrl: PUBLIC_BASE_URL, tokenEncryptionKey: TOKEN_ENCRYPTION_KEY }),
      ENTRA_TIMEOUT_MS: '5000',
      GRAPH_TIMEOUT_MS: '5000',
    },
  });
}

beforeAll(async () => {
  requireProductionBuild();
  peers = await startProductionPeers('status-freshness', { confidentialClients: [{ clientId: BOT_ID, secret: BOT_SECRET }], clientIds: [ENTRA_CLIENT_ID], pollIntervalSeconds: 0.05 });
  ({ sim, cosmos, issuer, connector } = peers);
  const trusted = peers.trustedCaFile;
  // One after the other: two starts side by side on 2 cores only make both slower.
  botA = await startInstance(trusted);
  botB = await startInstance(trusted);
  onA = teamsChannel({ botUrl: botA.url, botId: BOT_ID, issuer, connector });
  onB = teamsChannel({ botUrl: botB.url, botId: BOT_ID, issuer, connector });
}, 90_000);

afterAll(async () => {
  await Promise.all([botA?.stop(), botB?.stop()]);
  await peers?.stop();
}, 30_000);

/** Adds both instances' output to a failing expectation. */
async function withBotOutput<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error) error.message += `\n\n=== instance A ===\n${botA?.describe() ?? '(not started)'}\n\n=== instance B ===\n${botB?.describe() ?? '(not started)'}`;
    throw error;
  }
}

async function says(channel: TeamsChannel, text: string): Promise<AdaptiveCardJson | undefined> {
  const exchange = await channel.say(STAFF, text);
  expect(exchange.status).toBe(200);
  return exchange.card;
}

async function invitedOnA(text: string): Promise<{ id: string; token: string }> {
  const card = await says(onA, text);
  if (cardTitle(card) !== 'Invitation created') throw new Error(`"${text}" did not create an invitation:\n${cardText(card)}`);
  const link = linkOn(card, PUBLIC_BASE_URL);
  if (!link) throw new Error(`no invitation link on the card:\n${cardText(card)}`);
  return { id: cardFacts(card).Invitation, token: link.token };
}

/** The status card's line for one invitation (`<id> · <email> · <variant> · <status> · expires …`), as parts; bold marks dropped. */
function invitationOn(card: AdaptiveCardJson | undefined, invitationId: string): { email: string; variant: string; status: string } | undefined {
  const line = cardText(card)
    .split('\n')
    .find((l) => l.startsWith(`${invitationId} · `));
  if (!line) return undefined;
  const [, email, variant, status] = line.split(' · ');
  return { email, variant, status: status.replace(/\*/g, '') };
}

describe('a change made through one instance is seen on the next status turn of another', () => {
  let first: { id: string; token: string };

  it('a tenant invited on A is found by status on B, which had just answered "Unknown tenant" for it', () =>
    withBotOutput(async () => {
      expect(cardTitle(await says(onB, `status ${CONTOSO.domain}`))).toBe('Unknown tenant');
      expect(cardTitle(await says(onB, `status ${CONTOSO.tenantId}`))).toBe('Unknown tenant');

      first = await invitedOnA(`invite ${CONTOSO.domain} ${CONTOSO.admin}`);

      const byDomain = await says(onB, `status ${CONTOSO.domain}`);
      expect(cardTitle(byDomain)).toBe(CONTOSO.domain);
      expect(invitationOn(byDomain, first.id)).toEqual({ email: CONTOSO.admin, variant: 'global', status: 'Sent' });
      expect(invitationOn(await says(onB, `status ${CONTOSO.tenantId}`), first.id)).toEqual({ email: CONTOSO.admin, variant: 'global', status: 'Sent' });
    }));

  it("another invitation and a revoke on A are on B's next status", () =>
    withBotOutput(async () => {
      expect(invitationOn(await says(onB, `status ${CONTOSO.domain}`), first.id)?.status).toBe('Sent');

      const second = await invitedOnA(`invite ${CONTOSO.domain} ${CONTOSO.serviceAccount} delegated`);
      expect(invitationOn(await says(onB, `status ${CONTOSO.domain}`), second.id)).toEqual({ email: CONTOSO.serviceAccount, variant: 'delegated', status: 'Sent' });

      // status shows the tenant's newest invitation (the older one is in `invitations all`).
      expect(invitationOn(await says(onB, `status ${CONTOSO.domain}`), first.id)).toBeUndefined();
      expect(cardTitle(await says(onA, `revoke ${second.id}`))).toBe('Invitation revoked');
      const after = await says(onB, `status ${CONTOSO.domain}`);
      expect(invitationOn(after, second.id)?.status).toBe('Revoked');
      // The older one, revoked on A too, is on B's next list of every invitation.
      expect(cardTitle(await says(onA, `revoke ${first.id}`))).toBe('Invitation revoked');
      expect(cardText(await says(onB, 'invitations all'))).toMatch(new RegExp(`${first.id}[\\s\\S]*Revoked`));
    }));

  it("a tenant activated by a sign-in on A (its name, auth status and token) is on B's next status", () =>
    withBotOutput(async () => {
      const notYet = await says(onB, `status ${CONTOSO.domain}`);
      expect(cardFacts(notYet)).toMatchObject({ 'Authentication status': 'Not authenticated yet', 'Token account': '—' });

      const third = await invitedOnA(`invite ${CONTOSO.domain} ${CONTOSO.admin}`);
      const page = new CustomerPage(botA.url, 'invite', third.token);
      const { userCode } = await page.startAndGetCode();
      expect(await sim.completeDeviceCode(userCode, CONTOSO.admin, 'success')).toEqual({ ok: true, outcome: 'success' });
      await page.waitFor('Tenant activated');

      const activated = await says(onB, `status ${CONTOSO.domain}`);
      // Graph named the tenant during the sign-in on A: B shows the new name on its next turn.
      expect(cardTitle(activated)).toBe(CONTOSO.displayName);
      expect(cardFacts(activated)).toMatchObject({ 'Auth mode': 'Auth token', 'Authentication status': 'Successful', 'Token account': CONTOSO.admin });
      expect(invitationOn(activated, third.id)?.status).toBe('Activated');
    }), 20_000);
});
