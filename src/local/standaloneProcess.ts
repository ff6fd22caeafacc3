import { z } from 'zod';

/**
 * What the local servers that run as their own process (the identity simulator, the Cosmos-protocol server)
 * share: environment parsing whose messages name the variable, one JSON "ready" line on stdout for whoever
 * started them, and a clean exit on SIGTERM/SIGINT.
 */

export const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'] as const;
export type LoopbackHost = (typeof LOOPBACK_HOSTS)[number];

/** Exit status for an environment that does not parse: nothing was started. */
export const EXIT_BAD_ENVIRONMENT = 2;
/** Exit status for a failure after the environment parsed (port taken, CA file not writable, ...). */
export const EXIT_FAILED = 1;

/** An unset variable and one set to the empty string mean the same: "use the default". */
export function optionalVariable(): z.ZodEffects<z.ZodOptional<z.ZodString>, string | undefined> {
  return z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
}

export function loopbackHostVariable<T extends LoopbackHost>(name: string, allowed: readonly T[], fallback: T) {
  return optionalVariable().transform((value, ctx): T => {
    if (value === undefined) return fallback;
    const host = allowed.find((candidate) => candidate === value.toLowerCase());
    if (!host) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${name} must be a loopback address (${allowed.join(', ')}), not '${value}'` });
      return z.NEVER;
    }
    return host;
  });
}

export function portVariable(name: string) {
  return optionalVariable().transform((value, ctx): number => {
    if (value === undefined) return 0;
    const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
    if (!(port >= 0 && port <= 65535)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${name} must be a port number from 0 to 65535 (0 picks a free one), not '${value}'` });
      return z.NEVER;
    }
    return port;
  });
}

export function secondsVariable(name: string, { allowZero }: { allowZero: boolean }) {
  return optionalVariable().transform((value, ctx): number | undefined => {
    if (value === undefined) return undefined;
    const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(seconds) || (!allowZero && seconds === 0)) {
      const range = allowZero ? 'zero or more' : 'more than zero';
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${name} must be a number of seconds, ${range} (fractions allowed), not '${value}'` });
      return z.NEVER;
    }
    return seconds;
  });
}

/** A comma-separated list; blanks around items are dropped, an empty item is an error. */
export function listVariable(name: string) {
  return optionalVariable().transform((value, ctx): string[] | undefined => {
    if (value === undefined) return undefined;
    const items = value.split(',').map((item) => item.trim());
    if (items.some((item) => item.length === 0)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${name} must be a comma-separated list without empty items` });
      return z.NEVER;
    }
    return items;
  });
}

export type EnvironmentResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parses `env` with `schema`; every problem is a sentence that starts with the variable's name. */
export function parseEnvironment<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, env: NodeJS.ProcessEnv): EnvironmentResult<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
    }),
  };
}

export interface RunningServer {
  /** Written to stdout as one JSON line once the server listens; `event` first. */
  ready: { event: string } & Record<string, unknown>;
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 5_000;

/**
 * Runs a local server as a process: refuses a bad environment (exit 2, problems on stderr), starts the server,
 * writes the ready line and stops on SIGTERM/SIGINT (exit 0). stdout carries the ready line and nothing else,
 * so the parent can read it without picking through logs.
 */
export async function runStandalone<T>(options: {
  /** For messages on stderr: "identity simulator", "cosmos server". */
  name: string;
  environment: EnvironmentResult<T>;
  start(settings: T): Promise<RunningServer>;
}): Promise<void> {
  const { name, environment } = options;
  if (!environment.ok) {
    process.stderr.write(`${name}: invalid environment:\n${environment.problems.map((problem) => `  - ${problem}\n`).join('')}`);
    process.exit(EXIT_BAD_ENVIRONMENT);
  }
  let server: RunningServer;
  try {
    server = await options.start(environment.value);
  } catch (error) {
    process.stderr.write(`${name}: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT_FAILED);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // A server that hangs on close must not keep a test run (or a terminal) waiting forever.
    setTimeout(() => {
      process.stderr.write(`${name}: did not stop within ${STOP_TIMEOUT_MS} ms after ${signal}\n`);
      process.exit(EXIT_FAILED);
    }, STOP_TIMEOUT_MS).unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${name}: failed to stop: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(EXIT_FAILED);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.stdout.write(`${JSON.stringify(server.ready)}\n`);
}
