#!/usr/bin/env python3
"""motion-depth-anything: a depth-map video from a source video with Depth Anything V2.

Needs a GPU. Runs https://github.com/DepthAnything/Depth-Anything-V2 through transformers'
DepthAnythingForDepthEstimation, as the depth-anything/*-hf model cards do: ffmpeg decodes the
frames at the source's rate, the model estimates their relative depth in batches, each map is
scaled back to the frame's size and normalised over the whole clip (so depth does not flicker from
frame to frame), and ffmpeg writes a greyscale H.264 MP4, near bright. Quality picks the model: low
Small, standard Base, high Large. Weights in /models/motion-depth-anything/: Depth-Anything-V2-Small-hf/,
-Base-hf/, -Large-hf/. Unverified: written without a GPU or the weights.
Job-folder contract: pipelines/README.md.
"""
import json
import os
import subprocess
import sys

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import (
    Meter, clean, fail, input_path, load_request, number, output_path, params_of, pick_quality, progress,
    scratch_paths, weights_dir,
)

PIPELINE_ID = "motion-depth-anything"
MODELS = {"low": "Depth-Anything-V2-Small-hf", "standard": "Depth-Anything-V2-Base-hf", "high": "Depth-Anything-V2-Large-hf"}
CRF = {"low": 28, "standard": 20, "high": 16}

studio_job.use_pipeline(PIPELINE_ID)


def probe(path):
    """Width, height, frame rate (as ffprobe's fraction) and about how many frames the first video stream has."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate:format=duration",
         "-of", "json", str(path)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
    )
    if result.returncode != 0:
        fail(f"cannot read {path.name}: {result.stderr.strip()[-500:]}", 2)
    info = json.loads(result.stdout or "{}")
    video = next(iter(info.get("streams") or []), None)
    if not video or not video.get("width"):
        fail(f"{path.name} has no picture", 2)
    rate = video.get("avg_frame_rate") or "24/1"
    if rate in ("0/0", "0/1"):
        rate = "24/1"
    num, _, den = rate.partition("/")
    try:
        expected = float(info.get("format", {}).get("duration")) * float(num) / float(den or 1)
    except (TypeError, ValueError, ZeroDivisionError):
        expected = 0.0
    return int(video["width"]), int(video["height"]), rate, max(1.0, expected)


def frames(path, width, height):
    """Each decoded frame as RGB bytes, read from ffmpeg's raw output."""
    size = width * height * 3
    proc = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "rawvideo",
                             "-pix_fmt", "rgb24", "-"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    while True:
        chunk = proc.stdout.read(size)
        if len(chunk) < size:
            break
        yield chunk
    if proc.wait() != 0:
        fail(f"ffmpeg could not decode {path.name}", 1)


def estimate(model_dir, source, width, height, resolution, batch, spool, expected):
    """Relative depth of every frame at the frame's size (near is larger), spooled to a float16 file
    so a long clip is not held in memory; returns the frame count and the clip's lowest and highest depth."""
    import numpy as np
    import torch
    from PIL import Image
    from transformers import AutoImageProcessor, AutoModelForDepthEstimation

    if not torch.cuda.is_available():
        fail("no CUDA GPU is visible to this container", 1)
    processor = AutoImageProcessor.from_pretrained(model_dir, local_files_only=True, size={"height": resolution, "width": resolution},
                                                   keep_aspect_ratio=True, ensure_multiple_of=14)
    model = AutoModelForDepthEstimation.from_pretrained(model_dir, local_files_only=True, torch_dtype=torch.float16).to("cuda").eval()
    state = {"count": 0, "low": float("inf"), "high": float("-inf")}
    pending = []

    def flush(sink):
        inputs = processor(images=pending, return_tensors="pt").to("cuda", torch.float16)
        with torch.inference_mode():
            depth = model(**inputs).predicted_depth.unsqueeze(1).float()
        depth = torch.nn.functional.interpolate(depth, size=(height, width), mode="bicubic", align_corners=False)
        for d in depth:
            values = d[0].cpu().numpy()
            state["low"] = min(state["low"], float(values.min()))
            state["high"] = max(state["high"], float(values.max()))
            sink.write(values.astype(np.float16).tobytes())
            state["count"] += 1
        pending.clear()

    with open(spool, "wb") as sink:
        for raw in frames(source, width, height):
            pending.append(Image.frombytes("RGB", (width, height), raw))
            if len(pending) == batch:
                flush(sink)
                progress(0.1 + 0.75 * min(1.0, state["count"] / expected), f"estimating depth ({state['count']} frames)")
        if pending:
            flush(sink)
    if not state["count"]:
        fail(f"{source.name} has no frames", 2)
    return state["count"], state["low"], state["high"]


def main():
    job, request = load_request(sys.argv)
    source = input_path(job, request, "input")
    out = output_path(job, request, "output")
    params = params_of(request)
    resolution = number(params, "resolution", 518, 252, 1036, integer=True)
    if resolution % 14:
        fail(f"resolution must be a multiple of 14, got {resolution}", 2)
    batch = number(params, "batch", 8, 1, 64, integer=True)
    quality = pick_quality(request, list(MODELS))
    # Before anything heavy loads: the weights the quality needs.
    model_dir = weights_dir(MODELS[quality]) / MODELS[quality]

    meter = Meter()
    progress(0.02, "probing")
    width, height, rate, expected = probe(source)
    even_w, even_h = width - width % 2, height - height % 2
    progress(0.05, f"loading {MODELS[quality]}")
    work, tmp = scratch_paths(out)
    work.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        spool = work / "depth.f16"
        count, low, high = estimate(model_dir, source, width, height, resolution, batch, spool, expected)

        import numpy as np

        # One scale for the whole clip: normalising each frame on its own would make the depth pulse.
        span = max(high - low, 1e-6)
        progress(0.85, "writing the depth video")
        encoder = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{width}x{height}", "-r", rate,
             "-i", "-", "-vf", f"crop={even_w}:{even_h}:0:0,format=yuv420p", "-c:v", "libx264", "-preset", "veryfast",
             "-crf", str(CRF[quality]), "-movflags", "+faststart", "-f", "mp4", str(tmp)],
            stdin=subprocess.PIPE,
        )
        with open(spool, "rb") as maps:
            for _ in range(count):
                depth = np.frombuffer(maps.read(width * height * 2), dtype=np.float16).astype(np.float32)
                encoder.stdin.write(np.clip((depth - low) / span * 255.0, 0, 255).astype(np.uint8).tobytes())
        encoder.stdin.close()
        if encoder.wait() != 0:
            fail("ffmpeg could not write the depth video", 1)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
