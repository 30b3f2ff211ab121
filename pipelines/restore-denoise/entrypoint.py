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

CRF = {"low": 28, "standard": 20, "high": 16}
COPYABLE_AUDIO = {"aac", "mp3"}


def fail(message, code=1):
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)


def progress(value, step):
    print(json.dumps({"progress": round(value, 3), "step": step}), flush=True)


def load_request(argv):
    if len(argv) < 2:
        fail("usage: entrypoint.py <job-folder>", 2)
    job = Path(argv[1]).resolve()
    try:
        request = json.loads((job / "request.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"no request.json in {job}", 2)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        fail(f"cannot read {job / 'request.json'}: {e}", 2)
    if not isinstance(request, dict):
        fail("request.json must hold a JSON object", 2)
    return job, request


def output_path(job, request, name):
    outputs = request.get("outputs")
    rel = outputs.get(name) if isinstance(outputs, dict) else None
    if not isinstance(rel, str) or not rel:
        fail(f"request.outputs.{name} is missing", 2)
    path = (job / rel).resolve()
    if (job / "out").resolve() not in path.parents:
        fail(f"request.outputs.{name} must name a file under out/: {rel}", 2)
    return path


def number(source, key, default, lo, hi, integer=False):
    value = source.get(key, default)
    if value is None:
        value = default
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or (integer and value != int(value)) or not lo <= value <= hi:
        kind = "an integer" if integer else "a number"
        fail(f"{key} must be {kind} from {lo} to {hi}, got {value!r}", 2)
    return int(value) if integer else float(value)


def run_ffmpeg(args, seconds, lo, hi, step, cwd=None):
    """Runs ffmpeg, turning its -progress output into progress lines from lo to hi."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-nostats", "-y", "-progress", "pipe:1", *args]
    with tempfile.TemporaryFile("w+", errors="replace") as stderr:
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                                text=True, errors="replace")
        last = lo
        for line in proc.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                value = lo + (hi - lo) * min(1.0, max(0.0, int(value) / 1e6 / seconds))
                if value - last >= 0.01:
                    progress(value, step)
                    last = value
        if proc.wait() != 0:
            stderr.seek(0)
            tail = "\n".join(stderr.read().strip().splitlines()[-15:])
            fail(f"ffmpeg failed (exit {proc.returncode}):\n{tail}", 1)


def input_path(job, request, name):
    inputs = request.get("inputs")
    rel = inputs.get(name) if isinstance(inputs, dict) else None
    if not isinstance(rel, str) or not rel:
        fail(f"request.inputs.{name} is missing", 2)
    path = (job / rel).resolve()
    if job not in path.parents or not path.is_file():
        fail(f"request.inputs.{name} must name a file in the job folder: {rel}", 2)
    return path


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
