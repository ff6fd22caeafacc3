import type { Server } from 'restify';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { AddressInfo } from 'node:net';
import { Agent } from 'node:https';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import { createAudit } from '../src/audit/recordAudit';
import { Clock, systemClock } from '../src/clock';
import type { Config } from '../src/config';
import { EntraTenantDirectory, TenantDirectory } from '../src/identity/tenantDirectory';
import type { Logger } from '../src/log';
import { startEmbeddedCosmos } from '../src/local/embeddedCosmos';
import { createIdentitySimulator, IdentitySimulator } from '../src/local/identitySimulator';
import { cryptoRandom, Random } from '../src/random';
import { AuditRepository } from '../src/store/auditRepository';
import { ConversationRepository } from '../src/store/conversationRepository';
import { openStore, Store } from '../src/store/cosmosStore';
import { InvitationRepository } from '../src/store/invitationRepository';
import { StaffRepository } from '../src/store/staffRepository';
import { TenantRepository } from '../src/store/tenantRepository';
import { createAdapter } from './adapter';
import { createApp } from './app';
import { ConversationTracker } from './conversationTracker';
import { createInboundAuthenticator, InboundAuthenticator } from './inboundAuth';
import { BotNotifier, Notifier } from './notifier';
import { createServer } from './server';
import type { BotServices } from './services';
import { invitePageRoutes } from './invitePage/routes';

export interface ComposeOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Tests: outbound credentials that work offline, and a local OpenID metadata URL. */
  readonly credentialsFactory?: ServiceClientCredentialsFactory;
  readonly openIdMetadataUrl?: string;
}

export interface RunningBot {
  readonly url: string;
  readonly server: Server;
  readonly services: BotServices;
  readonly notifier: Notifier;
  readonly store: Store;
  readonly simulator?: IdentitySimulator;
  readonly adapter: TeamsAdapter;
  close(): Promise<void>;
}

/** Local mode accepts every request: the server is bound to loopback and says so at start. */
const localInbound: InboundAuthenticator = { authenticate: async () => ({ ok: true, claims: {} }) };

/**
 * The one composition root: validated config in, a listening bot out. Local parts (Cosmos server,
 * identity simulator) start only when their real configuration is absent.
 */
export async function composeBot(options: ComposeOptions): Promise<RunningBot> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const closers: (() => Promise<void> | void)[] = [];

  try {
    let store: Store;
    if (config.cosmos) {
      const credential = config.cosmos.key === undefined ? await managedIdentity(config.cosmos.managedIdentityClientId) : undefined;
      store = await openStore({ endpoint: config.cosmos.endpoint, key: config.cosmos.key, credential, database: config.cosmos.database });
      logger.info({ event: 'store.ready', endpoint: config.cosmos.endpoint, database: config.cosmos.database }, 'using Azure Cosmos DB');
    } else {
      const embedded = await startEmbeddedCosmos();
      closers.push(() => embedded.close());
      store = await openStore({ endpoint: embedded.endpoint, key: embedded.key, database: config.cosmosDatabase, local: true });
      logger.warn({ event: 'store.embedded', endpoint: embedded.endpoint }, 'using the embedded in-memory Cosmos-protocol server: data is lost when the process stops');
    }
    closers.push(() => store.dispose());

    let directory: TenantDirectory;
    let simulator: IdentitySimulator | undefined;
    if (config.entra) {
      directory = new EntraTenantDirectory(config.entra.authorityHost);
    } else {
      simulator = await createIdentitySimulator({ logger, appDisplayName: config.providerName });
      closers.push(() => simulator!.close());
      directory = new EntraTenantDirectory(simulator.url, new Agent({ ca: simulator.caPem, keepAlive: true }));
      logger.warn({ event: 'identity.simulator', url: simulator.url }, `local identity simulator (not Microsoft Entra) at ${simulator.url}/devicelogin`);
    }

    const tenants = new TenantRepository(store.containers.tenants);
    const invitations = new InvitationRepository(store.containers.invitations);
    const staff = new StaffRepository(store.containers.staff);
    const conversations = new ConversationRepository(store.containers.conversations);
    const audit = createAudit(new AuditRepository(store.containers.audit), clock);
    const policy = { providerTenantIds: config.providerTenantIds, bootstrapAdmins: config.bootstrapAdmins };
    const services: BotServices = {
      logger,
      clock,
      random,
      providerName: config.providerName,
      onboarding: { clock, random, tenants, invitations, directory, audit, invitationTtlDays: config.invitationTtlDays, publicBaseUrl: config.publicBaseUrl },
      staffDeps: { staff, policy, audit, clock },
      tenants,
      invitations,
      staff,
      conversations,
      policy,
      audit,
    };

    const adapter = createAdapter({ config, logger, random, credentialsFactory: options.credentialsFactory, openIdMetadataUrl: options.openIdMetadataUrl });
    const botAppId = config.bot?.id ?? '';
    const app = createApp(services, adapter, new ConversationTracker(conversations, clock), botAppId);
    const notifier = new BotNotifier(adapter, botAppId, conversations, logger);

    const inbound = config.bot
      ? createInboundAuthenticator({ botId: config.bot.id, botType: config.bot.type, botTenantId: config.bot.tenantId, openIdMetadataUrl: options.openIdMetadataUrl })
      : localInbound;
    if (!config.bot) logger.warn({ event: 'inbound.auth.off' }, 'BOT_ID is not set: inbound authentication is OFF (local mode, loopback only)');

    const server = createServer({
      logger,
      inbound,
      onActivity: (req, res) => adapter.process(req, res, (context) => app.run(context).then(() => undefined)),
      isReady: () => store.ping(),
      newCorrelationId: () => random.correlationId(),
      routes: invitePageRoutes(services),
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
      async close() {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw error;
  }
}

async function managedIdentity(clientId: string | undefined) {
  const { ManagedIdentityCredential } = await import('@azure/identity');
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}
