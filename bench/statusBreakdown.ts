import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { renderMessage, renderTenantStatus } from '../cards';
import { tenantCard } from '../bot/teams/features/tenants';
import { tenantStatusCard } from '../bot/presentation/views';
import { parseTenantRef } from '../src/domain/inputs';
import { getTenantStatus } from '../src/usecases/tenants/getTenantStatus';
import { exchange, startBenchBot, STATUS_TEXT, TENANT_DOMAIN } from './benchBot';

/**
 * `npx ts-node --transpile-only bench/statusBreakdown.ts [--iterations N]` — where a `status` turn's
 * time goes, one request at a time (no concurrency, so every figure is the cost of one step):
 * wall and CPU time per step of the turn, and how many TCP connections each step opens.
 * CPU is the whole process's, so the HTTP rows include the `fetch` client's share.
 * It explains bench/turns' ratio; it is not itself a target.
 */

interface Step {
  readonly name: string;
  readonly run: () => Promise<unknown>;
}

interface StepFigures {
  readonly name: string;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time of the whole process per call: the bot's thread plus the in-process servers it talks to. */
  readonly cpuMs: number;
  /** Outbound TCP connections opened per call. */
  readonly connects: number;
}

let connects = 0;
// Every outbound socket (Cosmos client, connector client) announces itself here.
channel('net.client.socket').subscribe(() => {
  connects += 1;
});

async function time(step: Step, iterations: number): Promise<StepFigures> {
  const samples: number[] = [];
  const connectsBefore = connects;
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < iterations; i += 1) {
    const start = performance.now();
    await step.run();
    samples.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuBefore);
  samples.sort((a, b) => a - b);
  return {
    name: step.name,
    meanMs: samples.reduce((a, b) => a + b, 0) / iterations,
    p50Ms: samples[Math.floor(iterations * 0.5)],
    p99Ms: samples[Math.min(iterations - 1, Math.floor(iterations * 0.99))],
    cpuMs: (cpu.user + cpu.system) / 1000 / iterations,
    connects: (connects - connectsBefore) / iterations,
  };
}

function readIterations(argv: readonly string[]): number {
  const at = argv.indexOf('--iterations');
  const n = at >= 0 ? Number(argv[at + 1]) : 300;
  if (!Number.isInteger(n) || n < 10 || n > 5000) throw new Error('--iterations must be a whole number from 10 to 5000');
  return n;
}

async function main(): Promise<void> {
  const iterations = readIterations(process.argv.slice(2));
  const bench = await startBenchBot();
  try {
    const { services, stores } = bench.bot;
    const ref = parseTenantRef(TENANT_DOMAIN);
    if (!ref.ok) throw new Error(`cannot parse ${TENANT_DOMAIN}`);
    const found = await getTenantStatus({ ...stores, clock: services.clock }, ref.value);
    if (!found.ok) throw new Error('the seeded tenant is missing');
    const { tenant, onboarding, invitations } = found;
    const now = services.clock.now();

    const steps: Step[] = [
      { name: 'HTTP turn: echo (whole)', run: () => exchange(bench.echoUrl, bench.connector, STATUS_TEXT) },
      { name: 'HTTP turn: status (whole)', run: () => exchange(bench.statusUrl, bench.connector, STATUS_TEXT) },
      { name: 'status command body (Cosmos+view+card)', run: () => tenantCard(services, ref.value) },
      { name: 'Cosmos: tenants.findByDomain (query)', run: () => stores.tenants.findByDomain(TENANT_DOMAIN) },
      { name: 'Cosmos: tenants.get (point read)', run: () => stores.tenants.get(tenant.tenantId) },
      { name: 'Cosmos: invitations.listForTenant', run: () => stores.invitations.listForTenant(tenant.tenantId) },
      { name: 'card: renderTenantStatus', run: async () => renderTenantStatus(tenantStatusCard(tenant, onboarding, invitations, now)) },
      { name: 'card: renderMessage (small card)', run: async () => renderMessage({ title: 'Hello', text: 'A short message.' }) },
    ];

    for (const step of steps) await time(step, Math.max(10, Math.floor(iterations / 5))); // warm-up
    const figures: StepFigures[] = [];
    for (const step of steps) figures.push(await time(step, iterations));

    console.log(`bench/statusBreakdown  ${new Date().toISOString()}  node ${process.version}  ${iterations} sequential calls per step`);
    console.log(`${'step'.padEnd(42)}${['mean ms', 'p50 ms', 'p99 ms', 'CPU ms'].map((h) => h.padStart(9)).join('')}${'TCP conn/call'.padStart(15)}`);
    for (const f of figures) {
      console.log(`${f.name.padEnd(42)}${[f.meanMs, f.p50Ms, f.p99Ms, f.cpuMs].map((n) => n.toFixed(2).padStart(9)).join('')}${f.connects.toFixed(2).padStart(15)}`);
    }
    const statusReply = (await exchange(bench.statusUrl, bench.connector, STATUS_TEXT)).reply;
    const echoReply = (await exchange(bench.echoUrl, bench.connector, STATUS_TEXT)).reply;
    console.log(`reply sizes: status ${statusReply.length} bytes, echo ${echoReply.length} bytes`);
    if (bench.logs.errors() > 0) {
      console.error(`${bench.logs.errors()} error(s) were logged (see above): the figures measured failing turns`);
      process.exitCode = 1;
    }
  } finally {
    await bench.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/statusBreakdown failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
