import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A started process that announced it is ready. */
export interface ReadyProcess {
  child: ChildProcess;
  /** The ready line, parsed. */
  ready: Record<string, unknown>;
  /** Everything the process wrote to stderr so far (the last MAX_CAPTURED characters). */
  stderr(): string;
  /** Every stdout line so far, the ready line included. */
  stdoutLines(): string[];
  /** How it ended; resolves once it has exited, for whatever reason. */
  exited: Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL if it is still running after STOP_GRACE_MS; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const STOP_GRACE_MS = 5_000;
const MAX_CAPTURED = 256 * 1024;

/**
 * Spawns `command args` with `env` on top of this process's environment and waits for the first stdout line
 * that is JSON with `event === readyEvent`. Rejects, with what the process wrote to stderr, if it exits
 * first or is not ready within `timeoutMs` (then it is killed, so no test leaves a process behind).
 */
/** SIGTERM, then SIGKILL if it is still running after STOP_GRACE_MS; resolves once it has exited. */
export async function stopGracefully(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    await exited;
    return;
  }
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(killer);
  }
}

export function spawnReady(
  command: string,
  args: string[],
  env: Record<string, string>,
  readyEvent: string,
  timeoutMs = 20_000,
): Promise<ReadyProcess> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderrText = '';
  const lines: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrText = (stderrText + chunk).slice(-MAX_CAPTURED);
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // Spawning itself failed (no such command): there will be no exit event.
    child.once('error', () => resolve({ code: null, signal: null }));
  });

  const stop = () => stopGracefully(child, exited);
  const commandLine = `${command} ${args.join(' ')}`;

  return new Promise<ReadyProcess>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      refuse(`was not ready (${readyEvent}) within ${timeoutMs} ms`);
      child.kill('SIGKILL');
    }, timeoutMs);
    const refuse = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${commandLine} ${reason}\n--- stderr ---\n${stderrText}`));
    };

    child.once('error', (error) => refuse(`could not be started: ${error.message}`));
    // The streams may still hold the last stderr lines when 'exit' fires; 'close' comes after them.
    child.once('close', (code, signal) => refuse(`exited (code ${code}, signal ${signal}) before it was ready`));

    if (!child.stdout) return refuse('has no stdout');
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (settled) return;
      const parsed = parseJsonObject(line);
      if (parsed?.event !== readyEvent) return;
      settled = true;
      clearTimeout(timer);
      resolve({ child, ready: parsed, stderr: () => stderrText, stdoutLines: () => [...lines], exited, stop });
    });
  });
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
