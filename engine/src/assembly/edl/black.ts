// BL is CMX3600's black generator; BLACK and BLK are common spellings of it.
const BLACK_REELS = new Set(['BL', 'BLK', 'BLACK']);

/** Whether a reel is the black generator, whose source timecodes mean nothing. */
export function isBlackReel(reel: string): boolean {
  return BLACK_REELS.has(reel.toUpperCase());
}
