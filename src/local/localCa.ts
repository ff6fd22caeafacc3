import { generateKeyPair, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

/**
 * PEM material for the loopback HTTPS servers of local mode. Only the CA certificate is meant to be
 * shared; the server key stays in the process, or in the user's own cache folder (localCaCache.ts).
 */
export interface LocalCa {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

const ONE_DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_VALIDITY_DAYS = 30;

/** The names every local server certificate carries: the loopback addresses and `localhost`. */
export const LOOPBACK_NAMES = ['127.0.0.1', '::1', 'localhost'] as const;

interface RsaKeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

/**
 * Creates, in memory, a CA and a server certificate for 127.0.0.1 / ::1 / localhost signed by it.
 * Nothing is written to disk here (local mode keeps the result: localCaCache.ts) and the CA key is
 * dropped on return, so the CA can sign nothing else.
 * forge only lays out the certificates: keys and signatures come from node's native crypto, because forge's
 * pure-JS RSA makes this several times slower. Still about 0.3-1.5 s (median ~0.6 s) on a 2-core machine, nearly
 * all of it RSA prime search; `createLocalCaAsync` makes both keys in parallel off the main thread.
 */
export function createLocalCa(now: Date = new Date(), extraHostnames: readonly string[] = [], validityDays = DEFAULT_VALIDITY_DAYS): LocalCa {
  return buildLocalCa(generateRsaKeyPair(), generateRsaKeyPair(), now, extraHostnames, validityDays);
}

/**
 * Same as `createLocalCa`, with the two key pairs generated in parallel on the libuv thread pool.
 * `extraHostnames`: more names for the server certificate (a test answering for a Microsoft host).
 * `validityDays`: how long the CA lives (the server certificate a day less); 30 for a throw-away one.
 */
export async function createLocalCaAsync(now: Date = new Date(), extraHostnames: readonly string[] = [], validityDays = DEFAULT_VALIDITY_DAYS): Promise<LocalCa> {
  const [caKeys, serverKeys] = await Promise.all([generateRsaKeyPairAsync(), generateRsaKeyPairAsync()]);
  return buildLocalCa(caKeys, serverKeys, now, extraHostnames, validityDays);
}

function buildLocalCa(caKeys: RsaKeyPair, serverKeys: RsaKeyPair, now: Date, extraHostnames: readonly string[], validityDays: number): LocalCa {
  // Backdated a day so a client whose clock is a little behind ours still accepts the certificates.
  const notBefore = new Date(now.getTime() - ONE_DAY_MS);

  const caSubject = [
    { name: 'commonName', value: 'Tenant Access Local CA' },
    { name: 'organizationName', value: 'Tenant Access (local mode)' },
  ];
  const ca = forge.pki.createCertificate();
  ca.publicKey = forge.pki.publicKeyFromPem(caKeys.publicKeyPem);
  ca.serialNumber = randomSerialNumber();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = new Date(now.getTime() + validityDays * ONE_DAY_MS);
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signWithNativeCrypto(ca, caKeys.privateKeyPem);

  const server = forge.pki.createCertificate();
  server.publicKey = forge.pki.publicKeyFromPem(serverKeys.publicKeyPem);
  server.serialNumber = randomSerialNumber();
  server.validity.notBefore = notBefore;
  server.validity.notAfter = new Date(now.getTime() + (validityDays - 1) * ONE_DAY_MS);
  server.setSubject([{ name: 'commonName', value: 'localhost' }]);
  server.setIssuer(caSubject);
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
        { type: 2, value: 'localhost' },
        ...extraHostnames.map((value) => ({ type: 2, value })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signWithNativeCrypto(server, caKeys.privateKeyPem);

  return {
    caPem: forge.pki.certificateToPem(ca),
    serverCertPem: forge.pki.certificateToPem(server),
    serverKeyPem: serverKeys.privateKeyPem,
  };
}

const RSA_OPTIONS = {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
} as const;

function generateRsaKeyPair(): RsaKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', RSA_OPTIONS);
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

async function generateRsaKeyPairAsync(): Promise<RsaKeyPair> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', RSA_OPTIONS);
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

// Part of forge's public pki API (used by its own `sign`) but missing from @types/node-forge.
const pkiInternals = forge.pki as unknown as {
  getTBSCertificate(certificate: forge.pki.Certificate): forge.asn1.Asn1;
};

/** Does what forge's `certificate.sign` does (sha256WithRSAEncryption), with the RSA step in native code. */
function signWithNativeCrypto(certificate: forge.pki.Certificate, issuerPrivateKeyPem: string): void {
  const algorithm = forge.pki.oids.sha256WithRSAEncryption;
  certificate.signatureOid = algorithm;
  certificate.siginfo.algorithmOid = algorithm;
  const tbs = forge.asn1.toDer(pkiInternals.getTBSCertificate(certificate)).getBytes();
  certificate.signature = sign('sha256', Buffer.from(tbs, 'binary'), issuerPrivateKeyPem).toString('binary');
}

/** A positive 124-bit serial: the leading 0 nibble keeps the DER integer positive. */
function randomSerialNumber(): string {
  return '0' + randomBytes(16).toString('hex').slice(1);
}
