/**
 * Turns appPackage/manifest.json (a template with Teams Toolkit `${{NAME}}` placeholders) and the
 * two icons into the zip Teams sideloads. Every expected failure is a value naming what to fix.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import JSZip from 'jszip';
import { validateManifest, type ManifestJson } from './manifestSchema';
import { readPngHeader } from './png';

export type { ManifestJson } from './manifestSchema';

export type Outcome<T> = ({ ok: true } & T) | { ok: false; errors: string[] };

/** The values the manifest template needs, keyed by their placeholder names. */
export interface PackageValues {
  readonly TEAMS_APP_ID: string;
  readonly BOT_ID: string;
  readonly BOT_DOMAIN: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A host name (or localhost), optionally with a port: what validDomains and Teams expect.
const HOST = /^(?=.{1,253}(:\d{1,5})?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/i;
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * The local package's app id. Agents Playground does not read the package, so any fixed GUID
 * does; a fixed one keeps repeated local builds identical.
 */
export const LOCAL_TEAMS_APP_ID = '6c1d2e3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5';
export const LOCAL_BOT_DOMAIN = 'localhost';

const WHAT: Record<keyof PackageValues, string> = {
  TEAMS_APP_ID: 'the Teams app id (a GUID; `uuidgen` makes one, keep it for the life of the app)',
  BOT_ID: "the bot's Microsoft Entra app (client) id, a GUID",
  BOT_DOMAIN: "the bot's public host name without https:// or a path, e.g. tenant-access.azurewebsites.net",
};

/** Reads and checks TEAMS_APP_ID, BOT_ID and BOT_DOMAIN; each error names its variable. */
export function packageValuesFromEnvironment(env: Readonly<Record<string, string | undefined>>): Outcome<{ values: PackageValues }> {
  const errors: string[] = [];
  const read = (name: keyof PackageValues, valid: RegExp): string => {
    const value = (env[name] ?? '').trim();
    if (value === '') errors.push(`${name} is not set: it must be ${WHAT[name]}.`);
    else if (!valid.test(value)) errors.push(`${name} is "${value.slice(0, 60)}", which is not valid: it must be ${WHAT[name]}.`);
    return value;
  };
  const values = { TEAMS_APP_ID: read('TEAMS_APP_ID', GUID), BOT_ID: read('BOT_ID', GUID), BOT_DOMAIN: read('BOT_DOMAIN', HOST) };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values };
}

/**
 * The values for Microsoft 365 Agents Playground: its bot id from `.m365agentsplayground.yml`
 * (the id it sends activities to), a fixed app id and localhost.
 */
export function localPackageValues(playgroundYaml: string): Outcome<{ values: PackageValues }> {
  const botId = playgroundBotId(playgroundYaml);
  if (botId === undefined || !GUID.test(botId)) {
    return { ok: false, errors: ['.m365agentsplayground.yml has no `bot:` section with an `id:` GUID; --local reads the bot id from it.'] };
  }
  return { ok: true, values: { TEAMS_APP_ID: LOCAL_TEAMS_APP_ID, BOT_ID: botId, BOT_DOMAIN: LOCAL_BOT_DOMAIN } };
}

// The file is flat and ours; reading one key does not justify a YAML dependency.
function playgroundBotId(yaml: string): string | undefined {
  const lines = yaml.split(/\r?\n/);
  const start = lines.findIndex((l) => /^bot:\s*(#.*)?$/.test(l));
  if (start < 0) return undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) return undefined;
    const id = /^\s+id:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$/.exec(line);
    if (id) return id[1];
  }
  return undefined;
}

/**
 * Fills `${{NAME}}` placeholders in the manifest text. Values are JSON-escaped, so whatever they
 * hold cannot change the manifest's structure; a placeholder without a value is an error.
 */
export function renderManifest(template: string, values: Readonly<Record<string, string>>): Outcome<{ manifest: ManifestJson }> {
  const missing = new Set<string>();
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  if (missing.size > 0) {
    return { ok: false, errors: [...missing].map((name) => `manifest.json uses \${{${name}}}, but no value was given for ${name}.`) };
  }
  try {
    const manifest: unknown = JSON.parse(text);
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
      return { ok: false, errors: ['manifest.json is not a JSON object.'] };
    }
    return { ok: true, manifest: manifest as ManifestJson };
  } catch (e) {
    return { ok: false, errors: [`manifest.json is not valid JSON: ${(e as Error).message}`] };
  }
}

/** Teams rejects a package whose icons are not exactly these sizes. */
export const ICON_SIZES = { color: 192, outline: 32 } as const;

export interface BuildOptions {
  /** Holds manifest.json and the icons it names. */
  readonly appPackageDir: string;
  readonly outDir: string;
  /** Names the zip: appPackage.<envName>.zip (Teams Toolkit's convention). */
  readonly envName: string;
  readonly values: PackageValues;
}

export async function buildPackage(options: BuildOptions): Promise<Outcome<{ zipPath: string; entries: string[]; manifest: ManifestJson }>> {
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/i.test(options.envName)) {
    return { ok: false, errors: [`"${options.envName.slice(0, 40)}" is not an environment name: use letters, digits and dashes (e.g. dev, local).`] };
  }
  const template = await readFile(join(options.appPackageDir, 'manifest.json'), 'utf8');
  const rendered = renderManifest(template, { ...options.values });
  if (!rendered.ok) return rendered;
  const valid = await validateManifest(rendered.manifest);
  if (!valid.ok) return valid;

  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(rendered.manifest, null, 2)}\n`);
  const icons = rendered.manifest.icons as Record<keyof typeof ICON_SIZES, string>;
  const errors: string[] = [];
  for (const kind of Object.keys(ICON_SIZES) as (keyof typeof ICON_SIZES)[]) {
    const entry = posix.normalize(icons[kind]);
    if (entry.startsWith('..') || posix.isAbsolute(entry)) {
      errors.push(`icons.${kind} "${icons[kind]}" must be a path inside appPackage/.`);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(join(options.appPackageDir, entry));
    } catch {
      errors.push(`icons.${kind} names ${entry}, which is not in ${options.appPackageDir} (npx ts-node --transpile-only appPackage/makeIcons.ts draws it).`);
      continue;
    }
    const header = readPngHeader(bytes);
    const size = ICON_SIZES[kind];
    if (!header.ok) errors.push(`${entry}: ${header.reason}.`);
    else if (header.width !== size || header.height !== size) errors.push(`${entry} is ${header.width}x${header.height}; Teams needs ${size}x${size}.`);
    else zip.file(entry, bytes);
  }
  if (errors.length > 0) return { ok: false, errors };

  const zipPath = join(options.outDir, `appPackage.${options.envName}.zip`);
  await mkdir(options.outDir, { recursive: true });
  await writeFile(zipPath, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return { ok: true, zipPath, entries: Object.keys(zip.files), manifest: rendered.manifest };
}
