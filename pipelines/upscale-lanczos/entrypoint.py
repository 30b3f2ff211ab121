#!/usr/bin/env python3
"""upscale-lanczos: scales an image or a video by params.scale with ffmpeg's Lanczos filter.

Not a super-resolution model (it invents no detail): the CPU stand-in for Thera. The output keeps
the input's kind and is written to request.outputs.output whatever its extension; the runner gives
it the input's extension. Job-folder contract: pipelines/README.md.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import fail, input_path, load_request, number, output_path, progress, run, run_ffmpeg

studio_job.use_pipeline("upscale-lanczos")

IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"}
# Output extension -> video and audio codecs, and the audio codecs that can be copied as they are.
VIDEO_FORMATS = {
    "mp4": ("libx264", "aac", {"aac", "mp3"}),
    "m4v": ("libx264", "aac", {"aac"}),
    "mov": ("libx264", "aac", {"aac", "mp3", "pcm_s16le"}),
    "mkv": ("libx264", "aac", {"aac", "mp3", "opus", "vorbis", "flac", "pcm_s16le"}),
    "webm": ("libvpx-vp9", "libopus", {"opus", "vorbis"}),
}
CRF = {"libx264": {"low": 28, "standard": 20, "high": 16}, "libvpx-vp9": {"low": 40, "standard": 32, "high": 24}}
MAX_SIDE = 16384


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


def main():
    job, request = load_request(sys.argv)
    source = input_path(job, request, "input")
    out = output_path(job, request, "output")
    params = request.get("params") or {}
    if not isinstance(params, dict):
        fail("params must be an object", 2)
    scale = number(params, "scale", 2.0, 1, 8)
    in_ext = source.suffix.lower().lstrip(".")
    out_ext = out.suffix.lower().lstrip(".")
    is_image = in_ext in IMAGE_EXTENSIONS
    if is_image != (out_ext in IMAGE_EXTENSIONS) or not (is_image or out_ext in VIDEO_FORMATS):
        fail(f"cannot write a .{in_ext} input as .{out_ext}: the output must keep the input's kind "
             f"(images: {', '.join(sorted(IMAGE_EXTENSIONS))}; videos: {', '.join(VIDEO_FORMATS)})", 2)

    progress(0.02, "probing")
    video, audio, duration = probe(source)
    width, height = round(video["width"] * scale), round(video["height"] * scale)
    if not is_image:  # 4:2:0 video needs even dimensions
        width, height = width + width % 2, height + height % 2
    if max(width, height) > MAX_SIDE:
        fail(f"{width}x{height} is too large (at most {MAX_SIDE} pixels a side): lower the scale", 2)
    scaler = f"scale={width}:{height}:flags=lanczos"

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.stem}.tmp{out.suffix.lower()}"
    try:
        progress(0.05, "upscaling")
        if is_image:
            quality = ["-q:v", "2"] if out_ext in ("jpg", "jpeg") else []
            run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-vf", scaler, "-frames:v", "1",
                 *quality, "-map_metadata", "-1", "-f", "image2", "-update", "1", str(tmp)])
        else:
            vcodec, acodec, copyable = VIDEO_FORMATS[out_ext]
            crf = CRF[vcodec].get(request.get("quality"), CRF[vcodec]["standard"])
            speed = ["-preset", "veryfast"] if vcodec == "libx264" else ["-deadline", "good", "-cpu-used", "4", "-b:v", "0"]
            audio_args = []
            if audio is not None:
                audio_args = ["-c:a", "copy"] if audio.get("codec_name") in copyable else ["-c:a", acodec, "-b:a", "192k"]
            run_ffmpeg(
                ["-i", str(source), "-map", "0:v:0", "-map", "0:a:0?", "-vf", scaler,
                 "-c:v", vcodec, *speed, "-crf", str(crf), "-pix_fmt", "yuv420p", *audio_args,
                 "-movflags", "+faststart", str(tmp)],
                max(duration, 0.001), 0.05, 0.98, "upscaling",
            )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    progress(1.0, "done")


if __name__ == "__main__":
    main()
