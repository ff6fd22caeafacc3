import type { Server } from 'restify';
import type { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import { Clock, systemClock } from '../../src/clock';
import { Config, defaultPublicBaseUrl } from '../../src/config';
import type { Logger } from '../../src/log';
import { cryptoRandom, Random } from '../../src/random';
import type { Store } from '../../src/adapters/cosmos/cosmosStore';
import { TokenCacheStore } from '../../src/adapters/entra/tokenCacheStore';
import { MsalTokenRefresher } from '../../src/adapters/entra/tokenRefresh';
import { sealerOf } from '../../src/adapters/crypto/secretBoxSealer';
// Types only: local mode's parts are loaded with a dynamic import, and only in local mode.
import type { IdentitySimulator, IdentitySimulatorOptions } from '../../src/local/identitySimulator';
import { createAudit } from '../../src/usecases/audit/recordAudit';
import type { DeviceCodeAuthority, StorePorts } from '../../src/usecases/ports';
import { createSignIn, type SignIn } from '../../src/usecases/signIn/signIn';
import type { Actor } from '../../src/domain/staff';
import { authorizeStaff } from '../../src/usecases/staff/authorizeStaff';
import { addStaff, listStaff, removeStaff } from '../../src/usecases/staff/manageStaff';
import { inviteAdmin } from '../../src/usecases/invitations/inviteAdmin';
import { listInvitations } from '../../src/usecases/invitations/listInvitations';
import { resendInvitation, revokeInvitation } from '../../src/usecases/invitations/changeInvitation';
import { notePostedIn } from '../../src/usecases/invitations/notePostedIn';
import type { OnboardingDeps } from '../../src/usecases/invitations/onboardingDeps';
import { getTenantStatus } from '../../src/usecases/tenants/getTenantStatus';
import { listTenants } from '../../src/usecases/tenants/listTenants';
import { validateTenant, type ValidateDeps } from '../../src/usecases/tenants/validateTenant';
import { requestSweep } from '../../src/usecases/sweeps/requestSweep';
import { getSweepStatus } from '../../src/usecases/sweeps/sweepStatus';
import type { SweepRunner } from '../../src/jobs/sweepRunner';
import { adminConsentUrl, consentRedirectUri } from '../../src/usecases/invitations/customerLinks';
import { ConversationTracker } from '../teams/conversationTracker';
import type { Notifier } from '../teams/notifier';
import { createApp } from '../teams/routes';
import type { BotServices } from '../teams/services';
import { staffNotifications } from '../teams/staffNotifications';
import type { Closers } from './closers';
import { composeIdentity } from './identity';
import { composeLease, composeSchedule, startJobs } from './jobs';
import { composeStore, type Persistence } from './store';
import { composeTeamsAdapter } from './teams';
import { startWeb } from './web';

export { LOCAL_CLIENT_ID } from './identity';

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
  /** Tests (the fast layer): the store ports in memory instead of Cosmos DB. */
  readonly persistence?: Persistence;
}

export interface RunningBot {
  readonly url: string;
  readonly server: Server;
  readonly services: BotServices;
  readonly notifier: Notifier;
  /** The Cosmos DB connection (absent when the stores are in memory). */
  readonly store?: Store;
  readonly stores: StorePorts;
  readonly simulator?: IdentitySimulator;
  readonly adapter: TeamsAdapter;
  readonly signIn: SignIn;
  /** What stands behind the bot, for the start-up guide. */
  readonly identityProvider: { readonly kind: 'simulator' | 'entra'; readonly authorityHost: string };
  readonly storeKind: Persistence['kind'];
  /** Runs the orphan sweep now (the runner also runs it at each of its ticks). */
  sweepOrphans(): Promise<number>;
  /** The runner lease and the sweeps it runs (tests wait on `runner.idle()`). */
  readonly runner: SweepRunner;
  close(): Promise<void>;
}

/**
 * The one composition root: validated config in, a listening bot out. One file per concern beside
 * this one (store, identity, teams, jobs, web); local parts start only when their real
 * configuration is absent.
 */
export async function composeBot(options: ComposeOptions): Promise<RunningBot> {
  const { config, reservedPort } = await reserveListenPort(options.config);
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const closers: Closers = [];
  // Closers run last to first, so this runs after the web server's own close: a no-op once the
  // server has closed the handle it took over, and the release of the port if it never took it.
  if (reservedPort) closers.push(() => new Promise<void>((resolve) => reservedPort.close(() => resolve())));

  try {
    const persistence = options.persistence ?? (await composeStore(config, logger, closers));
    const identity = await composeIdentity(config, logger, options, closers);

    const { stores } = persistence;
    const { tenants, invitations, staff, conversations } = stores;
    const audit = createAudit(stores.audit, clock);
    const policy = { providerTenantIds: config.providerTenantIds, bootstrapAdmins: config.bootstrapAdmins };
    const teams = composeTeamsAdapter(config, logger, random, conversations, options, closers);
    const lease = composeLease(config, stores.leases, clock, options.instanceId ?? random.shortId(12));
    const tokenCaches = new TokenCacheStore(stores.tokenCacheDocs, sealerOf(identity.box), clock);
    const isStaffViewer = async (actor: Actor) => (await authorizeStaff(staff, policy, actor, 'viewer')).ok;
    const signIn = createSignIn(
      {
        invitations,
        tenants,
        tokenCaches,
        authority: identity.authority,
        box: sealerOf(identity.box),
        clock,
        random,
        lease,
        notifications: staffNotifications(teams.notifier, clock, logger),
        audit,
        logger,
        publicBaseUrl: config.publicBaseUrl,
        organizations: identity.organizations,
        codeRequestGraceMs: config.timings.codeRequestGraceMs,
      },
      isStaffViewer,
    );

    const validation: ValidateDeps = {
      tenants,
      validations: stores.validations,
      tokens: new MsalTokenRefresher({ clientId: identity.clientId, authorityHost: identity.authorityHost, networkClient: identity.networkClient, caches: tokenCaches, logger }),
      organizations: identity.organizations,
      users: identity.users,
      audit,
      clock,
      logger,
      scopes: config.scopes,
      extraResources: config.validationResources,
      budgetMs: config.timings.validationTimeoutMs,
      adminConsentLink: (tenantId) => validationConsentUrl(identity.authorityHost, tenantId, identity.clientId, config.scopes, config.publicBaseUrl),
    };
    const schedule = composeSchedule(config);
    const { sweepOrphans, runner } = await startJobs({ config, lease, leases: stores.leases, sweeps: stores.sweeps, invitations, signIn, clock, logger, schedule, validation, audit, closers });
    const sweepStatusDeps = { leases: stores.leases, sweeps: stores.sweeps, clock, nextRunAfter: schedule && ((at: Date) => schedule.nextAfter(at)) };
    const customerView = { providerName: config.providerName, appName: config.appName, clientId: identity.clientId, authorityHost: identity.authorityHost, scopes: config.scopes, publicBaseUrl: config.publicBaseUrl };
    const onboarding: OnboardingDeps = { clock, random, tenants, invitations, flows: signIn.flowControl, pendingGuards: stores.pendingGuards, directory: identity.directory, audit, invitationTtlDays: config.invitationTtlDays, publicBaseUrl: config.publicBaseUrl };
    const staffDeps = { staff, policy, audit, clock };
    const services: BotServices = {
      logger,
      clock,
      random,
      providerName: config.providerName,
      invitations: {
        invite: (input) => inviteAdmin(onboarding, input),
        list: (filter) => listInvitations(onboarding, filter),
        find: (invitationId) => invitations.findById(invitationId),
        resend: (input) => resendInvitation(onboarding, input),
        revoke: (input) => revokeInvitation(onboarding, input),
        notePostedIn: (inv, place) => notePostedIn(onboarding, inv, place),
      },
      tenants: {
        list: () => listTenants(onboarding),
        status: (ref) => getTenantStatus(onboarding, ref),
        validate: (input) => validateTenant(validation, input),
      },
      staff: {
        authorize: (actor, needed) => authorizeStaff(staff, policy, actor, needed),
        list: () => listStaff(staffDeps),
        add: (actor, id, role, requestKey, profile) => addStaff(staffDeps, actor, id, role, requestKey, profile),
        remove: (actor, id, requestKey) => removeStaff(staffDeps, actor, id, requestKey),
      },
      sweeps: {
        status: () => getSweepStatus(sweepStatusDeps),
        async start(input) {
          const requested = await requestSweep({ leases: stores.leases, sweeps: stores.sweeps, clock }, input);
          // The runner (this instance, if it is) starts it at once; any other runner at its next tick.
          if (requested.ok) await runner.nudge();
          return requested;
        },
        runnerTickMs: config.timings.runnerLeaseRenewMs,
      },
      customerAction: signIn.act,
      audit,
      cardUpdates: teams.notifier,
      customerView,
      budgets: { turnMs: config.timings.turnBudgetMs, invokeMs: config.timings.invokeBudgetMs },
    };
    const app = createApp(services, teams.adapter, new ConversationTracker(conversations, clock), teams.botAppId);
    const { server, url } = await startWeb({ config, logger, clock, random, isStoreReady: () => persistence.ping(), adapter: teams.adapter, app, signIn, customerView, openIdMetadataUrl: teams.openIdMetadataUrl, reservedPort }, closers);

    return {
      url,
      server,
      services,
      notifier: teams.notifier,
      store: persistence.store,
      stores,
      simulator: identity.simulator,
      adapter: teams.adapter,
      signIn,
      identityProvider: { kind: identity.simulator ? 'simulator' : 'entra', authorityHost: identity.authorityHost },
      storeKind: persistence.kind,
      sweepOrphans,
      runner,
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

/**
 * Entra's admin consent page for a tenant whose validation found permissions missing. No `state`:
 * no invitation waits for this answer, so the callback page only says there is nothing to record.
 */
function validationConsentUrl(authorityHost: string, tenantId: string, clientId: string, scopes: readonly string[], publicBaseUrl: string): string {
  return adminConsentUrl({ authorityHost, tenantId, clientId, scopes, redirectUri: consentRedirectUri(publicBaseUrl) });
}

/**
 * PORT=0 (tests, benchmarks): a free port is taken first, so links can name it, and held until the
 * web server listens on it: the listening handle itself is handed over (startWeb), so no other
 * process can take the port in between, as one could when the port was only looked up and freed.
 */
async function reserveListenPort(config: Config): Promise<{ config: Config; reservedPort?: NetServer }> {
  if (config.port !== 0) return { config };
  // Until the web server takes the handle over, a connection is closed at once rather than left hanging.
  const reservedPort = createNetServer((socket) => socket.destroy());
  const port = await new Promise<number>((resolve, reject) => {
    reservedPort.once('error', reject);
    reservedPort.listen(0, config.host, () => resolve((reservedPort.address() as AddressInfo).port));
  });
  const derived = config.publicBaseUrl === defaultPublicBaseUrl(config.host, 0);
  return { config: { ...config, port, publicBaseUrl: derived ? defaultPublicBaseUrl(config.host, port) : config.publicBaseUrl }, reservedPort };
}
