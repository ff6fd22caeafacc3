import type { Server } from 'restify';
import type { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import type { AddressInfo } from 'node:net';
import { Agent } from 'node:https';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import { createAudit } from '../src/audit/recordAudit';
import { Clock, systemClock } from '../src/clock';
import { Config, defaultPublicBaseUrl } from '../src/config';
import { isLoopbackHost } from '../src/net/loopback';
import { createServer as createNetServer } from 'node:net';
import { EntraTenantDirectory, TenantDirectory } from '../src/identity/tenantDirectory';
import type { Logger } from '../src/log';
// Types only: local mode's parts are loaded with a dynamic import, and only in local mode.
import type { IdentitySimulator, IdentitySimulatorOptions } from '../src/local/identitySimulator';
import { cryptoRandom, Random } from '../src/random';
import { AuditRepository } from '../src/store/auditRepository';
import { ConversationRepository } from '../src/store/conversationRepository';
import { openStore, Store } from '../src/store/cosmosStore';
import { InvitationRepository } from '../src/store/invitationRepository';
import { StaffRepository } from '../src/store/staffRepository';
import { TenantRepository } from '../src/store/tenantRepository';
import { PendingInvitationGuards } from '../src/store/pendingInvitationGuards';
import { createAdapter } from './adapter';
import { createApp } from './app';
import { ConversationTracker } from './conversationTracker';
import { createInboundAuthenticator, InboundAuthenticator } from './inboundAuth';
import { BotNotifier, Notifier } from './notifier';
import { createServer } from './server';
import type { BotServices } from './services';
import { invitePageRoutes } from './invitePage/routes';
import { ephemeralKeyring, parseKeyring, SecretBox } from '../src/crypto/secretBox';
import { createEntraNetworkClient } from '../src/identity/entraNetworkClient';
import { MsalDeviceCodeAuthority } from '../src/identity/deviceCodeSignIn';
import { TokenCacheStore } from '../src/identity/tokenCacheStore';
import { TokenCacheRepository } from '../src/store/tokenCacheRepository';
import { LeaseRepository } from '../src/store/leaseRepository';
import { InstanceLease } from '../src/onboarding/instanceLease';
import { SignInFlows } from '../src/onboarding/signInFlows';
import type { DeviceCodeAuthority } from '../src/identity/deviceCodeSignIn';
import { staffNotifications } from './staffNotifications';
import { GraphOrganizationReader } from '../src/graph/organization';
import { cloudOfAuthorityHost } from '../src/identity/authorityHosts';
import { botCredentialsFactory } from './botCredentials';
import { withDeadline } from '../src/deadline';
import { createClientRateLimit } from './clientRateLimit';

/** The client id the local identity simulator knows the bot by (it is not an Entra app). */
export const LOCAL_CLIENT_ID = '0b5e7a3c-1d2f-4e6a-8b9c-0d1e2f3a4b5c';

export interface ComposeOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Tests: outbound credentials that work offline, and a local OpenID metadata URL. */
  readonly credentialsFactory?: ServiceClientCredentialsFactory;
  readonly openIdMetadataUrl?: string;
  /** Tests: a different identity port (e.g. one that fails on purpose). */
  readonly deviceCodeAuthority?: DeviceCodeAuthority;
  /** Tests: options for the local identity simulator (short code lifetimes, poll intervals). */
  readonly simulatorOptions?: Omit<IdentitySimulatorOptions, 'logger'>;
  /** Tests: a fixed process instance id (to simulate restarts). */
  readonly instanceId?: string;
  /** Tests: trust this CA for Entra (a simulator standing in for ENTRA_AUTHORITY_HOST). */
  readonly entraCaPem?: string;
}

export interface RunningBot {
  readonly url: string;
  readonly server: Server;
  readonly services: BotServices;
  readonly notifier: Notifier;
  readonly store: Store;
  readonly simulator?: IdentitySimulator;
  readonly adapter: TeamsAdapter;
  readonly flows: SignInFlows;
  /** What stands behind the bot, for the start-up guide. */
  readonly identityProvider: { readonly kind: 'simulator' | 'entra'; readonly authorityHost: string };
  readonly storeKind: 'embedded' | 'cosmos';
  close(): Promise<void>;
}

/** Local mode accepts every request: the server is bound to loopback and says so at start. */
const localInbound: InboundAuthenticator = { authenticate: async () => ({ ok: true, claims: {} }) };

/**
 * The one composition root: validated config in, a listening bot out. Local parts (Cosmos server,
 * identity simulator) start only when their real configuration is absent.
 */
export async function composeBot(options: ComposeOptions): Promise<RunningBot> {
  const config = await withListenPort(options.config);
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const closers: (() => Promise<void> | void)[] = [];

  try {
    let store: Store;
    if (config.cosmos) {
      const credential = config.cosmos.key === undefined ? await managedIdentity(config.cosmos.managedIdentityClientId) : undefined;
      // A loopback endpoint (the Cosmos DB emulator, a local protocol server) has no regions to discover.
      const loopback = isLoopbackHost(new URL(config.cosmos.endpoint).hostname);
      store = await openStore({ endpoint: config.cosmos.endpoint, key: config.cosmos.key, credential, database: config.cosmos.database, local: loopback, requestTimeoutMs: config.timings.storeTimeoutMs });
      logger.info({ event: 'store.ready', endpoint: config.cosmos.endpoint, database: config.cosmos.database }, 'using Azure Cosmos DB');
    } else {
      const { startEmbeddedCosmos } = await import('../src/local/embeddedCosmos');
      const embedded = await startEmbeddedCosmos('127.0.0.1', 0, (reason) =>
        logger.warn({ event: 'store.embedded.refused', reason }, 'the embedded Cosmos-protocol server refused a request that the bot would not send'),
      );
      closers.push(() => embedded.close());
      store = await openStore({ endpoint: embedded.endpoint, key: embedded.key, database: config.cosmosDatabase, local: true, requestTimeoutMs: config.timings.storeTimeoutMs });
      logger.warn({ event: 'store.embedded', endpoint: embedded.endpoint }, 'using the embedded in-memory Cosmos-protocol server: data is lost when the process stops');
    }
    closers.push(() => store.dispose());

    let simulator: IdentitySimulator | undefined;
    if (!config.entra) {
      const { createIdentitySimulator } = await import('../src/local/identitySimulator');
      simulator = await createIdentitySimulator({ appDisplayName: config.appName, ...options.simulatorOptions, logger });
      closers.push(() => simulator!.close());
      logger.warn({ event: 'identity.simulator', url: simulator.url }, `local identity simulator (not Microsoft Entra): sign in at ${simulator.url}/devicelogin`);
    }
    const entraCa = simulator?.caPem ?? options.entraCaPem;
    const authorityHost = config.entra?.authorityHost ?? simulator!.url;
    const clientId = config.entra?.clientId ?? LOCAL_CLIENT_ID;
    // The simulator answers the few Graph endpoints the bot calls on its own address.
    const graphBaseUrl = config.graphBaseUrl ?? simulator?.url ?? 'https://graph.microsoft.com';
    // One pooled agent for Entra discovery and Graph; it trusts the simulator's CA when there is one.
    const entraAgent = entraCa ? new Agent({ ca: entraCa, keepAlive: true }) : undefined;
    if (entraAgent) closers.push(() => entraAgent.destroy());
    const directory: TenantDirectory = new EntraTenantDirectory(authorityHost, entraAgent, config.timings.entraTimeoutMs);
    const networkClient = createEntraNetworkClient({ ca: entraCa, logger, requestTimeoutMs: config.timings.entraTimeoutMs });
    closers.push(() => networkClient.close());
    if (config.entra) {
      logger.info(
        { event: 'identity.entra', authorityHost, clientId, graphBaseUrl, cloud: cloudOfAuthorityHost(new URL(authorityHost).host).kind },
        `identity provider: Microsoft Entra ID at ${authorityHost} (app ${clientId}); Microsoft Graph at ${graphBaseUrl}`,
      );
    }
    const authority = options.deviceCodeAuthority ?? new MsalDeviceCodeAuthority({ clientId, authorityHost, scopes: config.scopes, networkClient, logger });

    let box: SecretBox;
    if (config.tokenEncryptionKey) {
      const keyring = parseKeyring(config.tokenEncryptionKey);
      if (!keyring.ok) throw new Error(`TOKEN_ENCRYPTION_KEY: ${keyring.message}`);
      box = new SecretBox(keyring.keyring);
    } else {
      box = new SecretBox(ephemeralKeyring());
      logger.warn({ event: 'crypto.ephemeral-key', keyId: box.activeKeyId }, 'TOKEN_ENCRYPTION_KEY is not set: using an ephemeral key (local mode); stored tokens cannot be read after a restart');
    }

    const tenants = new TenantRepository(store.containers.tenants, store.containers.tenantDomains);
    const invitations = new InvitationRepository(store.containers.invitations, store.containers.links);
    const staff = new StaffRepository(store.containers.staff);
    const conversations = new ConversationRepository(store.containers.conversations);
    const audit = createAudit(new AuditRepository(store.containers.audit), clock);
    const policy = { providerTenantIds: config.providerTenantIds, bootstrapAdmins: config.bootstrapAdmins };
    const openIdMetadataUrl = options.openIdMetadataUrl ?? config.bot?.openIdMetadataUrl;
    let credentialsFactory = options.credentialsFactory;
    if (config.bot && !credentialsFactory) {
      const botNetwork = createEntraNetworkClient({ logger, requestTimeoutMs: config.timings.entraTimeoutMs });
      closers.push(() => botNetwork.close());
      credentialsFactory = botCredentialsFactory(config.bot, botNetwork);
    }
    const adapter = createAdapter({ config, logger, random, credentialsFactory, openIdMetadataUrl });
    const botAppId = config.bot?.id ?? '';
    const notifier = new BotNotifier(adapter, botAppId, conversations, logger);
    const lease = new InstanceLease(options.instanceId ?? random.shortId(12), new LeaseRepository(store.containers.leases), clock, config.timings.leaseTtlMs, config.timings.leaseRenewMs);
    const flows = new SignInFlows({
      invitations,
      tenants,
      tokenCaches: new TokenCacheStore(new TokenCacheRepository(store.containers.tokenCaches), box, clock),
      authority,
      box,
      clock,
      random,
      lease,
      observer: staffNotifications(notifier, tenants, clock, logger),
      audit,
      logger,
      publicBaseUrl: config.publicBaseUrl,
      organizations: new GraphOrganizationReader(graphBaseUrl, entraAgent, config.timings.graphTimeoutMs),
      codeRequestGraceMs: config.timings.codeRequestGraceMs,
    });
    // Each renewal also looks for flows whose owner died since (another instance, or a fast restart).
    await lease.start(() => flows.interruptOrphans());
    closers.push(() => lease.stop());
    closers.push(() => flows.stop());
    const interrupted = await flows.interruptOrphans();
    if (interrupted > 0) logger.warn({ event: 'flows.interrupted', count: interrupted }, 'sign-in flows left by a stopped process are now interrupted');

    const customerView = { providerName: config.providerName, appName: config.appName, clientId, authorityHost, scopes: config.scopes, publicBaseUrl: config.publicBaseUrl };
    const services: BotServices = {
      logger,
      clock,
      random,
      providerName: config.providerName,
      onboarding: { clock, random, tenants, invitations, pendingGuards: new PendingInvitationGuards(store.containers.invitationGuards), directory, audit, invitationTtlDays: config.invitationTtlDays, publicBaseUrl: config.publicBaseUrl },
      staffDeps: { staff, policy, audit, clock },
      tenants,
      invitations,
      staff,
      conversations,
      policy,
      audit,
      flows,
      customerView,
      budgets: { turnMs: config.timings.turnBudgetMs, invokeMs: config.timings.invokeBudgetMs },
    };

    const app = createApp(services, adapter, new ConversationTracker(conversations, clock), botAppId);

    const inbound = config.bot
      ? createInboundAuthenticator({ botId: config.bot.id, botType: config.bot.type, botTenantId: config.bot.tenantId, openIdMetadataUrl })
      : localInbound;
    if (config.bot) {
      logger.info(
        { event: 'inbound.auth.on', botId: config.bot.id, botType: config.bot.type, openIdMetadataUrl, loginUrl: config.bot.loginUrl },
        `inbound authentication is on: channel tokens are checked against ${openIdMetadataUrl}; the bot's own token comes from ${config.bot.loginUrl}`,
      );
    } else logger.warn({ event: 'inbound.auth.off' }, 'BOT_ID is not set: inbound authentication is OFF (local mode, loopback only)');

    const server = createServer({
      logger,
      inbound,
      // One deadline per turn, passed down to every call the turn makes (src/deadline.ts).
      onActivity: async (req, res, inbound) => {
        // Staff identity (Entra object id and tenant) is only what Teams vouches for: other channels
        // (Web Chat, Direct Line) carry names anyone can type. Local mode serves the Playground as well.
        if (config.bot && inbound.activity.channelId.toLowerCase() !== 'msteams') {
          logger.warn({ event: 'inbound.channel-refused', correlationId: inbound.correlationId, channelId: inbound.activity.channelId.slice(0, 40) }, 'activity from a channel other than Teams refused');
          res.sendRaw(403, '{"error":"channel-not-supported"}', { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
          return;
        }
        await adapter.process(req, res, (context) =>
          withDeadline(context.activity.type === 'invoke' ? config.timings.invokeBudgetMs : config.timings.turnBudgetMs, 'turn', () => app.run(context)).then(() => undefined),
        );
      },
      isReady: () => withDeadline(config.timings.readyBudgetMs, 'readiness', () => store.ping()).catch(() => false),
      pageBudgetMs: config.timings.pageBudgetMs,
      rateLimit: createClientRateLimit({ points: config.customerRateLimitPerMinute, windowSeconds: 60, trustedProxies: config.trustedProxies }),
      localOnly: !config.bot,
      headersTimeoutMs: config.timings.httpHeadersTimeoutMs,
      requestTimeoutMs: config.timings.httpRequestTimeoutMs,
      newCorrelationId: () => random.correlationId(),
      routes: invitePageRoutes({
        flows,
        clock,
        logger,
        settings: customerView,
      }),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = server.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    logger.info({ event: 'server.listening', url, localMode: config.localMode }, `listening on ${url}/api/messages`);

    return {
      url,
      server,
      services,
      notifier,
      store,
      simulator,
      adapter,
      flows,
      identityProvider: { kind: simulator ? 'simulator' : 'entra', authorityHost },
      storeKind: config.cosmos ? 'cosmos' : 'embedded',
      async close() {
        // Every step runs even if one fails (the store may be the thing that is down).
        for (const close of closers.reverse()) {
          try {
            await close();
          } catch (error) {
            logger.warn({ event: 'shutdown.step-failed', err: error }, 'a shutdown step failed');
          }
        }
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw error;
  }
}

/** PORT=0 (tests, benchmarks): pick the free port first, so links can name it. */
async function withListenPort(config: Config): Promise<Config> {
  if (config.port !== 0) return config;
  const probe = createNetServer();
  const port = await new Promise<number>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, config.host, () => resolve((probe.address() as AddressInfo).port));
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const derived = config.publicBaseUrl === defaultPublicBaseUrl(config.host, 0);
  return { ...config, port, publicBaseUrl: derived ? defaultPublicBaseUrl(config.host, port) : config.publicBaseUrl };
}

async function managedIdentity(clientId: string | undefined) {
  const { ManagedIdentityCredential } = await import('@azure/identity');
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}
