import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { runCommand } from './run-command.js';

/** An ES256 key pair with a self-signed certificate, as the registry's `rootcertbundle` wants. */
export interface SigningCertificate {
  readonly certPath: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** The certificate's DER bytes, base64 (not base64url): the JWT `x5c` entry (RFC 7515 §4.1.6). */
  readonly certDerBase64: string;
}

/**
 * Creates a P-256 key and a self-signed certificate in `dir` with `openssl` (node:crypto can
 * make keys but not certificates).
 *
 * @example
 * const cert = await createSigningCertificate(tempDir);
 */
export async function createSigningCertificate(dir: string): Promise<SigningCertificate> {
  const certPath = join(dir, 'token-cert.pem');
  const keyPath = join(dir, 'token-key.pem');
  await runCommand('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '3650',
    '-subj',
    '/CN=berth-testkit-token-issuer',
  ]);
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { certPath, certPem, keyPem, certDerBase64: new X509Certificate(certPem).raw.toString('base64') };
}
