/** An HTTP Range header against a file of `size` bytes: the whole file (200), a slice (206), or unsatisfiable (416). */
export function byteRange(header: string | undefined, size: number): { start: number; end: number; status: 200 | 206 | 416 } {
  if (!header) return { start: 0, end: Math.max(0, size - 1), status: 200 };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header);
  if (!match || (!match[1] && !match[2])) return { start: 0, end: 0, status: 416 };
  let start: number;
  let end: number;
  if (!match[1]) {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  }
  if (!Number.isSafeInteger(start) || start > end || start >= size) return { start: 0, end: 0, status: 416 };
  return { start, end, status: 206 };
}
