import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCpuProfiler, type CpuProfiler } from './cpuProfile';
import type { StoreRequestCounts } from './storeRequests';

/**
 * A bot under measurement in its own process, and the driver's handle on it. The two talk over
 * Node's IPC channel only, so nothing on the measured HTTP path carries the bench's questions:
 *
 *   child → driver  { type: 'ready', ...urls }           once it listens and its store is seeded
 *   driver → child  { type: 'snapshot', id }              → { type: 'snapshot', id, snapshot }
 *                   { type: 'profile-start', id, dir, name } / { type: 'profile-stop', id }
 *
 * The child exits when the driver goes away (IPC disconnect), so no bench leaves a bot behind.
 */

/** Cumulative figures of the bot's process; the driver takes differences between two snapshots. */
export interface BotSnapshot {
  /** Event-loop time, busy and idle, since the process started (ms). */
  readonly loopActiveMs: number;
  readonly loopIdleMs: number;
  /** CPU time of the whole process, all threads (ms). */
  readonly cpuMs: number;
  /** HTTP requests the bot's server is still working on (a run's tail drains before the next run). */
  readonly inflight: number;
  /** Log lines at level error or above: a turn that failed is still answered 200. */
  readonly loggedErrors: number;
  readonly store: StoreRequestCounts;
}

export interface BotProbe {
  inflight(): number;
  loggedErrors(): number;
  storeRequests(): StoreRequestCounts;
}

type Request = { type: 'snapshot'; id: number } | { type: 'profile-start'; id: number; dir: string; name: string } | { type: 'profile-stop'; id: number };

/** Child side: answer the driver's questions, announce readiness, stop with the driver. */
export function serveBotProbe(probe: BotProbe, ready: Record<string, unknown>, close: () => Promise<void>): void {
  if (!process.send) throw new Error('a bench bot runs as a child of bench/turns (it needs the IPC channel)');
  const send = (message: unknown) => process.send?.(message);
  let profiler: CpuProfiler | undefined;
  let stopProfile: (() => Promise<void>) | undefined;
  process.on('message', (raw: Request) => {
    void (async () => {
      switch (raw.type) {
        case 'snapshot': {
          const loop = performance.eventLoopUtilization();
          const cpu = process.cpuUsage();
          const snapshot: BotSnapshot = {
            loopActiveMs: loop.active,
            loopIdleMs: loop.idle,
            cpuMs: (cpu.user + cpu.system) / 1000,
            inflight: probe.inflight(),
            loggedErrors: probe.loggedErrors(),
            store: probe.storeRequests(),
          };
          return send({ type: 'snapshot', id: raw.id, snapshot });
        }
        case 'profile-start':
          profiler ??= await startCpuProfiler(raw.dir);
          stopProfile = await profiler.begin(raw.name);
          return send({ type: 'done', id: raw.id });
        case 'profile-stop':
          await stopProfile?.();
          stopProfile = undefined;
          return send({ type: 'done', id: raw.id });
      }
    })();
  });
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void close()
      .catch((error: unknown) => process.stderr.write(`bench bot: close failed: ${String(error)}\n`))
      .finally(() => process.exit(0));
  };
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  send({ type: 'ready', ...ready });
}

/** Driver side. */
export interface BotProcess {
  readonly name: string;
  readonly pid: number;
  readonly ready: Record<string, unknown>;
  snapshot(): Promise<BotSnapshot>;
  profileStart(dir: string, name: string): Promise<void>;
  profileStop(): Promise<void>;
  stop(): Promise<void>;
}

/** This tree; a compared revision runs from its own worktree. */
export const ROOT = join(__dirname, '..');
const TS_NODE = require.resolve('ts-node/register/transpile-only');

/**
 * Starts `script` (a bench/ entry) the way `npm start` starts the bot: node with ts-node's
 * transpile-only hook, in its own process. Its stderr (the bot's log) goes to this process's stderr.
 */
export function startBotProcess(name: string, script: string, env: Record<string, string> = {}, timeoutMs = 60_000, root = ROOT): Promise<BotProcess> {
  const child: ChildProcess = spawn(process.execPath, ['-r', TS_NODE, join(root, script)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nextId = 0;
  const waiting = new Map<number, (message: { snapshot?: BotSnapshot }) => void>();
  const ask = <T>(message: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`${name} did not answer ${String(message.type)} within 30 s`));
      }, 30_000);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer as T);
      });
      child.send({ ...message, id });
    });

  return new Promise<BotProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} (${script}) was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} (${script}) exited (code ${code}, signal ${signal}) before it was ready`));
    });
    child.on('message', (message: { type: string; id?: number } & Record<string, unknown>) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        const { type: _type, ...ready } = message;
        resolve({
          name,
          pid: child.pid!,
          ready,
          snapshot: async () => (await ask<{ snapshot: BotSnapshot }>({ type: 'snapshot' })).snapshot,
          profileStart: async (dir, profileName) => void (await ask({ type: 'profile-start', dir, name: profileName })),
          profileStop: async () => void (await ask({ type: 'profile-stop' })),
          async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await exited;
            clearTimeout(killer);
          },
        });
        return;
      }
      if (message.id !== undefined) {
        waiting.get(message.id)?.(message as { snapshot?: BotSnapshot });
        waiting.delete(message.id);
      }
    });
  });
}
