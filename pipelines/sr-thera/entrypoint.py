#!/usr/bin/env python3
"""sr-thera: arbitrary-scale super-resolution of an image or a video with Thera (https://github.com/prs-eth/thera).

Needs a GPU (JAX). Loads a checkpoint and calls super_resolve.process() as upstream's
super_resolve.py does, frame by frame for a video (re-encoded with its audio kept by ffmpeg).
Quality picks the checkpoint: low thera-edsr-air, standard thera-edsr-pro, high thera-rdn-pro
with upstream's geometric self-ensemble. The output keeps the input's kind and format. Weights in
/models/sr-thera/: thera-edsr-air.pkl, thera-edsr-pro.pkl, thera-rdn-pro.pkl (the checkpoints of
the prs-eth/thera-* releases, renamed). Unverified: written without a GPU or the weights.
Job-folder contract: pipelines/README.md.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PIPELINE_ID = "sr-thera"
THERA_DIR = "/opt/thera"
# Quality -> (checkpoint, geometric self-ensemble).
MODELS = {"low": ("thera-edsr-air.pkl", False), "standard": ("thera-edsr-pro.pkl", False),
          "high": ("thera-rdn-pro.pkl", True)}
IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"}
VIDEO_CODECS = {"mp4": ("libx264", "aac"), "m4v": ("libx264", "aac"), "mov": ("libx264", "aac"),
                "mkv": ("libx264", "aac"), "webm": ("libvpx-vp9", "libopus")}
MAX_SIDE = 16384


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


def run(cmd):
    result = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        fail(f"{cmd[0]} failed (exit {result.returncode}):\n" + "\n".join(result.stderr.strip().splitlines()[-15:]))
    return result.stdout


def load_thera(checkpoint, ensemble):
    sys.path.insert(0, THERA_DIR)
    import pickle

    import numpy as np
    from PIL import Image
    from model import build_thera
    from super_resolve import process

    # Upstream's checkpoints are pickles: only mount ones from prs-eth.
    with open(checkpoint, "rb") as fh:
        check = pickle.load(fh)
    model = build_thera(3, check["backbone"], check["size"])
    params = check["model"]

    def upscale(image, target_shape):
        source = np.asarray(image.convert("RGB")) / 255.0
        return Image.fromarray(np.asarray(process(source, model, params, target_shape, ensemble)))

    return upscale


def target_of(width, height, scale, even):
    w, h = round(width * scale), round(height * scale)
    if even:  # 4:2:0 video needs even sizes
        w, h = w + w % 2, h + h % 2
    if max(w, h) > MAX_SIDE:
        fail(f"{w}x{h} is too large (at most {MAX_SIDE} pixels a side): lower the scale", 2)
    return h, w  # Thera takes (height, width)


def upscale_image(upscale, source, scale, tmp):
    from PIL import Image

    with Image.open(source) as image:
        image.load()
    progress(0.2, "super-resolving")
    result = upscale(image, target_of(image.width, image.height, scale, even=False))
    options = {"quality": 95} if tmp.suffix.lower() in (".jpg", ".jpeg") else {}
    result.save(tmp, **options)


def upscale_video(upscale, source, scale, work, tmp):
    from PIL import Image

    info = json.loads(run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                           "stream=width,height,r_frame_rate", "-of", "json", str(source)]))
    stream = info["streams"][0]
    shape = target_of(stream["width"], stream["height"], scale, even=True)
    frames, done = work / "frames", work / "upscaled"
    frames.mkdir(parents=True)
    done.mkdir()
    run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(source), "-map", "0:v:0", "-vsync", "passthrough",
         str(frames / "%06d.png")])
    names = sorted(p.name for p in frames.iterdir())
    for i, name in enumerate(names):
        with Image.open(frames / name) as frame:
            upscale(frame, shape).save(done / name)
        (frames / name).unlink()
        progress(0.1 + 0.8 * (i + 1) / len(names), "super-resolving")
    vcodec, acodec = VIDEO_CODECS[tmp.suffix.lower().lstrip(".")]
    rate = ["-crf", "16"] if vcodec == "libx264" else ["-crf", "24", "-b:v", "0"]
    progress(0.92, "encoding")
    run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-framerate", stream["r_frame_rate"],
         "-i", str(done / "%06d.png"), "-i", str(source), "-map", "0:v:0", "-map", "1:a:0?",
         "-c:v", vcodec, *rate, "-pix_fmt", "yuv420p", "-c:a", acodec, "-shortest", str(tmp)])


def main():
    job, request = load_request(sys.argv)
    source = input_path(job, request, "input")
    out = output_path(job, request, "output")
    in_ext, out_ext = source.suffix.lower().lstrip("."), out.suffix.lower().lstrip(".")
    is_image = in_ext in IMAGE_EXTENSIONS
    if is_image != (out_ext in IMAGE_EXTENSIONS) or not (is_image or (in_ext in VIDEO_CODECS and out_ext in VIDEO_CODECS)):
        fail(f"cannot write a .{in_ext} input as .{out_ext}: the output keeps the input's kind "
             f"(images: {', '.join(sorted(IMAGE_EXTENSIONS))}; videos: {', '.join(VIDEO_CODECS)})", 2)
    params = params_of(request)
    scale = number(params, "scale", 2.0, 1, 8)
    checkpoint, ensemble = MODELS[pick_quality(request, MODELS)]
    ensemble = flag(params, "ensemble", ensemble)
    weights = weights_dir(checkpoint)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        progress(0.02, "loading Thera")
        upscale = load_thera(weights / checkpoint, ensemble)
        if is_image:
            upscale_image(upscale, source, scale, tmp)
        else:
            upscale_video(upscale, source, scale, work, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
