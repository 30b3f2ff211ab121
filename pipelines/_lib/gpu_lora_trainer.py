"""GPU LoRA trainer: kohya-ss sd-scripts (train_network.py, sdxl_train_network.py, flux_train_network.py)
and, for Wan 2.1, kohya-ss musubi-tuner (its latent and text-encoder caching, then wan_train_network.py),
launched with accelerate as their docs show.

Unverified on a GPU here (no GPU, weights or PyPI). Its own logic runs in the engine's tests against
test doubles of both (engine/src/testing/trainer-doubles/), written from sd-scripts at 48d368fa and
musubi-tuner at 30c658c4.

Job folder: in/images/<name>.<ext> with <name>.txt captions (the engine's training-job-folder.ts),
params from the preset (params.args are the trainer's own flags, params.optimizer its optimizer),
state/ kept by the engine across attempts, out/lora.safetensors, out/samples/step_NNNNNN.png,
out/train_log.json, events.jsonl. The image names the trainer (STUDIO_TRAINER, STUDIO_TRAINER_REPO,
STUDIO_TRAINER_KIND: sd-scripts or musubi-wan) and its model files (STUDIO_MODEL_FLAGS, a JSON list of flags).

What sd-scripts does (library/train_util.py, train_network.py at 48d368fa), and what this does about it:
- Step LoRAs, the --save_state folders `lora-step{:08d}-state` and the samples (`sample/`) go to
  --output_dir. That is state/, so they outlive an attempt; the final lora.safetensors moves to out/.
- A resumed run counts its steps from 0 again, and without --initial_step it starts at the epoch the
  saved step falls in, of the epochs its own --max_train_steps makes: with the steps left, it would
  train only the last few. So a resume passes --initial_step 0 and --max_train_steps = the steps
  left, and our count continues from the checkpoint's step. musubi-tuner has no --initial_step: its
  resume always starts at step 0 and trains --max_train_steps, the steps left.
- musubi-tuner trains only from cached latents and text-encoder outputs, made first by its two
  caching scripts into state/cache-<fingerprint of the images, captions and resolution>/ (kept across
  attempts and resumes, --skip_existing, since its cache names hold neither), and refuses any flag it
  lacks (--save_model_as).
- Each complete checkpoint is renamed `step{our:08d}-state` (with its LoRA `step{our:08d}.safetensors`), recorded in state/resume.json,
  and the older ones are removed.
- A checkpoint is complete once the bar moves past its step (sd-scripts saves it before the next
  update) or the trainer ends well.
- Progress is tqdm on stderr, redrawn with \\r: `steps:  33%|...| 10/30 [..., avr_loss=0.407]`, twice a
  step (at update(1) with the last step's loss, then at set_postfix): a step is told once its bar moves on.
- accelerate re-raises a failed trainer as CalledProcessError naming the command: --quiet, and the
  trainer's own last error line is the message.
- SIGINT is a KeyboardInterrupt that saves nothing: a cancel resumes from the last checkpoint.
"""
import hashlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

TRAINER = os.environ.get("STUDIO_TRAINER", "train_network.py")
KIND = os.environ.get("STUDIO_TRAINER_KIND", "sd-scripts")
REPO = os.environ.get("STUDIO_TRAINER_REPO", "/opt/sd-scripts")
MODEL_FLAGS = json.loads(os.environ.get("STUDIO_MODEL_FLAGS", '["--pretrained_model_name_or_path", "/models/base.safetensors"]'))
BAR = re.compile(r"steps:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")
LOSS = re.compile(r"avr_loss=([0-9.eE+-]+)")
THEIR_STATE = re.compile(r"^lora-step(\d{8})-state$")
OUR_STATE = re.compile(r"^step(\d{8})-state$")
THEIR_LORA = re.compile(r"^lora(-step\d{8})?\.safetensors$")
OUR_LORA = re.compile(r"^step(\d{8})\.safetensors$")
THEIR_SAMPLE = re.compile(r"^lora_(\d{6})_\d{2}_.*\.png$")
CACHING = re.compile(r"caching (latents|text encoder outputs)", re.IGNORECASE)


class Run:
    """One attempt: the trainer's output read as it comes, turned into our progress, checkpoints and samples."""

    def __init__(self, job, request):
        self.job = job
        self.p = request["params"]
        self.steps = int(self.p["steps"])
        self.state = os.path.join(job, "state")
        self.out = os.path.join(job, "out")
        self.events = open(os.path.join(job, "events.jsonl"), "a")
        self.resume = self.read_resume()
        self.offset = self.resume["step"] if self.resume else 0
        self.curve = []
        self.samples = []
        self.seen_samples = set()
        self.caching_told = False
        self.step_loss = None  # (their step, loss) not yet told
        self.cache = os.path.join(self.state, f"cache-{self.dataset_fingerprint()}")

    def say(self, **fields):
        line = json.dumps(fields)
        print(line, flush=True)
        self.events.write(line + "\n")
        self.events.flush()

    def dataset_fingerprint(self):
        """musubi's cache names hold neither the resolution nor the caption: a cache is only reused for the same images, captions and resolution."""
        with open(os.path.join(self.job, "in", "dataset.json")) as f:
            index = json.load(f)
        text = json.dumps([int(self.p["resolution"]), [[item["sha256"], item["caption"]] for item in index]])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def clear_leftovers(self):
        """What an attempt killed mid-way left unrecorded (a half-saved folder, samples by its own count) is not trusted."""
        for name in os.listdir(self.state):
            stale_cache = name.startswith("cache") and name != os.path.basename(self.cache)
            if stale_cache or THEIR_STATE.match(name) or name in ("lora-state", "sample") or THEIR_LORA.match(name):
                path = os.path.join(self.state, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)

    def read_resume(self):
        path = os.path.join(self.state, "resume.json")
        if not os.path.exists(path):
            return None
        resume = json.load(open(path))
        return resume if os.path.isdir(os.path.join(self.state, resume["state"])) else None

    def flag(self, name):
        """A model flag's value (musubi's caching takes the same --vae and --t5 as its training)."""
        return MODEL_FLAGS[MODEL_FLAGS.index(name) + 1] if name in MODEL_FLAGS else None

    def write_dataset(self):
        p = self.p
        res, images = int(p["resolution"]), os.path.join(self.job, "in", "images")
        path = os.path.join(self.job, "dataset.toml")
        if KIND == "musubi-wan":
            text = (
                f"[general]\nresolution = [{res}, {res}]\ncaption_extension = \".txt\"\nbatch_size = {int(p['batch'])}\nenable_bucket = true\nbucket_no_upscale = true\n\n"
                f"[[datasets]]\nimage_directory = \"{images}\"\ncache_directory = \"{self.cache}\"\nnum_repeats = 1\n"
            )
        else:
            text = (
                "[general]\nshuffle_caption = false\ncaption_extension = \".txt\"\n\n[[datasets]]\n"
                f"resolution = {res}\nbatch_size = {int(p['batch'])}\nenable_bucket = true\nbucket_no_upscale = true\n\n"
                f"[[datasets.subsets]]\nimage_dir = \"{images}\"\nclass_tokens = \"{p['trigger_word']}\"\nnum_repeats = 1\n"
            )
        with open(path, "w") as f:
            f.write(text)
        return path

    def caching_commands(self, dataset):
        """musubi-tuner's caches, made before it trains; sd-scripts caches inside its run."""
        if KIND != "musubi-wan":
            return []
        scripts = os.path.join(REPO, "src", "musubi_tuner")
        return [
            # The VAE on the CPU while it encodes, and T5 in fp8 where the preset trains with it (docs/wan.md: under 16 GB).
            [sys.executable, os.path.join(scripts, "wan_cache_latents.py"), "--dataset_config", dataset, "--vae", self.flag("--vae") or "", "--vae_cache_cpu", "--skip_existing"],
            [sys.executable, os.path.join(scripts, "wan_cache_text_encoder_outputs.py"), "--dataset_config", dataset, "--t5", self.flag("--t5") or "", "--batch_size", "16", "--skip_existing"]
            + (["--fp8_t5"] if "--fp8_t5" in (self.p.get("args") or []) else []),
        ]

    def command(self, dataset):
        p = self.p
        res = int(p["resolution"])
        prompts = os.path.join(self.job, "sample_prompts.txt")
        frames = " --f 1" if KIND == "musubi-wan" else ""
        with open(prompts, "w") as f:
            f.write(f"photo of {p['trigger_word']} --w {res} --h {res}{frames} --d {int(p['seed'])} --s 20\n")
        args = list(p.get("args") or [])
        # --quiet: a failed trainer is not re-raised as accelerate's CalledProcessError, whose last line names the command, not the cause.
        launch = ["accelerate", "launch", "--quiet", "--num_cpu_threads_per_process", "1"] + (["--mixed_precision", "bf16"] if KIND == "musubi-wan" else [])
        cmd = [*launch, os.path.join(REPO, TRAINER), *MODEL_FLAGS,
               "--dataset_config", dataset, "--output_dir", self.state, "--output_name", "lora",
               "--network_dim", str(p["rank"]), "--network_alpha", str(p["alpha"]), "--learning_rate", str(p["lr"]),
               "--max_train_steps", str(self.steps - self.offset), "--seed", str(p["seed"]),
               "--save_every_n_steps", str(p.get("checkpoint_every") or 100), "--save_state",
               "--sample_prompts", prompts, "--sample_every_n_steps", str(p.get("sample_every") or 100)]
        if KIND != "musubi-wan":
            cmd += ["--save_model_as", "safetensors"]
        if p.get("optimizer") and "--optimizer_type" not in args:
            cmd += ["--optimizer_type", str(p["optimizer"])]
        if self.resume:
            cmd += ["--resume", os.path.join(self.state, self.resume["state"])]
            if KIND != "musubi-wan":
                cmd += ["--initial_step", "0"]
        return cmd + args

    def on_line(self, text):
        if not self.caching_told and CACHING.search(text):
            self.caching_told = True
            self.say(progress=self.offset / self.steps, step="caching latents and captions", phase="caching", train_step=self.offset, total_steps=self.steps)
        bar = BAR.search(text)
        loss = LOSS.search(text)
        if not bar:
            return
        theirs = int(bar.group(1))
        if self.step_loss and theirs > self.step_loss[0]:
            self.tell_step()
        self.complete_checkpoints(below=theirs)
        self.find_samples()
        # Both trainers redraw the bar at update(1), still showing the last step's loss, then at set_postfix with this step's: a step's loss is its last line's.
        if loss and theirs > 0:
            self.step_loss = (theirs, float(loss.group(1)))

    def tell_step(self):
        """The step whose bar has moved on (or whose run ended), with its loss, once."""
        if not self.step_loss:
            return
        theirs, loss = self.step_loss
        self.step_loss = None
        step = self.offset + theirs
        self.curve.append([step, loss])
        self.say(progress=step / self.steps, step=f"training step {step}/{self.steps}", phase="training", train_step=step, total_steps=self.steps, loss=loss)

    def complete_checkpoints(self, below=None):
        """Their step folders saved before the bar moved past them (or before a good end) become ours."""
        for name in sorted(os.listdir(self.state)):
            m = THEIR_STATE.match(name)
            if not m or (below is not None and int(m.group(1)) >= below):
                continue
            ours = self.offset + int(m.group(1))
            target = f"step{ours:08d}-state"
            shutil.rmtree(os.path.join(self.state, target), ignore_errors=True)
            os.rename(os.path.join(self.state, name), os.path.join(self.state, target))
            lora = os.path.join(self.state, f"lora-step{int(m.group(1)):08d}.safetensors")
            if os.path.exists(lora):
                os.replace(lora, os.path.join(self.state, f"step{ours:08d}.safetensors"))
            tmp = os.path.join(self.state, "resume.json.tmp")
            with open(tmp, "w") as f:
                json.dump({"state": target, "step": ours}, f)
            os.replace(tmp, os.path.join(self.state, "resume.json"))
            for old in os.listdir(self.state):
                om = OUR_STATE.match(old) or OUR_LORA.match(old)
                if om and int(om.group(1)) < ours:
                    path = os.path.join(self.state, old)
                    shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
            self.say(progress=ours / self.steps, step=f"checkpoint at step {ours}", phase="checkpoint", train_step=ours, total_steps=self.steps)

    def find_samples(self):
        folder = os.path.join(self.state, "sample")
        if not os.path.isdir(folder):
            return
        for name in sorted(os.listdir(folder)):
            m = THEIR_SAMPLE.match(name)
            if not m or name in self.seen_samples:
                continue
            self.seen_samples.add(name)
            step = self.offset + int(m.group(1))
            rel = f"samples/step_{step:06d}.png"
            os.makedirs(os.path.join(self.out, "samples"), exist_ok=True)
            shutil.copyfile(os.path.join(folder, name), os.path.join(self.out, rel))
            self.samples.append({"step": step, "path": rel})
            self.say(progress=step / self.steps, step=f"sample at step {step}", phase="sample", train_step=step, total_steps=self.steps, sample=rel)

    def finish(self):
        """A good end (its last step told already): the last checkpoint and sample taken in, the LoRA to out/, the trainer's folders gone."""
        self.complete_checkpoints()
        self.find_samples()
        self.say(progress=1.0, step="writing LoRA", phase="saving", train_step=self.steps, total_steps=self.steps)
        final = os.path.join(self.state, "lora.safetensors")
        if not os.path.exists(final):
            # A resume whose checkpoint was already at (or past) the run's steps: that checkpoint's LoRA.
            last = os.path.join(self.state, f"step{max(self.steps, self.offset):08d}.safetensors")
            final = last if os.path.exists(last) else final
        shutil.move(final, os.path.join(self.out, "lora.safetensors"))
        # A finished run is not resumed: its optimizer states (gigabytes for FLUX) are not kept.
        for name in os.listdir(self.state):
            path = os.path.join(self.state, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        with open(os.path.join(self.out, "train_log.json"), "w") as f:
            json.dump({"steps": self.steps, "curve": self.curve, "samples": self.samples, "resumed_from": self.offset}, f)


def stream(cmd, job, on_line):
    """Runs one of the trainer's commands, its stderr line by line to on_line; a cancel flag SIGINTs it. (code, stderr tail, cancelled)."""
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    fd = proc.stderr.fileno()
    buffer = b""
    tail = []
    cancelled = False
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buffer += chunk
            parts = re.split(rb"[\r\n]", buffer)
            buffer = parts.pop()
            for part in parts:
                text = part.decode("utf-8", "replace")
                if text.strip():
                    tail = (tail + [text])[-20:]
                on_line(text)
        if not cancelled and os.path.exists(os.path.join(job, "cancel")):
            cancelled = True
            # To the trainer's processes (accelerate and its python), not to this one.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            os.killpg(os.getpgrp(), signal.SIGINT)
    return proc.wait(), tail, cancelled


def stop_unless_done(name, code, tail, cancelled):
    """Ends the wrapper after a command that was cancelled (exit 3) or failed (its own error line); returns when it went well."""
    if cancelled:
        print(json.dumps({"error": "cancelled"}), flush=True)
        sys.exit(3)
    if code == 0:
        return
    lines = [line for line in tail if not re.search(r"CalledProcessError|^Traceback|^\s+File \"", line)]
    reason = next((line.strip() for line in reversed(lines) if re.search(r"error|exception|no training items", line, re.IGNORECASE)), lines[-1].strip() if lines else "")
    print(json.dumps({"error": f"{os.path.basename(name)} exited with code {code}: {reason[:500]}"}), flush=True)
    sys.exit(code if code > 0 else 1)


def main(job):
    request = json.load(open(os.path.join(job, "request.json")))
    os.makedirs(os.path.join(job, "state"), exist_ok=True)
    run = Run(job, request)
    run.clear_leftovers()
    run.say(progress=run.offset / run.steps, step="loading base model", phase="loading", train_step=run.offset, total_steps=run.steps)
    if run.offset >= run.steps:
        # The last checkpoint was the last step: its LoRA is the run's.
        run.finish()
        return
    dataset = run.write_dataset()
    for cmd in run.caching_commands(dataset):
        run.on_line("caching latents")
        stop_unless_done(cmd[1], *stream(cmd, job, lambda _line: None))
    if run.resume:
        run.say(progress=run.offset / run.steps, step=f"resumed at step {run.offset}/{run.steps}", phase="resumed", train_step=run.offset, total_steps=run.steps)
    ended = stream(run.command(dataset), job, run.on_line)
    run.tell_step()
    stop_unless_done(TRAINER, *ended)
    run.finish()


if __name__ == "__main__":
    main(sys.argv[1])
