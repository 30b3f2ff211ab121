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

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import fail, load_request, number, output_path, progress, run

studio_job.use_pipeline("tts-espeak")

VOICE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_+./-]{0,63}$")


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
