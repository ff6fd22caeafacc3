/**
 * A pino destination that passes log lines to stderr (so they never mix with the figures on stdout)
 * and counts those at level error or above: a turn that fails is still answered 200 by the adapter,
 * so the log is where a broken run shows.
 */
export interface CountingStderr {
  write(line: string): void;
  errors(): number;
}

const PINO_ERROR_LEVEL = 50;

export function countingStderr(): CountingStderr {
  let errors = 0;
  return {
    write(line: string) {
      try {
        if ((JSON.parse(line) as { level?: number }).level! >= PINO_ERROR_LEVEL) errors += 1;
      } catch {
        errors += 1;
      }
      process.stderr.write(line);
    },
    errors: () => errors,
  };
}
