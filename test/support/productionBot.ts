import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { stopGracefully } from './childProcess';

/**
 * The production build as it runs: `node dist/bot/index.js` in its own process, configured by its
 * environment alone. Nothing of the jest process's environment leaks in except PATH and HOME, so a
 * variable the test forgot is a variable the bot does not have. Its stdout (pino JSON lines) and
 * stderr are captured for assertions and for failure messages.
 */

/** Where `npm test` compiles the entry point (tsconfig.build.json). */
export const PRODUCTION_ENTRY = resolve(__dirname, '../../dist/bot/index.js');

const MAX_CAPTURED = 256 * 1024;

export interface ProductionBot {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<PORT>`: where the bot listens (not PUBLIC_BASE_URL). */
  readonly url: string;
  /** Every stdout line so far, as written. */
  stdoutLines(): string[];
  /** The stdout lines that are JSON objects (pino's records), parsed. */
  records(): Record<string, unknown>[];
  /** Everything written to stderr so far (the last MAX_CAPTURED characters). */
  stderr(): string;
  /** The tail of stdout and stderr, for failure messages. */
  describe(): string;
  /** Resolves once the process has exited, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface StartProductionBotOptions {
  /**
   * The bot's whole configuration (PATH and HOME are added). Must include HOST and PORT; PORT 0 lets
   * the bot take a free port itself (held from the moment it is chosen), read from its
   * `server.listening` record: no other process can take it in between.
   */
  readonly env: Record<string, string>;
  /** Default: PRODUCTION_ENTRY. */
  readonly entry?: string;
  /** How long to wait for `GET /readyz` to answer 200. */
  readonly readyTimeoutMs?: number;
  /** Node options before the entry (e.g. `--require` of an observer); default none. */
  readonly nodeArgs?: readonly string[];
}

/** Fails with what to do when the production build is missing (`npm test` makes it before jest runs). */
export function requireProductionBuild(entry = PRODUCTION_ENTRY): string {
  if (!existsSync(entry)) {
    throw new Error(
      `The production build is missing: ${entry} does not exist. \`npm test\` compiles it before jest runs; ` +
        'to run this suite on its own, build it first: npx rimraf dist && npx tsc -p tsconfig.build.json --noCheck && npm run build:assets',
    );
  }
  return entry;
}

/** Starts the production entry point and waits until `GET /readyz` answers 200. */
export async function startProductionBot(options: StartProductionBotOptions): Promise<ProductionBot> {
  const entry = requireProductionBuild(options.entry);
  const { HOST: host, PORT: port } = options.env;
  if (!host || !port) throw new Error('startProductionBot: env must set HOST and PORT');
  const env: Record<string, string> = { ...options.env };
  for (const name of ['PATH', 'HOME'] as const) {
    const value = process.env[name];
    if (value !== undefined && env[name] === undefined) env[name] = value;
  }

  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderrText = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrText = (stderrText + chunk).slice(-MAX_CAPTURED);
  });
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    // 'close' comes after the last bytes of stdout and stderr, so a failure message has all of them.
    child.once('close', (code, signal) => done((exitInfo = { code, signal })));
    child.once('error', (error) => {
      stderrText += `\n(spawn failed: ${error.message})`;
      done((exitInfo = { code: null, signal: null }));
    });
  });

  const records = () =>
    lines.flatMap((line) => {
      try {
        const value: unknown = JSON.parse(line);
        return typeof value === 'object' && value !== null && !Array.isArray(value) ? [value as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  const describe = () => `--- stdout (last lines) ---\n${lines.slice(-40).join('\n')}\n--- stderr ---\n${stderrText.slice(-8_000)}`;
  const stop = () => stopGracefully(child, exited);

  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  // PORT=0: the bot names the port it took in its start-up record; until then there is nothing to ask.
  let url = port === '0' ? undefined : `http://${host}:${port}`;
  let lastAnswer = url ? 'no answer yet' : 'no server.listening record yet';
  for (;;) {
    if (exitInfo) {
      throw new Error(`node ${entry} exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before it was ready\n${describe()}`);
    }
    url ??= listeningUrlOf(records());
    if (url) {
      try {
        const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
        const text = await response.text();
        if (response.status === 200) return { child, url, stdoutLines: () => [...lines], records, stderr: () => stderrText, describe, exited, stop };
        lastAnswer = `HTTP ${response.status} ${text}`;
      } catch (error) {
        lastAnswer = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`node ${entry} was not ready within ${timeoutMs} ms (${url ? `GET ${url}/readyz` : 'PORT=0'}: ${lastAnswer})\n${describe()}`);
    }
    await new Promise((done) => setTimeout(done, url ? 50 : 20));
  }
}

/** The `url` of the bot's `server.listening` record, once it has written it. */
function listeningUrlOf(records: readonly Record<string, unknown>[]): string | undefined {
  const url = records.find((r) => r.event === 'server.listening')?.url;
  return typeof url === 'string' ? url : undefined;
}
