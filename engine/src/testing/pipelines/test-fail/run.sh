#!/bin/sh
# Test double: fails halfway through writing its output.
printf '{"progress":0.5,"step":"sampling"}\n'
printf 'half a pict' > "$1/out/output.png"
echo "CUDA error: out of memory (test double)" >&2
exit 1
