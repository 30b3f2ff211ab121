#!/usr/bin/env python3
"""i2v-kenburns-ffmpeg: a clip from a still image with a slow zoom and pan (ffmpeg zoompan), on the CPU.

The image is scaled to cover the requested frame (cropped to its aspect ratio) at twice the size, so
zoompan's whole-pixel steps stay smooth at the output size; frame 0 is the whole cropped image and
the zoom eases in to `zoom` by the last frame, drifting the way `pan` says. At the request's size and
frame rate, with a silent stereo track. Job-folder contract: pipelines/README.md.
"""
import json
import math
import os
import subprocess
import sys
from fractions import Fraction

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import choice, fail, input_path, load_request, number, output_path, params_of, progress, run_ffmpeg

PIPELINE_ID = "i2v-kenburns-ffmpeg"
studio_job.use_pipeline(PIPELINE_ID)

CRF = {"low": 28, "standard": 23, "high": 18}
# Where the crop window's centre drifts to by the last frame, as a share of the room the zoom leaves.
PAN = {"none": (0.0, 0.0), "left": (-1.0, 0.0), "right": (1.0, 0.0), "up": (0.0, -1.0), "down": (0.0, 1.0)}


def probe_image(path):
    """The picture's size; refuses a file ffprobe cannot read as an image."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,codec_type",
         "-of", "json", str(path)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
    )
    if result.returncode != 0:
        fail(f"cannot read {path.name}: {result.stderr.strip()[-500:]}", 2)
    stream = next(iter(json.loads(result.stdout or "{}").get("streams") or []), None)
    if not stream or not stream.get("width") or not stream.get("height"):
        fail(f"{path.name} has no picture", 2)
    return int(stream["width"]), int(stream["height"])


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    source = input_path(job, request, "image")
    params = params_of(request)
    zoom = number(params, "zoom", 1.15, 1, 2)
    pan = choice(params, "pan", "none", tuple(PAN))
    # H.264 4:2:0 needs even dimensions.
    width = number(request, "width", 1280, 16, 4096, integer=True) // 2 * 2
    height = number(request, "height", 720, 16, 4096, integer=True) // 2 * 2
    fps = Fraction(number(request, "fps", 24, 1, 120)).limit_denominator(1001)
    duration = number(request, "duration", 4, 0.04, 600)
    frames = max(1, math.floor(duration * fps + 0.5))  # rounds halves up, as JavaScript's Math.round does
    seconds = frames / fps
    crf = CRF.get(request.get("quality"), CRF["standard"])

    progress(0.02, "reading the image")
    probe_image(source)
    big_w, big_h = width * 2, height * 2
    last = max(1, frames - 1)
    # Smoothstep from 0 to 1 over the clip: the camera starts and stops gently.
    ease = f"(3*pow(on/{last},2)-2*pow(on/{last},3))"
    dx, dy = PAN[pan]
    # The window is iw/zoom wide; what it leaves free is iw-iw/zoom, and the pan moves its centre through half of it.
    x = f"(iw-iw/zoom)/2*(1+{dx}*{ease})"
    y = f"(ih-ih/zoom)/2*(1+{dy}*{ease})"
    video = (
        f"[0:v]scale={big_w}:{big_h}:force_original_aspect_ratio=increase:flags=lanczos,crop={big_w}:{big_h},setsar=1,"
        f"zoompan=z='1+{zoom - 1:.6f}*{ease}':x='{x}':y='{y}':d={frames}:s={width}x{height}:fps={fps.numerator}/{fps.denominator},"
        f"format=yuv420p,trim=end_frame={frames}[v]"
    )
    audio = f"anullsrc=r=48000:cl=stereo,atrim=duration={float(seconds):.6f}[a]"

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.stem}.tmp.mp4"
    try:
        progress(0.05, "zooming")
        gop = max(1, round(fps))
        run_ffmpeg(
            ["-i", str(source), "-filter_complex", f"{video};{audio}", "-map", "[v]", "-map", "[a]",
             "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p",
             "-g", str(gop), "-keyint_min", str(gop), "-r", f"{fps.numerator}/{fps.denominator}",
             "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
             "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", str(tmp)],
            float(seconds), 0.05, 0.98, "zooming",
        )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    progress(1.0, "done")


if __name__ == "__main__":
    main()
