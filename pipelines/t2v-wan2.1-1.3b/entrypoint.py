#!/usr/bin/env python3
"""t2v-wan2.1-1.3b: fast text-to-video drafts with Wan2.1 T2V-1.3B (https://github.com/Wan-Video/Wan2.1).

Needs a GPU. Does what upstream's generate.py does for `--task t2v-1.3B --size 832*480
--offload_model True --t5_cpu --sample_shift 8 --sample_guide_scale 6` (its README's example for
consumer GPUs), reading the job folder instead of command-line flags. Weights:
/models/t2v-wan2.1-1.3b/ holds the Wan-AI/Wan2.1-T2V-1.3B snapshot. Unverified: written without a
GPU or the weights. Job-folder contract: pipelines/README.md.
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

PIPELINE_ID = "t2v-wan2.1-1.3b"
WAN_DIR = "/opt/Wan2.1"
TASK = "t2v-1.3B"
WEIGHT_FILES = ("config.json", "models_t5_umt5-xxl-enc-bf16.pth", "Wan2.1_VAE.pth", "google/umt5-xxl")
# The 1.3B model is trained for 480P; quality changes the number of sampling steps.
SIZES = ("832*480", "480*832")
STEPS = {"low": 30, "standard": 50}
FPS = 16  # Wan2.1's sample_fps: frame counts are 4n+1 at 16 fps
MAX_FRAMES = 81


studio_job.use_pipeline(PIPELINE_ID)


def frame_count(duration):
    """generate.py wants 4n+1 frames; 81 (about 5 s) is what the model was trained on."""
    frames = round(duration * FPS)
    return max(5, min(MAX_FRAMES, 4 * round((frames - 1) / 4) + 1))


def generate(weights, prompt, negative, size, frames, steps, guidance, shift, solver, seed, tmp):
    sys.path.insert(0, WAN_DIR)
    import wan
    from wan.configs import SIZE_CONFIGS, WAN_CONFIGS
    from wan.utils.utils import cache_video

    config = WAN_CONFIGS[TASK]
    progress(0.05, "loading Wan2.1 T2V-1.3B")
    model = wan.WanT2V(config=config, checkpoint_dir=str(weights), device_id=0, rank=0, t5_cpu=True)
    progress(0.15, "denoising")
    video = model.generate(
        prompt,
        size=SIZE_CONFIGS[size],
        frame_num=frames,
        shift=shift,
        sample_solver=solver,
        sampling_steps=steps,
        guide_scale=guidance,
        n_prompt=negative,
        seed=seed,
        offload_model=True,
    )
    progress(0.95, "encoding")
    cache_video(tensor=video[None], save_file=str(tmp), fps=config.sample_fps, nrow=1, normalize=True, value_range=(-1, 1))
    if not tmp.is_file():
        fail("Wan2.1 produced no video (cache_video failed)")


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    prompt = text(request, "prompt", required=True)
    negative = text(request, "negative_prompt")
    params = params_of(request)
    quality = pick_quality(request, STEPS)
    steps = number(params, "steps", STEPS[quality], 1, 200, integer=True)
    guidance = number(params, "guidance", 6.0, 0, 20)
    shift = number(params, "shift", 8.0, 0, 20)
    solver = choice(params, "solver", "unipc", ("unipc", "dpm++"))
    width = number(request, "width", 832, 16, 8192, integer=True)
    height = number(request, "height", 480, 16, 8192, integer=True)
    frames = frame_count(number(request, "duration", 5.0, 0.1, 600))
    seed = seed_of(request)
    size = SIZES[0] if width >= height else SIZES[1]
    weights = weights_dir(*WEIGHT_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        generate(weights, prompt, negative, size, frames, steps, guidance, shift, solver, seed, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
