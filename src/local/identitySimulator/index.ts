import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import pino, { Logger } from 'pino';
import { z } from 'zod';
import { createLocalCaAsync, LocalCa } from '../localCa';
import { ConfidentialClient, ConfidentialClientRegistry } from './confidentialClients';
import { createSimulatorControl, IdentitySimulatorControl } from './control';
import { defaultSimulatedDirectory, SimulatedTenant, TenantDirectory } from './directory';
import { createRequestListener } from './server';
import { createSigningKey } from './signingKey';
import { createSimulatorState, SimulatorClock } from './state';

export { BOT_FRAMEWORK_TENANT, defaultSimulatedDirectory } from './directory';
export type { ConfidentialClient } from './confidentialClients';
export type { AccountState, SimulatedDirectory, SimulatedTenant, SimulatedUser, TenantState, VerifiedDomain } from './directory';
export type { ClockView, ControlResult, FaultRequest, IdentitySimulatorControl, RefreshFailureRequest, TenantView } from './control';
export { REFRESH_FAILURE_CODES } from './control';
export type { FaultService, FaultStatus } from './faults';
export { GRAPH_RESOURCE, TEAMS_ADMIN_RESOURCE } from './resourceConsents';
export type { SeedRequest, SeedResult, SeededRow } from './seeding';
export { MAX_SEED_COUNT, SEED_COLUMNS } from './seeding';
export type { SignInOutcome } from './deviceCodes';
export { SIGN_IN_OUTCOMES } from './deviceCodes';
export type { TokenRequestLogEntry, SimulatorClock, IssuedSecrets } from './state';

export interface IdentitySimulatorOptions {
  /** Defaults to `defaultSimulatedDirectory().tenants`. */
  tenants?: SimulatedTenant[];
  /** When given, only these apps may start sign-ins; others get AADSTS700016. Default: any client id. */
  clientIds?: string[];
  /**
   * Apps that may get app-only tokens with the client-credentials grant (e.g. the bot's own token for the Bot
   * Connector, at `<url>/botframework.com` or `<url>/<tenant id>`). Default: none.
   */
  confidentialClients?: ConfidentialClient[];
  /** The app name shown on the sign-in and consent pages. */
  appDisplayName?: string;
  /** Entra: 900. */
  deviceCodeExpiresInSeconds?: number;
  /** Entra: 5. Fractions work with MSAL (it waits `interval * 1000` ms), so tests can use 0.05. */
  pollIntervalSeconds?: number;
  /** RFC 8628: 5. How much the required gap between polls grows at each slow_down. */
  slowDownIncrementSeconds?: number;
  /** Entra: about an hour. */
  accessTokenLifetimeSeconds?: number;
  /**
   * A refresh token's inactivity window (Entra, for apps that are not single-page apps: 90 days, no fixed maximum).
   * Each token's window starts when it is issued; redeeming one issues a new token with a new window.
   */
  refreshTokenLifetimeSeconds?: number;
  /** What `<resource>/.default` grants. Default: User.Read and Organization.Read.All. */
  defaultPermissions?: string[];
  /** Loopback only. Default 127.0.0.1. */
  host?: '127.0.0.1' | '::1' | 'localhost';
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Reuse a CA (e.g. one shared with other local servers); default: a fresh one. */
  ca?: LocalCa;
  clock?: SimulatorClock;
  logger?: Logger;
}

export interface IdentitySimulator {
  /** `https://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** The CA to trust (only) in clients that talk to the simulator. */
  caPem: string;
  /** `127.0.0.1:<port>`: put it in MSAL's `knownAuthorities` so MSAL never asks login.microsoftonline.com. */
  knownAuthority: string;
  /** `https://127.0.0.1:<port>/<tenant>`: the MSAL authority for a tenant id, a domain, or organizations. */
  authorityFor(tenant: string): string;
  control: IdentitySimulatorControl;
  close(): Promise<void>;
}

const Seconds = z.number().finite().nonnegative();
const OptionsSchema = z.object({
  tenants: z
    .array(
      z.object({
        tenantId: z.string().uuid(),
        domain: z.string().min(3),
        displayName: z.string().min(1),
        users: z.array(
          z.object({
            upn: z.string().email(),
            displayName: z.string().min(1),
            oid: z.string().uuid(),
            role: z.enum(['global-admin', 'service-account']).optional(),
          }),
        ),
        adminConsentRequired: z.boolean().optional(),
      }),
    )
    .min(1)
    .refine((tenants) => unique(tenants.flatMap((tenant) => tenant.users.map((user) => user.upn.toLowerCase()))), 'user principal names must be unique')
    .refine((tenants) => unique(tenants.map((tenant) => tenant.tenantId.toLowerCase())), 'tenant ids must be unique'),
  clientIds: z.array(z.string().min(1)).optional(),
  // The messages never echo a value: a bad entry may be a secret.
  confidentialClients: z
    .array(z.object({ clientId: z.string().min(1), secret: z.string().min(1) }))
    .refine((clients) => unique(clients.map((client) => client.clientId)), 'client ids must be unique'),
  appDisplayName: z.string().min(1),
  deviceCodeExpiresInSeconds: Seconds.positive(),
  pollIntervalSeconds: Seconds,
  slowDownIncrementSeconds: Seconds,
  accessTokenLifetimeSeconds: Seconds.int().positive(),
  refreshTokenLifetimeSeconds: Seconds.int().positive(),
  defaultPermissions: z.array(z.string().min(1)).min(1),
  host: z.enum(['127.0.0.1', '::1', 'localhost']),
  port: z.number().int().min(0).max(65535),
});

/**
 * Starts a stand-in for Microsoft Entra ID (device code, token, admin consent, discovery) and the two Graph
 * endpoints the bot calls, over HTTPS on loopback with a CA made for it. Throws only on invalid options.
 */
export async function createIdentitySimulator(options: IdentitySimulatorOptions = {}): Promise<IdentitySimulator> {
  const parsed = OptionsSchema.safeParse({
    tenants: options.tenants ?? defaultSimulatedDirectory().tenants,
    clientIds: options.clientIds,
    confidentialClients: options.confidentialClients ?? [],
    appDisplayName: options.appDisplayName ?? 'Tenant Access',
    deviceCodeExpiresInSeconds: options.deviceCodeExpiresInSeconds ?? 900,
    pollIntervalSeconds: options.pollIntervalSeconds ?? 5,
    slowDownIncrementSeconds: options.slowDownIncrementSeconds ?? 5,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3599,
    refreshTokenLifetimeSeconds: options.refreshTokenLifetimeSeconds ?? 90 * 24 * 60 * 60,
    defaultPermissions: options.defaultPermissions ?? ['User.Read', 'Organization.Read.All'],
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
    throw new Error(`Invalid identity simulator options: ${problems.join('; ')}`);
  }
  const settings = parsed.data;

  // All three RSA keys (CA, server, token signing) are generated in parallel on the thread pool.
  const [ca, key] = await Promise.all([options.ca ?? createLocalCaAsync(), createSigningKey()]);

  const state = createSimulatorState({
    settings: {
      clientIds: settings.clientIds ? new Set(settings.clientIds) : undefined,
      confidentialClients: new ConfidentialClientRegistry(settings.confidentialClients),
      appDisplayName: settings.appDisplayName,
      deviceCodeExpiresInSeconds: settings.deviceCodeExpiresInSeconds,
      pollIntervalSeconds: settings.pollIntervalSeconds,
      slowDownIncrementSeconds: settings.slowDownIncrementSeconds,
      accessTokenLifetimeSeconds: settings.accessTokenLifetimeSeconds,
      refreshTokenLifetimeSeconds: settings.refreshTokenLifetimeSeconds,
      defaultPermissions: settings.defaultPermissions,
    },
    directory: new TenantDirectory({ tenants: settings.tenants }),
    key,
    clock: options.clock ?? { now: () => new Date() },
    logger: options.logger ?? pino({ level: 'silent' }),
  });
  const control = createSimulatorControl(state);
  const listener = createRequestListener(state, control);
  const server = createServer({ cert: ca.serverCertPem, key: ca.serverKeyPem }, (request, response) => {
    listener(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = settings.host === '::1' ? '[::1]' : settings.host;
  const knownAuthority = `${hostInUrl}:${port}`;
  const url = `https://${knownAuthority}`;
  state.baseUrl = url;
  state.logger.info(
    {
      event: 'identity-simulator.started',
      url,
      // Loopback only, JSON only, no browser origins; docs/SIMULATOR.md lists the switches.
      controlApi: `${url}/_sim`,
      tenants: settings.tenants.length,
      confidentialClients: settings.confidentialClients.length,
    },
    'identity simulator listening',
  );

  return {
    url,
    caPem: ca.caPem,
    knownAuthority,
    authorityFor: (tenant) => `${url}/${encodeURIComponent(tenant)}`,
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // MSAL's and the bot's keep-alive sockets would otherwise hold the server open, and so would a call
        // waiting out an added latency.
        server.closeAllConnections();
        state.delays.cancelAll();
      }),
  };
}

function unique(values: string[]): boolean {
  return new Set(values).size === values.length;
}
