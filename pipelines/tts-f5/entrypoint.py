#!/usr/bin/env python3
"""tts-f5: speech from text with F5-TTS (https://github.com/SWivid/F5-TTS), cloning a reference voice.

Needs a GPU. Uses upstream's Python API (f5_tts.api.F5TTS with the F5TTS_v1_Base model, then
infer()). The voice comes from the optional reference audio, whose transcript must be given in
params.ref_text (upstream would otherwise transcribe it with Whisper, which is not mounted);
without a reference it is upstream's own example voice. Quality sets the number of flow steps
(nfe_step 16, 32, 64). Weights in /models/tts-f5/: F5TTS_v1_Base/model_1250000.safetensors and
vocab.txt (from SWivid/F5-TTS) and vocos-mel-24khz/ (config.yaml, pytorch_model.bin, from
charactr/vocos-mel-24khz). Unverified: written without a GPU or the weights.
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

PIPELINE_ID = "tts-f5"
MODEL = "F5TTS_v1_Base"
CHECKPOINT = "F5TTS_v1_Base/model_1250000.safetensors"
VOCAB = "F5TTS_v1_Base/vocab.txt"
VOCODER = "vocos-mel-24khz"
NFE_STEPS = {"low": 16, "standard": 32, "high": 64}
# Upstream's example voice (src/f5_tts/infer/examples/basic) and its transcript.
DEFAULT_VOICE = ("infer/examples/basic/basic_ref_en.wav", "Some call me nature, others call me mother nature.")


studio_job.use_pipeline(PIPELINE_ID)


def speak(weights, text_to_say, reference, ref_text, nfe_step, cfg_strength, speed, remove_silence, seed, tmp):
    from importlib.resources import files

    from f5_tts.api import F5TTS

    if reference is None:
        reference = files("f5_tts").joinpath(DEFAULT_VOICE[0])
        ref_text = DEFAULT_VOICE[1]
    progress(0.05, "loading F5-TTS")
    tts = F5TTS(model=MODEL, ckpt_file=str(weights / CHECKPOINT), vocab_file=str(weights / VOCAB),
                vocoder_local_path=str(weights / VOCODER), device="cuda")
    progress(0.3, "speaking")
    tts.infer(ref_file=str(reference), ref_text=ref_text, gen_text=text_to_say, nfe_step=nfe_step,
              cfg_strength=cfg_strength, speed=speed, remove_silence=remove_silence, file_wave=str(tmp), seed=seed)


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    reference = input_path(job, request, "audio", required=False)
    text_to_say = text(request, "prompt", required=True)
    params = params_of(request)
    ref_text = text(params, "ref_text", max_length=2000)
    if reference is not None and not ref_text:
        fail("params.ref_text is empty: give the transcript of the reference audio "
             "(automatic transcription needs Whisper weights, which this pipeline does not mount)", 2)
    quality = pick_quality(request, NFE_STEPS)
    nfe_step = number(params, "nfe_step", NFE_STEPS[quality], 4, 128, integer=True)
    cfg_strength = number(params, "cfg_strength", 2.0, 0, 10)
    speed = number(params, "speed", 1.0, 0.3, 3)
    remove_silence = flag(params, "remove_silence", False)
    seed = seed_of(request)
    weights = weights_dir(CHECKPOINT, VOCAB, f"{VOCODER}/config.yaml", f"{VOCODER}/pytorch_model.bin")

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        speak(weights, text_to_say, reference, ref_text, nfe_step, cfg_strength, speed, remove_silence, seed, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
