#!/usr/bin/env python3
"""t2i-sd1.5: fast 512 px drafts with Stable Diffusion 1.5 (https://github.com/runwayml/stable-diffusion).

Needs a GPU. Runs the model through diffusers' StableDiffusionPipeline (float16), the way its model
card shows, with the model's own safety checker left on: an image it flags is refused (exit 3)
rather than written black. Weights: /models/t2i-sd1.5/ holds the diffusers-format snapshot of
stable-diffusion-v1-5 (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/,
safety_checker/, feature_extractor/). Unverified: written without a GPU or the weights.
Job-folder contract: pipelines/README.md.
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

PIPELINE_ID = "t2i-sd1.5"
WEIGHT_FILES = ("model_index.json", "unet", "vae", "text_encoder", "tokenizer", "safety_checker")
QUALITY_OFFERED = ("low",)  # the quality table (docs/pipeline-contract.md): generate-image at low quality
PIXELS = 512 * 512  # the resolution SD 1.5 was trained at


studio_job.use_pipeline(PIPELINE_ID)


def frame_size(width, height, pixels, multiple):
    """The request's aspect at about `pixels` pixels, in multiples of `multiple`."""
    scale = (pixels / (width * height)) ** 0.5
    return (max(multiple, round(width * scale / multiple) * multiple),
            max(multiple, round(height * scale / multiple) * multiple))


def step_progress(steps, lo, hi):
    """A diffusers callback_on_step_end that reports each step as progress from lo to hi."""
    def on_step(pipe, step, timestep, kwargs):
        progress(lo + (hi - lo) * (step + 1) / steps, "denoising")
        return kwargs
    return on_step


def generate(weights, prompt, negative, size, steps, guidance, seed, tmp):
    import torch
    from diffusers import StableDiffusionPipeline

    progress(0.05, "loading Stable Diffusion 1.5")
    pipe = StableDiffusionPipeline.from_pretrained(str(weights), torch_dtype=torch.float16).to("cuda")
    width, height = size
    result = pipe(
        prompt,
        negative_prompt=negative or None,
        width=width,
        height=height,
        num_inference_steps=steps,
        guidance_scale=guidance,
        generator=torch.Generator(device="cuda").manual_seed(seed),
        callback_on_step_end=step_progress(steps, 0.1, 0.95),
    )
    if result.nsfw_content_detected and result.nsfw_content_detected[0]:
        refuse("the Stable Diffusion safety checker flagged the image; nothing was written")
    result.images[0].save(tmp, format="PNG")


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    prompt = text(request, "prompt", required=True)
    negative = text(request, "negative_prompt")
    params = params_of(request)
    steps = number(params, "steps", 30, 1, 150, integer=True)
    guidance = number(params, "guidance", 7.5, 0, 30)
    size = frame_size(number(request, "width", 512, 16, 8192, integer=True),
                      number(request, "height", 512, 16, 8192, integer=True), PIXELS, 8)
    seed = seed_of(request)
    pick_quality(request, QUALITY_OFFERED)
    weights = weights_dir(*WEIGHT_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        generate(weights, prompt, negative, size, steps, guidance, seed, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
