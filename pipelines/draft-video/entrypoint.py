#!/usr/bin/env python3
"""draft-video: a seeded animatic clip with the prompt as a caption, for timing out a shot.

Not an AI model: ffmpeg animates a rotating gradient with drifting blocking shapes, all derived from
the seed, writes the prompt and a frame counter over it, and adds a silent stereo track so clips
concatenate cleanly. Job-folder contract: pipelines/README.md.
"""
import colorsys
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import textwrap
from fractions import Fraction
from pathlib import Path

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import fail, load_request, number, output_path, progress, run_ffmpeg

studio_job.use_pipeline("draft-video")

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
]
CRF = {"low": 28, "standard": 23, "high": 18}


def find_font():
    for path in FONT_CANDIDATES:
        if os.path.isfile(path):
            return path
    fail("DejaVuSans.ttf not found: install fonts-dejavu-core", 1)


def hex_colour(h, s, v):
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return f"0x{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def caption_lines(prompt, width, fontsize, max_lines):
    text = " ".join("".join(c if c.isprintable() else " " for c in prompt).split())
    # DejaVu Sans averages about 0.55 em per character; wrap a little early to stay inside.
    per_line = max(8, int((width * 0.9) / (fontsize * 0.58)))
    lines = textwrap.wrap(text, per_line, break_long_words=True)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: per_line - 1].rstrip() + "…"
    return lines


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    prompt = request.get("prompt", "")
    if not isinstance(prompt, str):
        fail("prompt must be a string", 2)
    # H.264 4:2:0 needs even dimensions.
    width = number(request, "width", 1280, 16, 4096, integer=True) // 2 * 2
    height = number(request, "height", 720, 16, 4096, integer=True) // 2 * 2
    seed = number(request, "seed", 0, 0, 2**32 - 1, integer=True)
    fps = Fraction(number(request, "fps", 24, 1, 120)).limit_denominator(1001)
    duration = number(request, "duration", 4, 0.04, 600)
    frames = max(1, math.floor(duration * fps + 0.5))  # rounds halves up, as JavaScript's Math.round does
    seconds = frames / fps
    crf = CRF.get(request.get("quality"), CRF["standard"])
    params = request.get("params") or {}
    if not isinstance(params, dict):
        fail("params must be an object", 2)
    caption = params.get("caption", True) is not False
    font = find_font()

    progress(0.02, "composing")
    rng = random.Random(seed)
    hue = rng.random()
    colours = [hex_colour(hue + rng.uniform(-0.25, 0.25), rng.uniform(0.35, 0.8), rng.uniform(0.3, 0.9)) for _ in range(4)]
    # Gradient ends a frame-width apart, so the colours spread across the frame.
    points = [rng.randrange(width // 3 + 1), rng.randrange(height), width - 1 - rng.randrange(width // 3 + 1), rng.randrange(height)]
    graph = [
        f"gradients=s={width}x{height}:r={fps}:n=4:c0={colours[0]}:c1={colours[1]}:c2={colours[2]}:c3={colours[3]}"
        f":x0={points[0]}:y0={points[1]}:x1={points[2]}:y1={points[3]}:seed={seed}:type={rng.randrange(2)}"
        f":speed={rng.uniform(0.004, 0.012):.4f},drawgrid=w=iw/3:h=ih/3:t=1:c=white@0.25[bg0]"
    ]
    blocks = rng.randint(2, 4)
    for i in range(blocks):
        w, h = rng.randint(width // 10, width // 3), rng.randint(height // 8, height // 2)
        x, y = rng.randrange(width - w + 1), rng.randrange(height - h + 1)
        # Each block drifts across the frame about once every 4 to 12 seconds, wrapping round.
        vx, vy = rng.choice([-1, 1]) * rng.uniform(width / 12, width / 4), rng.uniform(-height / 20, height / 20)
        shade = rng.choice(["black@0.3", "white@0.2", hex_colour(hue + 0.5, 0.6, 0.4) + "@0.4"])
        graph.append(f"color=c={shade}:s={w}x{h}:r={fps},format=rgba[b{i}]")
        graph.append(
            f"[bg{i}][b{i}]overlay=x='mod({x}+{vx:.2f}*t+W,W+w)-w':y='{y}+{vy:.2f}*t'"
            f":shortest=0:eof_action=pass[bg{i + 1}]"
        )

    fontsize = max(12, round(min(width, height) / 22))
    margin = max(6, fontsize // 2)
    # Our own text: %{frame_num} is the only expansion in it and nothing here needs escaping.
    drawn = [
        f"drawtext=fontfile={font}:text=DRAFT  seed {seed}  frame %{{frame_num}}:fontsize={max(10, fontsize // 2)}"
        f":fontcolor=white@0.8:x={margin}:y={margin}"
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    text_file = out.parent / f".{out.stem}.caption.txt"
    tmp = out.parent / f".{out.stem}.tmp.mp4"
    lines = caption_lines(prompt, width, fontsize, max_lines=max(1, min(6, height // (fontsize * 4))))
    try:
        if caption and lines:
            text_file.write_text("\n".join(lines), encoding="utf-8")
            # The prompt reaches ffmpeg only through this file, never the filter string; ffmpeg runs
            # in out/ so the file name needs no escaping.
            drawn.append(
                f"drawtext=fontfile={font}:textfile={text_file.name}:expansion=none:fontsize={fontsize}"
                f":fontcolor=white:line_spacing={fontsize // 4}:box=1:boxcolor=black@0.55:boxborderw={margin}"
                f":x=(w-text_w)/2:y=h-text_h-{2 * margin}"
            )
        graph.append(f"[bg{blocks}]" + ",".join(drawn) + f",format=yuv420p,trim=end_frame={frames}[v]")
        graph.append(f"anullsrc=r=48000:cl=stereo,atrim=duration={float(seconds):.6f}[a]")
        progress(0.05, "rendering")
        gop = max(1, round(fps))
        run_ffmpeg(
            ["-filter_complex", ";".join(graph), "-map", "[v]", "-map", "[a]",
             "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p",
             "-g", str(gop), "-keyint_min", str(gop), "-r", str(fps),
             "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
             "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", tmp.name],
            float(seconds), 0.05, 0.98, "rendering", cwd=out.parent,
        )
        os.replace(tmp, out)
    finally:
        text_file.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    progress(1.0, "done")


if __name__ == "__main__":
    main()
