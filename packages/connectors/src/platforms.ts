import { acrPlatform } from './acr-connector.js';
import { ConnectorError } from './connector-error.js';
import type { PlatformDefinition, PlatformId } from './connector.js';
import { dockerHubPlatform } from './dockerhub-connector.js';
import { ecrPlatform } from './ecr-connector.js';
import { genericPlatform } from './generic-connector.js';
import { ghcrPlatform } from './ghcr-connector.js';
import { googlePlatform } from './google-connector.js';
import { quayPlatform } from './quay-connector.js';

/** Every supported platform, in the order the portal offers them. Adapters register here. */
export const PLATFORMS: readonly PlatformDefinition[] = [
  dockerHubPlatform,
  ecrPlatform,
  googlePlatform,
  quayPlatform,
  ghcrPlatform,
  acrPlatform,
  genericPlatform,
];

export function getPlatform(id: string): PlatformDefinition {
  const platform = PLATFORMS.find((p) => p.id === id);
  if (!platform) {
    throw new ConnectorError(
      'invalid_configuration',
      `unknown platform "${id}" (one of ${PLATFORMS.map((p) => p.id).join(', ')})`,
    );
  }
  return platform;
}

export function isPlatformId(id: string): id is PlatformId {
  return PLATFORMS.some((p) => p.id === id);
}
