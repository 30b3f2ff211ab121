#!/usr/bin/env python3
"""motion-flexiact: moves a target character the way a reference motion does, with FlexiAct.

https://github.com/shiyi-zh0408/FlexiAct (CogVideoX-5B-I2V with its RefAdapter). Needs a GPU.
Calls upstream's scripts/inference.py generate_video() as its Inference.sh does. FlexiAct carries
a motion as a Frequency-aware Embedding (FAE) trained on the reference video with upstream's
FAE_train.sh (hours on several GPUs), so the motion input is such an embedding (.pt); without one,
params.action names an embedding in the weights (upstream ships 16). Output: 49 frames at 720x480,
8 fps, as upstream renders. Weights in /models/motion-flexiact/: CogVideoX-5b-I2V/ (the THUDM
snapshot) and ckpts/ as upstream lays it out (refnetlora_step40000_model.pt,
FAE/motion_ckpts/<action>.pt). Unverified: written without a GPU or the weights.
Job-folder contract: pipelines/README.md.
"""
import json
import os
import re
import shutil
import sys
from pathlib import Path

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import (
    QUALITIES, Meter, choice, clean, fail, flag, input_path, load_request, number, output_path, params_of,
    pick_quality, progress, refuse, scratch_paths, seed_of, text, weights_dir,
)

PIPELINE_ID = "motion-flexiact"
FLEXIACT_DIR = "/opt/FlexiAct"
BASE_MODEL = "CogVideoX-5b-I2V"
REFADAPTER = "ckpts/refnetlora_step40000_model.pt"
EMBEDDINGS = "ckpts/FAE/motion_ckpts"
# One setting serves every quality: upstream renders 720x480x49 only.
QUALITY_OFFERED = ("low", "standard", "high")


studio_job.use_pipeline(PIPELINE_ID)


def safe_named(save_output):
    """upstream's save_output(..., caption=prompt, ...), writing output_flexiact.mp4 whatever the prompt."""
    def save(**kwargs):
        return save_output(**{**kwargs, "caption": "flexiact"})
    return save


def generate(weights, image, embedding, prompt, guidance, lora_weight, high_timesteps, reweight_scale, seed, work):
    # Upstream's scripts import models.* and scripts.* from the repository root.
    sys.path.insert(0, FLEXIACT_DIR)
    os.chdir(FLEXIACT_DIR)
    import scripts.inference as inference
    from scripts.utils import get_gt_img

    # Upstream names the file after the prompt (a "/" in it breaks the path): give it a safe name.
    inference.save_output = safe_named(inference.save_output)

    progress(0.05, "loading CogVideoX-5B-I2V with the RefAdapter and FAE")
    video = inference.generate_video(
        gt_img=get_gt_img(str(image), 480, 720),
        prompt=prompt,
        emb_ckpt_path=str(embedding),
        pretrained_model_name_or_path=str(weights / BASE_MODEL),
        refadapter_ckpt_path=str(weights / REFADAPTER),
        lora_weight=lora_weight,
        output_path=str(work),
        guidance_scale=guidance,
        seed=seed,
        high_timesteps=high_timesteps,
        reweight_scale=reweight_scale,
    )
    progress(0.98, "writing")
    return Path(video)


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    image = input_path(job, request, "image")
    motion = input_path(job, request, "motion", required=False)
    if motion is not None and motion.suffix.lower() != ".pt":
        fail(f"request.inputs.motion must be a FlexiAct motion embedding (.pt) trained on the reference video "
             f"with upstream's FAE_train.sh, not {motion.name}", 2)
    prompt = text(request, "prompt")
    params = params_of(request)
    action = text(params, "action", "rotate", max_length=64)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", action):
        fail(f"action must name an embedding in {EMBEDDINGS} (letters, digits, _ and -), got {action!r}", 2)
    guidance = number(params, "guidance", 6.0, 1, 15)
    lora_weight = number(params, "lora_weight", 0.7, 0, 1)
    high_timesteps = number(params, "high_timesteps", 0.8, 0, 1)
    reweight_scale = number(params, "reweight_scale", 1.0, 0, 5)
    # Upstream seeds only a non-zero seed; 0 would mean a random one.
    seed = seed_of(request) or 1
    pick_quality(request, QUALITY_OFFERED)
    needed = (BASE_MODEL, REFADAPTER) if motion else (BASE_MODEL, REFADAPTER, f"{EMBEDDINGS}/{action}.pt")
    weights = weights_dir(*needed)
    embedding = motion or weights / EMBEDDINGS / f"{action}.pt"

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        video = generate(weights, image, embedding, prompt, guidance, lora_weight, high_timesteps, reweight_scale,
                         seed, work)
        os.replace(video, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
