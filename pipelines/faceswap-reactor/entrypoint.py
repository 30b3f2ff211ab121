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

PIPELINE_ID = "faceswap-reactor"
CLASSIFIER = "nsfw_detector/vit-base-nsfw-detector"
CLASSIFIER_FILES = ("config.json", "model.safetensors", "preprocessor_config.json")
SWAP_FILES = ("insightface/inswapper_128.onnx", "insightface/models/buffalo_l")
# An image passes when the classifier rates it more likely SFW than NSFW (ReActor's reactor_sfw.py
# blocks only above SCORE = 0.979 at the pinned commit: a studio gate errs the other way).
NSFW_LIMIT = 0.5
# One setting serves every quality: inswapper works at 128 px whatever is asked.
QUALITY_OFFERED = ("low", "standard", "high")


# --- job helpers: the same block in every GPU pipeline (pipelines/catalogue.test.ts keeps them equal) ---
QUALITIES = ("low", "standard", "high")


def fail(message, code=1):
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)


def refuse(message):
    """Refuses the input (pipelines/README.md): exit 3 with {"error": ...} on stdout."""
    print(json.dumps({"error": message}), flush=True)
    print(message, file=sys.stderr, flush=True)
    sys.exit(3)


def progress(value, step):
    print(json.dumps({"progress": round(min(max(value, 0.0), 1.0), 3), "step": step}), flush=True)


def load_request(argv):
    if len(argv) < 2:
        fail("usage: entrypoint.py <job-folder>", 2)
    job = Path(argv[1]).resolve()
    try:
        request = json.loads((job / "request.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"no request.json in {job}", 2)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        fail(f"cannot read {job / 'request.json'}: {e}", 2)
    if not isinstance(request, dict):
        fail("request.json must hold a JSON object", 2)
    return job, request


def output_path(job, request, name):
    outputs = request.get("outputs")
    rel = outputs.get(name) if isinstance(outputs, dict) else None
    if not isinstance(rel, str) or not rel:
        fail(f"request.outputs.{name} is missing", 2)
    path = (job / rel).resolve()
    if (job / "out").resolve() not in path.parents:
        fail(f"request.outputs.{name} must name a file under out/: {rel}", 2)
    return path


def input_path(job, request, name, required=True):
    inputs = request.get("inputs")
    rel = inputs.get(name) if isinstance(inputs, dict) else None
    if rel is None or rel == "":
        if required:
            fail(f"request.inputs.{name} is missing", 2)
        return None
    if not isinstance(rel, str):
        fail(f"request.inputs.{name} must be a path", 2)
    path = (job / rel).resolve()
    if job not in path.parents:
        fail(f"request.inputs.{name} must name a file in the job folder: {rel}", 2)
    if not path.is_file():
        fail(f"request.inputs.{name} not found: {rel}", 2)
    return path


def params_of(request):
    params = request.get("params")
    if params is None:
        return {}
    if not isinstance(params, dict):
        fail("params must be an object", 2)
    return params


def number(source, key, default, lo, hi, integer=False):
    value = source.get(key, default)
    if value is None:
        value = default
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or (integer and value != int(value)) or not lo <= value <= hi:
        kind = "an integer" if integer else "a number"
        fail(f"{key} must be {kind} from {lo} to {hi}, got {value!r}", 2)
    return int(value) if integer else float(value)


def text(source, key, default="", required=False, max_length=20_000):
    value = source.get(key, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        fail(f"{key} must be a string", 2)
    value = value.strip()
    if required and not value:
        fail(f"{key} is empty: {PIPELINE_ID} needs it", 2)
    if len(value) > max_length:
        fail(f"{key} is longer than {max_length} characters", 2)
    return value


def choice(source, key, default, options):
    value = source.get(key, default)
    if value is None:
        value = default
    if value not in options:
        fail(f"{key} must be one of {', '.join(map(str, options))}, got {value!r}", 2)
    return value


def flag(source, key, default):
    value = source.get(key, default)
    if value is None:
        value = default
    if not isinstance(value, bool):
        fail(f"{key} must be true or false, got {value!r}", 2)
    return value


def pick_quality(request, offered):
    """The requested quality, or the nearest one offered when a Pipeline node pins this pipeline."""
    wanted = request.get("quality", "standard")
    if wanted not in QUALITIES:
        fail(f"quality must be one of {', '.join(QUALITIES)}, got {wanted!r}", 2)
    if wanted in offered:
        return wanted
    rank = QUALITIES.index
    nearest = min(offered, key=lambda q: (abs(rank(q) - rank(wanted)), rank(q)))
    print(f"{PIPELINE_ID} does not offer {wanted} quality; running at {nearest}", file=sys.stderr, flush=True)
    return nearest


def seed_of(request):
    return number(request, "seed", 0, 0, 2**32 - 1, integer=True)


def weights_dir(*required):
    """/models/<id> in the container ($STUDIO_MODELS/<id> on a host), checked before anything loads."""
    root = Path(os.environ.get("STUDIO_MODELS") or "/models") / PIPELINE_ID
    for rel in ("", *required):
        if not (root / rel).exists():
            fail(f"weights not found at {root / rel}: mount the {PIPELINE_ID} weights there "
                 f"(the layout is in its pipeline.json description and Dockerfile)", 2)
    return root


def scratch_paths(out):
    """A work folder and a temporary file beside the output, so the result lands with one os.replace."""
    return out.parent / f".{out.stem}.work", out.parent / f".{out.stem}.tmp{out.suffix}"


def clean(*paths):
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

class Meter:
    """What a job used, for the engine's observed-VRAM profile: wall time, and peak VRAM from torch
    in this process (max_memory_reserved) or nvidia-smi sampled twice a second (which also sees
    upstream scripts run as child processes), whichever is higher. report() prints it on stdout as
    {"result": {"peak_vram_mb": ..., "wall_s": ..., "vram_source": ...}} (pipelines/README.md)."""

    def __init__(self, interval=0.5):
        import threading
        import time
        self._clock = time.monotonic
        self.started = self._clock()
        self.baseline_mb = None
        self.sampled_mb = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)
        self._thread.start()

    @staticmethod
    def gpu_used_mb():
        """MiB in use on the GPUs this job may see (CUDA_VISIBLE_DEVICES, or all a container shows), or None."""
        import subprocess
        command = ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"]
        visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
        if visible:
            command += ["-i", visible]
        try:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        values = [line.strip() for line in result.stdout.splitlines() if line.strip()]
        if result.returncode != 0 or not values or not all(v.replace(".", "", 1).isdigit() for v in values):
            return None
        return sum(float(v) for v in values)

    def _sample(self, interval):
        while True:
            used = self.gpu_used_mb()
            if used is None:
                return
            if self.baseline_mb is None:
                self.baseline_mb = used
            self.sampled_mb = max(self.sampled_mb or 0.0, used - self.baseline_mb)
            if self._stop.wait(interval):
                return

    @staticmethod
    def torch_peak_mb():
        torch = sys.modules.get("torch")
        try:
            if torch is None or not torch.cuda.is_initialized():
                return None
            return sum(torch.cuda.max_memory_reserved(d) for d in range(torch.cuda.device_count())) / 2**20
        except Exception:
            return None

    def result(self):
        self._stop.set()
        self._thread.join(timeout=15)
        torch_mb, smi_mb = self.torch_peak_mb(), self.sampled_mb
        peaks = [(mb, source) for mb, source in ((torch_mb, "torch"), (smi_mb, "nvidia-smi")) if mb is not None]
        peak, source = max(peaks) if peaks else (None, None)
        return {"peak_vram_mb": None if peak is None else round(peak, 1), "wall_s": round(self._clock() - self.started, 3),
                "vram_source": source}

    def report(self):
        print(json.dumps({"result": self.result()}), flush=True)

# --- end of job helpers ---


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
