import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { spawnReady } from '../test/support/childProcess';

/**
 * `npm run bench:footprint` — how long each start takes until `GET /readyz` answers 200, and the
 * resident memory after a few idle seconds, for: local mode as `npm start` runs it (ts-node), local
 * mode compiled, and the compiled production start (configured by environment variables, against a
 * Cosmos-protocol server in its own process). Targets for the production start: ready in < 2 s,
 * idle RSS < 150 MB. Needs `npm run build` first.
 */

const ROOT = join(__dirname, '..');
const ROUNDS = 3;
const IDLE_MS = 3_000;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function readyAfterMs(child: ChildProcess, url: string, startedAt: number, timeoutMs = 30_000): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) return performance.now() - startedAt;
    } catch {
      // not listening yet
    }
    if (performance.now() - startedAt > timeoutMs) throw new Error('not ready in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function measure(name: string, args: string[], env: Record<string, string>): Promise<{ readyMs: number; rssMb: number }> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    const readyMs = await readyAfterMs(child, `http://127.0.0.1:${port}`, startedAt);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { readyMs, rssMb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    void name;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  console.log(`footprint: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const cosmos = await spawnReady(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/local/cosmosServerProcess.ts')], { PATH: process.env.PATH ?? '' }, 'cosmos-server.ready');
  const production = {
    BOT_ID: '4c3b2a19-0817-4f6e-9d5c-4b3a29180706',
    BOT_PASSWORD: 'not-used',
    PUBLIC_BASE_URL: 'https://tenant-access.example.test',
    PROVIDER_TENANT_ID: '1d2c3b4a-5968-4776-a5b4-c3d2e1f0a9b8',
    COSMOS_ENDPOINT: String(cosmos.ready.endpoint),
    COSMOS_KEY: String(cosmos.ready.key),
    ENTRA_CLIENT_ID: '3f7b2c1d-9e8a-4b6c-8d5e-2a1b0c9d8e7f',
    TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
  };
  // The production start as `npm run start:prod` runs it: its node options come from package.json.
  const startProd = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod'].split(/\s+/).slice(1);
  const starts: [string, string[], Record<string, string>][] = [
    ['local mode, npm start (ts-node)', ['-r', 'ts-node/register/transpile-only', 'bot/index.ts'], {}],
    ['local mode, compiled', ['dist/bot/index.js'], {}],
    ['compiled, plain node (no options)', ['dist/bot/index.js'], production],
    [`production start (${startProd.join(' ')})`, startProd, production],
  ];
  try {
    for (const [name, args, env] of starts) {
      const runs = [];
      for (let i = 0; i < ROUNDS; i++) runs.push(await measure(name, args, env));
      const ready = median(runs.map((r) => r.readyMs));
      const rss = median(runs.map((r) => r.rssMb));
      const verdict = name.startsWith('production') ? `  (targets: ready < 2000 ms ${ready < 2000 ? 'PASS' : 'FAIL'}, idle RSS < 150 MB ${rss < 150 ? 'PASS' : 'FAIL'})` : '';
      console.log(`${name.padEnd(34)} ready ${ready.toFixed(0).padStart(5)} ms   idle RSS ${rss.toFixed(0).padStart(4)} MB   (median of ${ROUNDS}; runs: ${runs.map((r) => `${r.readyMs.toFixed(0)} ms/${r.rssMb.toFixed(0)} MB`).join(', ')})${verdict}`);
    }
  } finally {
    await cosmos.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
