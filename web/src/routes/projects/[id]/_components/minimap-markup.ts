/** A node as the minimap draws it: where it is on the flow, how big, in which colour. */
export interface MinimapRect {
  x: number;
  y: number;
  width: number;
  height: number;
  color: string;
  selected: boolean;
}

export interface MinimapDrawing {
  /** One `<rect class="svelte-flow__minimap-node">` per node, as SVG markup. */
  markup: string;
  /** What the rects cover, or null when there are none. */
  bounds: { x: number; y: number; width: number; height: number } | null;
}

const COLOR = /^#[0-9a-f]{3,8}$/i;
const short = (n: number) => Math.round(n * 10) / 10;

/**
 * The minimap's nodes as one string of SVG, set in one go: with thousands of nodes, one element
 * each made by a component (Svelte Flow's MiniMap) cost more than the rest of the canvas's first
 * view; parsed from markup they cost a few milliseconds.
 */
export function minimapDrawing(rects: Iterable<MinimapRect>, radius = 5): MinimapDrawing {
  const parts: string[] = [];
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const r of rects) {
    if (!(r.width > 0 && r.height > 0) || !Number.isFinite(r.x) || !Number.isFinite(r.y)) continue;
    minX = Math.min(minX, r.x);
    minY = Math.min(minY, r.y);
    maxX = Math.max(maxX, r.x + r.width);
    maxY = Math.max(maxY, r.y + r.height);
    const fill = COLOR.test(r.color) ? r.color : '#666';
    parts.push(
      `<rect class="svelte-flow__minimap-node${r.selected ? ' selected' : ''}" x="${short(r.x)}" y="${short(r.y)}" width="${short(r.width)}" height="${short(r.height)}" rx="${radius}" ry="${radius}" style="fill:${fill}"></rect>`,
    );
  }
  return {
    markup: parts.join(''),
    bounds: parts.length ? { x: minX, y: minY, width: maxX - minX, height: maxY - minY } : null,
  };
}
