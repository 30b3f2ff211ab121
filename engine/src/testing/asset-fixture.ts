import sharp from 'sharp';

/** A response body as tests read it: any field, checked by the test's own expectations. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = Record<string, any>;

/**
 * Reference images for tests: distinct pictures (a hue and a pattern per index, so no two are
 * near-duplicates), as PNG bytes.
 */
export async function referenceImage(index: number, size = 256): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  const hue = (index * 47) % 360;
  const [r, g, b] = [Math.cos((hue * Math.PI) / 180), Math.cos(((hue - 120) * Math.PI) / 180), Math.cos(((hue + 120) * Math.PI) / 180)].map((c) =>
    Math.round(127 + 100 * c),
  );
  const period = 8 + (index % 5) * 9;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const on = (Math.floor((x + index * 13) / period) + Math.floor((y * (1 + (index % 3))) / period)) % 2 === 0;
      const diag = (x * (index + 1) + y * (7 - (index % 7))) % 97 < 40;
      const o = (y * size + x) * 3;
      raw[o] = on ? r! : 255 - r!;
      raw[o + 1] = diag ? g! : 255 - g!;
      raw[o + 2] = on !== diag ? b! : 30;
    }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

export async function uploadImages(base: string, assetId: string, files: Array<{ name: string; bytes: Buffer; type?: string }>) {
  const form = new FormData();
  for (const f of files) form.append('files', new Blob([new Uint8Array(f.bytes)], { type: f.type ?? 'application/octet-stream' }), f.name);
  const res = await fetch(`${base}/api/v1/assets/${assetId}/images`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as AnyJson };
}

export async function createAsset(base: string, body: Record<string, unknown>) {
  const res = await fetch(`${base}/api/v1/assets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as AnyJson };
}
