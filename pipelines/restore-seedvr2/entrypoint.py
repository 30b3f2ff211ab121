#!/usr/bin/env python3
"""restore-seedvr2: one-step video restoration with SeedVR2-3B (https://github.com/IceClear/SeedVR2).

Needs a GPU. The code is ByteDance-Seed/SeedVR's: this runs its projects/inference_seedvr2_3b.py
with torchrun on one GPU, as its README does. SeedVR2 has no strength knob: params.strength mixes
the original back in (1 = SeedVR2's output as it is), and ffmpeg puts the original audio back.
Upstream puts a whole clip through at once, so memory grows with length and size; its one
single-GPU figure is 100 frames of 720p on an 80 GB H100, so clips go through in chunks of at most
100 frames with the short side capped per quality (480 at low, 720 above; never upscaled).
Weights in /models/restore-seedvr2/: seedvr2_ema_3b.pth and ema_vae.pth (from
ByteDance-Seed/SeedVR2-3B), which the image links to where upstream's script looks.
Unverified: written without a GPU or the weights. Job-folder contract: pipelines/README.md.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PIPELINE_ID = "restore-seedvr2"
SEEDVR_DIR = "/opt/SeedVR"
SCRIPT = "projects/inference_seedvr2_3b.py"
# pos_emb.pt and neg_emb.pt ship in the repository root (the image keeps them there).
WEIGHT_FILES = ("seedvr2_ema_3b.pth", "ema_vae.pth")
VIDEO_EXTENSIONS = {"mp4", "m4v", "mov", "mkv", "webm"}
# Memory grows with frames x pixels. Upstream's one measured single-GPU figure is 100 frames of
# 720p on an 80 GB H100 (SOURCES.md), so no quality goes past it: the short side is capped per
# quality (never upscaled) and the clip goes through in chunks of at most 100 frames.
SHORT_SIDE_CAP = {"low": 480, "standard": 720, "high": 720}
CHUNK_FRAMES = 100
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


def run(cmd, **kwargs):
    """Runs a command with its output on stderr (stdout is for progress lines); fails with its last lines."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace", **kwargs)
    tail = []
    for line in proc.stdout:
        sys.stderr.write(line)
        tail = (tail + [line.rstrip()])[-15:]
    if proc.wait() != 0:
        fail(f"{Path(cmd[0]).name} failed (exit {proc.returncode}):\n" + "\n".join(tail))


def video_size(path):
    result = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
                             "stream=width,height,nb_read_packets", "-of", "json", str(path)],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    streams = json.loads(result.stdout or "{}").get("streams") if result.returncode == 0 else None
    if not streams:
        fail(f"cannot read a video stream from {path.name}", 2)
    return streams[0]["width"], streams[0]["height"], int(streams[0].get("nb_read_packets") or 0)


def capped_size(width, height, short_cap):
    """The input's size with its short side at most short_cap (never upscaled), in multiples of 16."""
    scale = min(1.0, short_cap / min(width, height))
    return max(16, round(width * scale / 16) * 16), max(16, round(height * scale / 16) * 16)


def chunk_ranges(frames, size):
    """[start, end) frame ranges of at most `size` frames covering the clip (one open range when the count is unknown)."""
    if frames <= 0:
        return [(0, None)]
    return [(start, min(start + size, frames)) for start in range(0, frames, size)]


def restore(source, strength, seed, quality, work, tmp):
    width, height, frames = video_size(source)
    res_w, res_h = capped_size(width, height, SHORT_SIDE_CAP[quality])
    inputs, results = work / "in", work / "restored"
    inputs.mkdir(parents=True)

    chunks = chunk_ranges(frames, CHUNK_FRAMES)
    progress(0.02, f"cutting {len(chunks)} chunk(s) of at most {CHUNK_FRAMES} frames at {res_w}x{res_h}")
    for i, (start, end) in enumerate(chunks):
        trim = f"trim=start_frame={start}:end_frame={end},setpts=PTS-STARTPTS," if end is not None else ""
        run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-an",
             "-vf", f"{trim}scale={res_w}:{res_h}",
             "-c:v", "libx264", "-crf", "10", "-pix_fmt", "yuv420p", str(inputs / f"chunk{i:04d}.mp4")])

    progress(0.05, "restoring with SeedVR2-3B")
    run(["torchrun", "--standalone", "--nproc-per-node=1", SCRIPT, "--video_path", str(inputs),
         "--output_dir", str(results), "--seed", str(seed), "--res_h", str(res_h), "--res_w", str(res_w),
         "--sp_size", "1"],
        cwd=SEEDVR_DIR, env={**os.environ, "PYTHONPATH": SEEDVR_DIR})
    restored = sorted(results.iterdir()) if results.is_dir() else []
    if len(restored) != len(chunks):
        fail(f"SeedVR2 wrote {len(restored)} of {len(chunks)} chunks")
    listing = work / "chunks.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in restored), encoding="utf-8")

    progress(0.9, "mixing and encoding")
    # The original, scaled to the restored size (upstream crops to multiples of 16), mixed back in by 1 - strength.
    mix = (f"[1:v][0:v]scale2ref[orig][rest];[orig]format=yuv444p[o];[rest]format=yuv444p[r];"
           f"[r][o]blend=all_expr='A*{strength:.4f}+B*{1 - strength:.4f}',format=yuv420p[v]")
    run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(source),
         "-filter_complex", mix, "-map", "[v]", "-map", "1:a:0?", "-c:v", "libx264", "-crf", "16",
         "-c:a", "aac", "-b:a", "192k", "-shortest", "-movflags", "+faststart", str(tmp)])


def main():
    job, request = load_request(sys.argv)
    source = input_path(job, request, "input")
    out = output_path(job, request, "output")
    if source.suffix.lower().lstrip(".") not in VIDEO_EXTENSIONS:
        fail(f"request.inputs.input must be a video ({', '.join(sorted(VIDEO_EXTENSIONS))}), not {source.name}", 2)
    params = params_of(request)
    strength = number(params, "strength", 1.0, 0, 1)
    seed = seed_of(request)
    quality = pick_quality(request, QUALITY_OFFERED)
    weights_dir(*WEIGHT_FILES)

    meter = Meter()
    work, tmp = scratch_paths(out)
    try:
        restore(source, strength, seed, quality, work, tmp)
        os.replace(tmp, out)
    finally:
        clean(work, tmp)
    meter.report()
    progress(1.0, "done")


if __name__ == "__main__":
    main()
