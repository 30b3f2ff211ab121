#!/usr/bin/env python3
"""t2i-flux-schnell: 768-1024 px images in 4 steps with FLUX.1 [schnell] (https://github.com/black-forest-labs/flux).

Needs a GPU. Runs the model through diffusers' FluxPipeline as its model card shows (guidance 0,
4 steps, max_sequence_length 256), with the transformer loaded in 8-bit (bitsandbytes) and model
CPU offload; diffusers skips offload hooks for 8-bit models, so the transformer stays on the GPU
(about 22 GB peak: the manifest asks for 24 GB, see SOURCES.md). Weights: /models/t2i-flux-schnell/ holds the
black-forest-labs/FLUX.1-schnell snapshot in diffusers format (model_index.json, transformer/,
text_encoder/, text_encoder_2/, tokenizer/, tokenizer_2/, vae/, scheduler/). Unverified: written
without a GPU or the weights. Job-folder contract: pipelines/README.md.
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

PIPELINE_ID = "t2i-flux-schnell"
WEIGHT_FILES = ("model_index.json", "transformer", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "vae")
QUALITY_OFFERED = ("standard",)  # the quality table (docs/pipeline-contract.md): generate-image at standard quality
PIXELS = 1024 * 1024


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


def generate(weights, prompt, size, steps, seed, tmp):
    import torch
    from diffusers import BitsAndBytesConfig, FluxPipeline, FluxTransformer2DModel

    progress(0.05, "loading FLUX.1 [schnell]")
    transformer = FluxTransformer2DModel.from_pretrained(
        str(weights), subfolder="transformer", torch_dtype=torch.bfloat16,
        quantization_config=BitsAndBytesConfig(load_in_8bit=True))
    pipe = FluxPipeline.from_pretrained(str(weights), transformer=transformer, torch_dtype=torch.bfloat16)
    pipe.enable_model_cpu_offload()
    width, height = size
    image = pipe(
        prompt,
        width=width,
        height=height,
        guidance_scale=0.0,
        num_inference_steps=steps,
        max_sequence_length=256,
        generator=torch.Generator(device="cpu").manual_seed(seed),
        callback_on_step_end=step_progress(steps, 0.2, 0.95),
    ).images[0]
    image.save(tmp, format="PNG")


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    prompt = text(request, "prompt", required=True)
    params = params_of(request)
    steps = number(params, "steps", 4, 1, 8, integer=True)
    size = frame_size(number(request, "width", 1024, 16, 8192, integer=True),
                      number(request, "height", 1024, 16, 8192, integer=True), PIXELS, 16)
    seed = seed_of(request)
    pick_quality(request, QUALITY_OFFERED)
    weights = weights_dir(*WEIGHT_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        generate(weights, prompt, size, steps, seed, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
