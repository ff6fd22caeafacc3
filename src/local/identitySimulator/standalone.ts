/**
 * The identity simulator as its own process, configured by environment variables only:
 *
 *   SIM_HOST                   127.0.0.1 (default), ::1 or localhost: loopback only
 *   SIM_PORT                   0 (default: a free port)
 *   SIM_CA_FILE                where to write the CA certificate (PEM) to trust;
 *                              default <tmp>/tenant-access-simulator-<port>-ca.pem
 *   SIM_CONFIDENTIAL_CLIENTS   clientId:secret[,clientId:secret]: who may use the client-credentials grant
 *   SIM_CLIENT_IDS             clientId[,clientId]: the only public clients that may sign in (default: any)
 *   SIM_APP_NAME               the app name on the sign-in and consent pages
 *   SIM_POLL_INTERVAL_SECONDS  the device-code poll interval (Entra: 5)
 *   SIM_CODE_EXPIRES_SECONDS   how long a device code lives (Entra: 900)
 *   SIM_LOG_LEVEL              info (default), fatal, error, warn, debug, trace or silent
 *
 * Once it listens it writes one line to stdout,
 *   {"event":"identity-simulator.ready","url":"https://127.0.0.1:PORT","knownAuthority":"127.0.0.1:PORT","caFile":"/path/ca.pem"}
 * and nothing else; its logs go to stderr as pino JSON. SIGTERM or SIGINT closes it (exit 0).
 *
 *   ts-node --transpile-only src/local/identitySimulator/standalone.ts
 *   node dist/src/local/identitySimulator/standalone.js
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import pino from 'pino';
import { runStandalone } from '../standaloneProcess';
import { createIdentitySimulator } from '.';
import { parseSimulatorEnvironment, StandaloneSimulatorSettings } from './standaloneEnvironment';

async function startSimulator(settings: StandaloneSimulatorSettings) {
  // Synchronous writes: the last lines before exit (and before a crash) must not be lost in a buffer.
  const logger = pino({ level: settings.logLevel, base: { service: 'identity-simulator', pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  const simulator = await createIdentitySimulator({
    host: settings.host,
    port: settings.port,
    confidentialClients: settings.confidentialClients,
    clientIds: settings.clientIds,
    appDisplayName: settings.appDisplayName,
    pollIntervalSeconds: settings.pollIntervalSeconds,
    deviceCodeExpiresInSeconds: settings.deviceCodeExpiresInSeconds,
    logger,
  });
  const port = Number(new URL(simulator.url).port);
  const caFile = resolve(settings.caFile ?? join(tmpdir(), `tenant-access-simulator-${port}-ca.pem`));
  try {
    await writeFileAtomically(caFile, simulator.caPem);
  } catch (error) {
    await simulator.close();
    throw new Error(`cannot write the CA certificate to ${caFile} (SIM_CA_FILE): ${error instanceof Error ? error.message : String(error)}`);
  }
  logger.info(
    { event: 'identity-simulator.ca-written', caFile, confidentialClientIds: settings.confidentialClients.map((client) => client.clientId) },
    'CA certificate written',
  );
  return {
    ready: { event: 'identity-simulator.ready', url: simulator.url, knownAuthority: simulator.knownAuthority, caFile },
    async stop() {
      logger.info({ event: 'identity-simulator.stopping' }, 'identity simulator stopping');
      await simulator.close();
      // Only the default file is ours to remove; one named in SIM_CA_FILE may be what other tools are set up to read.
      if (settings.caFile === undefined) await rm(caFile, { force: true });
    },
  };
}

/**
 * Writes a fresh file beside the target and renames it over: readers never see half a certificate, and in a
 * shared temp directory a link planted at the predictable name is replaced, not followed.
 */
async function writeFileAtomically(target: string, contents: string): Promise<void> {
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temporary, contents, { flag: 'wx', mode: 0o644 });
  try {
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

if (require.main === module) {
  void runStandalone({ name: 'identity simulator', environment: parseSimulatorEnvironment(process.env), start: startSimulator });
}
