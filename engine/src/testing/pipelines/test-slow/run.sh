#!/bin/sh
# Test double: pretends to denoise for about 6 s, reporting progress, then writes its output.
set -eu
i=1
while [ "$i" -le 20 ]; do
  printf '{"progress":%s,"step":"denoising %s/20"}\n' "$(awk "BEGIN{print $i/20}")" "$i"
  sleep 0.3
  i=$((i + 1))
done
printf 'slow' > "$1/out/.output.png.tmp"
mv "$1/out/.output.png.tmp" "$1/out/output.png"
