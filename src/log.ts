import pino, { Logger } from 'pino';

export type { Logger };

/**
 * Structured logs, one event per line. The redact list is a safety net: code never passes secrets
 * to the logger, but if a field with one of these names slips in it is censored.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tenant-access' },
      redact: {
        paths: [
          'token', '*.token', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken',
          'deviceCode', '*.deviceCode', 'userCode', '*.userCode', 'password', '*.password',
          'authorization', '*.authorization', 'headers.authorization', 'link', '*.link', 'secret', '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
