import { describe, expect, it } from 'vitest';
import type { DockerLogin } from '../docker-config-file.js';
import { planDockerImport } from './docker-import-plan.js';

const login = (registry: string, extra: Partial<DockerLogin> = {}): DockerLogin => ({
  registry,
  server: registry,
  source: 'auths',
  credentials: { username: 'me', password: 's3cret' },
  ...extra,
});

describe('planDockerImport', () => {
  it('maps vendor registries to their platforms and the rest to generic', () => {
    const plan = planDockerImport(
      [
        login('docker.io'),
        login('ghcr.io'),
        login('quay.io'),
        login('contoso.azurecr.io'),
        login('registry.example.com:5000'),
        login('127.0.0.1:5000'),
        login('plain.example.com', { server: 'http://plain.example.com' }),
      ],
      new Set(),
    );
    expect(
      plan.map((s) =>
        s.action === 'create' ? [s.connector.platform, s.connector.config, s.connector.credentials] : s,
      ),
    ).toEqual([
      ['dockerhub', {}, { username: 'me', token: 's3cret' }],
      ['ghcr', {}, { username: 'me', token: 's3cret' }],
      ['quay', {}, { username: 'me', password: 's3cret' }],
      ['acr', { registryName: 'contoso' }, { username: 'me', password: 's3cret' }],
      ['generic', { endpoint: 'https://registry.example.com:5000' }, { username: 'me', password: 's3cret' }],
      ['generic', { endpoint: 'http://127.0.0.1:5000' }, { username: 'me', password: 's3cret' }],
      ['generic', { endpoint: 'http://plain.example.com' }, { username: 'me', password: 's3cret' }],
    ]);
  });

  it('skips what a Docker login cannot connect, saying why', () => {
    const plan = planDockerImport(
      [
        login('123456789012.dkr.ecr.eu-west-1.amazonaws.com'),
        login('gcr.io'),
        login('eu.gcr.io'),
        login('europe-docker.pkg.dev'),
        login('taken.example.com'),
        login('helper.example.com', {
          credentials: undefined,
          problem: 'docker-credential-x is not installed',
        }),
        login('docker.io', { credentials: { token: 'bearer' } }),
        login('tokens.example.com', { credentials: { token: 'bearer' } }),
      ],
      new Set(['taken.example.com']),
    );
    expect(plan.map((s) => (s.action === 'skip' ? `${s.platform}: ${s.reason}` : 'create'))).toEqual([
      'ecr: ECR needs AWS keys or a role: berth connectors add --platform ecr',
      'google: Google needs a service account key: berth connectors add --platform google',
      'google: Google needs a service account key: berth connectors add --platform google',
      'google: Google needs a service account key: berth connectors add --platform google',
      'generic: a connector named "taken.example.com" exists already',
      'generic: docker-credential-x is not installed',
      'dockerhub: dockerhub needs a username and password, not a bearer token',
      'create',
    ]);
  });
});
