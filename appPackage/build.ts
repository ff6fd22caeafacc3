/**
 * `npm run package` — writes appPackage/build/appPackage.<env>.zip.
 *
 *   TEAMS_APP_ID=… BOT_ID=… BOT_DOMAIN=… npm run package [-- --env dev]
 *   npm run package -- --local     (ids of Microsoft 365 Agents Playground, localhost)
 *
 * The environment name comes from --env, else TEAMSFX_ENV (set by Teams Toolkit), else
 * "local" with --local and "dev" without.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage, localPackageValues, packageValuesFromEnvironment } from './buildPackage';

async function main(argv: readonly string[]): Promise<number> {
  const local = argv.includes('--local');
  const envFlag = argv.indexOf('--env');
  const unknown = argv.filter((a, i) => a !== '--local' && a !== '--env' && !(envFlag >= 0 && i === envFlag + 1));
  if (unknown.length > 0 || (envFlag >= 0 && argv[envFlag + 1] === undefined)) {
    console.error('usage: npm run package -- [--local] [--env <name>]');
    return 2;
  }
  const envName = envFlag >= 0 ? argv[envFlag + 1] : (process.env.TEAMSFX_ENV ?? (local ? 'local' : 'dev'));

  const values = local
    ? localPackageValues(readFileSync(join(__dirname, '..', '.m365agentsplayground.yml'), 'utf8'))
    : packageValuesFromEnvironment(process.env);
  if (!values.ok) {
    for (const e of values.errors) console.error(e);
    if (!local) console.error('Set them in the environment, or use --local for Agents Playground.');
    return 1;
  }
  const built = await buildPackage({ appPackageDir: __dirname, outDir: join(__dirname, 'build'), envName, values: values.values });
  if (!built.ok) {
    for (const e of built.errors) console.error(e);
    return 1;
  }
  console.log(`wrote ${built.zipPath} (${built.entries.join(', ')})`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
