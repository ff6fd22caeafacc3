import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKeyring, SecretBox } from '../../src/adapters/crypto/secretBox';
import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
import { cosmosStores } from '../../src/adapters/cosmos/cosmosStores';
import { openStore, type Store } from '../../src/adapters/cosmos/cosmosStore';
import { systemClock } from '../../src/clock';
import { RUNNER_LEASE_ID, type SweepRun } from '../../src/domain/sweep';
import { createIdentitySimulator, type IdentitySimulator } from '../../src/local/identitySimulator';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../src/local/embeddedCosmos';
import { createLocalCaAsync } from '../../src/local/localCa';
import type { RunnerLease, StorePorts } from '../../src/usecases/ports';
import { startLocalBotFrameworkIssuer, type LocalBotFrameworkIssuer } from '../support/jwt/localBotFrameworkIssuer';
import { startRecordingConnectorService, type RecordingConnectorService } from '../support/jwt/recordingConnectorService';
import { ProductionBot, requireProductionBuild, startProductionBot } from '../support/productionBot';
import { productionBotEnv } from '../support/productionPeers';
import { seedStore } from '../support/seededTenants';
import { cardTitle, teamsChannel, type TeamsUser } from '../support/teamsChannel';

/**
 * One runner across instances, with the production entry point (`node dist/bot/index.js`, configured
 * by its environment) in two and then three processes sharing one Cosmos-protocol server, and the
 * identity simulator adding latency to every call (both in this process). Tenants are seeded into
 * the simulator and the store directly. The runner lease is short here (2 s, renewed every 0.5 s).
 *
 *   - two processes: the runner is killed with SIGKILL mid-sweep; the other resumes it and finishes;
 *   - three processes: the runner is stopped (SIGSTOP) past its lease, another takes over and
 *     finishes, then the stopped one goes on (SIGCONT) and its late writes are refused.
 *
 * Either way every tenant is validated, no tenant's result is recorded twice, and the sweep is
 * resumed within 60 s.
 */

const BOT_ID = randomUUID();
const BOT_SECRET = randomBytes(24).toString('base64url');
const ENTRA_CLIENT_ID = randomUUID();
const PROVIDER_TENANT_ID = randomUUID();
const TOKEN_ENCRYPTION_KEY = `k1:${randomBytes(32).toString('base64')}`;
const STAFF: TeamsUser = { aadObjectId: randomUUID(), tenantId: PROVIDER_TENANT_ID, name: 'Provider Admin' };
const TENANTS = 24;
const LEASE_TTL_MS = 2_000;

let workDir: string;
let sim: IdentitySimulator;
let cosmos: EmbeddedCosmos;
let issuer: LocalBotFrameworkIssuer;
let connector: RecordingConnectorService;
let store: Store;
let stores: StorePorts;
let trusted: string;
const bots: ProductionBot[] = [];

beforeAll(async () => {
  requireProductionBuild();
  workDir = await mkdtemp(join(tmpdir(), 'tenant-access-runners-'));
  // The bots are the processes under test; their peers (the identity simulator, the Cosmos-protocol
  // server they share, Teams' token issuer and connector) run here, which keeps the file quick.
  const [ca] = await Promise.all([
    createLocalCaAsync(),
    createIdentitySimulator({ confidentialClients: [{ clientId: BOT_ID, secret: BOT_SECRET }], clientIds: [ENTRA_CLIENT_ID] }).then((s) => (sim = s)),
    startEmbeddedCosmos().then((c) => (cosmos = c)),
    startRecordingConnectorService().then((c) => (connector = c)),
  ]);
  issuer = await startLocalBotFrameworkIssuer({ tls: { cert: ca.serverCertPem, key: ca.serverKeyPem } });
  trusted = join(workDir, 'extra-ca-certs.pem');
  await writeFile(trusted, `${sim.caPem.trim()}\n${ca.caPem.trim()}\n`);

  // The tenants, straight into the simulator and the store: no sign-ins.
  const seeded = sim.control.seedTenants({ count: TENANTS, clientId: ENTRA_CLIENT_ID, prefix: 'runners' });
  if (!seeded.ok) throw new Error(seeded.reason);
  store = await openStore({ endpoint: cosmos.endpoint, key: cosmos.key, database: 'tenant-access', local: true });
  stores = cosmosStores(store);
  const keyring = parseKeyring(TOKEN_ENCRYPTION_KEY);
  if (!keyring.ok) throw new Error(keyring.message);
  await seedStore(stores, sealerOf(new SecretBox(keyring.keyring)), systemClock, seeded.rows, { clientId: ENTRA_CLIENT_ID, environment: new URL(sim.url).host });
  // Every call to Entra and Graph takes 25 ms more: a sweep of 24 tenants, two at a time, lasts about a second.
  expect(sim.control.setFault({ latencyMs: 25 }).ok).toBe(true);
}, 60_000);

afterAll(async () => {
  for (const bot of bots) {
    if (bot.child.signalCode === 'SIGSTOP' || bot.child.exitCode === null) bot.child.kill('SIGCONT');
  }
  await Promise.allSettled(bots.map((b) => b.stop()));
  store?.dispose();
  await Promise.allSettled([sim?.close(), cosmos?.close(), connector?.close(), issuer?.close()]);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function startBot(): Promise<ProductionBot> {
  const bot = await startProductionBot({
    env: {
      ...productionBotEnv({ sim, cosmos, issuer, trustedCaFile: trusted }, { botId: BOT_ID, botSecret: BOT_SECRET, entraClientId: ENTRA_CLIENT_ID, providerTenantId: PROVIDER_TENANT_ID, adminObjectId: STAFF.aadObjectId, publicBaseUrl: 'https://tenant-access.example.test', tokenEncryptionKey: TOKEN_ENCRYPTION_KEY }),
      VALIDATION_SCHEDULE: 'off',
      VALIDATION_CONCURRENCY: '2',
      RUNNER_LEASE_TTL_MS: String(LEASE_TTL_MS),
      RUNNER_LEASE_RENEW_MS: '500',
    },
  });
  bots.push(bot);
  return bot;
}

const instanceOf = (bot: ProductionBot) => String(bot.records().find((r) => r.event === 'runner.started')?.instanceId);
const lease = async () => (await stores.leases.read<RunnerLease>(RUNNER_LEASE_ID))?.value;
const sweepOf = async (id: string) => stores.sweeps.get(id);

/** Sweep records per tenant (every record of trigger `sweep`, whichever sweep wrote it). */
async function sweepRecordsPerTenant(): Promise<Map<string, number>> {
  const { resources } = await store.containers.validations.items.query<{ tenantId: string }>("SELECT c.tenantId FROM c WHERE c.trigger = 'sweep'").fetchAll();
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.tenantId, (counts.get(r.tenantId) ?? 0) + 1);
  return counts;
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `validate all` on one bot; the sweep it started. */
async function validateAll(bot: ProductionBot): Promise<string> {
  const teams = teamsChannel({ botUrl: bot.url, botId: BOT_ID, issuer, connector });
  const exchange = await teams.say(STAFF, 'validate all');
  expect(exchange.status).toBe(200);
  expect(cardTitle(exchange.card)).toBe('Sweep started');
  return until('the sweep to start', async () => (await lease())?.current);
}

const botHolding = async (running: ProductionBot[]) => {
  const holder = (await lease())?.holder;
  return running.find((b) => instanceOf(b) === holder);
};
const eventTime = (bot: ProductionBot, event: string, sweepId: string) => bot.records().find((r) => r.event === event && r.sweepId === sweepId)?.time as number | undefined;

describe('one runner across instances', () => {
  it('two processes: the runner is killed mid-sweep; the other resumes it within 60 s and finishes; every tenant is recorded once', async () => {
    const pair = await Promise.all([startBot(), startBot()]);
    const sweepId = await validateAll(pair[1]);
    const runner = await until('the runner', () => botHolding(pair));
    const survivor = pair.find((b) => b !== runner)!;
    await until('a third of the tenants', async () => (await sweepRecordsPerTenant()).size >= TENANTS / 3);

    runner.child.kill('SIGKILL');
    const killedAt = Date.now();
    await runner.exited;
    const done = await until('the sweep to finish', async () => {
      const run = await sweepOf(sweepId);
      return run?.status === 'finished' && run;
    });

    const resumedAt = eventTime(survivor, 'sweep.resumed', sweepId);
    expect(resumedAt).toBeDefined();
    expect(resumedAt! - killedAt).toBeLessThan(60_000);
    expect(done).toMatchObject<Partial<SweepRun>>({ runner: instanceOf(survivor), resumes: 1, counts: { checked: TENANTS, ok: TENANTS, failed: 0, incomplete: 0, skipped: 0 } });
    const perTenant = await sweepRecordsPerTenant();
    expect(perTenant.size).toBe(TENANTS);
    expect([...perTenant.values()].every((n) => n === 1)).toBe(true);
    const tenants = (await store.containers.tenants.items.readAll<{ lastSweep?: { sweepId: string } }>().fetchAll()).resources;
    expect(tenants.filter((t) => t.lastSweep?.sweepId === sweepId)).toHaveLength(TENANTS);
  });

  it("three processes: the runner is paused past its lease; another resumes and finishes; the paused one's late writes are refused", async () => {
    const running = bots.filter((b) => b.child.exitCode === null && b.child.signalCode === null);
    expect(running).toHaveLength(1);
    running.push(...(await Promise.all([startBot(), startBot()])));
    const sweepId = await validateAll(running[2]);
    const paused = await until('the runner', () => botHolding(running));
    const fence = (await lease())!.fence;
    await until('a third of the tenants', async () => [...(await sweepRecordsPerTenant()).values()].filter((n) => n === 2).length >= TENANTS / 3);

    paused.child.kill('SIGSTOP');
    const pausedAt = Date.now();
    const done = await until('the sweep to finish', async () => {
      const run = await sweepOf(sweepId);
      return run?.status === 'finished' && run;
    });
    const successor = running.find((b) => instanceOf(b) === done.runner)!;
    expect(successor).not.toBe(paused);
    expect(eventTime(successor, 'sweep.resumed', sweepId)! - pausedAt).toBeLessThan(60_000);
    expect(done.fence).toBeGreaterThan(fence);

    // The paused runner goes on: what it had in flight finishes, and its writes are refused.
    paused.child.kill('SIGCONT');
    await until('the paused runner to stand down', async () => paused.records().some((r) => r.event === 'runner.lease-lost' || r.event === 'runner.sweep-stopped'));
    await until('its sweep to stop', async () => paused.records().some((r) => r.event === 'sweep.deposed' && r.sweepId === sweepId));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await sweepOf(sweepId)).toMatchObject({ status: 'finished', runner: done.runner, fence: done.fence, counts: done.counts });
    expect(done.counts).toEqual({ checked: TENANTS, ok: TENANTS, failed: 0, incomplete: 0, skipped: 0 });
    const perTenant = await sweepRecordsPerTenant();
    expect(perTenant.size).toBe(TENANTS);
    // One record per tenant for each of the two sweeps.
    expect([...perTenant.values()].every((n) => n === 2)).toBe(true);
    // Whatever it validated after the pause was not recorded.
    const late = paused.records().filter((r) => r.event === 'validation.finished' && Number(r.time) > pausedAt);
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((r) => r.refused !== true)).toEqual([]);
    expect(paused.records().find((r) => r.event === 'sweep.write-refused' && r.sweepId === sweepId)).toMatchObject({ fence });
  });
});
