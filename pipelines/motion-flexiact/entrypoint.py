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

PIPELINE_ID = "motion-flexiact"
FLEXIACT_DIR = "/opt/FlexiAct"
BASE_MODEL = "CogVideoX-5b-I2V"
REFADAPTER = "ckpts/refnetlora_step40000_model.pt"
EMBEDDINGS = "ckpts/FAE/motion_ckpts"
# One setting serves every quality: upstream renders 720x480x49 only.
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
