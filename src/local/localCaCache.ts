import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalCaAsync, LocalCa, LOOPBACK_NAMES } from './localCa';

/**
 * Local mode keeps its CA across restarts, so the browser meets the same certificate at the
 * simulator's sign-in page every time (and a person who chose to trust the CA keeps trusting it).
 * The folder holds two files:
 *
 *   local-ca.pem      the CA certificate — the one to trust, if you want the browser to stop warning;
 *   local-server.pem  the server's private key and certificate, mode 0600 (the folder is 0700).
 *
 * The CA's own private key is never written: it is dropped once the server certificate is signed,
 * so a trusted local CA can sign nothing else. A kept pair is reused while it is whole (the server
 * certificate signed by the CA and matching its key), valid for at least another RENEW_BEFORE_DAYS,
 * and names every host asked for; otherwise a new CA is made and the files are replaced.
 */

export const CA_FILE = 'local-ca.pem';
export const SERVER_FILE = 'local-server.pem';

/** A kept CA lives a year; a new one is made when less than a week is left. */
const VALIDITY_DAYS = 365;
const RENEW_BEFORE_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CachedLocalCa {
  readonly ca: LocalCa;
  /** Where the CA certificate is, to tell a person what to trust. */
  readonly caFile: string;
  /** `reused`, or why a new CA was made (`none kept`, `expires soon`, …). */
  readonly outcome: { kind: 'reused' } | { kind: 'created'; reason: string };
}

export async function loadOrCreateLocalCa(folder: string, options: { now?: Date; hostnames?: readonly string[] } = {}): Promise<CachedLocalCa> {
  const now = options.now ?? new Date();
  const hostnames = [...LOOPBACK_NAMES, ...(options.hostnames ?? [])];
  const caFile = join(folder, CA_FILE);
  const serverFile = join(folder, SERVER_FILE);

  const kept = await readKept(caFile, serverFile);
  const problem = kept.ok ? whyNotReusable(kept.ca, now, hostnames) : kept.problem;
  if (kept.ok && problem === undefined) return { ca: kept.ca, caFile, outcome: { kind: 'reused' } };

  const extraHostnames = hostnames.filter((name) => !(LOOPBACK_NAMES as readonly string[]).includes(name));
  const ca = await createLocalCaAsync(now, extraHostnames, VALIDITY_DAYS);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  // The server file first: a start that reads the new CA with the old server file makes a new pair again.
  await writeAtomically(serverFile, `${ca.serverKeyPem.trim()}\n${ca.serverCertPem.trim()}\n`, 0o600);
  await writeAtomically(caFile, ca.caPem, 0o644);
  return { ca, caFile, outcome: { kind: 'created', reason: problem ?? 'none kept' } };
}

type Kept = { ok: true; ca: LocalCa } | { ok: false; problem: string };

async function readKept(caFile: string, serverFile: string): Promise<Kept> {
  let caPem: string;
  let serverPem: string;
  try {
    [caPem, serverPem] = await Promise.all([readFile(caFile, 'utf8'), readFile(serverFile, 'utf8')]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, problem: 'none kept' };
    throw error;
  }
  const serverKeyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(serverPem)?.[0];
  const serverCertPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(serverPem)?.[0];
  if (!serverKeyPem || !serverCertPem) return { ok: false, problem: `${SERVER_FILE} lacks a key or a certificate` };
  return { ok: true, ca: { caPem, serverCertPem: `${serverCertPem}\n`, serverKeyPem: `${serverKeyPem}\n` } };
}

/** Undefined when the kept pair can serve `hostnames` for at least RENEW_BEFORE_DAYS more; else why not. */
function whyNotReusable(kept: LocalCa, now: Date, hostnames: readonly string[]): string | undefined {
  let ca: X509Certificate;
  let server: X509Certificate;
  try {
    ca = new X509Certificate(kept.caPem);
    server = new X509Certificate(kept.serverCertPem);
    if (!ca.ca || !server.checkIssued(ca) || !server.verify(ca.publicKey)) return 'the server certificate is not signed by the CA';
    if (!server.checkPrivateKey(createPrivateKey(kept.serverKeyPem))) return 'the server key does not match its certificate';
  } catch {
    return 'unreadable certificates';
  }
  const renewBy = now.getTime() + RENEW_BEFORE_DAYS * DAY_MS;
  for (const certificate of [ca, server]) {
    if (Date.parse(certificate.validFrom) > now.getTime()) return 'not valid yet';
    if (Date.parse(certificate.validTo) < renewBy) return 'expires soon';
  }
  const missing = hostnames.filter((name) => (isIP(name) ? server.checkIP(name) === undefined : server.checkHost(name) === undefined));
  return missing.length > 0 ? `does not name ${missing.join(', ')}` : undefined;
}

async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, file);
}
