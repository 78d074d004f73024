/**
 * A squarified treemap (Bruls, Huizing, van Wijk, "Squarified Treemaps", 2000): rows of
 * rectangles laid along the shorter side of what is left, each row grown while that keeps its
 * worst aspect ratio from getting worse. Pure, so it is tested without a browser.
 */
export interface TreemapInput<T> {
  readonly value: number;
  readonly item: T;
}

export interface TreemapRect<T> {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly value: number;
  readonly item: T;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The worst aspect ratio of a row of `areas` laid along a side of length `side`. */
function worst(areas: readonly number[], side: number): number {
  let sum = 0;
  let max = 0;
  let min = Infinity;
  for (const a of areas) {
    sum += a;
    if (a > max) max = a;
    if (a < min) min = a;
  }
  if (sum === 0 || side === 0) return Infinity;
  const s2 = side * side;
  const sum2 = sum * sum;
  return Math.max((s2 * max) / sum2, sum2 / (s2 * min));
}

/**
 * Lays `inputs` (zero and negative values are left out) into a `width`×`height` box, biggest
 * first. The rectangles tile the box exactly and each one's area is proportional to its value.
 */
export function squarify<T>(
  inputs: readonly TreemapInput<T>[],
  width: number,
  height: number,
): TreemapRect<T>[] {
  const items = inputs
    .filter((i) => i.value > 0 && Number.isFinite(i.value))
    .sort((a, b) => b.value - a.value);
  const total = items.reduce((s, i) => s + i.value, 0);
  if (!items.length || width <= 0 || height <= 0) return [];
  const scale = (width * height) / total;
  const areas = items.map((i) => i.value * scale);
  const out: TreemapRect<T>[] = [];
  const box: Box = { x: 0, y: 0, width, height };
  let start = 0;
  while (start < items.length) {
    const side = Math.min(box.width, box.height);
    let end = start + 1;
    while (
      end < items.length &&
      worst(areas.slice(start, end + 1), side) <= worst(areas.slice(start, end), side)
    )
      end++;
    const row = areas.slice(start, end);
    const rowArea = row.reduce((s, a) => s + a, 0);
    const last = end === items.length;
    if (box.width >= box.height) {
      // A column along the left edge.
      const w = last ? box.width : rowArea / box.height;
      let y = box.y;
      row.forEach((a, k) => {
        const h = k === row.length - 1 ? box.y + box.height - y : a / w;
        const input = items[start + k] as TreemapInput<T>;
        out.push({ x: box.x, y, width: w, height: h, value: input.value, item: input.item });
        y += h;
      });
      box.x += w;
      box.width -= w;
    } else {
      // A row along the top edge.
      const h = last ? box.height : rowArea / box.width;
      let x = box.x;
      row.forEach((a, k) => {
        const w = k === row.length - 1 ? box.x + box.width - x : a / h;
        const input = items[start + k] as TreemapInput<T>;
        out.push({ x, y: box.y, width: w, height: h, value: input.value, item: input.item });
        x += w;
      });
      box.y += h;
      box.height -= h;
    }
    start = end;
  }
  return out;
}
