#!/usr/bin/env python3
"""a2v-fantasy-talking: a talking portrait from an image and speech, with FantasyTalking on Wan2.1.

https://github.com/Fantasy-AMAP/fantasy-talking. Needs a GPU. Calls upstream's infer.py functions
(load_models, then main) with the arguments its command line takes. Quality sets the portrait
size and how much of the 14B DiT stays in GPU memory (upstream's num_persistent_param_in_dit:
0 about 5 GB, 7e9 about 20 GB, all about 40 GB, trading speed for memory). Weights in
/models/a2v-fantasy-talking/: Wan2.1-I2V-14B-720P/ (the Wan-AI snapshot), wav2vec2-base-960h/ and
fantasytalking_model.ckpt. Unverified: written without a GPU or the weights.
Job-folder contract: pipelines/README.md.
"""
import argparse
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

PIPELINE_ID = "a2v-fantasy-talking"
FT_DIR = "/opt/fantasy-talking"
WEIGHT_FILES = ("Wan2.1-I2V-14B-720P/Wan2.1_VAE.pth", "wav2vec2-base-960h", "fantasytalking_model.ckpt")
# Quality -> (--image_size, --num_persistent_param_in_dit).
SETTINGS = {"low": (512, 0), "standard": (512, 7 * 10**9), "high": (720, None)}
FPS = 23  # upstream's default
MAX_FRAMES = 321


studio_job.use_pipeline(PIPELINE_ID)


def generate(args, tmp):
    sys.path.insert(0, FT_DIR)
    from infer import load_models, main as render

    progress(0.05, "loading Wan2.1 I2V-14B and FantasyTalking")
    models = load_models(args)
    progress(0.2, "denoising")
    video = render(args, *models)  # renders, then muxes the audio in with ffmpeg
    progress(0.98, "writing")
    os.replace(video, tmp)


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    image = input_path(job, request, "image")
    audio = input_path(job, request, "audio")
    prompt = text(request, "prompt") or "A person is talking."
    params = params_of(request)
    audio_scale = number(params, "audio_scale", 1.0, 0, 3)
    prompt_cfg = number(params, "prompt_cfg", 5.0, 1, 15)
    audio_cfg = number(params, "audio_cfg", 5.0, 1, 15)
    duration = number(request, "duration", 81 / FPS, 0.1, 600)
    seed = seed_of(request)
    image_size, persistent = SETTINGS[pick_quality(request, SETTINGS)]
    weights = weights_dir(*WEIGHT_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    args = argparse.Namespace(
        wan_model_dir=str(weights / "Wan2.1-I2V-14B-720P"),
        fantasytalking_model_path=str(weights / "fantasytalking_model.ckpt"),
        wav2vec_model_dir=str(weights / "wav2vec2-base-960h"),
        image_path=str(image),
        audio_path=str(audio),
        prompt=prompt,
        output_dir=str(work),
        image_size=image_size,
        audio_scale=audio_scale,
        prompt_cfg_scale=prompt_cfg,
        audio_cfg_scale=audio_cfg,
        # Upstream stops at the audio's end or max_num_frames, whichever is first; frames are 4n+1.
        max_num_frames=max(5, min(MAX_FRAMES, 4 * round(duration * FPS / 4) + 1)),
        fps=FPS,
        num_persistent_param_in_dit=persistent,
        seed=seed,
    )
    try:
        generate(args, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
