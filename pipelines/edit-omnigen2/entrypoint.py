#!/usr/bin/env python3
"""edit-omnigen2: edits an image by an instruction with OmniGen2 (https://github.com/VectorSpaceLab/OmniGen2).

Needs a GPU. Loads and calls OmniGen2Pipeline as upstream's inference.py does (load_pipeline, then
run) with the source image as its input image. Quality: low 30 steps and standard 50 with
upstream's --enable_model_cpu_offload, high 50 with everything on the GPU (upstream: about 17 GB).
The output keeps the source's aspect, within 1024x1024 pixels. Weights: /models/edit-omnigen2/
holds the OmniGen2/OmniGen2 snapshot. Unverified: written without a GPU or the weights.
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

PIPELINE_ID = "edit-omnigen2"
OMNIGEN2_DIR = "/opt/OmniGen2"
WEIGHT_FILES = ("model_index.json", "transformer", "mllm", "vae")
# Quality -> (sampling steps, CPU offload).
SETTINGS = {"low": (30, True), "standard": (50, True), "high": (50, False)}
MAX_PIXELS = 1024 * 1024
# Upstream inference.py's default negative prompt.
NEGATIVE = ("(((deformed))), blurry, over saturation, bad anatomy, disfigured, poorly drawn face, mutation, mutated, "
            "(extra_limb), (ugly), (poorly drawn hands), fused fingers, messy drawing, broken legs censor, censored, "
            "censor_bar")


studio_job.use_pipeline(PIPELINE_ID)


def generate(weights, source, instruction, negative, steps, offload, text_guidance, image_guidance, scheduler, seed, tmp):
    sys.path.insert(0, OMNIGEN2_DIR)
    import torch
    from PIL import Image, ImageOps
    from omnigen2.models.transformers.transformer_omnigen2 import OmniGen2Transformer2DModel
    from omnigen2.pipelines.omnigen2.pipeline_omnigen2 import OmniGen2Pipeline

    with Image.open(source) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
    scale = min(1.0, (MAX_PIXELS / (image.width * image.height)) ** 0.5)
    width, height = max(16, round(image.width * scale / 16) * 16), max(16, round(image.height * scale / 16) * 16)

    progress(0.05, "loading OmniGen2")
    pipe = OmniGen2Pipeline.from_pretrained(str(weights), torch_dtype=torch.bfloat16, trust_remote_code=True)
    pipe.transformer = OmniGen2Transformer2DModel.from_pretrained(str(weights), subfolder="transformer",
                                                                  torch_dtype=torch.bfloat16)
    if scheduler == "dpmsolver++":
        from omnigen2.schedulers.scheduling_dpmsolver_multistep import DPMSolverMultistepScheduler

        pipe.scheduler = DPMSolverMultistepScheduler(algorithm_type="dpmsolver++", solver_type="midpoint",
                                                     solver_order=2, prediction_type="flow_prediction")
    if offload:
        pipe.enable_model_cpu_offload()
    else:
        pipe = pipe.to("cuda")
    progress(0.2, "editing")
    result = pipe(
        prompt=instruction,
        input_images=[image],
        width=width,
        height=height,
        num_inference_steps=steps,
        max_sequence_length=1024,
        text_guidance_scale=text_guidance,
        image_guidance_scale=image_guidance,
        cfg_range=(0.0, 1.0),
        negative_prompt=negative,
        num_images_per_prompt=1,
        generator=torch.Generator(device="cuda").manual_seed(seed),
        output_type="pil",
    )
    result.images[0].save(tmp, format="PNG")


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    source = input_path(job, request, "image")
    instruction = text(request, "prompt", required=True)
    negative = text(request, "negative_prompt") or NEGATIVE
    params = params_of(request)
    default_steps, offload = SETTINGS[pick_quality(request, SETTINGS)]
    steps = number(params, "steps", default_steps, 1, 100, integer=True)
    text_guidance = number(params, "text_guidance", 5.0, 1, 10)
    image_guidance = number(params, "image_guidance", 2.0, 1, 5)
    scheduler = choice(params, "scheduler", "euler", ("euler", "dpmsolver++"))
    seed = seed_of(request)
    weights = weights_dir(*WEIGHT_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        generate(weights, source, instruction, negative, steps, offload, text_guidance, image_guidance, scheduler,
                 seed, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
