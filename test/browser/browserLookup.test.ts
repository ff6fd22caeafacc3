import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { findChromium } from '../support/browser';

/*
 * The browser suites run on any machine with Node: the system chromium when there is one, else the
 * one shipped in @sparticuz/chromium. The bundled one is launched here on every run, so a machine
 * with Debian chromium still proves the fallback a fresh machine depends on.
 */
describe('the browser the tests drive', () => {
  let fakeBin: string;
  beforeAll(() => {
    fakeBin = mkdtempSync(path.join(tmpdir(), 'tenant-access-fake-bin-'));
    writeFileSync(path.join(fakeBin, 'chromium'), '#!/bin/sh\n');
    chmodSync(path.join(fakeBin, 'chromium'), 0o755);
  });
  afterAll(() => rmSync(fakeBin, { recursive: true, force: true }));

  it('is CHROMIUM_PATH when it names a file, and refuses one that does not exist', async () => {
    const fake = path.join(fakeBin, 'chromium');
    await expect(findChromium({ CHROMIUM_PATH: fake, PATH: '' })).resolves.toEqual({ source: 'CHROMIUM_PATH', executablePath: fake, env: {} });
    await expect(findChromium({ CHROMIUM_PATH: path.join(fakeBin, 'missing') })).rejects.toThrow(/CHROMIUM_PATH=.*missing does not exist/);
  });

  it('is the chromium on the PATH when there is one', async () => {
    await expect(findChromium({ PATH: ['/nonexistent', fakeBin].join(path.delimiter) })).resolves.toMatchObject({
      source: 'system',
      executablePath: path.join(fakeBin, 'chromium'),
    });
  });

  it('is the bundled one with CHROMIUM_PATH=bundled or no chromium on the PATH, and that one launches', async () => {
    await expect(findChromium({ CHROMIUM_PATH: 'bundled', PATH: fakeBin })).resolves.toMatchObject({ source: 'bundled' });
    const found = await findChromium({ PATH: '/nonexistent' });
    expect(found.source).toBe('bundled');
    const browser = await chromium.launch({
      executablePath: found.executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
      env: { ...process.env, ...found.env },
    });
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="text">Tenant Access</p>');
      // Without fonts, text lays out with no height and Playwright calls it invisible: the bundled fonts are found.
      expect((await page.locator('#text').boundingBox())?.height).toBeGreaterThan(0);
      await expect(page.locator('#text').isVisible()).resolves.toBe(true);
    } finally {
      await browser.close();
    }
  });
});
