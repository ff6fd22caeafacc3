import { z } from 'zod';
import { cloudOfAuthorityHost } from './domain/authorityHosts';
import { isGuid } from './domain/inputs';
import { isLoopbackHost } from './domain/loopback';
import { isIP } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { longestGap, parseSchedule } from './schedule';

/**
 * Configuration is read once, here, from the environment. Nothing else reads `process.env`.
 * Names follow the Teams Toolkit (`BOT_ID`, `BOT_PASSWORD`, `BOT_TYPE`, `BOT_TENANT_ID`) plus ours.
 */
export type BotType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMsi';

export interface Config {
  /** Local mode: no BOT_ID. Inbound auth is off and the server must listen on loopback. */
  readonly localMode: boolean;
  readonly host: string;
  readonly port: number;
  readonly publicBaseUrl: string;
  readonly providerName: string;
  /** Staff must belong to one of these Entra tenants. */
  readonly providerTenantIds: readonly string[];
  /** Entra object ids that are admins whatever the staff store says. */
  readonly bootstrapAdmins: readonly string[];
  readonly invitationTtlDays: number;
  readonly logLevel: string;
  readonly bot?: {
    readonly id: string;
    readonly password?: string;
    readonly type: BotType;
    readonly tenantId?: string;
    /** Where the channel's signing keys are published (Bot Framework's by default). */
    readonly openIdMetadataUrl: string;
    /** Where the bot gets its own token for the Bot Connector (Microsoft's by default). */
    readonly loginUrl: string;
  };
  /** Absent: the embedded Cosmos-protocol server (local mode only). */
  readonly cosmos?: {
    readonly endpoint: string;
    readonly key?: string;
    readonly managedIdentityClientId?: string;
    readonly database: string;
  };
  readonly cosmosDatabase: string;
  /** Absent: the local identity simulator (local mode only). */
  readonly entra?: {
    readonly clientId: string;
    readonly authorityHost: string;
  };
  readonly scopes: readonly string[];
  /**
   * VALIDATION_RESOURCES: more resources a validation gets a token for with the same refresh token
   * (e.g. the Teams admin API a voice provider needs), proving the tenant's consent covers them.
   */
  readonly validationResources: readonly string[];
  /**
   * VALIDATION_SCHEDULE: when the sweep validates every tenant (a cron pattern, UTC); undefined when
   * it is off. At most 30 days between runs: every validation redeems the refresh token, which dies
   * after 90 idle days.
   */
  readonly validationSchedule?: string;
  /** VALIDATION_CONCURRENCY: tenants a sweep validates at once. */
  readonly validationConcurrency: number;
  /** The app registration's display name: what Microsoft shows the customer admin at sign-in. */
  readonly appName: string;
  readonly graphBaseUrl?: string;
  /** Absent: an ephemeral key (local mode only). Raw spec, parsed by the crypto module. */
  readonly tokenEncryptionKey?: string;
  /** Requests per client per minute on the customer routes (invitation, reviewer, consent callback). */
  readonly customerRateLimitPerMinute: number;
  /** Reverse proxies whose X-Forwarded-For is believed (App Service's front end). */
  readonly trustedProxies: readonly string[];
  /** Every wait the service makes, so tests can make them short (README: "Timings"). */
  readonly timings: Timings;
  /**
   * Local mode: where its CA is kept across restarts (LOCAL_CACHE_DIR, else the user's cache folder).
   * Absent in production, and when there is no home to default to: then each start makes a new CA.
   */
  readonly localCacheDir?: string;
}

/** Milliseconds, each with a production default. */
export interface Timings {
  /** How long an instance's lease lives without renewal; flows owned by a dead instance are interrupted after it. */
  readonly leaseTtlMs: number;
  /** How often the lease is renewed (and orphaned flows looked for). */
  readonly leaseRenewMs: number;
  /** A sign-in whose device code has not arrived within this time is treated as dead. */
  readonly codeRequestGraceMs: number;
  /** Deadline of one Cosmos DB request (the SDK's own request timeout). */
  readonly storeTimeoutMs: number;
  /** Deadline of one request to Microsoft Entra ID (discovery, device code, token). */
  readonly entraTimeoutMs: number;
  /** Deadline of one request to Microsoft Graph. */
  readonly graphTimeoutMs: number;
  /** How long a client may take to send the request headers, and the whole request. */
  readonly httpHeadersTimeoutMs: number;
  readonly httpRequestTimeoutMs: number;
  /** What one chat message may take in all (Teams gives up at about 15 s). */
  readonly turnBudgetMs: number;
  /** What one card action may take (Teams wants an invoke answer within about 5 s). */
  readonly invokeBudgetMs: number;
  /** What one customer page request may take. */
  readonly pageBudgetMs: number;
  /** What `/readyz` may take before it answers 503. */
  readonly readyBudgetMs: number;
  /** What one validation of a tenant may take in all (its checks, then its writes). */
  readonly validationTimeoutMs: number;
  /** The runner lease (one instance runs the sweeps and the orphan sweep): how long it lives without renewal. */
  readonly runnerLeaseTtlMs: number;
  /** How often every instance renews or tries to take the runner lease (shorter than its TTL). */
  readonly runnerLeaseRenewMs: number;
  /** What one tenant may take in a sweep, its retries and their waits included. */
  readonly sweepTenantDeadlineMs: number;
}

/** The settings behind `Timings`: variable, default, and the range a value must fall in. */
export const TIMING_SETTINGS = {
  leaseTtlMs: { variable: 'LEASE_TTL_MS', defaultMs: 60_000, minMs: 1_000, maxMs: 3_600_000 },
  leaseRenewMs: { variable: 'LEASE_RENEW_MS', defaultMs: 20_000, minMs: 100, maxMs: 1_200_000 },
  codeRequestGraceMs: { variable: 'SIGN_IN_CODE_GRACE_MS', defaultMs: 60_000, minMs: 100, maxMs: 600_000 },
  storeTimeoutMs: { variable: 'STORE_TIMEOUT_MS', defaultMs: 5_000, minMs: 100, maxMs: 60_000 },
  entraTimeoutMs: { variable: 'ENTRA_TIMEOUT_MS', defaultMs: 30_000, minMs: 100, maxMs: 120_000 },
  graphTimeoutMs: { variable: 'GRAPH_TIMEOUT_MS', defaultMs: 10_000, minMs: 100, maxMs: 120_000 },
  httpHeadersTimeoutMs: { variable: 'HTTP_HEADERS_TIMEOUT_MS', defaultMs: 20_000, minMs: 100, maxMs: 300_000 },
  httpRequestTimeoutMs: { variable: 'HTTP_REQUEST_TIMEOUT_MS', defaultMs: 30_000, minMs: 100, maxMs: 600_000 },
  turnBudgetMs: { variable: 'TURN_BUDGET_MS', defaultMs: 10_000, minMs: 100, maxMs: 14_000 },
  invokeBudgetMs: { variable: 'INVOKE_BUDGET_MS', defaultMs: 4_000, minMs: 100, maxMs: 4_500 },
  pageBudgetMs: { variable: 'PAGE_BUDGET_MS', defaultMs: 8_000, minMs: 100, maxMs: 30_000 },
  readyBudgetMs: { variable: 'READY_BUDGET_MS', defaultMs: 2_000, minMs: 100, maxMs: 10_000 },
  validationTimeoutMs: { variable: 'VALIDATION_TIMEOUT_MS', defaultMs: 60_000, minMs: 500, maxMs: 600_000 },
  runnerLeaseTtlMs: { variable: 'RUNNER_LEASE_TTL_MS', defaultMs: 30_000, minMs: 1_000, maxMs: 600_000 },
  runnerLeaseRenewMs: { variable: 'RUNNER_LEASE_RENEW_MS', defaultMs: 10_000, minMs: 100, maxMs: 200_000 },
  sweepTenantDeadlineMs: { variable: 'SWEEP_TENANT_DEADLINE_MS', defaultMs: 300_000, minMs: 1_000, maxMs: 3_600_000 },
} as const satisfies Record<keyof Timings, { variable: string; defaultMs: number; minMs: number; maxMs: number }>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };


/** The identities in `.m365agentsplayground.yml`, plus the Playground's built-in defaults. */
export const LOCAL_PLAYGROUND = {
  tenantIds: ['9f6a1f3e-2b8c-4d5e-a7f0-1c2d3e4f5a6b', '00000000-0000-0000-0000-0000000000001'],
  adminObjectIds: ['5b8e2c1a-7d4f-4e3b-9a6c-0f1e2d3c4b5a', '00000000-0000-0000-0000-0000000000020'],
} as const;

const optionalText = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === '' ? undefined : s));

const csv = optionalText.transform((s) =>
  s === undefined ? [] : s.split(',').map((p) => p.trim()).filter((p) => p.length > 0),
);

const httpUrl = (name: string, httpsOnly = false) =>
  optionalText.refine(
    (s) => {
      if (s === undefined) return true;
      try {
        const u = new URL(s);
        return httpsOnly ? u.protocol === 'https:' : u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { message: `${name} must be an absolute ${httpsOnly ? 'https' : 'http(s)'} URL` },
  );

const timingSchema = Object.fromEntries(
  Object.values(TIMING_SETTINGS).map(({ variable, minMs, maxMs }) => [
    variable,
    optionalText.refine(
      (s) => s === undefined || (/^\d+$/.test(s) && Number(s) >= minMs && Number(s) <= maxMs),
      `${variable} must be a whole number of milliseconds between ${minMs} and ${maxMs}`,
    ),
  ]),
) as unknown as Record<(typeof TIMING_SETTINGS)[keyof Timings]['variable'], typeof optionalText>;

const envSchema = z.object({
  ...timingSchema,
  BOT_ID: optionalText.refine((s) => s === undefined || isGuid(s), "BOT_ID must be the bot's Microsoft App ID (a GUID)"),
  BOT_PASSWORD: optionalText,
  BOT_TYPE: optionalText.pipe(z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMsi']).optional()),
  BOT_TENANT_ID: optionalText.refine((s) => s === undefined || isGuid(s), 'BOT_TENANT_ID must be a GUID'),
  BOT_OPENID_METADATA_URL: httpUrl('BOT_OPENID_METADATA_URL', true),
  BOT_LOGIN_URL: httpUrl('BOT_LOGIN_URL', true),
  HOST: optionalText,
  PORT: optionalText.refine((s) => s === undefined || /^\d{1,5}$/.test(s), 'PORT must be a number'),
  PUBLIC_BASE_URL: httpUrl('PUBLIC_BASE_URL'),
  PROVIDER_NAME: optionalText,
  PROVIDER_TENANT_ID: csv.refine((ids) => ids.every((id) => isGuid(id)), 'PROVIDER_TENANT_ID must be a GUID (or a comma-separated list of GUIDs)'),
  BOOTSTRAP_ADMINS: csv.refine((ids) => ids.every((id) => isGuid(id)), 'BOOTSTRAP_ADMINS must be a comma-separated list of Entra object ids (GUIDs)'),
  INVITATION_TTL_DAYS: optionalText.refine(
    (s) => s === undefined || (/^\d+(\.\d+)?$/.test(s) && Number(s) > 0 && Number(s) <= 90),
    'INVITATION_TTL_DAYS must be a number of days between 0 and 90',
  ),
  LOG_LEVEL: optionalText.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  COSMOS_ENDPOINT: httpUrl('COSMOS_ENDPOINT'),
  COSMOS_KEY: optionalText,
  COSMOS_MANAGED_IDENTITY_CLIENT_ID: optionalText,
  COSMOS_DATABASE: optionalText.refine((s) => s === undefined || /^[A-Za-z0-9_-]{1,255}$/.test(s), 'COSMOS_DATABASE may use letters, digits, - and _'),
  ENTRA_CLIENT_ID: optionalText.refine((s) => s === undefined || isGuid(s), 'ENTRA_CLIENT_ID must be the app registration\'s client id (a GUID)'),
  ENTRA_AUTHORITY_HOST: httpUrl('ENTRA_AUTHORITY_HOST', true),
  ENTRA_SCOPES: optionalText,
  ENTRA_APP_NAME: optionalText,
  GRAPH_BASE_URL: httpUrl('GRAPH_BASE_URL', true),
  TOKEN_ENCRYPTION_KEY: optionalText,
  CUSTOMER_RATE_LIMIT_PER_MINUTE: optionalText.refine((s) => s === undefined || (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 100_000), 'CUSTOMER_RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 100000'),
  LOCAL_CACHE_DIR: optionalText.refine((s) => s === undefined || isAbsolute(s), 'LOCAL_CACHE_DIR must be an absolute path'),
  // Only to find the user's cache folder (XDG Base Directory: $XDG_CACHE_HOME, else ~/.cache).
  XDG_CACHE_HOME: optionalText,
  HOME: optionalText,
  VALIDATION_RESOURCES: csv.refine((entries) => entries.length <= 10, 'VALIDATION_RESOURCES may name at most 10 resources').refine(
    (entries) => entries.every(isValidationResource),
    'VALIDATION_RESOURCES must be a comma-separated list of resources (https://… or an app id) or scopes (https://…/permission, https://…/.default)',
  ),
  VALIDATION_SCHEDULE: optionalText,
  VALIDATION_CONCURRENCY: optionalText.refine((s) => s === undefined || (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 64), 'VALIDATION_CONCURRENCY must be a whole number from 1 to 64'),
  TRUSTED_PROXIES: csv.refine((ips) => ips.every((ip) => isIP(ip.replace(/^\[|\]$/g, '')) !== 0), 'TRUSTED_PROXIES must be a comma-separated list of IP addresses'),
});

/** Bot Framework's public-cloud signing keys (botframework-connector's AuthenticationConstants). */
export const BOT_FRAMEWORK_OPENID_METADATA_URL = 'https://login.botframework.com/v1/.well-known/openidconfiguration';

/** Every 6 hours, on the hour (UTC). */
export const DEFAULT_VALIDATION_SCHEDULE = '0 */6 * * *';
/** Refresh tokens die after 90 idle days: a sweep at least every 30 leaves room for two missed runs. */
export const MAX_DAYS_BETWEEN_SWEEPS = 30;

const DEFAULT_SCOPES = ['https://graph.microsoft.com/Organization.Read.All', 'https://graph.microsoft.com/User.Read'];

/** A resource (an https URI or an app id), or one of its scopes (`…/permission`, `…/.default`): no spaces, no query. */
function isValidationResource(entry: string): boolean {
  if (/\s/.test(entry) || entry.length > 300) return false;
  const [appId, permission, ...rest] = entry.split('/');
  if (isGuid(appId) && rest.length === 0) return permission === undefined || /^[\w.-]+$/.test(permission);
  try {
    const url = new URL(entry);
    return url.protocol === 'https:' && url.search === '' && url.hash === '' && url.username === '' && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/**
 * VALIDATION_SCHEDULE as given: `off`, or a cron pattern whose runs are never more than 30 days
 * apart. The default is not checked here (its runs are 6 hours apart; test/config.test.ts checks it),
 * so a start without the variable does not pay for the look at four years of runs.
 */
function validationScheduleOf(raw: string | undefined, errors: string[]): string | undefined {
  if (raw === undefined) return DEFAULT_VALIDATION_SCHEDULE;
  if (raw.toLowerCase() === 'off') return undefined;
  const parsed = parseSchedule(raw);
  if (!parsed.ok) {
    errors.push(`VALIDATION_SCHEDULE="${raw}" is not a cron pattern (minute hour day-of-month month day-of-week, in UTC; or \`off\`): ${parsed.message}`);
    return undefined;
  }
  const limitMs = MAX_DAYS_BETWEEN_SWEEPS * 24 * 60 * 60 * 1000;
  const gap = longestGap(parsed.schedule, limitMs);
  if (gap.gapMs > limitMs) {
    const when = gap.to ? ` (from ${gap.from.toISOString().slice(0, 16)} to ${gap.to.toISOString().slice(0, 16)} UTC)` : '';
    errors.push(
      `VALIDATION_SCHEDULE="${raw}" leaves ${gap.gapMs === Infinity ? 'no further run' : `${spanOf(gap.gapMs)} between two sweeps`}${when}; it must run at least every ${MAX_DAYS_BETWEEN_SWEEPS} days, ` +
        `since every validation renews the refresh token and a refresh token dies after 90 idle days. The default is "${DEFAULT_VALIDATION_SCHEDULE}" (every 6 hours); \`off\` turns the sweep off.`,
    );
  }
  return raw;
}

/** "31 days", "30 days 0 h 1 min". */
function spanOf(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const rest = minutes - days * 1440;
  return `${days} days${rest === 0 ? '' : ` ${Math.floor(rest / 60)} h ${rest % 60} min`}`;
}

/** `$LOCAL_CACHE_DIR`, else `$XDG_CACHE_HOME/tenant-access`, else `~/.cache/tenant-access`; only absolute paths count. */
function localCacheDirOf(e: { LOCAL_CACHE_DIR?: string; XDG_CACHE_HOME?: string; HOME?: string }): string | undefined {
  if (e.LOCAL_CACHE_DIR !== undefined) return e.LOCAL_CACHE_DIR;
  if (e.XDG_CACHE_HOME !== undefined && isAbsolute(e.XDG_CACHE_HOME)) return join(e.XDG_CACHE_HOME, 'tenant-access');
  if (e.HOME !== undefined && isAbsolute(e.HOME)) return join(e.HOME, '.cache', 'tenant-access');
  return undefined;
}

/** Where links point when PUBLIC_BASE_URL is not set: the bot's own address. */
export function defaultPublicBaseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Parses the environment into a Config, or lists every problem by variable name. */
export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? 'environment');
        return i.message.startsWith(name) ? i.message : `${name}: ${i.message}`;
      }),
    };
  }
  const e = parsed.data;
  const errors: string[] = [];
  const localMode = e.BOT_ID === undefined;
  const host = e.HOST ?? (localMode ? '127.0.0.1' : '0.0.0.0');
  const port = e.PORT === undefined ? 3978 : Number(e.PORT);
  if (port > 65535) errors.push('PORT must be between 1 and 65535 (0 picks a free port)');

  if (localMode && !isLoopbackHost(host)) {
    errors.push(
      `HOST=${host} is not a loopback address, but BOT_ID is not set: without BOT_ID inbound authentication is off, ` +
        'so the bot only listens on 127.0.0.1 / ::1 / localhost. Set BOT_ID (and BOT_PASSWORD) to serve other hosts.',
    );
  }
  const botType = e.BOT_TYPE ?? 'MultiTenant';
  if (!localMode && botType !== 'MultiTenant' && e.BOT_TENANT_ID === undefined) {
    errors.push(`BOT_TENANT_ID is required when BOT_TYPE=${botType}`);
  }
  if (!localMode) {
    // Production refuses silent fallbacks that would lose data or weaken security.
    if (e.COSMOS_ENDPOINT === undefined) errors.push('COSMOS_ENDPOINT is required when BOT_ID is set (the in-memory store is for local mode only)');
    if (e.ENTRA_CLIENT_ID === undefined) errors.push('ENTRA_CLIENT_ID is required when BOT_ID is set (the identity simulator is for local mode only)');
    if (e.TOKEN_ENCRYPTION_KEY === undefined) errors.push('TOKEN_ENCRYPTION_KEY is required when BOT_ID is set (ephemeral keys are for local mode only)');
    if (e.PUBLIC_BASE_URL === undefined) errors.push('PUBLIC_BASE_URL is required when BOT_ID is set (invitation links point there)');
    if (e.PROVIDER_TENANT_ID.length === 0) errors.push('PROVIDER_TENANT_ID is required when BOT_ID is set (staff must belong to it)');
    // Invitation links are credentials: they travel over https only.
    if (e.PUBLIC_BASE_URL !== undefined && new URL(e.PUBLIC_BASE_URL).protocol !== 'https:') errors.push('PUBLIC_BASE_URL must be an https URL when BOT_ID is set (invitation links are credentials)');
  }
  if (e.COSMOS_ENDPOINT !== undefined) {
    const endpoint = new URL(e.COSMOS_ENDPOINT);
    // The account key signs every request, and data (sealed tokens included) crosses the wire: plain http only on this machine.
    if (endpoint.protocol !== 'https:' && !isLoopbackHost(endpoint.hostname)) {
      errors.push(`COSMOS_ENDPOINT must be https unless it is on this machine (${endpoint.host} is not loopback)`);
    }
  }
  if (e.COSMOS_ENDPOINT !== undefined && e.COSMOS_KEY === undefined && e.COSMOS_MANAGED_IDENTITY_CLIENT_ID === undefined) {
    errors.push('COSMOS_ENDPOINT needs COSMOS_KEY or COSMOS_MANAGED_IDENTITY_CLIENT_ID');
  }
  for (const [variable, value] of [
    ['ENTRA_AUTHORITY_HOST', e.ENTRA_AUTHORITY_HOST],
    ['BOT_LOGIN_URL', e.BOT_LOGIN_URL],
  ] as const) {
    const cloud = value === undefined ? undefined : cloudOfAuthorityHost(new URL(value).host);
    if (cloud?.kind === 'unsupported-cloud') {
      errors.push(
        `${variable}=${value} is Microsoft's ${cloud.name} cloud, which Tenant Access does not support: its Graph and Bot Framework ` +
          'endpoints differ from the public cloud\'s. Use the public cloud (https://login.microsoftonline.com), or leave the variable unset.',
      );
    }
  }
  const timings = Object.fromEntries(
    (Object.entries(TIMING_SETTINGS) as [keyof Timings, (typeof TIMING_SETTINGS)[keyof Timings]][]).map(([key, setting]) => {
      const raw = e[setting.variable];
      return [key, raw === undefined ? setting.defaultMs : Number(raw)];
    }),
  ) as unknown as Timings;
  if (timings.httpHeadersTimeoutMs > timings.httpRequestTimeoutMs) errors.push('HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS');
  if (!localMode && botType !== 'UserAssignedMsi' && e.BOT_PASSWORD === undefined) {
    errors.push(`BOT_PASSWORD is required when BOT_TYPE=${botType} (the bot's client secret, for its own token to the Bot Connector)`);
  }
  if (timings.leaseRenewMs >= timings.leaseTtlMs) errors.push('LEASE_RENEW_MS must be shorter than LEASE_TTL_MS (a lease must be renewed before it lapses)');
  if (timings.runnerLeaseRenewMs * 2 > timings.runnerLeaseTtlMs) errors.push('RUNNER_LEASE_RENEW_MS must be at most half of RUNNER_LEASE_TTL_MS (the runner lease is renewed at least twice within its life)');
  const validationSchedule = validationScheduleOf(e.VALIDATION_SCHEDULE, errors);
  const scopes = e.ENTRA_SCOPES === undefined ? DEFAULT_SCOPES : e.ENTRA_SCOPES.split(/[\s,]+/).filter((s) => s.length > 0);
  if (scopes.length === 0) errors.push('ENTRA_SCOPES must name at least one scope');
  if (errors.length > 0) return { ok: false, errors };

  const cosmosDatabase = e.COSMOS_DATABASE ?? 'tenant-access';
  return {
    ok: true,
    config: {
      localMode,
      host,
      port,
      publicBaseUrl: (e.PUBLIC_BASE_URL ?? defaultPublicBaseUrl(host, port)).replace(/\/+$/, ''),
      providerName: e.PROVIDER_NAME ?? (localMode ? 'Woodgrove Managed Services' : 'Your service provider'),
      providerTenantIds: e.PROVIDER_TENANT_ID.length > 0 ? e.PROVIDER_TENANT_ID.map((t) => t.toLowerCase()) : [...LOCAL_PLAYGROUND.tenantIds],
      bootstrapAdmins: [
        ...e.BOOTSTRAP_ADMINS.map((a) => a.toLowerCase()),
        ...(localMode ? LOCAL_PLAYGROUND.adminObjectIds : []),
      ],
      invitationTtlDays: e.INVITATION_TTL_DAYS === undefined ? 7 : Number(e.INVITATION_TTL_DAYS),
      logLevel: e.LOG_LEVEL ?? 'info',
      bot: localMode
        ? undefined
        : {
            id: e.BOT_ID!,
            password: e.BOT_PASSWORD,
            type: botType,
            tenantId: e.BOT_TENANT_ID,
            openIdMetadataUrl: e.BOT_OPENID_METADATA_URL ?? BOT_FRAMEWORK_OPENID_METADATA_URL,
            // MultiTenant bots get their token from Bot Framework's own tenant; single-tenant ones from theirs.
            loginUrl: (e.BOT_LOGIN_URL ?? `https://login.microsoftonline.com/${botType === 'MultiTenant' ? 'botframework.com' : e.BOT_TENANT_ID}`).replace(/\/+$/, ''),
          },
      cosmos:
        e.COSMOS_ENDPOINT === undefined
          ? undefined
          : { endpoint: e.COSMOS_ENDPOINT, key: e.COSMOS_KEY, managedIdentityClientId: e.COSMOS_MANAGED_IDENTITY_CLIENT_ID, database: cosmosDatabase },
      cosmosDatabase,
      entra:
        e.ENTRA_CLIENT_ID === undefined
          ? undefined
          : { clientId: e.ENTRA_CLIENT_ID, authorityHost: (e.ENTRA_AUTHORITY_HOST ?? 'https://login.microsoftonline.com').replace(/\/+$/, '') },
      scopes,
      validationResources: e.VALIDATION_RESOURCES.map((r) => r.replace(/\/+$/, '')),
      validationSchedule,
      validationConcurrency: e.VALIDATION_CONCURRENCY === undefined ? 16 : Number(e.VALIDATION_CONCURRENCY),
      appName: e.ENTRA_APP_NAME ?? 'Tenant Access',
      graphBaseUrl: e.GRAPH_BASE_URL?.replace(/\/+$/, ''),
      tokenEncryptionKey: e.TOKEN_ENCRYPTION_KEY,
      customerRateLimitPerMinute: e.CUSTOMER_RATE_LIMIT_PER_MINUTE === undefined ? 120 : Number(e.CUSTOMER_RATE_LIMIT_PER_MINUTE),
      trustedProxies: e.TRUSTED_PROXIES,
      timings,
      localCacheDir: localMode ? localCacheDirOf(e) : undefined,
    },
  };
}
