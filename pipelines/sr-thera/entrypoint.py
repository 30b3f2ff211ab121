#!/usr/bin/env python3
"""sr-thera: arbitrary-scale super-resolution of an image or a video with Thera (https://github.com/prs-eth/thera).

Needs a GPU (JAX). Loads a checkpoint and calls super_resolve.process() as upstream's
super_resolve.py does, frame by frame for a video (re-encoded with its audio kept by ffmpeg).
Quality picks the checkpoint: low thera-edsr-air, standard thera-edsr-pro, high thera-rdn-pro
with upstream's geometric self-ensemble. The output keeps the input's kind and format. Weights in
/models/sr-thera/: thera-edsr-air.pkl, thera-edsr-pro.pkl, thera-rdn-pro.pkl (the checkpoints of
the prs-eth/thera-* releases, renamed). Unverified: written without a GPU or the weights.
Job-folder contract: pipelines/README.md.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import (
    QUALITIES, Meter, choice, clean, fail, flag, input_path, load_request, number, output_path, params_of,
    pick_quality, progress, refuse, scratch_paths, seed_of, text, weights_dir,
)

PIPELINE_ID = "sr-thera"
THERA_DIR = "/opt/thera"
# Quality -> (checkpoint, geometric self-ensemble).
MODELS = {"low": ("thera-edsr-air.pkl", False), "standard": ("thera-edsr-pro.pkl", False),
          "high": ("thera-rdn-pro.pkl", True)}
IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"}
VIDEO_CODECS = {"mp4": ("libx264", "aac"), "m4v": ("libx264", "aac"), "mov": ("libx264", "aac"),
                "mkv": ("libx264", "aac"), "webm": ("libvpx-vp9", "libopus")}
MAX_SIDE = 16384


studio_job.use_pipeline(PIPELINE_ID)


def run_captured(cmd):
    result = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        fail(f"{cmd[0]} failed (exit {result.returncode}):\n" + "\n".join(result.stderr.strip().splitlines()[-15:]))
    return result.stdout


def load_thera(checkpoint, ensemble):
    sys.path.insert(0, THERA_DIR)
    import pickle

    import numpy as np
    from PIL import Image
    from model import build_thera
    from super_resolve import process

    # Upstream's checkpoints are pickles: only mount ones from prs-eth.
    with open(checkpoint, "rb") as fh:
        check = pickle.load(fh)
    model = build_thera(3, check["backbone"], check["size"])
    params = check["model"]

    def upscale(image, target_shape):
        source = np.asarray(image.convert("RGB")) / 255.0
        return Image.fromarray(np.asarray(process(source, model, params, target_shape, ensemble)))

    return upscale


def target_of(width, height, scale, even):
    w, h = round(width * scale), round(height * scale)
    if even:  # 4:2:0 video needs even sizes
        w, h = w + w % 2, h + h % 2
    if max(w, h) > MAX_SIDE:
        fail(f"{w}x{h} is too large (at most {MAX_SIDE} pixels a side): lower the scale", 2)
    return h, w  # Thera takes (height, width)


def upscale_image(upscale, source, scale, tmp):
    from PIL import Image

    with Image.open(source) as image:
        image.load()
    progress(0.2, "super-resolving")
    result = upscale(image, target_of(image.width, image.height, scale, even=False))
    options = {"quality": 95} if tmp.suffix.lower() in (".jpg", ".jpeg") else {}
    result.save(tmp, **options)


def upscale_video(upscale, source, scale, work, tmp):
    from PIL import Image

    info = json.loads(run_captured(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                           "stream=width,height,r_frame_rate", "-of", "json", str(source)]))
    stream = info["streams"][0]
    shape = target_of(stream["width"], stream["height"], scale, even=True)
    frames, done = work / "frames", work / "upscaled"
    frames.mkdir(parents=True)
    done.mkdir()
    run_captured(["ffmpeg", "-nostdin", "-v", "error", "-i", str(source), "-map", "0:v:0", "-vsync", "passthrough",
         str(frames / "%06d.png")])
    names = sorted(p.name for p in frames.iterdir())
    for i, name in enumerate(names):
        with Image.open(frames / name) as frame:
            upscale(frame, shape).save(done / name)
        (frames / name).unlink()
        progress(0.1 + 0.8 * (i + 1) / len(names), "super-resolving")
    vcodec, acodec = VIDEO_CODECS[tmp.suffix.lower().lstrip(".")]
    rate = ["-crf", "16"] if vcodec == "libx264" else ["-crf", "24", "-b:v", "0"]
    progress(0.92, "encoding")
    run_captured(["ffmpeg", "-nostdin", "-v", "error", "-y", "-framerate", stream["r_frame_rate"],
         "-i", str(done / "%06d.png"), "-i", str(source), "-map", "0:v:0", "-map", "1:a:0?",
         "-c:v", vcodec, *rate, "-pix_fmt", "yuv420p", "-c:a", acodec, "-shortest", str(tmp)])


def main():
    job, request = load_request(sys.argv)
    source = input_path(job, request, "input")
    out = output_path(job, request, "output")
    in_ext, out_ext = source.suffix.lower().lstrip("."), out.suffix.lower().lstrip(".")
    is_image = in_ext in IMAGE_EXTENSIONS
    if is_image != (out_ext in IMAGE_EXTENSIONS) or not (is_image or (in_ext in VIDEO_CODECS and out_ext in VIDEO_CODECS)):
        fail(f"cannot write a .{in_ext} input as .{out_ext}: the output keeps the input's kind "
             f"(images: {', '.join(sorted(IMAGE_EXTENSIONS))}; videos: {', '.join(VIDEO_CODECS)})", 2)
    params = params_of(request)
    scale = number(params, "scale", 2.0, 1, 8)
    checkpoint, ensemble = MODELS[pick_quality(request, MODELS)]
    ensemble = flag(params, "ensemble", ensemble)
    weights = weights_dir(checkpoint)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        progress(0.02, "loading Thera")
        upscale = load_thera(weights / checkpoint, ensemble)
        if is_image:
            upscale_image(upscale, source, scale, tmp)
        else:
            upscale_video(upscale, source, scale, work, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
