#!/usr/bin/env python3
"""faceswap-reactor: puts the face from a source image onto a face in a target image, SFW-gated.

The swap ReActor does (https://github.com/Gourieff/ComfyUI-ReActor, scripts/reactor_swapper.py):
insightface's buffalo_l to find faces, inswapper_128 to swap one, faces counted left to right.
Needs a GPU. The gate comes first and fails closed: ReActor's NSFW classifier
(AdamCodd/vit-base-nsfw-detector) must load and pass both inputs before any face model loads, and
the result before it is written; missing weights, a classifier that does not load or run, or an
image it scores NSFW all exit 3 with {"error": ...} and nothing written. There is no setting that
turns the gate off. Weights in /models/faceswap-reactor/: nsfw_detector/vit-base-nsfw-detector/
(config.json, model.safetensors, preprocessor_config.json), insightface/inswapper_128.onnx and
insightface/models/buffalo_l/. Unverified: written without a GPU or the weights.
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

PIPELINE_ID = "faceswap-reactor"
CLASSIFIER = "nsfw_detector/vit-base-nsfw-detector"
CLASSIFIER_FILES = ("config.json", "model.safetensors", "preprocessor_config.json")
SWAP_FILES = ("insightface/inswapper_128.onnx", "insightface/models/buffalo_l")
# An image passes when the classifier rates it more likely SFW than NSFW (ReActor's reactor_sfw.py
# blocks only above SCORE = 0.979 at the pinned commit: a studio gate errs the other way).
NSFW_LIMIT = 0.5
# One setting serves every quality: inswapper works at 128 px whatever is asked.
QUALITY_OFFERED = ("low", "standard", "high")


studio_job.use_pipeline(PIPELINE_ID)


def classifier_dir():
    """The SFW classifier's folder. Without it nothing is swapped: exit 3, before any other weight is looked at."""
    folder = Path(os.environ.get("STUDIO_MODELS") or "/models") / PIPELINE_ID / CLASSIFIER
    for name in CLASSIFIER_FILES:
        if not (folder / name).is_file():
            refuse(f"SFW check unavailable: classifier weights not found at {folder / name}; "
                   f"faceswap-reactor never swaps without the check")
    return folder


class SfwCheck:
    """ReActor's NSFW classifier, failing closed: anything but a clear pass refuses the job."""

    def __init__(self, folder):
        try:
            import torch
            from transformers import pipeline

            self.classify = pipeline("image-classification", model=str(folder),
                                     device=0 if torch.cuda.is_available() else -1)
        except Exception as e:
            refuse(f"SFW check unavailable: the classifier did not load ({type(e).__name__}: {e}); "
                   f"faceswap-reactor never swaps without the check")

    def require_safe(self, image, what):
        try:
            scores = {r["label"].lower(): float(r["score"]) for r in self.classify(image, top_k=2)}
        except Exception as e:
            refuse(f"SFW check failed: the classifier could not rate {what} ({type(e).__name__}); face swap refused")
        if "nsfw" not in scores:
            refuse(f"SFW check failed: the classifier gave no nsfw score for {what}; face swap refused")
        if scores["nsfw"] >= NSFW_LIMIT:
            refuse(f"SFW check failed: {what} was rated NSFW ({scores['nsfw']:.2f}); face swap refused")


def read_image(path, name):
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except Exception as e:
        fail(f"cannot read request.inputs.{name} ({path.name}): {e}", 2)


def pick_face(faces, index, what):
    faces = sorted(faces, key=lambda face: face.bbox[0])  # left to right, ReActor's default order
    if index >= len(faces):
        fail(f"{what} has {len(faces)} face(s); there is no face number {index} (counted from 0, left to right)", 2)
    return faces[index]


def swap(weights, sfw, target_path, source_path, target_index, source_index, tmp):
    target_rgb = read_image(target_path, "image")
    source_rgb = read_image(source_path, "face")
    progress(0.1, "SFW check")
    sfw.require_safe(source_rgb, "the source face image")
    sfw.require_safe(target_rgb, "the target image")

    import cv2
    import insightface
    import numpy as np
    from insightface.app import FaceAnalysis
    from PIL import Image

    progress(0.3, "finding faces")
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    analyser = FaceAnalysis(name="buffalo_l", root=str(weights / "insightface"), providers=providers)
    analyser.prepare(ctx_id=0, det_size=(640, 640))
    swapper = insightface.model_zoo.get_model(str(weights / "insightface/inswapper_128.onnx"), providers=providers)
    target = cv2.cvtColor(np.asarray(target_rgb), cv2.COLOR_RGB2BGR)
    source = cv2.cvtColor(np.asarray(source_rgb), cv2.COLOR_RGB2BGR)
    target_face = pick_face(analyser.get(target), target_index, "the target image")
    source_face = pick_face(analyser.get(source), source_index, "the source face image")

    progress(0.6, "swapping")
    result = swapper.get(target, target_face, source_face, paste_back=True)
    result_rgb = Image.fromarray(cv2.cvtColor(result, cv2.COLOR_BGR2RGB))
    progress(0.85, "SFW check")
    sfw.require_safe(result_rgb, "the swapped result")
    result_rgb.save(tmp, format="PNG")


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    target = input_path(job, request, "image")
    source = input_path(job, request, "face")
    params = params_of(request)
    target_index = number(params, "target_face_index", 0, 0, 63, integer=True)
    source_index = number(params, "source_face_index", 0, 0, 63, integer=True)
    pick_quality(request, QUALITY_OFFERED)
    # The gate's weights are checked before anything else, the face models' after.
    classifier = classifier_dir()
    weights = weights_dir(*SWAP_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        sfw = SfwCheck(classifier)
        swap(weights, sfw, target, source, target_index, source_index, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
