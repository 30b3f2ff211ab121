#!/usr/bin/env python3
"""restore-denoise: denoises a video with ffmpeg's hqdn3d or nlmeans filter, re-encoded as H.264 MP4.

Not a restoration model (it recovers no detail): the CPU stand-in for SeedVR2. params.strength (0-1)
sets the filter strength; 0.5 is hqdn3d's own default. Job-folder contract: pipelines/README.md.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import fail, input_path, load_request, number, output_path, progress, run_ffmpeg

studio_job.use_pipeline("restore-denoise")

CRF = {"low": 28, "standard": 20, "high": 16}
COPYABLE_AUDIO = {"aac", "mp3"}


def probe(path):
    """The first video stream, the first audio stream (or None) and the duration in seconds."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height:format=duration",
         "-of", "json", str(path)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
    )
    if result.returncode != 0:
        fail(f"cannot read {path.name}: {result.stderr.strip()[-500:]}", 2)
    info = json.loads(result.stdout or "{}")
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and s.get("width")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None:
        fail(f"{path.name} has no picture", 2)
    try:
        duration = float(info.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        duration = 0.0
    return video, audio, duration


def denoiser(method, strength):
    if strength == 0:
        return "null"
    if method == "nlmeans":
        return f"nlmeans=s={1 + 9 * strength:.2f}"
    # hqdn3d's defaults (4:3:6:4.5) scaled so that strength 0.5 gives exactly them.
    return f"hqdn3d={8 * strength:.2f}:{6 * strength:.2f}:{12 * strength:.2f}:{9 * strength:.2f}"


def main():
    job, request = load_request(sys.argv)
    source = input_path(job, request, "input")
    out = output_path(job, request, "output")
    params = request.get("params") or {}
    if not isinstance(params, dict):
        fail("params must be an object", 2)
    strength = number(params, "strength", 0.5, 0, 1)
    method = params.get("method") or "hqdn3d"
    if method not in ("hqdn3d", "nlmeans"):
        fail(f"method must be hqdn3d or nlmeans, got {method!r}", 2)
    crf = CRF.get(request.get("quality"), CRF["standard"])

    progress(0.02, "probing")
    video, audio, duration = probe(source)
    filters = denoiser(method, strength)
    if video["width"] % 2 or video["height"] % 2:  # 4:2:0 video needs even dimensions
        filters += ",crop=trunc(iw/2)*2:trunc(ih/2)*2"
    audio_args = []
    if audio is not None:
        audio_args = ["-c:a", "copy"] if audio.get("codec_name") in COPYABLE_AUDIO else ["-c:a", "aac", "-b:a", "192k"]

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.stem}.tmp.mp4"
    try:
        progress(0.05, "denoising")
        run_ffmpeg(
            ["-i", str(source), "-map", "0:v:0", "-map", "0:a:0?", "-vf", filters,
             "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p", *audio_args,
             "-movflags", "+faststart", "-f", "mp4", str(tmp)],
            max(duration, 0.001), 0.05, 0.98, "denoising",
        )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    progress(1.0, "done")


if __name__ == "__main__":
    main()
