#!/usr/bin/env python3
"""motion-edges-ffmpeg: a ControlMap video from a source video with ffmpeg, on the CPU.

method `edges`: each frame's outlines (edgedetect, low/high thresholds); method `difference`: what
moved between consecutive frames (tblend difference, brightened by `gain`). Greyscale H.264 MP4 at
the source's size and frame rate, without audio. Job-folder contract: pipelines/README.md.
"""
import json
import os
import subprocess
import sys

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import choice, fail, input_path, load_request, number, output_path, params_of, progress, run_ffmpeg

PIPELINE_ID = "motion-edges-ffmpeg"
studio_job.use_pipeline(PIPELINE_ID)

CRF = {"low": 30, "standard": 23, "high": 18}


def probe(path):
    """The first video stream's size and the duration in seconds."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height:format=duration",
         "-of", "json", str(path)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
    )
    if result.returncode != 0:
        fail(f"cannot read {path.name}: {result.stderr.strip()[-500:]}", 2)
    info = json.loads(result.stdout or "{}")
    video = next(iter(info.get("streams") or []), None)
    if not video or not video.get("width"):
        fail(f"{path.name} has no picture", 2)
    try:
        duration = float(info.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        duration = 0.0
    return video, duration


def motion_filter(method, low, high, gain):
    if method == "edges":
        return f"format=gray,edgedetect=low={low:.3f}:high={high:.3f}:mode=wires"
    # Each frame minus the one before: still areas go black, moving edges light up.
    return f"format=gray,tblend=all_mode=difference,lut=c0=min(val*{gain:.2f}\\,255)"


def main():
    job, request = load_request(sys.argv)
    source = input_path(job, request, "input")
    out = output_path(job, request, "output")
    params = params_of(request)
    method = choice(params, "method", "edges", ("edges", "difference"))
    low = number(params, "low", 0.1, 0.01, 0.99)
    high = number(params, "high", 0.4, 0.02, 1)
    if high <= low:
        fail(f"high must be above low, got low={low} high={high}", 2)
    gain = number(params, "gain", 4, 1, 16)
    crf = CRF.get(request.get("quality"), CRF["standard"])

    progress(0.02, "probing")
    video, duration = probe(source)
    filters = motion_filter(method, low, high, gain)
    if video["width"] % 2 or video["height"] % 2:  # 4:2:0 video needs even dimensions
        filters += ",crop=trunc(iw/2)*2:trunc(ih/2)*2"
    filters += ",format=yuv420p"

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.stem}.tmp.mp4"
    label = "tracing edges" if method == "edges" else "differencing frames"
    try:
        progress(0.05, label)
        run_ffmpeg(
            ["-i", str(source), "-map", "0:v:0", "-an", "-vf", filters,
             "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-movflags", "+faststart", "-f", "mp4", str(tmp)],
            max(duration, 0.001), 0.05, 0.98, label,
        )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    progress(1.0, "done")


if __name__ == "__main__":
    main()
