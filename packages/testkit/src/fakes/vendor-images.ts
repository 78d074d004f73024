import type { OciLayout } from '../image-spec.js';
import { createLayout } from '../oci-layout.js';

/**
 * The images the vendor-fake tests push: `one`, a single-platform image, and `multi`, an index of
 * linux/amd64 and linux/arm64/v8 (push it with `{ all: true }`), so listings show platforms.
 */
export async function buildVendorImages(): Promise<OciLayout> {
  const layout = await createLayout();
  await layout.addImage('one', { layers: [{ entries: [{ type: 'file', path: 'a', content: 'one' }] }] });
  await layout.addIndex('multi', [
    {
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [{ entries: [{ type: 'file', path: 'x', content: 'amd64' }] }],
    },
    {
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      layers: [{ entries: [{ type: 'file', path: 'x', content: 'arm64' }] }],
    },
  ]);
  return layout;
}
