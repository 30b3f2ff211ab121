"""The job-folder helpers every pipeline entrypoint uses (pipelines/README.md has the contract).

One module, copied into every pipeline image (`COPY _lib/ /opt/studio/lib/`, on PYTHONPATH) and put
on PYTHONPATH by the process backend, so no pipeline carries its own copy. Standard library only:
entrypoints import it at module level, before any heavy dependency. An entrypoint names itself once
with use_pipeline(PIPELINE_ID): messages and the weights folder (/models/<id>) use that name.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from contract import request_problems

_pipeline_id = None


def use_pipeline(pipeline_id):
    """Names the pipeline this process runs (in messages, and as its folder under /models)."""
    global _pipeline_id
    _pipeline_id = pipeline_id


def pipeline_id():
    if _pipeline_id is None:
        fail("studio_job.use_pipeline(PIPELINE_ID) was not called", 1)
    return _pipeline_id


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
    wrong = request_problems(request)
    if wrong:
        fail("request.json breaks the job-folder contract: " + "; ".join(wrong[:10]), 2)
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
        fail(f"{key} is empty: {pipeline_id()} needs it", 2)
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
    print(f"{pipeline_id()} does not offer {wanted} quality; running at {nearest}", file=sys.stderr, flush=True)
    return nearest


def seed_of(request):
    return number(request, "seed", 0, 0, 2**32 - 1, integer=True)


def weights_dir(*required):
    """/models/<id> in the container ($STUDIO_MODELS/<id> on a host), checked before anything loads."""
    root = Path(os.environ.get("STUDIO_MODELS") or "/models") / pipeline_id()
    for rel in ("", *required):
        if not (root / rel).exists():
            fail(f"weights not found at {root / rel}: mount the {pipeline_id()} weights there "
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


# ---- Child processes (the ffmpeg and espeak pipelines) ----

def run(cmd, cwd=None):
    result = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        fail(f"{cmd[0]} failed (exit {result.returncode}):\n{tail}", 1)


def run_ffmpeg(args, seconds, lo, hi, step, cwd=None):
    """Runs ffmpeg, turning its -progress output into progress lines from lo to hi."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-nostats", "-y", "-progress", "pipe:1", *args]
    with tempfile.TemporaryFile("w+", errors="replace") as stderr:
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                                text=True, errors="replace")
        last = lo
        for line in proc.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                value = lo + (hi - lo) * min(1.0, max(0.0, int(value) / 1e6 / seconds))
                if value - last >= 0.01:
                    progress(value, step)
                    last = value
        if proc.wait() != 0:
            stderr.seek(0)
            tail = "\n".join(stderr.read().strip().splitlines()[-15:])
            fail(f"ffmpeg failed (exit {proc.returncode}):\n{tail}", 1)
