import { describe, expect, it } from 'vitest';
import { squarify } from './treemap';

const area = (r: { width: number; height: number }) => r.width * r.height;

describe('squarify', () => {
  it('tiles the box exactly, each area proportional to its value, biggest first', () => {
    const values = [6, 6, 4, 3, 2, 2, 1];
    const rects = squarify(
      values.map((value, i) => ({ value, item: `n${i}` })),
      6,
      4,
    );
    expect(rects.map((r) => r.value)).toEqual(values);
    const total = values.reduce((s, v) => s + v, 0);
    for (const r of rects) {
      expect(area(r)).toBeCloseTo((r.value / total) * 24, 6);
      expect(r.x).toBeGreaterThanOrEqual(-1e-9);
      expect(r.y).toBeGreaterThanOrEqual(-1e-9);
      expect(r.x + r.width).toBeLessThanOrEqual(6 + 1e-9);
      expect(r.y + r.height).toBeLessThanOrEqual(4 + 1e-9);
    }
    expect(rects.reduce((s, r) => s + area(r), 0)).toBeCloseTo(24, 6);
    // No two rectangles overlap.
    for (const a of rects)
      for (const b of rects) {
        if (a === b) continue;
        const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
        const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
        expect(w > 1e-9 && h > 1e-9).toBe(false);
      }
  });

  it('keeps the rectangles close to square (the paper’s example: worst ratio under 3)', () => {
    const rects = squarify(
      [6, 6, 4, 3, 2, 2, 1].map((value) => ({ value, item: value })),
      6,
      4,
    );
    const worst = Math.max(...rects.map((r) => Math.max(r.width / r.height, r.height / r.width)));
    expect(worst).toBeLessThan(3);
    // The first two (6 and 6) share the first column of the 6×4 box: 3 wide, 2 high each.
    expect(rects[0]).toMatchObject({ x: 0, y: 0, width: 3, height: 2 });
    expect(rects[1]).toMatchObject({ x: 0, y: 2, width: 3, height: 2 });
  });

  it('leaves out empty values and answers nothing for an empty box', () => {
    expect(squarify([{ value: 0, item: 'a' }], 10, 10)).toEqual([]);
    expect(squarify([{ value: 5, item: 'a' }], 0, 10)).toEqual([]);
    const one = squarify(
      [
        { value: 5, item: 'a' },
        { value: 0, item: 'b' },
        { value: -1, item: 'c' },
      ],
      10,
      5,
    );
    expect(one).toEqual([{ x: 0, y: 0, width: 10, height: 5, value: 5, item: 'a' }]);
  });
});
