import type { ImageSource } from './image-source.js';
import type { RegistryClient, RepositoryLocator } from './registry-client.js';

/** An {@link ImageSource} reading one repository of a registry through a {@link RegistryClient}. */
export function remoteImageSource(client: RegistryClient, locator: RepositoryLocator): ImageSource {
  return {
    name: `${locator.registry}/${locator.repository}`,
    getManifest: (reference, signal) => client.getManifest(locator, reference, signal),
    openBlob: (descriptor, options) => client.openBlob(locator, descriptor, options),
    readBlob: (descriptor, signal) => client.readBlob(locator, descriptor, undefined, signal),
  };
}
