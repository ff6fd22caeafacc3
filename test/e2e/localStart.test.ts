import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { ProductionBot, requireProductionBuild, startProductionBot } from '../support/productionBot';

/**
 * The compiled entry point with no configuration but where to listen and where to keep its cache:
 * local mode, as `npm start` runs it. Two starts in a row, for what a person sees each time.
 */

let cacheDir: string;
const bots: ProductionBot[] = [];
/** What the first start's simulator presented. */
let firstFingerprint: string;

beforeAll(async () => {
  requireProductionBuild();
  cacheDir = join(await mkdtemp(join(tmpdir(), 'tenant-access-local-start-')), 'cache');
});

afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.stop()));
  await rm(join(cacheDir, '..'), { recursive: true, force: true });
});

async function startLocal(): Promise<ProductionBot> {
  // LOCAL_CACHE_DIR keeps the run out of the real ~/.cache (startProductionBot passes HOME through).
  const bot = await startProductionBot({ env: { HOST: '127.0.0.1', PORT: '0', LOCAL_CACHE_DIR: cacheDir } });
  bots.push(bot);
  return bot;
}

/** The certificate the simulator presents, as a browser would see it (not verified: we only look). */
function servedCertificate(url: string): Promise<X509Certificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      resolve(new X509Certificate(socket.getPeerX509Certificate()!.raw));
      socket.end();
    });
    socket.once('error', reject);
  });
}

const simulatorUrlOf = (bot: ProductionBot) => String(bot.records().find((record) => record.event === 'identity.simulator')?.url);

describe('the local-mode start, twice', () => {
  it('prints no deprecation warning, and the guide on stderr says where the CA is kept', async () => {
    const bot = await startLocal();
    expect(bot.stderr()).not.toMatch(/DeprecationWarning|--trace-deprecation/);
    // Node prints warnings with console.error, which the entry point turns into log lines.
    expect(bot.stdoutLines().filter((line) => /DeprecationWarning/.test(line))).toEqual([]);
    expect(bot.stderr()).toContain(`Its certificate authority is kept across restarts in ${cacheDir} (LOCAL_CACHE_DIR)`);
    expect(bot.records().find((record) => record.event === 'local-ca.ready')).toMatchObject({ outcome: 'created', reason: 'none kept', caFile: join(cacheDir, 'local-ca.pem') });
    firstFingerprint = (await servedCertificate(simulatorUrlOf(bot))).fingerprint256;
    await bot.stop();
  });

  it('serves the same simulator certificate after a restart, issued by the CA kept in the cache folder', async () => {
    const second = await startLocal();
    expect(second.records().find((record) => record.event === 'local-ca.ready')).toMatchObject({ outcome: 'reused' });
    const ca = new X509Certificate(await readFile(join(cacheDir, 'local-ca.pem'), 'utf8'));
    const served = await servedCertificate(simulatorUrlOf(second));
    expect(served.checkIssued(ca)).toBe(true);
    expect(served.fingerprint256).toBe(firstFingerprint);
  });
});
