import {
  parsePlatform,
  parseReference,
  RegistryClient,
  remoteImageSource,
  type EndpointPolicy,
  type ImageSource,
  type Platform,
} from '@berth/oci';
import type { Connector } from '@berth/connectors';
import type { ConnectorService } from '../connectors/connector-service.js';
import { AppError, notFound } from '../errors.js';
import type { OwnedStores } from '../stores/stores.js';
import { PUBLIC_GRANT } from './profile-store.js';

/** How the API names an image (API.md "Images, profiles, diffs"). */
export type ImageSpec =
  | {
      readonly connectorId: string;
      readonly repository: string;
      readonly reference: string;
      readonly platform?: string;
    }
  | { readonly ref: string; readonly platform?: string };

export interface OpenedImage {
  readonly source: ImageSource;
  readonly reference: string;
  readonly platform: Platform | undefined;
  /** Grant key: the connector's id, or '' for a public image. */
  readonly grantKey: string;
  close(): Promise<void>;
}

function platformOf(spec: ImageSpec): Platform | undefined {
  if (spec.platform === undefined) return undefined;
  try {
    return parsePlatform(spec.platform);
  } catch (cause) {
    throw new AppError(
      400,
      'invalid_request',
      `platform "${spec.platform}" is not of the form os/architecture[/variant]`,
      { cause },
    );
  }
}

/**
 * Opens an image for reading: through one of the owner's connectors (its credentials and
 * connection settings), or — for `{ref}` — anonymously as a public image, under the
 * server's endpoint policy.
 */
export async function openImage(
  owned: OwnedStores,
  connectors: ConnectorService,
  spec: ImageSpec,
  endpointPolicy: EndpointPolicy,
): Promise<OpenedImage> {
  const platform = platformOf(spec);
  if ('ref' in spec) {
    let ref;
    try {
      ref = parseReference(spec.ref);
    } catch (cause) {
      throw new AppError(400, 'invalid_reference', (cause as Error).message, { cause });
    }
    const client = new RegistryClient({ endpointPolicy });
    return {
      source: remoteImageSource(client, { registry: ref.registry, repository: ref.repository }),
      reference: ref.digest ?? ref.tag ?? 'latest',
      platform,
      grantKey: PUBLIC_GRANT,
      close: () => client.close(),
    };
  }
  const record = await owned.connectors.get(spec.connectorId);
  if (!record) throw notFound('connector');
  const connector: Connector = connectors.open(owned, record);
  let source: ImageSource;
  let extra: RegistryClient | undefined;
  if (connector.imageSource) source = connector.imageSource(spec.repository);
  else {
    extra = new RegistryClient({ keychain: connector.keychain(), endpointPolicy });
    source = remoteImageSource(extra, { registry: connector.registry, repository: spec.repository });
  }
  return {
    source,
    reference: spec.reference,
    platform,
    grantKey: record.id,
    close: async () => {
      await extra?.close();
      await connector.close();
    },
  };
}
