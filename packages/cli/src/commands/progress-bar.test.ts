import { describe, expect, it } from 'vitest';
import { progressBar, renderProgress } from './progress-bar.js';

describe('renderProgress', () => {
  it('shows the share of bytes, the layers and the bytes', () => {
    expect(
      renderProgress(
        { layersDone: 1, layersTotal: 3, bytesDone: 12_300_000, bytesTotal: 27_000_000 },
        'profiling',
        100,
      ),
    ).toBe('profiling [#############·················]  45%  1/3 layers  12.3 MB/27.0 MB');
  });

  it('fits a narrow terminal', () => {
    const line = renderProgress(
      { layersDone: 0, layersTotal: 1, bytesDone: 0, bytesTotal: 0 },
      'profiling',
      40,
    );
    expect(line.length).toBeLessThan(40);
  });
});

describe('progressBar', () => {
  const progress = { layersDone: 1, layersTotal: 1, bytesDone: 10, bytesTotal: 10 };

  it('draws in place on a terminal and clears itself', () => {
    const written: string[] = [];
    const bar = progressBar({ isTTY: true, columns: 80, write: (t: string) => written.push(t) }, 'profiling');
    bar.update(progress);
    bar.clear();
    expect(written).toEqual([`\r${renderProgress(progress, 'profiling', 80)}\u001b[K`, '\r\u001b[K']);
  });

  it('draws nothing when the stream is not a terminal', () => {
    const written: string[] = [];
    const bar = progressBar({ isTTY: false, write: (t: string) => written.push(t) }, 'profiling');
    bar.update(progress);
    bar.clear();
    expect(written).toEqual([]);
  });
});
