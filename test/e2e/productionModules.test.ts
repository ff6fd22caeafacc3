import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { spawnReady } from '../support/childProcess';
import { startProductionBot, type ProductionBot } from '../support/productionBot';
import { waitUntil } from './signInDriver';

/**
 * The compiled production start loads nothing of local mode: the embedded Cosmos server, the local
 * CA and the identity simulator stay on disk unless local mode asks for them.
 */

const ROOT = join(__dirname, '..', '..');
let cosmos: Awaited<ReturnType<typeof spawnReady>>;
let bot: ProductionBot;
const modulesFile = join(mkdtempSync(join(tmpdir(), 'tenant-access-modules-')), 'modules.json');

beforeAll(async () => {
  cosmos = await spawnReady(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/local/cosmosServerProcess.ts')], { PATH: process.env.PATH ?? '' }, 'cosmos-server.ready');
  bot = await startProductionBot({
    nodeArgs: ['--require', join(__dirname, '..', 'support', 'loadedModulesObserver.js')],
    env: {
      LOADED_MODULES_FILE: modulesFile,
      BOT_ID: '4c3b2a19-0817-4f6e-9d5c-4b3a29180706',
      BOT_PASSWORD: 'not-used',
      HOST: '127.0.0.1',
      PORT: '0',
      PUBLIC_BASE_URL: 'https://tenant-access.example.test',
      PROVIDER_TENANT_ID: '1d2c3b4a-5968-4776-a5b4-c3d2e1f0a9b8',
      COSMOS_ENDPOINT: String(cosmos.ready.endpoint),
      COSMOS_KEY: String(cosmos.ready.key),
      ENTRA_CLIENT_ID: '3f7b2c1d-9e8a-4b6c-8d5e-2a1b0c9d8e7f',
      TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
    },
  });
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await cosmos?.stop();
});

it('loads no module from src/local', async () => {
  bot.child.kill('SIGUSR2');
  await waitUntil(() => existsSync(modulesFile), 'the list of loaded modules', 5_000);
  const loaded = (JSON.parse(readFileSync(modulesFile, 'utf8')) as string[]).map((file) => relative(ROOT, file).split(sep).join('/'));
  expect(loaded).toContain('dist/bot/compose/index.js');
  expect(loaded.filter((file) => file.startsWith('dist/src/local/'))).toEqual([]);
  // Nor the libraries only local mode uses.
  expect(loaded.filter((file) => /node_modules\/(@vercel\/cosmosdb-server|node-forge)\//.test(file))).toEqual([]);
});
