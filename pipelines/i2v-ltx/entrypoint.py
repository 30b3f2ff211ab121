#!/usr/bin/env python3
"""i2v-ltx: animates a still image from a text prompt with LTX-Video (https://github.com/Lightricks/LTX-Video).

Needs a GPU. Calls upstream's inference.infer() the way its inference.py command line does for
image-to-video (`--conditioning_media_paths IMAGE --conditioning_start_frames 0`), with upstream's
config for the quality pointed at the mounted weights: low ltxv-2b-0.9.6-distilled (8 steps),
standard ltxv-2b-0.9.6-dev, high ltxv-13b-0.9.7-dev (multi-scale, CPU offload as upstream does on
GPUs under 30 GB). Weights in /models/i2v-ltx/: ltxv-2b-0.9.6-distilled-04-25.safetensors,
ltxv-2b-0.9.6-dev-04-25.safetensors, ltxv-13b-0.9.7-dev.safetensors,
ltxv-spatial-upscaler-0.9.7.safetensors and PixArt-XL-2-1024-MS/ (text_encoder/ and tokenizer/).
Unverified: written without a GPU or the weights. Job-folder contract: pipelines/README.md.
"""
import json
import os
import shutil
import sys
from pathlib import Path

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import (
    QUALITIES, Meter, choice, clean, fail, flag, input_path, load_request, number, output_path, params_of,
    pick_quality, progress, refuse, scratch_paths, seed_of, text, weights_dir,
)

PIPELINE_ID = "i2v-ltx"
LTX_DIR = "/opt/LTX-Video"
TEXT_ENCODER = "PixArt-XL-2-1024-MS"
# Quality -> (upstream config, checkpoint, largest frame in pixels).
MODELS = {
    "low": ("ltxv-2b-0.9.6-distilled.yaml", "ltxv-2b-0.9.6-distilled-04-25.safetensors", 768 * 512),
    "standard": ("ltxv-2b-0.9.6-dev.yaml", "ltxv-2b-0.9.6-dev-04-25.safetensors", 1216 * 704),
    "high": ("ltxv-13b-0.9.7-dev.yaml", "ltxv-13b-0.9.7-dev.safetensors", 1280 * 720),
}
UPSCALER = "ltxv-spatial-upscaler-0.9.7.safetensors"  # used by the multi-scale 13B config only
MAX_FRAMES = 257  # upstream's MAX_NUM_FRAMES
NEGATIVE = "worst quality, inconsistent motion, blurry, jittery, distorted"  # upstream's default


studio_job.use_pipeline(PIPELINE_ID)


def frame_size(width, height, max_pixels):
    """The request's aspect within max_pixels, in multiples of 32 (what LTX-Video works on)."""
    scale = min(1.0, (max_pixels / (width * height)) ** 0.5)
    return max(64, round(width * scale / 32) * 32), max(64, round(height * scale / 32) * 32)


def generate(weights, config_name, checkpoint, prompt, negative, size, frames, fps, seed, image, work):
    sys.path.insert(0, LTX_DIR)
    import yaml
    from inference import infer

    with open(os.path.join(LTX_DIR, "configs", config_name), encoding="utf-8") as fh:
        config = yaml.safe_load(fh)
    config["checkpoint_path"] = str(weights / checkpoint)
    if config.get("spatial_upscaler_model_path"):
        config["spatial_upscaler_model_path"] = str(weights / UPSCALER)
    config["text_encoder_model_name_or_path"] = str(weights / TEXT_ENCODER)
    # Upstream rewrites short prompts with Florence-2 and Llama 3.2, which are not mounted: prompts run as written.
    config["prompt_enhancement_words_threshold"] = 0
    work.mkdir(parents=True, exist_ok=True)
    config_file = work / "pipeline.yaml"
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")

    progress(0.05, "loading LTX-Video")
    width, height = size
    infer(
        output_path=str(work),
        seed=seed,
        pipeline_config=str(config_file),
        image_cond_noise_scale=0.15,
        height=height,
        width=width,
        num_frames=frames,
        frame_rate=fps,
        prompt=prompt,
        negative_prompt=negative,
        offload_to_cpu=True,
        conditioning_media_paths=[str(image)] if image else None,
        conditioning_start_frames=[0] if image else None,
    )
    videos = sorted(work.glob("video_output_*.mp4"))
    if not videos:
        fail("LTX-Video wrote no video")
    progress(0.98, "writing")
    return videos[0]


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    image = input_path(job, request, "image")
    prompt = text(request, "prompt", required=True)
    negative = text(request, "negative_prompt") or NEGATIVE
    quality = pick_quality(request, MODELS)
    config_name, checkpoint, max_pixels = MODELS[quality]
    size = frame_size(number(request, "width", 1216, 16, 8192, integer=True),
                      number(request, "height", 704, 16, 8192, integer=True), max_pixels)
    fps = round(number(request, "fps", 24, 1, 60))
    frames = max(9, min(MAX_FRAMES, round(number(request, "duration", 4.0, 0.1, 600) * fps)))
    seed = seed_of(request)
    params_of(request)
    upscaler = (UPSCALER,) if quality == "high" else ()
    weights = weights_dir(checkpoint, *upscaler, f"{TEXT_ENCODER}/text_encoder", f"{TEXT_ENCODER}/tokenizer")

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        video = generate(weights, config_name, checkpoint, prompt, negative, size, frames, fps, seed, image, work)
        os.replace(video, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
