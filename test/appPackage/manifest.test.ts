import { mkdtemp, readFile, rm, cp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppManifestUtils } from '@microsoft/app-manifest';
import JSZip from 'jszip';
import { COMMANDS } from '../../bot/teams/commandTable';
import {
  buildPackage,
  localPackageValues,
  LOCAL_BOT_DOMAIN,
  LOCAL_TEAMS_APP_ID,
  packageValuesFromEnvironment,
  renderManifest,
  type ManifestJson,
  type PackageValues,
} from '../../appPackage/buildPackage';
import { schemaFileFor, validateAgainstSchema, validateManifest } from '../../appPackage/manifestSchema';
import { drawColorIcon, drawOutlineIcon } from '../../appPackage/makeIcons';
import { readPngHeader, type RgbaImage } from '../../appPackage/png';
import { decodePng } from './decodePng';

// @microsoft/app-manifest requires strip-bom 5, which is ESM-only and jest cannot load it. Only
// the package's file readers use it; the validator under test does not.
jest.mock('strip-bom', () => ({ __esModule: true, default: (text: string) => text.replace(/^\uFEFF/, '') }));

const APP_PACKAGE = join(__dirname, '..', '..', 'appPackage');
const TEMPLATE = readFileSync(join(APP_PACKAGE, 'manifest.json'), 'utf8');
const VALUES: PackageValues = {
  TEAMS_APP_ID: '0b7c3d9e-1f2a-4b3c-8d4e-5f6a7b8c9d0e',
  BOT_ID: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  BOT_DOMAIN: 'tenant-access.example.net',
};
const SCOPES = ['personal', 'team', 'groupChat'];

interface CommandList {
  scopes: string[];
  commands: { title: string; description?: string }[];
}
interface BotJson {
  botId: string;
  scopes: string[];
  supportsFiles?: boolean;
  isNotificationOnly?: boolean;
  commandLists: CommandList[];
}

function rendered(): ManifestJson {
  const result = renderManifest(TEMPLATE, { ...VALUES });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.manifest;
}

const bot = (manifest: ManifestJson): BotJson => (manifest.bots as BotJson[])[0];
const manifestVersion = (JSON.parse(TEMPLATE) as { manifestVersion: string }).manifestVersion;
const schema = JSON.parse(readFileSync(schemaFileFor(manifestVersion), 'utf8'));
const commandItemSchema = schema.properties.bots.items.properties.commandLists.items.properties.commands;

describe('the Teams app manifest', () => {
  afterEach(() => jest.restoreAllMocks());

  it('uses schema 1.22 or later and names that schema in $schema', () => {
    const [major, minor] = manifestVersion.split('.').map(Number);
    expect(major > 1 || (major === 1 && minor >= 22)).toBe(true);
    expect(JSON.parse(TEMPLATE).$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${manifestVersion}/MicrosoftTeams.schema.json`);
  });

  it('is valid against the schema shipped in @microsoft/app-manifest, without touching the network', async () => {
    const download = jest.spyOn(AppManifestUtils, 'fetchSchema').mockRejectedValue(new Error('the test must not download a schema'));
    const network = jest.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('the test must not use the network'));
    expect(await AppManifestUtils.validateAgainstSchema(rendered() as never, schema)).toEqual([]);
    expect(await validateManifest(rendered())).toEqual({ ok: true });
    expect(download).not.toHaveBeenCalled();
    expect(network).not.toHaveBeenCalled();
  });

  it('is checked for real: a broken copy fails, with the same messages as the package gives', async () => {
    const broken = JSON.parse(JSON.stringify(rendered()));
    broken.description.short = 'x'.repeat(81);
    broken.bots[0].botId = 'not-a-guid';
    broken.bots[0].commandLists[0].commands[0].title = 't'.repeat(129);
    const ours = validateAgainstSchema(broken, schema);
    expect(ours.join('\n')).toContain('/description/short');
    expect(ours.join('\n')).toContain('/bots/0/botId');
    expect(ours.join('\n')).toContain('/bots/0/commandLists/0/commands/0/title');
    expect(await AppManifestUtils.validateAgainstSchema(broken, schema)).toEqual(ours);
    expect(await validateManifest(broken)).toEqual({ ok: false, errors: ours.map((e) => `manifest.json${e}`) });
  });

  it('leaves exactly the Teams Toolkit placeholders for the ids and domain, and fills them all', () => {
    const placeholders = [...TEMPLATE.matchAll(/\$\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]);
    expect(new Set(placeholders)).toEqual(new Set(['TEAMS_APP_ID', 'BOT_ID', 'BOT_DOMAIN']));
    const manifest = rendered();
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(manifest.id).toBe(VALUES.TEAMS_APP_ID);
    expect(bot(manifest).botId).toBe(VALUES.BOT_ID);
    expect(manifest.validDomains).toContain(VALUES.BOT_DOMAIN);
  });

  it('is a conversational bot in personal chats, teams and group chats, without files', () => {
    const b = bot(rendered());
    expect([...b.scopes].sort()).toEqual([...SCOPES].sort());
    expect(b.supportsFiles).toBe(false);
    expect(b.isNotificationOnly).toBe(false);
  });

  it('lists the command table, in its order, once for each scope', () => {
    const lists = bot(rendered()).commandLists;
    expect(lists.flatMap((l) => l.scopes).sort()).toEqual([...SCOPES].sort());
    for (const list of lists) {
      expect(list.scopes).toHaveLength(1);
      expect(list.commands.map((c) => c.title)).toEqual(COMMANDS.map((c) => c.name));
      expect(list.commands.length).toBeLessThanOrEqual(commandItemSchema.maxItems);
    }
  });

  it("describes each command with the command table's words, within the schema's limits", () => {
    const { title, description } = commandItemSchema.items.properties as Record<string, { maxLength: number }>;
    for (const list of bot(rendered()).commandLists) {
      list.commands.forEach((command, i) => {
        const text = command.description ?? '';
        expect(text.trim().length).toBeGreaterThan(0);
        expect(text.length).toBeLessThanOrEqual(description.maxLength);
        expect(command.title.length).toBeLessThanOrEqual(title.maxLength);
        expect(text).toBe(COMMANDS[i].description.slice(0, description.maxLength));
      });
    }
  });

  it('has names and descriptions within the store limits, and an accent colour', () => {
    const m = rendered() as { name: { short: string; full: string }; description: { short: string; full: string }; accentColor: string };
    expect(m.name.short.length).toBeLessThanOrEqual(30);
    expect(m.name.full.length).toBeLessThanOrEqual(100);
    expect(m.description.short.length).toBeLessThanOrEqual(80);
    expect(m.description.full.length).toBeLessThanOrEqual(4000);
    expect(m.description.full).toContain('Microsoft 365 tenants');
    expect(m.accentColor).toMatch(/^#[0-9a-f]{6}$/i);
  });
});

describe('renderManifest', () => {
  it('names a placeholder that has no value', () => {
    const result = renderManifest(TEMPLATE, { TEAMS_APP_ID: VALUES.TEAMS_APP_ID, BOT_ID: VALUES.BOT_ID });
    expect(result).toEqual({ ok: false, errors: [expect.stringContaining('BOT_DOMAIN')] });
  });

  it('escapes values, so a value cannot change the JSON around it', () => {
    const result = renderManifest('{"a":"${{X}}","b":1}', { X: 'x", "b": 2, "c": "\\' });
    expect(result).toEqual({ ok: true, manifest: { a: 'x", "b": 2, "c": "\\', b: 1 } });
  });

  it('reports a template that is not JSON instead of throwing', () => {
    expect(renderManifest('{"a": ${{X}}', { X: '1' })).toEqual({ ok: false, errors: [expect.stringContaining('not valid JSON')] });
  });
});

describe('package values', () => {
  it('names every missing variable', () => {
    const result = packageValuesFromEnvironment({});
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).toMatch(/TEAMS_APP_ID is not set[\s\S]*BOT_ID is not set[\s\S]*BOT_DOMAIN is not set/);
  });

  it('refuses an id that is not a GUID and a domain given as a URL, naming each', () => {
    const result = packageValuesFromEnvironment({ ...VALUES, BOT_ID: 'my-bot', BOT_DOMAIN: 'https://bot.example.net/api' });
    expect(result.ok).toBe(false);
    const errors = result.ok ? '' : result.errors.join('\n');
    expect(errors).toContain('BOT_ID is "my-bot"');
    expect(errors).toContain('BOT_DOMAIN is "https://bot.example.net/api"');
    expect(errors).not.toContain('TEAMS_APP_ID');
  });

  it('accepts GUIDs and a host name with a port, trimmed', () => {
    const result = packageValuesFromEnvironment({ ...VALUES, BOT_DOMAIN: ' abc123-3978.euw.devtunnels.ms:443 ' });
    expect(result).toEqual({ ok: true, values: { ...VALUES, BOT_DOMAIN: 'abc123-3978.euw.devtunnels.ms:443' } });
  });

  it("--local uses Agents Playground's bot id from .m365agentsplayground.yml and localhost", () => {
    const yaml = readFileSync(join(APP_PACKAGE, '..', '.m365agentsplayground.yml'), 'utf8');
    const botId = /^bot:\s*\n\s+id:\s*(\S+)/m.exec(yaml)?.[1];
    expect(localPackageValues(yaml)).toEqual({ ok: true, values: { TEAMS_APP_ID: LOCAL_TEAMS_APP_ID, BOT_ID: botId, BOT_DOMAIN: LOCAL_BOT_DOMAIN } });
    expect(localPackageValues('version: "0.1.1"\ncurrentUser:\n  id: user-id-0\n').ok).toBe(false);
  });
});

describe('the icons', () => {
  const color = readFileSync(join(APP_PACKAGE, 'color.png'));
  const outline = readFileSync(join(APP_PACKAGE, 'outline.png'));

  it('are 192x192 (colour) and 32x32 (outline), read from the PNG header', () => {
    expect(readPngHeader(color)).toMatchObject({ ok: true, width: 192, height: 192 });
    expect(readPngHeader(outline)).toMatchObject({ ok: true, width: 32, height: 32 });
    expect(readPngHeader(Buffer.from('not a png at all, just some text here')).ok).toBe(false);
  });

  it('colour icon is opaque; outline icon is white on transparent', () => {
    const c = decodePng(color);
    const translucent = c.pixels.filter((_, i) => i % 4 === 3 && c.pixels[i] !== 255).length;
    expect(translucent).toBe(0);
    const o = decodePng(outline);
    let transparent = 0, solid = 0, tinted = 0;
    for (let i = 0; i < o.pixels.length; i += 4) {
      const [r, g, b, a] = o.pixels.subarray(i, i + 4);
      if (a === 0) transparent++;
      else if (r !== 255 || g !== 255 || b !== 255) tinted++;
      if (a === 255) solid++;
    }
    expect({ tinted, someTransparent: transparent > 100, someSolid: solid > 100 }).toEqual({ tinted: 0, someTransparent: true, someSolid: true });
  });

  it('are what makeIcons.ts draws, so they can be regenerated', () => {
    const same = (file: Buffer, drawn: RgbaImage) => {
      const decoded = decodePng(file);
      return decoded.width === drawn.width && decoded.height === drawn.height && Buffer.from(decoded.pixels).equals(Buffer.from(drawn.pixels));
    };
    expect(same(color, drawColorIcon())).toBe(true);
    expect(same(outline, drawOutlineIcon())).toBe(true);
    expect(same(color, drawOutlineIcon())).toBe(false);
  });
});

describe('buildPackage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'app-package-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes appPackage.<env>.zip with the filled manifest and both icons at the root', async () => {
    const result = await buildPackage({ appPackageDir: APP_PACKAGE, outDir: join(dir, 'out'), envName: 'dev', values: VALUES });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.zipPath).toBe(join(dir, 'out', 'appPackage.dev.zip'));

    const zip = await JSZip.loadAsync(await readFile(result.zipPath));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
    expect(manifest).toEqual(rendered());
    expect(await zip.file('color.png')!.async('nodebuffer')).toEqual(readFileSync(join(APP_PACKAGE, 'color.png')));
    expect(await zip.file('outline.png')!.async('nodebuffer')).toEqual(readFileSync(join(APP_PACKAGE, 'outline.png')));
  });

  it('refuses icons of the wrong size and writes nothing', async () => {
    const source = join(dir, 'appPackage');
    await cp(APP_PACKAGE, source, { recursive: true, filter: (p) => !p.includes(`${join(APP_PACKAGE, 'build')}`) });
    await writeFile(join(source, 'outline.png'), readFileSync(join(APP_PACKAGE, 'color.png')));
    const result = await buildPackage({ appPackageDir: source, outDir: join(dir, 'out'), envName: 'dev', values: VALUES });
    expect(result).toEqual({ ok: false, errors: ['outline.png is 192x192; Teams needs 32x32.'] });
    await expect(readFile(join(dir, 'out', 'appPackage.dev.zip'))).rejects.toThrow();
  });

  it('refuses a manifest the schema rejects, and an environment name that is a path', async () => {
    const badId = await buildPackage({ appPackageDir: APP_PACKAGE, outDir: dir, envName: 'dev', values: { ...VALUES, BOT_ID: 'nope' } });
    expect(badId.ok).toBe(false);
    expect(badId.ok ? '' : badId.errors.join('\n')).toContain('/bots/0/botId');
    const badEnv = await buildPackage({ appPackageDir: APP_PACKAGE, outDir: dir, envName: '../escape', values: VALUES });
    expect(badEnv.ok).toBe(false);
  });
});
