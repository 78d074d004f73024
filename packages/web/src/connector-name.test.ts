import { describe, expect, it } from 'vitest';
import { suggestConnectorName } from './connector-name';

describe('suggestConnectorName', () => {
  it('names the platform and what sets this registry apart', () => {
    expect(suggestConnectorName({ id: 'ecr', name: 'Amazon ECR' }, { region: 'eu-west-1' })).toBe(
      'Amazon ECR (eu-west-1)',
    );
    expect(
      suggestConnectorName({ id: 'generic', name: 'OCI registry' }, { endpoint: 'http://127.0.0.1:5000' }),
    ).toBe('Registry (127.0.0.1:5000)');
    expect(suggestConnectorName({ id: 'dockerhub', name: 'Docker Hub' }, { namespace: 'acme' })).toBe(
      'Docker Hub (acme)',
    );
    expect(suggestConnectorName({ id: 'generic', name: 'OCI registry' }, { endpoint: '::' })).toBe(
      'Registry',
    );
    expect(suggestConnectorName({ id: 'new', name: 'New Thing' }, {})).toBe('New Thing');
  });
});
