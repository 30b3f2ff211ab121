#!/usr/bin/env python3
"""tts-espeak: real (robotic) speech from the prompt text with espeak-ng, as 48 kHz stereo WAV.

Not a neural voice: a formant synthesiser that stands in for a TTS model while drafting.
Job-folder contract: pipelines/README.md.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

VOICE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_+./-]{0,63}$")


def fail(message, code=1):
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)


def progress(value, step):
    print(json.dumps({"progress": round(value, 3), "step": step}), flush=True)


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


def number(source, key, default, lo, hi, integer=False):
    value = source.get(key, default)
    if value is None:
        value = default
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or (integer and value != int(value)) or not lo <= value <= hi:
        kind = "an integer" if integer else "a number"
        fail(f"{key} must be {kind} from {lo} to {hi}, got {value!r}", 2)
    return int(value) if integer else float(value)


def run(cmd, cwd=None):
    result = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        fail(f"{cmd[0]} failed (exit {result.returncode}):\n{tail}", 1)


def main():
    job, request = load_request(sys.argv)
    out = output_path(job, request, "output")
    text = request.get("prompt")
    if not isinstance(text, str) or not text.strip():
        fail("prompt must hold the text to speak", 2)
    params = request.get("params") or {}
    if not isinstance(params, dict):
        fail("params must be an object", 2)
    voice = params.get("voice") or "en"
    if not isinstance(voice, str) or not VOICE.match(voice):
        fail(f"voice must be an espeak-ng voice name such as en, en-us or en+f3, got {voice!r}", 2)
    speed = number(params, "speed", 175, 80, 450, integer=True)
    pitch = number(params, "pitch", 50, 0, 99, integer=True)

    out.parent.mkdir(parents=True, exist_ok=True)
    text_file = out.parent / f".{out.stem}.text.txt"
    raw = out.parent / f".{out.stem}.espeak.wav"
    tmp = out.parent / f".{out.stem}.tmp.wav"
    try:
        # The text reaches espeak-ng only through a file, so nothing in it is read as an option.
        text_file.write_text(text, encoding="utf-8")
        progress(0.1, "speaking")
        run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), "-f", str(text_file)])
        progress(0.7, "resampling")
        run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(raw), "-af", "aresample=48000", "-ac", "2",
             "-c:a", "pcm_s16le", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags", "+bitexact",
             "-f", "wav", str(tmp)])
        os.replace(tmp, out)
    finally:
        for path in (text_file, raw, tmp):
            path.unlink(missing_ok=True)
    progress(1.0, "done")


if __name__ == "__main__":
    main()
