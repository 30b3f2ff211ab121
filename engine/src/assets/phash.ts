import type { Sharp } from 'sharp';

const N = 32;
const K = 8;

/** cos((2x+1) u pi / 2N), computed once. */
const COS = Array.from({ length: K }, (_, u) => Float64Array.from({ length: N }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N))));

/**
 * The DCT perceptual hash (pHash): the picture as 32x32 grey, its 2-D DCT, and one bit per
 * low-frequency coefficient (the 8x8 corner without the DC term) above their median. Resizing,
 * recompression and small edits keep most bits; different pictures differ in about half.
 */
export async function perceptualHash(image: Sharp): Promise<string> {
  const grey = await image.clone().greyscale().resize(N, N, { fit: 'fill' }).raw().toBuffer();
  const coeffs: number[] = [];
  for (let u = 0; u < K; u++)
    for (let v = 0; v < K; v++) {
      let sum = 0;
      for (let y = 0; y < N; y++) {
        const cy = COS[u]![y]!;
        for (let x = 0; x < N; x++) sum += grey[y * N + x]! * cy * COS[v]![x]!;
      }
      coeffs.push(sum);
    }
  const ac = coeffs.slice(1);
  const median = [...ac].sort((a, b) => a - b)[Math.floor(ac.length / 2)]!;
  let bits = 0n;
  for (const c of coeffs) bits = (bits << 1n) | (c > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

export function hammingDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x) {
    count += Number(x & 1n);
    x >>= 1n;
  }
  return count;
}

/** Hashes this close are the same picture, resized, recompressed or lightly edited. */
export const NEAR_DUPLICATE_BITS = 10;
