import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CA_FILE, loadOrCreateLocalCa, SERVER_FILE } from '../../src/local/localCaCache';
import { createLocalCaAsync } from '../../src/local/localCa';

const DAY_MS = 24 * 60 * 60 * 1000;

describe("local mode's CA, kept in a cache folder across restarts", () => {
  let folder: string;
  beforeEach(async () => {
    folder = join(await mkdtemp(join(tmpdir(), 'tenant-access-ca-cache-')), 'tenant-access');
  });
  afterEach(() => rm(join(folder, '..'), { recursive: true, force: true }));

  it('makes one when none is kept: the CA certificate to trust, the server key readable by the user alone, no CA key', async () => {
    const first = await loadOrCreateLocalCa(folder);
    expect(first.outcome).toEqual({ kind: 'created', reason: 'none kept' });
    expect(first.caFile).toBe(join(folder, CA_FILE));
    expect((await readdir(folder)).sort()).toEqual([CA_FILE, SERVER_FILE]);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await stat(join(folder, SERVER_FILE))).mode & 0o777).toBe(0o600);
    expect(await readFile(first.caFile, 'utf8')).toBe(first.ca.caPem);

    const server = await readFile(join(folder, SERVER_FILE), 'utf8');
    expect(server.match(/BEGIN PRIVATE KEY/g)).toHaveLength(1);
    expect(await readFile(first.caFile, 'utf8')).not.toMatch(/PRIVATE KEY/);
    const certificate = new X509Certificate(first.ca.serverCertPem);
    expect(certificate.checkPrivateKey(createPrivateKey(first.ca.serverKeyPem))).toBe(true);
    expect(certificate.verify(new X509Certificate(first.ca.caPem).publicKey)).toBe(true);
    // A year, so trusting it once lasts.
    expect(Date.parse(new X509Certificate(first.ca.caPem).validTo)).toBeGreaterThan(Date.now() + 300 * DAY_MS);
  });

  it('reuses the kept one at the next start, so the browser meets the same certificate', async () => {
    const first = await loadOrCreateLocalCa(folder);
    const second = await loadOrCreateLocalCa(folder);
    expect(second.outcome).toEqual({ kind: 'reused' });
    expect(second.ca.caPem).toBe(first.ca.caPem);
    expect(new X509Certificate(second.ca.serverCertPem).fingerprint256).toBe(new X509Certificate(first.ca.serverCertPem).fingerprint256);
    expect(second.ca.serverKeyPem.trim()).toBe(first.ca.serverKeyPem.trim());
  });

  it('makes a new one when the kept one expires within a week, or lacks a host name asked for', async () => {
    const first = await loadOrCreateLocalCa(folder);
    const named = await loadOrCreateLocalCa(folder, { hostnames: ['sim.localhost'] });
    expect(named.outcome).toEqual({ kind: 'created', reason: 'does not name sim.localhost' });
    expect(named.ca.caPem).not.toBe(first.ca.caPem);
    expect(new X509Certificate(named.ca.serverCertPem).checkHost('sim.localhost')).toBe('sim.localhost');
    expect((await loadOrCreateLocalCa(folder, { hostnames: ['sim.localhost'] })).outcome).toEqual({ kind: 'reused' });

    const later = await loadOrCreateLocalCa(folder, { now: new Date(Date.now() + 360 * DAY_MS) });
    expect(later.outcome).toEqual({ kind: 'created', reason: 'expires soon' });
  });

  it('makes a new one when the files do not belong together (a server certificate from another CA)', async () => {
    const first = await loadOrCreateLocalCa(folder);
    const stranger = await createLocalCaAsync();
    await writeFile(join(folder, SERVER_FILE), `${stranger.serverKeyPem}${stranger.serverCertPem}`);
    const next = await loadOrCreateLocalCa(folder);
    expect(next.outcome).toEqual({ kind: 'created', reason: 'the server certificate is not signed by the CA' });
    expect(next.ca.caPem).not.toBe(first.ca.caPem);

    await writeFile(join(folder, SERVER_FILE), 'not a pem');
    expect((await loadOrCreateLocalCa(folder)).outcome).toEqual({ kind: 'created', reason: `${SERVER_FILE} lacks a key or a certificate` });
  });
});
