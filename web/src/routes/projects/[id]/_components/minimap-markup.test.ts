import { describe, expect, it } from 'vitest';
import { minimapDrawing } from './minimap-markup';

const rect = (x: number, y: number, color = '#e8a33d', selected = false) => ({ x, y, width: 100, height: 50, color, selected });

describe('minimapDrawing', () => {
  it('draws one rect per node and the bounds they cover', () => {
    const { markup, bounds } = minimapDrawing([rect(0, 0), rect(300, -20, '#4fa3e0', true)]);
    expect(markup.match(/<rect /g)).toHaveLength(2);
    expect(markup).toContain('class="svelte-flow__minimap-node selected" x="300" y="-20"');
    expect(markup).toContain('style="fill:#4fa3e0"');
    expect(bounds).toEqual({ x: 0, y: -20, width: 400, height: 70 });
  });

  it('leaves out nodes with no size yet and draws nothing for none', () => {
    expect(minimapDrawing([{ ...rect(0, 0), width: 0 }])).toEqual({ markup: '', bounds: null });
  });

  it('never writes a colour that is not a hex colour into the markup', () => {
    const { markup } = minimapDrawing([rect(0, 0, 'red"><script>')]);
    expect(markup).toContain('fill:#666');
    expect(markup).not.toContain('script');
  });
});
