import { z } from 'zod';
import {
  EnvironmentResult,
  listVariable,
  LOOPBACK_HOSTS,
  loopbackHostVariable,
  optionalVariable,
  parseEnvironment,
  portVariable,
  secondsVariable,
} from '../standaloneProcess';
import type { ConfidentialClient } from './confidentialClients';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What the simulator process is started with: only the environment, so any launcher (npm, a test, a shell) can run it. */
export interface StandaloneSimulatorSettings {
  host: (typeof LOOPBACK_HOSTS)[number];
  port: number;
  /** Where to write the CA certificate; undefined: `tenant-access-simulator-<port>-ca.pem` in the temp directory. */
  caFile?: string;
  confidentialClients: ConfidentialClient[];
  clientIds?: string[];
  appDisplayName?: string;
  pollIntervalSeconds?: number;
  deviceCodeExpiresInSeconds?: number;
  logLevel: (typeof LOG_LEVELS)[number];
}

/**
 * `clientId:secret[,clientId:secret]`. The secret is everything after the first colon, so it may hold colons
 * but not commas. Messages point at an entry by position and never repeat it: it holds a secret.
 */
const confidentialClientsVariable = optionalVariable().transform((value, ctx): ConfidentialClient[] => {
  if (value === undefined) return [];
  const clients: ConfidentialClient[] = [];
  const fail = (message: string) => {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `SIM_CONFIDENTIAL_CLIENTS ${message}` });
    return z.NEVER;
  };
  for (const [index, entry] of value.split(',').entries()) {
    const colon = entry.indexOf(':');
    const clientId = colon < 0 ? '' : entry.slice(0, colon).trim();
    const secret = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!clientId || !secret) return fail(`entry ${index + 1} is not clientId:secret (expected clientId:secret[,clientId:secret])`);
    if (clients.some((client) => client.clientId === clientId)) return fail(`names client id '${clientId}' more than once`);
    clients.push({ clientId, secret });
  }
  return clients;
});

const logLevelVariable = optionalVariable().transform((value, ctx): StandaloneSimulatorSettings['logLevel'] => {
  if (value === undefined) return 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === value.toLowerCase());
  if (!level) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `SIM_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not '${value}'` });
    return z.NEVER;
  }
  return level;
});

const SimulatorEnvironment = z
  .object({
    SIM_HOST: loopbackHostVariable('SIM_HOST', LOOPBACK_HOSTS, '127.0.0.1'),
    SIM_PORT: portVariable('SIM_PORT'),
    SIM_CA_FILE: optionalVariable(),
    SIM_CONFIDENTIAL_CLIENTS: confidentialClientsVariable,
    SIM_CLIENT_IDS: listVariable('SIM_CLIENT_IDS'),
    SIM_APP_NAME: optionalVariable(),
    SIM_POLL_INTERVAL_SECONDS: secondsVariable('SIM_POLL_INTERVAL_SECONDS', { allowZero: true }),
    SIM_CODE_EXPIRES_SECONDS: secondsVariable('SIM_CODE_EXPIRES_SECONDS', { allowZero: false }),
    SIM_LOG_LEVEL: logLevelVariable,
  })
  .transform(
    (env): StandaloneSimulatorSettings => ({
      host: env.SIM_HOST,
      port: env.SIM_PORT,
      caFile: env.SIM_CA_FILE,
      confidentialClients: env.SIM_CONFIDENTIAL_CLIENTS,
      clientIds: env.SIM_CLIENT_IDS,
      appDisplayName: env.SIM_APP_NAME,
      pollIntervalSeconds: env.SIM_POLL_INTERVAL_SECONDS,
      deviceCodeExpiresInSeconds: env.SIM_CODE_EXPIRES_SECONDS,
      logLevel: env.SIM_LOG_LEVEL,
    }),
  );

export function parseSimulatorEnvironment(env: NodeJS.ProcessEnv): EnvironmentResult<StandaloneSimulatorSettings> {
  return parseEnvironment(SimulatorEnvironment, env);
}
