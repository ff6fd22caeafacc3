import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseKeyring, SecretBox } from '../src/adapters/crypto/secretBox';
import { sealerOf } from '../src/adapters/crypto/secretBoxSealer';
import { openStore } from '../src/adapters/cosmos/cosmosStore';
import { cosmosStores } from '../src/adapters/cosmos/cosmosStores';
import { systemClock } from '../src/clock';
import { startEmbeddedCosmos } from '../src/local/embeddedCosmos';
import type { SeededRow } from '../src/local/identitySimulator';
import { createLocalCaAsync } from '../src/local/localCa';
import { spawnReady } from '../test/support/childProcess';
import { httpCall } from '../test/support/httpsClient';
import { startLocalBotFrameworkIssuer } from '../test/support/jwt/localBotFrameworkIssuer';
import { startRecordingConnectorService } from '../test/support/jwt/recordingConnectorService';
import { requireProductionBuild } from '../test/support/productionBot';
import { seedStore } from '../test/support/seededTenants';
import { cardTitle, teamsChannel } from '../test/support/teamsChannel';
import { countsBetween, countStoreRequests, type StoreRequestCounts } from './storeRequests';

/**
 * `npm run bench:sweep` — one sweep of 10,000 tenants (issue "A scheduled sweep …"): the compiled
 * production start (`node --max-semi-space-size=2 dist/bot/index.js`, configured by environment
 * variables, inbound auth on) in its own process; the identity simulator in its own process (as
 * `npm run simulator` runs it), adding 20 ms to every Entra and Graph call and answering 10 % of them
 * 429 with `Retry-After: 1`; a Cosmos-protocol server in this process, where every request the bot
 * makes is counted (bench/storeRequests.ts). The tenants are seeded directly: `POST /_sim/seed` in
 * the simulator, and the tenant and its sealed token cache into the store through the Cosmos
 * protocol. Then `validate all` through /api/messages, and the sweep is timed from the bot's own
 * `sweep.started` to `sweep.finished` log lines.
 *
 * It prints the wall time, the ideal — the injected latency on each attempt's critical path plus the
 * Retry-After each retried attempt waited, summed and divided by the concurrency —, their ratio, the
 * requests made to the simulator, the store's reads and writes per tenant, results lost or doubled,
 * and the bot's peak RSS (VmHWM). Targets: ratio ≤ 1.15, 0 lost, ≤ 2 reads and ≤ 3 writes per
 * tenant, peak RSS ≤ 300 MB. Needs `npm run build` first. Exits 1 when the sweep did not finish
 * within the cap (10 minutes) or lost a result.
 */

const ROOT = join(__dirname, '..');
const TS_NODE = require.resolve('ts-node/register/transpile-only');
const { values: flags } = parseArgs({
  options: {
    tenants: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    'latency-ms': { type: 'string', default: '20' },
    'throttle-fraction': { type: 'string', default: '0.1' },
    'cap-minutes': { type: 'string', default: '10' },
    /** Writes the bot's whole log (stdout) to this file. */
    'bot-log': { type: 'string' },
    /** More node options for the bot (NODE_OPTIONS), e.g. --heapsnapshot-signal=SIGUSR2 to look at its memory. */
    'bot-node-options': { type: 'string' },
    /** Node options for the bot instead of start:prod's (package.json), to compare memory settings. */
    'bot-node-args': { type: 'string' },
    /** Seconds to wait after the sweep before the figures are taken (to send the bot a signal meanwhile). */
    'linger-seconds': { type: 'string', default: '0' },
  },
});
const TENANTS = Number(flags.tenants);
const CONCURRENCY = Number(flags.concurrency);
const LATENCY_MS = Number(flags['latency-ms']);
const FRACTION = Number(flags['throttle-fraction']);
const CAP_MS = Number(flags['cap-minutes']) * 60_000;

const BOT_ID = randomUUID();
const BOT_SECRET = randomBytes(24).toString('base64url');
const ENTRA_CLIENT_ID = randomUUID();
const PROVIDER_TENANT_ID = randomUUID();
const STAFF = { aadObjectId: randomUUID(), tenantId: PROVIDER_TENANT_ID, name: 'Bench Operator' };
const TOKEN_ENCRYPTION_KEY = `k1:${randomBytes(32).toString('base64')}`;

/** What the bench keeps of the bot's log: the sweep's lines and one line per validation attempt. */
interface Attempt {
  readonly time: number;
  readonly checks: string[];
  readonly throttled?: { service: string; retryAfterSeconds?: number };
  readonly refused: boolean;
  readonly durationMs: number;
}

interface BotUnderTest {
  readonly child: ChildProcess;
  readonly args: string[];
  /** From the bot's `server.listening` record (it takes a free port itself: PORT=0). */
  url: string;
  readonly attempts: Attempt[];
  readonly events: Record<string, unknown>[];
  readonly errors: string[];
  stderr(): string;
}

/** CPU time (user + system) of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function vm(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

/** The production start as package.json's start:prod has it, its log read line by line (only what the figures need is kept). */
async function startBot(env: Record<string, string>): Promise<BotUnderTest> {
  const startProd = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod'].split(/\s+/).slice(1);
  const args = flags['bot-node-args'] === undefined ? startProd : [...flags['bot-node-args'].split(/\s+/).filter((a) => a !== ''), 'dist/bot/index.js'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const bot: BotUnderTest = { child, args, url: '', attempts: [], events: [], errors: [], stderr: () => stderrText };
  let stderrText = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderrText = (stderrText + chunk).slice(-20_000)));
  const logFile = flags['bot-log'] ? createWriteStream(flags['bot-log']) : undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    logFile?.write(`${line}\n`);
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const event = String(record.event ?? '');
    if (event === 'server.listening' && typeof record.url === 'string') bot.url = record.url;
    if (event === 'validation.finished') {
      bot.attempts.push({ time: Number(record.time), checks: (record.checks as string[]) ?? [], throttled: record.throttled as Attempt['throttled'], refused: record.refused === true, durationMs: Number(record.durationMs) });
    } else if (event.startsWith('sweep.') || event.startsWith('runner.')) {
      bot.events.push(record);
    }
    if (Number(record.level) >= 50) bot.errors.push(line.slice(0, 500));
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the bot exited (${child.exitCode}) before it was ready:\n${stderrText}`);
    try {
      if (bot.url && (await fetch(`${bot.url}/readyz`)).status === 200) return bot;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the bot was not ready within 60 s:\n${stderrText}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads and writes among the store's requests (bench/storeRequests.ts files each by operation). */
function readsAndWrites(counts: StoreRequestCounts): { reads: number; writes: number; byKind: [string, number][] } {
  let reads = 0;
  let writes = 0;
  for (const [kind, n] of Object.entries(counts.byKind)) {
    const operation = kind.split(' ')[1];
    if (['read', 'feed', 'query-plan', 'query'].includes(operation)) reads += n;
    else writes += n;
  }
  return { reads, writes, byKind: Object.entries(counts.byKind).sort((a, b) => b[1] - a[1]) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const fmt = (n: number, digits = 3) => n.toFixed(digits);

async function main(): Promise<void> {
  requireProductionBuild();
  const load0 = loadavg();
  console.log(`bench/sweep: ${TENANTS} tenants, concurrency ${CONCURRENCY}, +${LATENCY_MS} ms on every call, ${FRACTION * 100} % answered 429 Retry-After 1; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  const workDir = await mkdtemp(join(tmpdir(), 'tenant-access-bench-sweep-'));
  const cleanup: (() => Promise<unknown>)[] = [() => rm(workDir, { recursive: true, force: true })];
  let exitCode = 0;
  try {
    // The store: a Cosmos-protocol server here, every request counted at the server.
    const counter = countStoreRequests();
    const cosmos = await startEmbeddedCosmos();
    cleanup.push(() => cosmos.close());
    counter.watchPort(Number(new URL(cosmos.endpoint).port));

    // The simulator in its own process, as `npm run simulator` starts it (its per-request log off).
    const caFile = join(workDir, 'sim-ca.pem');
    const sim = await spawnReady(
      process.execPath,
      ['-r', TS_NODE, join(ROOT, 'src/local/identitySimulator/standalone.ts')],
      { SIM_HOST: '127.0.0.1', SIM_PORT: '0', SIM_CA_FILE: caFile, SIM_CLIENT_IDS: ENTRA_CLIENT_ID, SIM_CONFIDENTIAL_CLIENTS: `${BOT_ID}:${BOT_SECRET}`, SIM_LOG_LEVEL: 'warn' },
      'identity-simulator.ready',
    );
    cleanup.push(() => sim.stop());
    const simUrl = String(sim.ready.url);
    const simCa = readFileSync(caFile, 'utf8');
    const control = async <T>(path: string, json?: unknown): Promise<T> => {
      const answer = await httpCall(json === undefined ? 'GET' : 'POST', `${simUrl}${path}`, { ca: simCa, json });
      if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      return answer.json<T>();
    };

    // Teams: a local channel-token issuer and a connector stand-in.
    const connector = await startRecordingConnectorService();
    cleanup.push(() => connector.close());
    const ca = await createLocalCaAsync();
    const issuer = await startLocalBotFrameworkIssuer({ tls: { cert: ca.serverCertPem, key: ca.serverKeyPem } });
    cleanup.push(() => issuer.close());
    const trusted = join(workDir, 'extra-ca-certs.pem');
    await writeFile(trusted, `${simCa.trim()}\n${ca.caPem.trim()}\n`);

    // Seeding, not 10,000 sign-ins.
    let t = performance.now();
    const seeded = await control<{ rows: SeededRow[] }>('/_sim/seed', { count: TENANTS, clientId: ENTRA_CLIENT_ID, prefix: 'bench' });
    const simSeedMs = performance.now() - t;
    t = performance.now();
    const store = await openStore({ endpoint: cosmos.endpoint, key: cosmos.key, database: 'tenant-access', local: true });
    cleanup.push(async () => store.dispose());
    const stores = cosmosStores(store);
    const keyring = parseKeyring(TOKEN_ENCRYPTION_KEY);
    if (!keyring.ok) throw new Error(keyring.message);
    await seedStore(stores, sealerOf(new SecretBox(keyring.keyring)), systemClock, seeded.rows, { clientId: ENTRA_CLIENT_ID, environment: new URL(simUrl).host, parallel: 32 });
    console.log(`seeded: ${seeded.rows.length} tenants in the simulator (${seconds(simSeedMs)}) and the store (tenant + sealed token cache each, ${seconds(performance.now() - t)})`);

    const bot = await startBot({
      BOT_ID,
      BOT_PASSWORD: BOT_SECRET,
      BOT_OPENID_METADATA_URL: issuer.openIdMetadataUrl,
      BOT_LOGIN_URL: `${simUrl}/botframework.com`,
      HOST: '127.0.0.1',
      PORT: '0',
      PUBLIC_BASE_URL: 'https://tenant-access.example.test',
      PROVIDER_TENANT_ID,
      BOOTSTRAP_ADMINS: STAFF.aadObjectId,
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      ENTRA_CLIENT_ID,
      ENTRA_AUTHORITY_HOST: simUrl,
      GRAPH_BASE_URL: simUrl,
      NODE_EXTRA_CA_CERTS: trusted,
      TOKEN_ENCRYPTION_KEY,
      LOG_LEVEL: 'info',
      VALIDATION_SCHEDULE: 'off',
      VALIDATION_CONCURRENCY: String(CONCURRENCY),
      ...(flags['bot-node-options'] ? { NODE_OPTIONS: flags['bot-node-options'] } : {}),
    });
    console.log(`bot          pid ${bot.child.pid}: node ${bot.args.join(' ')}, ${vm(bot.child.pid!, 'VmRSS').toFixed(0)} MB resident when ready`);
    cleanup.push(async () => {
      if (bot.child.exitCode !== null) return;
      bot.child.kill('SIGTERM');
      await new Promise((resolve) => bot.child.once('exit', resolve));
    });

    await control('/_sim/faults', { latencyMs: LATENCY_MS, status: 429, retryAfterSeconds: 1, fraction: FRACTION });
    await control('/_sim/stats/reset', {});
    const before = counter.snapshot();
    const cpu0 = { bot: cpuMsOf(bot.child.pid!), sim: cpuMsOf(sim.child.pid!), here: process.cpuUsage() };
    const teams = teamsChannel({ botUrl: bot.url, botId: BOT_ID, issuer, connector });
    const asked = await teams.say(STAFF, 'validate all');
    if (cardTitle(asked.card) !== 'Sweep started') throw new Error(`validate all answered ${asked.status}: ${cardTitle(asked.card)}`);
    const askedAt = Date.now();

    let finished: Record<string, unknown> | undefined;
    let rssSamples = 0;
    let rssMax = 0;
    while (!finished && Date.now() - askedAt < CAP_MS) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      rssMax = Math.max(rssMax, vm(bot.child.pid!, 'VmRSS'));
      rssSamples++;
      finished = bot.events.find((e) => e.event === 'sweep.finished');
      if (bot.child.exitCode !== null) throw new Error(`the bot exited during the sweep:\n${bot.stderr()}`);
    }
    const after = counter.snapshot();
    if (Number(flags['linger-seconds']) > 0) await new Promise((resolve) => setTimeout(resolve, Number(flags['linger-seconds']) * 1000));
    const here = process.cpuUsage(cpu0.here);
    const cpu = { bot: cpuMsOf(bot.child.pid!) - cpu0.bot, sim: cpuMsOf(sim.child.pid!) - cpu0.sim, here: (here.user + here.system) / 1000 };
    const peakRss = vm(bot.child.pid!, 'VmHWM');
    const stats = await control<{ stats: { token: Record<string, Record<string, number>>; http: Record<string, Record<string, number>>; faults: { delayedCalls: number; delayedMs: number; answers: Record<string, number> } } }>('/_sim/stats');
    const started = bot.events.find((e) => e.event === 'sweep.started');
    if (!finished || !started) {
      console.log(`NOT FINISHED within ${CAP_MS / 60_000} min (${bot.attempts.length} validation attempts so far)`);
      exitCode = 1;
      return;
    }

    // Results: every tenant exactly once (records of the sweep), and marked by it.
    const sweepId = String(finished.sweepId);
    const { resources: recorded } = await store.containers.validations.items.query<{ tenantId: string; n: number }>("SELECT c.tenantId FROM c WHERE c.trigger = 'sweep'").fetchAll();
    const perTenant = new Map<string, number>();
    for (const r of recorded) perTenant.set(r.tenantId, (perTenant.get(r.tenantId) ?? 0) + 1);
    const { resources: marked } = await store.containers.tenants.items.query<{ n: number }>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.lastSweep.sweepId = @id', parameters: [{ name: '@id', value: sweepId }] }).fetchAll();
    const lost = TENANTS - perTenant.size;
    const doubled = [...perTenant.values()].filter((n) => n > 1).length;

    // The ideal: each attempt's critical path (the token grant, then Graph's two calls side by side)
    // plus the Retry-After each retried attempt waited, summed over the sweep, over the concurrency.
    const t0 = Number(started.time);
    const t1 = Number(finished.time);
    const inSweep = bot.attempts.filter((a) => a.time >= t0 && a.time <= t1);
    let latencyMs = 0;
    let waitsMs = 0;
    let retried = 0;
    for (const a of inSweep) {
      const tokenPassed = a.checks.some((c) => c.startsWith('token:passed'));
      latencyMs += LATENCY_MS * (tokenPassed ? 2 : 1);
      if (a.refused && a.throttled) {
        retried++;
        waitsMs += (a.throttled.retryAfterSeconds ?? 0) * 1000;
      } else if (a.refused) retried++;
    }
    const idealMs = (latencyMs + waitsMs) / CONCURRENCY;
    const wallMs = t1 - t0;
    const ratio = wallMs / idealMs;
    const store1 = readsAndWrites(countsBetween(before, after));
    // The validations' own store traffic, apart from the sweep's bookkeeping (lease, sweep document, audit row, the turn).
    const perValidation = readsAndWrites({ total: 0, byKind: Object.fromEntries(store1.byKind.filter(([kind]) => /colls\/(tokenCaches|tenants|validations|tenantDomains)\//.test(kind))) });
    const http = Object.entries(stats.stats.http).map(([route, byStatus]) => [route, Object.values(byStatus).reduce((s, n) => s + n, 0), byStatus] as const).sort((a, b) => b[1] - a[1]);
    const requests = http.reduce((s, [, n]) => s + n, 0);
    const counts = finished as unknown as { checked: number; ok: number; failed: number; incomplete: number; skipped: number };

    console.log('');
    console.log(`sweep        ${sweepId}: ${counts.checked} checked, ${counts.ok} ok, ${counts.failed} failed, ${counts.incomplete} incomplete, ${counts.skipped} skipped`);
    console.log(`wall time    ${seconds(wallMs)}  (sweep.started → sweep.finished in the bot's log; validate all → finished seen here: ${seconds(Date.now() - askedAt)})`);
    console.log(`ideal        ${seconds(idealMs)}  = (latency on the critical paths ${seconds(latencyMs)} + Retry-After waits ${seconds(waitsMs)}) / ${CONCURRENCY}`);
    console.log(`ratio        ${fmt(ratio)}  target <= 1.15  ${ratio <= 1.15 ? 'PASS' : 'FAIL'}`);
    console.log(`attempts     ${inSweep.length} validations for ${TENANTS} tenants (${retried} retried: not recorded, tried again after their Retry-After or back-off)`);
    console.log(`simulator    ${requests} requests (${fmt(requests / TENANTS, 2)} per tenant); 429 answers ${JSON.stringify(stats.stats.faults.answers)}; refresh grants ${JSON.stringify(stats.stats.token.refresh_token ?? {})}`);
    for (const [route, n, byStatus] of http) console.log(`               ${String(n).padStart(7)}  ${route} ${JSON.stringify(byStatus)}`);
    const ownReads = perValidation.reads / TENANTS;
    const ownWrites = perValidation.writes / TENANTS;
    console.log(`store        ${store1.reads} reads, ${store1.writes} writes in all during the sweep: ${fmt(store1.reads / TENANTS)} reads and ${fmt(store1.writes / TENANTS)} writes per tenant`);
    console.log(`               per tenant, the validations (token cache, tenant, history, domains): ${fmt(ownReads)} reads, ${fmt(ownWrites)} writes  targets <= 2 and <= 3  ${ownReads <= 2 && ownWrites <= 3 ? 'PASS' : 'FAIL'}`);
    console.log(`               the sweep as a whole (runner lease, instance lease, sweep document, orphan sweep, audit row, the validate all turn): ${store1.reads - perValidation.reads} reads, ${store1.writes - perValidation.writes} writes`);
    for (const [kind, n] of store1.byKind) console.log(`               ${String(n).padStart(7)}  ${kind}`);
    console.log(`results      ${perTenant.size} tenants recorded, ${lost} lost, ${doubled} recorded twice; ${marked[0]} tenants marked by the sweep  target 0 lost  ${lost === 0 && doubled === 0 ? 'PASS' : 'FAIL'}`);
    console.log(`memory       bot peak RSS (VmHWM) ${peakRss.toFixed(0)} MB (highest sampled VmRSS ${rssMax.toFixed(0)} MB, ${rssSamples} samples)  target <= 300 MB  ${peakRss <= 300 ? 'PASS' : 'FAIL'}`);
    console.log(`cpu          bot ${seconds(cpu.bot)}, simulator ${seconds(cpu.sim)}, this process (the Cosmos-protocol server, the connector) ${seconds(cpu.here)} over the ${seconds(wallMs)} sweep on ${cpus().length} cores; ${fmt(cpu.bot / inSweep.length, 2)} ms of the bot's CPU per attempt; simulator ${fmt((stats.stats.token.refresh_token?.tokens ?? 0) / (wallMs / 1000), 1)} refresh grants answered per second`);
    const durations = inSweep.map((a) => a.durationMs).sort((a, b) => a - b);
    const pct = (p: number) => durations[Math.min(durations.length - 1, Math.floor(p * durations.length))];
    console.log(`per attempt  checks ${pct(0.5)} ms median, ${pct(0.9)} ms p90, ${pct(0.99)} ms p99 (validateTenant's durationMs: the checks, before the writes)`);
    console.log(`floor        ${seconds(latencyMs / CONCURRENCY)}  the latency alone over ${CONCURRENCY} (a tenant waiting out its Retry-After holds no slot, so the waits need not add to the wall time)`);
    console.log(`bot log      ${bot.errors.length} lines at error level${bot.errors.length ? `: ${bot.errors.slice(0, 3).join(' | ')}` : ''}`);
    console.log(`machine      load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min) at the end`);
    if (lost > 0 || doubled > 0) exitCode = 1;
  } catch (error) {
    console.error(error);
    exitCode = 1;
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    process.exit(exitCode);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
