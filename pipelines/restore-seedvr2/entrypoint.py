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

import studio_job  # the job-folder helpers: pipelines/_lib/studio_job.py
from studio_job import (
    QUALITIES, Meter, choice, clean, fail, flag, input_path, load_request, number, output_path, params_of,
    pick_quality, progress, refuse, scratch_paths, seed_of, text, weights_dir,
)

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


studio_job.use_pipeline(PIPELINE_ID)


def run_echoed(cmd, **kwargs):
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
        run_echoed(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-an",
             "-vf", f"{trim}scale={res_w}:{res_h}",
             "-c:v", "libx264", "-crf", "10", "-pix_fmt", "yuv420p", str(inputs / f"chunk{i:04d}.mp4")])

    progress(0.05, "restoring with SeedVR2-3B")
    run_echoed(["torchrun", "--standalone", "--nproc-per-node=1", SCRIPT, "--video_path", str(inputs),
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
    run_echoed(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(source),
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
