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
