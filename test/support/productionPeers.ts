import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalCaAsync } from '../../src/local/localCa';
import { startLocalBotFrameworkIssuer, type LocalBotFrameworkIssuer } from './jwt/localBotFrameworkIssuer';
import { startRecordingConnectorService, type RecordingConnectorService } from './jwt/recordingConnectorService';
import { type SimulatorProcessSettings, SimulatorProcess, startCosmosProcess, startSimulatorProcess } from './localPeerProcesses';

/** What a production bot process talks to, each in its own process or server: Entra, Cosmos DB, Bot Framework. */
export interface ProductionPeers {
  readonly workDir: string;
  readonly sim: SimulatorProcess;
  readonly cosmos: Awaited<ReturnType<typeof startCosmosProcess>>;
  readonly issuer: LocalBotFrameworkIssuer;
  readonly connector: RecordingConnectorService;
  /** NODE_EXTRA_CA_CERTS for the bot: the simulator's CA and the issuer's. */
  readonly trustedCaFile: string;
  /** Every peer that started, stopped (SIGTERM, then SIGKILL); the work folder removed. */
  stop(): Promise<void>;
}

/**
 * Starts the identity simulator and a Cosmos-protocol server in their own processes, and the Bot
 * Framework token issuer and recording connector on loopback. Each peer is kept as soon as it is
 * up, so a failure to start one still stops the others.
 */
export async function startProductionPeers(prefix: string, simulator: Omit<SimulatorProcessSettings, 'caFile'>): Promise<ProductionPeers> {
  const workDir = await mkdtemp(join(tmpdir(), `tenant-access-${prefix}-`));
  const started: { sim?: SimulatorProcess; cosmos?: ProductionPeers['cosmos']; connector?: RecordingConnectorService; issuer?: LocalBotFrameworkIssuer } = {};
  const stop = async () => {
    await Promise.all([started.sim?.stop(), started.cosmos?.stop(), started.issuer?.close(), started.connector?.close()]);
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    const peers = [
      startSimulatorProcess({ caFile: join(workDir, 'identity-simulator-ca.pem'), ...simulator }).then((s) => (started.sim = s)),
      startCosmosProcess().then((c) => (started.cosmos = c)),
      startRecordingConnectorService().then((c) => (started.connector = c)),
    ];
    const makingCa = createLocalCaAsync();
    await Promise.allSettled([...peers, makingCa]);
    await Promise.all(peers);
    const localCa = await makingCa;
    started.issuer = await startLocalBotFrameworkIssuer({ tls: { cert: localCa.serverCertPem, key: localCa.serverKeyPem } });
    const trustedCaFile = join(workDir, 'extra-ca-certs.pem');
    await writeFile(trustedCaFile, `${started.sim!.caPem.trim()}\n${localCa.caPem.trim()}\n`);
    return { workDir, sim: started.sim!, cosmos: started.cosmos!, issuer: started.issuer, connector: started.connector!, trustedCaFile, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** Who the bot is in a production-configured test run: its registration, its tenant, its first admin. */
export interface ProductionIdentity {
  readonly botId: string;
  readonly botSecret: string;
  readonly entraClientId: string;
  readonly providerTenantId: string;
  readonly adminObjectId: string;
  readonly publicBaseUrl: string;
  readonly tokenEncryptionKey: string;
}

/**
 * The environment a production bot process needs against these peers, and nothing else: every
 * setting production requires, pointed at the simulator, the Cosmos-protocol server and the
 * issuer; short instance leases so a stopped process is noticed within seconds.
 */
export function productionBotEnv(
  peers: { sim: { url: string }; cosmos: { endpoint: string; key: string }; issuer: { openIdMetadataUrl: string }; trustedCaFile: string },
  who: ProductionIdentity,
): Record<string, string> {
  return {
    BOT_ID: who.botId,
    BOT_PASSWORD: who.botSecret,
    BOT_OPENID_METADATA_URL: peers.issuer.openIdMetadataUrl,
    BOT_LOGIN_URL: `${peers.sim.url}/botframework.com`,
    HOST: '127.0.0.1',
    // The bot takes a free port itself and names it in its server.listening record (startProductionBot).
    PORT: '0',
    PUBLIC_BASE_URL: who.publicBaseUrl,
    PROVIDER_TENANT_ID: who.providerTenantId,
    BOOTSTRAP_ADMINS: who.adminObjectId,
    COSMOS_ENDPOINT: peers.cosmos.endpoint,
    COSMOS_KEY: peers.cosmos.key,
    ENTRA_CLIENT_ID: who.entraClientId,
    ENTRA_AUTHORITY_HOST: peers.sim.url,
    GRAPH_BASE_URL: peers.sim.url,
    NODE_EXTRA_CA_CERTS: peers.trustedCaFile,
    TOKEN_ENCRYPTION_KEY: who.tokenEncryptionKey,
    LOG_LEVEL: 'info',
    LEASE_TTL_MS: '3000',
    LEASE_RENEW_MS: '1000',
    STORE_TIMEOUT_MS: '3000',
  };
}
