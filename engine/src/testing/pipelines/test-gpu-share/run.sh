#!/bin/sh
# Test double: holds its GPU slot for params.sleep_ms, then writes which GPU it had.
set -eu
ms=$(sed -n 's/.*"sleep_ms": *\([0-9]*\).*/\1/p' "$1/request.json" | head -n 1)
printf '{"progress":0.5,"step":"sleeping on GPU %s"}\n' "${CUDA_VISIBLE_DEVICES:-none}"
sleep "$(awk "BEGIN{print ${ms:-200}/1000}")"
printf '%s' "${CUDA_VISIBLE_DEVICES:-none}" > "$1/out/.output.png.tmp"
mv "$1/out/.output.png.tmp" "$1/out/output.png"
