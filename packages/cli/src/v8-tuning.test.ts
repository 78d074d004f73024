import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { v8FlagsFor } from './v8-tuning.js';

describe('v8FlagsFor', () => {
  it('raises the tier-up budget for one-shot commands only', () => {
    expect(v8FlagsFor(['node', 'berth', 'profile', 'debian'])).toEqual(['--interrupt-budget=1081344']);
    expect(v8FlagsFor(['node', 'berth', 'diff', 'a', 'b'])).toEqual(['--interrupt-budget=1081344']);
    expect(v8FlagsFor(['node', 'berth', 'serve'])).toEqual([]);
    expect(v8FlagsFor(['node', 'berth', 'worker'])).toEqual([]);
    expect(v8FlagsFor(['node', 'berth'])).toEqual([]);
  });

  it('is a flag this Node accepts', () => {
    // V8 ignores unknown flags given at run time, silently: check that this one is known.
    const [flag] = v8FlagsFor(['node', 'berth', 'profile']);
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toContain(`${flag?.split('=')[0]} (`);
  });
});
