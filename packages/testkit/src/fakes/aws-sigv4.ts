/**
 * Verifies AWS Signature Version 4 on requests that reach the AWS fakes, by re-signing the
 * request with the SDK's own signer (`@smithy/signature-v4`) and comparing signatures
 * ("Signature Version 4 signing process", AWS General Reference / IAM User Guide
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html). Only the headers the
 * client listed in `SignedHeaders` take part, as the process prescribes.
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FakeRequest } from './fake-http.js';

export interface AwsSecret {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type SigV4Result =
  | { readonly ok: true; readonly accessKeyId: string; readonly region: string }
  | {
      readonly ok: false;
      readonly code: 'missing' | 'unknown_key' | 'bad_signature' | 'wrong_service';
      readonly accessKeyId?: string;
    };

/** node:crypto in the shape the signer wants (`@aws-crypto`'s `Sha256`). */
class NodeSha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/;

export async function verifySigV4(
  request: FakeRequest,
  service: string,
  lookup: (accessKeyId: string) => AwsSecret | undefined,
): Promise<SigV4Result> {
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? AUTH.exec(header) : null;
  const amzDate = request.headers['x-amz-date'];
  if (!m || typeof amzDate !== 'string') return { ok: false, code: 'missing' };
  const [, accessKeyId = '', , region = '', signedService = '', signedHeaders = '', signature = ''] = m;
  if (signedService !== service) return { ok: false, code: 'wrong_service', accessKeyId };
  const secret = lookup(accessKeyId);
  if (!secret) return { ok: false, code: 'unknown_key', accessKeyId };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) {
    const v = request.headers[name];
    if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const url = new URL(request.raw.url ?? '/', 'http://x');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const [hostname = '', port] = (request.headers.host ?? '').split(':');
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: secret.accessKeyId,
      secretAccessKey: secret.secretAccessKey,
      ...(secret.sessionToken ? { sessionToken: secret.sessionToken } : {}),
    },
    region,
    service,
    sha256: NodeSha256,
  });
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: url.pathname,
      query,
      headers,
      body: request.body.toString('utf8'),
    },
    { signingDate: date },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    return { ok: false, code: 'bad_signature', accessKeyId };
  return { ok: true, accessKeyId, region };
}
