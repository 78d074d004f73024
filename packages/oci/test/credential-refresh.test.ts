// Short-lived registry credentials (an ECR registry password, a Google access token) that the
// registry refuses are dropped through `Authenticator.invalidate` and fetched again, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLayout,
  pushImage,
  startRegistry,
  type OciLayout,
  type RegistryAuth,
  type RunningRegistry,
} from '@berth/testkit';
import { RegistryClient, staticKeychain, type AuthConfig, type Authenticator } from '@berth/oci';

let layout: OciLayout;
beforeAll(async () => {
  layout = await createLayout();
  await layout.addImage('app', { layers: [{ entries: [{ type: 'file', path: 'a', content: 'a' }] }] });
});
afterAll(async () => layout?.remove());

/** Hands out a revoked password first, the current one after being told it was refused. */
function rotatingAuthenticator(registry: RunningRegistry, renewable: boolean) {
  const current: AuthConfig = {
    kind: 'basic',
    username: registry.credentials?.username ?? '',
    password: registry.credentials?.password ?? '',
  };
  const revoked: AuthConfig = { ...current, password: 'revoked-password' };
  let given = revoked;
  const refused: AuthConfig[] = [];
  const authenticator: Authenticator = {
    authorization: () => Promise.resolve(given),
    ...(renewable
      ? {
          invalidate: (rejected: AuthConfig) => {
            refused.push(rejected);
            given = current;
          },
        }
      : {}),
  };
  return { authenticator, refused, revoked };
}

describe.each<RegistryAuth>(['basic', 'token'])('a %s registry', (auth) => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth });
    await pushImage(layout, 'app', registry, 'team/app:v1');
  });
  afterAll(async () => registry?.stop());

  const clientWith = (authenticator: Authenticator) =>
    new RegistryClient({
      keychain: staticKeychain({ [registry.host]: authenticator }),
      retry: { maxRetries: 0 },
    });

  it('renews a refused credential once and completes the request', async () => {
    const { authenticator, refused, revoked } = rotatingAuthenticator(registry, true);
    const client = clientWith(authenticator);
    try {
      const fetched = await client.getManifest({ registry: registry.host, repository: 'team/app' }, 'v1');
      expect(fetched.manifest.kind).toBe('manifest');
      expect(refused).toEqual([revoked]);
    } finally {
      await client.close();
    }
  });

  it('renews a refused credential when checking it', async () => {
    const { authenticator, refused } = rotatingAuthenticator(registry, true);
    const client = clientWith(authenticator);
    try {
      await client.checkAuth(registry.host, 'team/app');
      expect(refused).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('reports fixed credentials that are refused, without asking again', async () => {
    const { authenticator } = rotatingAuthenticator(registry, false);
    const client = clientWith(authenticator);
    try {
      await expect(
        client.getManifest({ registry: registry.host, repository: 'team/app' }, 'v1'),
      ).rejects.toMatchObject({ code: 'unauthorized' });
    } finally {
      await client.close();
    }
  });
});
