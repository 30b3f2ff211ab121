#!/usr/bin/env python3
"""draft-image: a seeded procedural still with the prompt as a caption, for blocking out a shot.

Not an AI model: ffmpeg draws a gradient, rule-of-thirds guides and a few blocking shapes, all
derived from the seed, and writes the prompt over them. Job-folder contract: pipelines/README.md.
"""
import colorsys
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import fail, load_request, number, output_path, progress, run

studio_job.use_pipeline("draft-image")

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
]


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


def lora_input(job, request):
    inputs = request.get("inputs") or {}
    rel = inputs.get("lora") if isinstance(inputs, dict) else None
    if not rel:
        return None
    path = (job / rel).resolve()
    if (job / "in").resolve() not in path.parents or not path.is_file():
        fail(f"request.inputs.lora must name a file under in/: {rel}", 2)
    return path


def apply_lora(lora, params, prompt, seed, width, height, image):
    """A trained draft LoRA changes the picture: DraftNet with the LoRA renders the subject, inset over the draft."""
    import draftnet  # numpy only when a LoRA is applied

    strength = number(params, "lora_strength", 1.0, 0.0, 2.0)
    tensors, _meta = draftnet.read_safetensors(lora)
    deltas = draftnet.lora_deltas(tensors, strength)
    if not deltas:
        fail("the LoRA has no lora_unet_* tensors DraftNet knows: it was not trained by draft-lora-train", 1)
    subject = draftnet.forward(draftnet.noise(seed), draftnet.embed(prompt), draftnet.base_weights(), deltas)
    inset = image.parent / f".{image.stem}.lora.png"
    draftnet.write_png(inset, subject)
    side = max(16, min(width, height) // 2)
    merged = image.parent / f".{image.stem}.merged.png"
    try:
        run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", image.name, "-i", inset.name, "-filter_complex",
             f"[1]scale={side}:{side}:flags=neighbor[s];[0][s]overlay=x=(W-w)/2:y=(H-h)/2,format=rgb24",
             "-frames:v", "1", "-fflags", "+bitexact", "-flags", "+bitexact", "-map_metadata", "-1",
             "-c:v", "png", "-f", "image2", "-update", "1", merged.name],
            cwd=image.parent,
        )
        os.replace(merged, image)
    finally:
        inset.unlink(missing_ok=True)
        merged.unlink(missing_ok=True)


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    prompt = request.get("prompt", "")
    if not isinstance(prompt, str):
        fail("prompt must be a string", 2)
    width = number(request, "width", 1280, 16, 8192, integer=True)
    height = number(request, "height", 720, 16, 8192, integer=True)
    seed = number(request, "seed", 0, 0, 2**32 - 1, integer=True)
    params = request.get("params") or {}
    if not isinstance(params, dict):
        fail("params must be an object", 2)
    caption = params.get("caption", True) is not False
    font = find_font()

    progress(0.1, "composing")
    rng = random.Random(seed)
    hue = rng.random()
    colours = [hex_colour(hue + rng.uniform(-0.25, 0.25), rng.uniform(0.35, 0.8), rng.uniform(0.3, 0.9)) for _ in range(4)]
    # Gradient ends a frame-width apart, so the colours spread across the frame.
    points = [rng.randrange(width // 3 + 1), rng.randrange(height), width - 1 - rng.randrange(width // 3 + 1), rng.randrange(height)]
    if rng.random() < 0.5:
        points = points[2:] + points[:2]
    filters = [
        f"gradients=s={width}x{height}:n=4:c0={colours[0]}:c1={colours[1]}:c2={colours[2]}:c3={colours[3]}"
        f":x0={points[0]}:y0={points[1]}:x1={points[2]}:y1={points[3]}:seed={seed}:type={rng.randrange(2)}",
        "drawgrid=w=iw/3:h=ih/3:t=1:c=white@0.25",
    ]
    for _ in range(rng.randint(2, 4)):
        w, h = rng.randint(width // 10, width // 3), rng.randint(height // 8, height // 2)
        x, y = rng.randrange(width - w + 1), rng.randrange(height - h + 1)
        shade = rng.choice(["black@0.3", "white@0.2", hex_colour(hue + 0.5, 0.6, 0.4) + "@0.4"])
        filters.append(f"drawbox=x={x}:y={y}:w={w}:h={h}:color={shade}:t=fill")

    fontsize = max(12, round(min(width, height) / 22))
    margin = max(6, fontsize // 2)
    label = f"DRAFT  seed {seed}"  # digits and letters only: safe inside the filter string
    filters.append(
        f"drawtext=fontfile={font}:text={label}:expansion=none:fontsize={max(10, fontsize // 2)}"
        f":fontcolor=white@0.8:x={margin}:y={margin}"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    text_file = out.parent / f".{out.stem}.caption.txt"
    tmp = out.parent / f".{out.stem}.tmp.png"
    lines = caption_lines(prompt, width, fontsize, max_lines=max(1, min(6, height // (fontsize * 4))))
    try:
        if caption and lines:
            text_file.write_text("\n".join(lines), encoding="utf-8")
            # The prompt reaches ffmpeg only through this file, never the filter string; ffmpeg runs
            # in out/ so the file name needs no escaping.
            filters.append(
                f"drawtext=fontfile={font}:textfile={text_file.name}:expansion=none:fontsize={fontsize}"
                f":fontcolor=white:line_spacing={fontsize // 4}:box=1:boxcolor=black@0.55:boxborderw={margin}"
                f":x=(w-text_w)/2:y=h-text_h-{2 * margin}"
            )
        filters.append("format=rgb24")
        progress(0.3, "rendering")
        run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", ",".join(filters),
             "-frames:v", "1", "-fflags", "+bitexact", "-flags", "+bitexact", "-map_metadata", "-1",
             "-c:v", "png", "-f", "image2", "-update", "1", tmp.name],
            cwd=out.parent,
        )
        lora = lora_input(job, request)
        if lora:
            progress(0.7, "applying LoRA")
            apply_lora(lora, params, prompt, seed, width, height, tmp)
        os.replace(tmp, out)
    finally:
        text_file.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    progress(1.0, "done")


if __name__ == "__main__":
    main()
