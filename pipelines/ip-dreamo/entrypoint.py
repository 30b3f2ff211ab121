#!/usr/bin/env python3
"""ip-dreamo: a new image that keeps the identity of a reference (character, face, object or style).

DreamO on FLUX.1-dev (https://github.com/bytedance/DreamO). Needs a GPU. Uses upstream's
dreamo_generator.Generator and calls its pipeline as app.py's generate_image does, int8-quantised
as upstream recommends for 24 GB cards, with its CPU offload for 16 GB ones (low and standard).
Weights in /models/ip-dreamo/: models/ as upstream's own ./models folder is after one online run
(models/black-forest-labs/FLUX.1-dev/, the DreamO and Turbo LoRAs, BEN2_Base.pth, with the
.cache/huggingface/ metadata hf_hub_download keeps there) and facexlib/ (detection_Resnet50_Final.pth,
parsing_parsenet.pth), which the image links facexlib's weights folder to. Unverified: written
without a GPU or the weights. Job-folder contract: pipelines/README.md.
"""
import inspect
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import (
    QUALITIES, Meter, choice, clean, fail, flag, input_path, load_request, number, output_path, params_of,
    pick_quality, progress, refuse, scratch_paths, seed_of, text, weights_dir,
)

PIPELINE_ID = "ip-dreamo"
DREAMO_DIR = "/opt/DreamO"
WEIGHT_FILES = ("models/black-forest-labs/FLUX.1-dev/model_index.json", "models/BEN2_Base.pth",
                "facexlib/detection_Resnet50_Final.pth", "facexlib/parsing_parsenet.pth")
# Quality -> CPU offload (upstream: `--int8 --offload` for 16 GB, `--int8` for 24 GB).
OFFLOAD = {"low": True, "standard": True, "high": False}
STYLE_PREFIX = "generate a same style image."  # upstream's trigger for the style task


studio_job.use_pipeline(PIPELINE_ID)


def frame_size(width, height):
    """The request's aspect ratio with the long side 1024 (app.py's default size), in multiples of 16.

    FLUX, which DreamO runs on, takes any multiple of 16 from 256 up, so a 16:9 shot stays 16:9
    (1024x576) rather than being squeezed into app.py's 768-1024 sliders."""
    scale = 1024 / max(width, height)
    snap = lambda v: max(256, min(1024, round(v * scale / 16) * 16))
    return snap(width), snap(height)


def writable_models(source, target):
    """A writable copy of the models folder: folders made, weight files linked one by one.

    huggingface_hub takes a lock file under models/.cache/ before its offline branch, so that tree
    must be writable: its small metadata files are copied, everything else is a symlink into the
    read-only weights mount."""
    for folder, dirs, files in os.walk(source):
        rel = Path(folder).relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            src, dst = Path(folder) / name, target / rel / name
            if ".cache" in rel.parts:
                shutil.copyfile(src, dst)
            else:
                dst.symlink_to(src)


def generate(weights, reference, task, prompt, negative, size, steps, guidance, ref_res, offload, seed, tmp):
    # Upstream loads ./models/... relative to the working directory (hf_hub_download local_dir='models').
    cwd = Path(tempfile.mkdtemp(prefix="dreamo-"))
    writable_models(weights / "models", cwd / "models")
    os.chdir(cwd)
    sys.path.insert(0, DREAMO_DIR)
    import numpy as np
    import torch
    from PIL import Image
    from dreamo_generator import Generator

    progress(0.05, "loading FLUX.1-dev with DreamO")
    generator = Generator(version="v1.1", offload=offload, no_turbo=False, quant="int8", device="cuda")
    progress(0.3, "preparing the reference")
    ref_conds, _, seed = generator.pre_condition(
        ref_images=[np.array(Image.open(reference).convert("RGB"))], ref_tasks=[task], ref_res=ref_res, seed=seed)
    width, height = size
    steps_done = [0]

    def on_step(pipe, step, timestep, kwargs):
        steps_done[0] += 1
        progress(0.35 + 0.6 * steps_done[0] / steps, "denoising")
        return kwargs

    progress(0.35, "denoising")
    call = dict(
        prompt=prompt,
        width=width,
        height=height,
        num_inference_steps=steps,
        guidance_scale=guidance,
        ref_conds=ref_conds,
        generator=torch.Generator(device="cpu").manual_seed(seed),
        true_cfg_scale=1,
        true_cfg_start_step=0,
        true_cfg_end_step=0,
        negative_prompt=negative,
        neg_guidance_scale=3.5,
        first_step_guidance_scale=guidance,
    )
    if "callback_on_step_end" in inspect.signature(generator.dreamo_pipeline.__call__).parameters:
        call["callback_on_step_end"] = on_step
    image = generator.dreamo_pipeline(**call).images[0]
    image.save(tmp, format="PNG")


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    reference = input_path(job, request, "image")
    prompt = text(request, "prompt", required=True)
    negative = text(request, "negative_prompt")
    params = params_of(request)
    task = choice(params, "task", "ip", ("ip", "id", "style"))
    if task == "style" and not prompt.lower().startswith(STYLE_PREFIX):
        prompt = f"{STYLE_PREFIX} {prompt}"
    steps = number(params, "steps", 12, 4, 50, integer=True)
    guidance = number(params, "guidance", 4.5, 1, 10)
    ref_res = number(params, "ref_res", 512, 512, 1024, integer=True)
    size = frame_size(number(request, "width", 1024, 16, 8192, integer=True),
                      number(request, "height", 1024, 16, 8192, integer=True))
    seed = seed_of(request)
    offload = OFFLOAD[pick_quality(request, OFFLOAD)]
    weights = weights_dir(*WEIGHT_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        generate(weights, reference, task, prompt, negative, size, steps, guidance, ref_res, offload, seed, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
