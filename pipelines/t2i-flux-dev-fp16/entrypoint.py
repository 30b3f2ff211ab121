#!/usr/bin/env python3
"""t2i-flux-dev-fp16: maximum-fidelity 2K images with the full FLUX.1 [dev] (https://github.com/black-forest-labs/flux).

Needs a GPU. Runs the unquantized 16-bit (bfloat16) model through diffusers' FluxPipeline as its
model card shows (guidance 3.5, 50 steps, max_sequence_length 512), at about 2048 px on the long
side. Where it lives depends on the GPU: all on it from 40 GB, model CPU offload from 30 GB, and
on the quality table's 24 GB tier (docs/pipeline-contract.md) sequential CPU offload, since the 12B transformer alone takes 24 GB
(slower, not lower quality). Weights: /models/t2i-flux-dev-fp16/ holds the
black-forest-labs/FLUX.1-dev snapshot in diffusers format. Unverified: written without a GPU or
the weights. Job-folder contract: pipelines/README.md.
"""
import json
import os
import shutil
import sys
from pathlib import Path

PIPELINE_ID = "t2i-flux-dev-fp16"
WEIGHT_FILES = ("model_index.json", "transformer", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "vae")
QUALITY_OFFERED = ("high",)  # the quality table (docs/pipeline-contract.md): generate-image at high quality
PIXELS = 2048 * 1152  # "2K": 2048 px wide at 16:9


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


def generate(weights, prompt, size, steps, guidance, seed, tmp):
    import torch
    from diffusers import FluxPipeline

    progress(0.05, "loading FLUX.1 [dev]")
    pipe = FluxPipeline.from_pretrained(str(weights), torch_dtype=torch.bfloat16)
    gpu_gb = torch.cuda.get_device_properties(0).total_memory / 2**30
    if gpu_gb >= 40:
        pipe = pipe.to("cuda")
    elif gpu_gb >= 30:
        pipe.enable_model_cpu_offload()
    else:
        pipe.enable_sequential_cpu_offload()
    pipe.vae.enable_tiling()
    width, height = size
    image = pipe(
        prompt,
        width=width,
        height=height,
        guidance_scale=guidance,
        num_inference_steps=steps,
        max_sequence_length=512,
        generator=torch.Generator(device="cpu").manual_seed(seed),
        callback_on_step_end=step_progress(steps, 0.2, 0.95),
    ).images[0]
    image.save(tmp, format="PNG")


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    prompt = text(request, "prompt", required=True)
    params = params_of(request)
    steps = number(params, "steps", 50, 1, 100, integer=True)
    guidance = number(params, "guidance", 3.5, 0, 20)
    size = frame_size(number(request, "width", 2048, 16, 8192, integer=True),
                      number(request, "height", 1152, 16, 8192, integer=True), PIXELS, 16)
    seed = seed_of(request)
    pick_quality(request, QUALITY_OFFERED)
    weights = weights_dir(*WEIGHT_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        generate(weights, prompt, size, steps, guidance, seed, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
