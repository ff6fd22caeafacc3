import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';

/**
 * The chromium shipped inside the `@sparticuz/chromium` devDependency, for machines with no system
 * browser: `npm ci` is then the whole set-up of the browser tests.
 *
 * The package holds brotli files: the headless-shell binary, the NSS and expat libraries it links
 * against (`al2023.tar.br`, built for Amazon Linux but plain glibc libraries) and a few fonts. We
 * unpack them ourselves, once per package version, instead of calling the package's
 * `executablePath()`: that one writes to the fixed names `/tmp/chromium` and `/tmp/fonts`, answers
 * whatever an older version left there, and lets a second jest worker run a binary the first is
 * still writing. Here a worker unpacks into a fresh folder and renames it into place when complete.
 */

export interface BundledChromium {
  readonly executablePath: string;
  /** For the browser's environment: its libraries first, and a fontconfig file naming its fonts. */
  readonly env: Record<string, string>;
  readonly version: string;
}

export async function unpackBundledChromium(): Promise<BundledChromium> {
  // The package exports only its entry (build/cjs/index.cjs); the brotli files are in bin/ beside build/.
  const packageRoot = path.resolve(path.dirname(require.resolve('@sparticuz/chromium')), '..', '..');
  const { version } = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const home = path.join(tmpdir(), `tenant-access-chromium-${version}`);
  if (!existsSync(path.join(home, 'chromium'))) await unpackInto(home, path.join(packageRoot, 'bin'));
  return {
    executablePath: path.join(home, 'chromium'),
    version,
    env: {
      LD_LIBRARY_PATH: [path.join(home, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: path.join(home, 'fonts.conf'),
    },
  };
}

async function unpackInto(home: string, bin: string): Promise<void> {
  const staging = await mkdtemp(`${home}.unpacking-`);
  try {
    // About 2 s: the binary is 60 MB of brotli, 190 MB unpacked.
    await pipeline(createReadStream(path.join(bin, 'chromium.br')), createBrotliDecompress(), createWriteStream(path.join(staging, 'chromium'), { mode: 0o700 }));
    await writeTar(brotliDecompressSync(readFileSync(path.join(bin, 'al2023.tar.br'))), staging);
    await writeTar(brotliDecompressSync(readFileSync(path.join(bin, 'fonts.tar.br'))), staging);
    // The package's own fonts.conf names Lambda's folders; ours names the unpacked fonts, then the
    // system's configuration where there is one.
    const fontsConf = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
      '<fontconfig>',
      `  <dir>${path.join(home, 'fonts')}</dir>`,
      '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
      `  <cachedir>${path.join(home, 'fonts-cache')}</cachedir>`,
      '</fontconfig>',
      '',
    ].join('\n');
    await writeFile(path.join(staging, 'fonts.conf'), fontsConf);
    await rename(staging, home).catch(async (error: NodeJS.ErrnoException) => {
      // Another worker finished first: its copy is as good as ours.
      if (!existsSync(path.join(home, 'chromium'))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Writes the regular files and folders of a ustar archive under `into` (all these archives hold). */
async function writeTar(archive: Buffer, into: string): Promise<void> {
  for (let offset = 0; offset + 512 <= archive.length; ) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const name = path.posix.join(field(345, 155), field(0, 100));
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const target = path.resolve(into, name);
    if (target !== into && !target.startsWith(into + path.sep)) throw new Error(`tar entry outside the folder: ${name}`);
    const data = archive.subarray(offset + 512, offset + 512 + size);
    if (type === '5') {
      await mkdir(target, { recursive: true });
    } else if (type === '0') {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, data, { mode: parseInt(field(100, 8).trim(), 8) & 0o755 });
    } else {
      throw new Error(`unexpected tar entry type ${type} for ${name}`);
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}
