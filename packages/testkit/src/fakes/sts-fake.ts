/**
 * A fake of AWS STS `AssumeRole` (AWS STS API Reference, "AssumeRole":
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html), Query protocol:
 * `POST /` form `Action=AssumeRole&Version=2011-06-15&RoleArn=&RoleSessionName=&ExternalId=`,
 * signed with SigV4 (service `sts`, verified with the SDK's signer), answering
 * `<AssumeRoleResponse><AssumeRoleResult><Credentials>…` or an `<ErrorResponse>` with
 * `AccessDenied` (403) when the caller may not assume the role — in particular when the
 * external ID does not match the role's trust policy condition `sts:ExternalId` (IAM User
 * Guide, "Access to AWS accounts owned by third parties") — and `InvalidClientTokenId` for an
 * unknown access key. Issued sessions can be expired by the test to simulate expiry mid-listing.
 */
import { randomBytes } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeServer } from './fake-http.js';
import { verifySigV4, type AwsSecret } from './aws-sigv4.js';

export interface StsRole {
  readonly arn: string;
  /** The trust policy's `sts:ExternalId` condition. */
  readonly externalId: string;
  /** ECR actions the role's permission policy allows (`ecr:DescribeImages`…). */
  readonly permissions: readonly string[];
}

export interface StsSession extends AwsSecret {
  readonly sessionToken: string;
  readonly roleArn: string;
  readonly permissions: readonly string[];
  expiresAt: number;
}

export interface StsFakeOptions {
  /** The principals allowed to call AssumeRole (Berth's own identity). */
  readonly callers: readonly AwsSecret[];
  readonly roles: readonly StsRole[];
  readonly sessionSeconds?: number;
}

export interface StsFake extends FakeServer {
  /** The session behind an access key id it issued, expired or not. */
  session(accessKeyId: string): StsSession | undefined;
  /** Makes every issued session expire now. */
  expireSessions(): void;
  assumeRoleCount(): number;
}

export async function startStsFake(options: StsFakeOptions): Promise<StsFake> {
  const sessions = new Map<string, StsSession>();
  let assumed = 0;
  const server = await startFakeServer(async (request) => {
    if (request.method !== 'POST' || request.pathname !== '/')
      return stsError(404, 'Sender', 'NotFound', 'unknown path');
    const form = new URLSearchParams(request.body.toString('utf8'));
    const auth = await verifySigV4(request, 'sts', (id) => options.callers.find((c) => c.accessKeyId === id));
    if (!auth.ok) {
      return auth.code === 'bad_signature'
        ? stsError(
            403,
            'Sender',
            'SignatureDoesNotMatch',
            'The request signature we calculated does not match the signature you provided.',
          )
        : stsError(
            403,
            'Sender',
            'InvalidClientTokenId',
            'The security token included in the request is invalid.',
          );
    }
    if (form.get('Action') !== 'AssumeRole')
      return stsError(400, 'Sender', 'InvalidAction', 'only AssumeRole is faked');
    const roleArn = form.get('RoleArn') ?? '';
    const role = options.roles.find((r) => r.arn === roleArn);
    const caller = `arn:aws:iam::000000000000:user/${auth.accessKeyId}`;
    if (!role || role.externalId !== form.get('ExternalId')) {
      return stsError(
        403,
        'Sender',
        'AccessDenied',
        `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    assumed++;
    const seconds = Math.min(
      Number(form.get('DurationSeconds') ?? 3600) || 3600,
      options.sessionSeconds ?? 3600,
    );
    const session: StsSession = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(60).toString('base64'),
      roleArn,
      permissions: role.permissions,
      expiresAt: Date.now() + seconds * 1000,
    };
    sessions.set(session.accessKeyId, session);
    const name = form.get('RoleSessionName') ?? 'session';
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      text:
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
        `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>` +
        `<SessionToken>${session.sessionToken}</SessionToken><Expiration>${new Date(session.expiresAt).toISOString()}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>AROAFAKE:${name}</AssumedRoleId><Arn>${roleArn.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/${name}</Arn></AssumedRoleUser>` +
        `</AssumeRoleResult><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    };
  });
  return {
    ...server,
    session: (id) => sessions.get(id),
    expireSessions: () => {
      for (const s of sessions.values()) s.expiresAt = 0;
    },
    assumeRoleCount: () => assumed,
  };
}

function stsError(status: number, type: string, code: string, message: string): FakeReply {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    text: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`,
  };
}
