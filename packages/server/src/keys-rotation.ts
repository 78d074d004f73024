import { addActiveKey, dropPreviousKeys, loadKeyRing } from './crypto/master-keys.js';
import { openRuntime, type RuntimeOptions } from './main-server.js';

export interface RotationResult {
  readonly rewrapped: number;
  readonly activeKeyId: string;
  readonly source: string;
}

/**
 * `berth keys rotate`: re-wraps every data key under a new master key while servers keep
 * running. With the key file: a new key becomes active (servers notice the file change and
 * seal with it), every data key is re-wrapped in small transactions, then the old keys are
 * dropped. With `BERTH_MASTER_KEY`: set the new key there and the old one in
 * `BERTH_MASTER_KEY_PREVIOUS`, run this, then remove the previous key.
 */
export async function rotateMasterKey(options: RuntimeOptions = {}): Promise<RotationResult> {
  const runtime = await openRuntime(options);
  try {
    const ring = loadKeyRing(runtime.config);
    if (ring.fromFile) addActiveKey(runtime.config.dataDir);
    const rewrapped = await runtime.stores.secrets.rewrapAll();
    if (ring.fromFile) dropPreviousKeys(runtime.config.dataDir);
    await runtime.stores.audit.record({
      actorId: null,
      action: 'keys.rotate',
      detail: { rewrapped, activeKeyId: ring.active().id },
    });
    return { rewrapped, activeKeyId: ring.active().id, source: ring.source };
  } finally {
    await runtime.close();
  }
}
