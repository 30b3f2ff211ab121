#!/bin/sh
# Test double: holds its GPU slot for params.sleep_ms, then writes which GPU it had. With
# params.peak_vram_mb it reports that as its measured peak, as a real GPU pipeline's Meter does.
set -eu
ms=$(sed -n 's/.*"sleep_ms": *\([0-9]*\).*/\1/p' "$1/request.json" | head -n 1)
peak=$(sed -n 's/.*"peak_vram_mb": *\([0-9.]*\).*/\1/p' "$1/request.json" | head -n 1)
printf '{"progress":0.5,"step":"sleeping on GPU %s"}\n' "${CUDA_VISIBLE_DEVICES:-none}"
sleep "$(awk "BEGIN{print ${ms:-200}/1000}")"
printf '%s' "${CUDA_VISIBLE_DEVICES:-none}" > "$1/out/.output.png.tmp"
mv "$1/out/.output.png.tmp" "$1/out/output.png"
if [ -n "$peak" ]; then
  printf '{"result":{"peak_vram_mb":%s,"wall_s":%s,"vram_source":"test double"}}\n' "$peak" "$(awk "BEGIN{print ${ms:-200}/1000}")"
fi
