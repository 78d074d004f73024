import { X509Certificate } from 'node:crypto';
import type { FileWant } from './detectors.js';

/**
 * X.509 certificates baked into an image: PEM files (one certificate or a bundle) and DER
 * files, read with node:crypto's {@link X509Certificate}. System trust stores and bundles are
 * summarised as a count; lone certificates are listed with their subject, issuer and validity,
 * because an expired or self-signed certificate next to its private key is worth a finding.
 */

export interface ParsedCertificate {
  readonly subject: string;
  readonly issuer: string;
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  readonly selfSigned: boolean;
}

export interface CertificateFile {
  readonly certificates: readonly ParsedCertificate[];
  /** The file itself also holds a PEM private key block. */
  readonly containsPrivateKey: boolean;
}

const KiB = 1024;
/** Largest certificate file read: Mozilla's bundle is ~220 KiB, certifi's ~290 KiB. */
export const CERTIFICATE_MAX_BYTES = 1024 * KiB;
/** Certificates read from one file at most (the largest bundles hold ~150). */
const MAX_PER_FILE = 2000;
const CERTIFICATE_FILE = /\.(?:pem|crt|cer|der)$/i;
const PEM_BLOCK =
  /-----BEGIN (TRUSTED CERTIFICATE|CERTIFICATE|X509 CERTIFICATE)-----([\s\S]*?)-----END \1-----/g;
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/**
 * System trust stores: the distribution's CA certificates, one file each or one bundle.
 * Their certificates are counted per directory, not listed (`/usr/local/share/ca-certificates`,
 * where an image adds its own CAs, is listed).
 */
const TRUST_STORE_DIRS = [
  'etc/ssl/certs/',
  'usr/share/ca-certificates/',
  'etc/pki/ca-trust/',
  'etc/pki/tls/certs/',
  'usr/share/pki/',
  'etc/ca-certificates/',
  'usr/lib/ssl/certs/',
  'etc/ssl/cert.pem',
];

/** What the certificate detector keeps: `*.pem`, `*.crt`, `*.cer`, `*.der` and `/etc/ssl/certs/*`. */
export function certificateWant(path: string): FileWant | undefined {
  return CERTIFICATE_FILE.test(path) || path.startsWith('etc/ssl/certs/')
    ? { maxBytes: CERTIFICATE_MAX_BYTES }
    : undefined;
}

/** Whether a path belongs to a system trust store (its certificates are summarised). */
export function isTrustStorePath(path: string): boolean {
  return TRUST_STORE_DIRS.some((dir) => path.startsWith(dir));
}

/**
 * The certificates of one file: every PEM `CERTIFICATE` block, or the whole file as DER.
 * Blocks that do not parse are skipped (a `.pem` may hold anything); undefined when the file
 * holds no certificate at all.
 *
 * @example
 * parseCertificateFile(readFileSync('/etc/ssl/certs/ca-certificates.crt'))?.certificates.length; // 146
 */
export function parseCertificateFile(content: Buffer): CertificateFile | undefined {
  const certificates: ParsedCertificate[] = [];
  const text = content.toString('latin1');
  let containsPrivateKey = false;
  if (text.includes('-----BEGIN ')) {
    containsPrivateKey = PEM_PRIVATE_KEY.test(text);
    for (const match of text.matchAll(PEM_BLOCK)) {
      if (certificates.length >= MAX_PER_FILE) break;
      const der = Buffer.from((match[2] as string).replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
      const parsed = parseDer(der);
      if (parsed) certificates.push(parsed);
    }
  } else if (content[0] === 0x30) {
    const parsed = parseDer(content);
    if (parsed) certificates.push(parsed);
  }
  return certificates.length > 0 ? { certificates, containsPrivateKey } : undefined;
}

function parseDer(der: Buffer): ParsedCertificate | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return undefined;
  }
  const notBefore = certDate(cert.validFrom);
  const notAfter = certDate(cert.validTo);
  if (!notBefore || !notAfter) return undefined;
  let selfSigned = false;
  if (cert.subject === cert.issuer) {
    try {
      selfSigned = cert.verify(cert.publicKey);
    } catch {
      selfSigned = false;
    }
  }
  return { subject: oneLine(cert.subject), issuer: oneLine(cert.issuer), notBefore, notAfter, selfSigned };
}

/** OpenSSL's `Jan  1 00:00:00 2030 GMT` as ISO 8601. */
function certDate(value: string): string | undefined {
  const time = Date.parse(value);
  return Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}

/** node prints distinguished names one attribute per line; a profile shows them as `CN=a, O=b`. */
function oneLine(name: string): string {
  return name
    .split('\n')
    .filter((part) => part !== '')
    .join(', ');
}
