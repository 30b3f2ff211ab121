#!/usr/bin/env python3
"""t2i-flux-dev-fp16: maximum-fidelity 2K images with the full FLUX.1 [dev] (https://github.com/black-forest-labs/flux).

Needs a GPU. Runs the unquantized 16-bit (bfloat16) model through diffusers' FluxPipeline as its
model card shows (guidance 3.5, 50 steps, max_sequence_length 512), at about 2048 px on the long
side. Where it lives depends on the GPU: all on it from 40 GB, model CPU offload from 30 GB, and
on the quality table's 24 GB tier (docs/pipeline-contract.md) sequential CPU offload, since the 12B transformer alone takes 24 GB
(slower, not lower quality). Weights: /models/t2i-flux-dev-fp16/ holds the
black-forest-labs/FLUX.1-dev snapshot in diffusers format. Unverified: written without a GPU or
the weights. Job-folder contract: pipelines/README.md.
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

PIPELINE_ID = "t2i-flux-dev-fp16"
WEIGHT_FILES = ("model_index.json", "transformer", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "vae")
QUALITY_OFFERED = ("high",)  # the quality table (docs/pipeline-contract.md): generate-image at high quality
PIXELS = 2048 * 1152  # "2K": 2048 px wide at 16:9


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


def generate(weights, prompt, size, steps, guidance, seed, tmp):
    import torch
    from diffusers import FluxPipeline

    progress(0.05, "loading FLUX.1 [dev]")
    pipe = FluxPipeline.from_pretrained(str(weights), torch_dtype=torch.bfloat16)
    gpu_gb = torch.cuda.get_device_properties(0).total_memory / 2**30
    if gpu_gb >= 40:
        pipe = pipe.to("cuda")
    elif gpu_gb >= 30:
        pipe.enable_model_cpu_offload()
    else:
        pipe.enable_sequential_cpu_offload()
    pipe.vae.enable_tiling()
    width, height = size
    image = pipe(
        prompt,
        width=width,
        height=height,
        guidance_scale=guidance,
        num_inference_steps=steps,
        max_sequence_length=512,
        generator=torch.Generator(device="cpu").manual_seed(seed),
        callback_on_step_end=step_progress(steps, 0.2, 0.95),
    ).images[0]
    image.save(tmp, format="PNG")


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    prompt = text(request, "prompt", required=True)
    params = params_of(request)
    steps = number(params, "steps", 50, 1, 100, integer=True)
    guidance = number(params, "guidance", 3.5, 0, 20)
    size = frame_size(number(request, "width", 2048, 16, 8192, integer=True),
                      number(request, "height", 1152, 16, 8192, integer=True), PIXELS, 16)
    seed = seed_of(request)
    pick_quality(request, QUALITY_OFFERED)
    weights = weights_dir(*WEIGHT_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        generate(weights, prompt, size, steps, guidance, seed, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
