"""Test double of kohya-ss sd-scripts' train_network.py (no GPU, weights or PyPI here), not a trainer.

It does what the wrapper (pipelines/_lib/gpu_lora_trainer.py) depends on, as sd-scripts does it at
48d368fa (library/train_util.py, train_network.py):
- tqdm on stderr, redrawn with \\r: `steps:  33%|###  | 10/30 [00:05<00:10,  2.00it/s, avr_loss=0.407]`,
  after "caching latents." in the log;
- every --save_every_n_steps: `<output_dir>/<output_name>-step{:08d}.safetensors` and, with
  --save_state, the folder `<output_name>-step{:08d}-state` holding train_state.json
  {"current_epoch", "current_step"}, saved after the sample of that step and before the next
  bar update; at the end `<output_name>-state` and `<output_name>.safetensors`;
- samples, when --sample_prompts names a file, every --sample_every_n_steps into
  `<output_dir>/sample/<output_name>_{step:06d}_00_<YYYYmmddHHMMSS>_<seed>.png`;
- --resume: its step count starts again at 0, and without --initial_step it starts at epoch
  saved_step // steps_per_epoch of the epochs --max_train_steps makes (so a resume with the steps
  left trains only what those last epochs hold); --initial_step 0 trains all of --max_train_steps.
- SIGINT: KeyboardInterrupt, nothing saved.
DOUBLE_STEP_S slows each step; DOUBLE_FAIL_AT=N fails at step N with a CUDA out-of-memory message;
DOUBLE_ARGV_LOG names a file each run appends its arguments to (a JSON line).
"""
import argparse
import glob
import json
import math
import os
import sys
import time

parser = argparse.ArgumentParser()
for flag in ("--pretrained_model_name_or_path", "--dataset_config", "--output_dir", "--output_name", "--save_model_as",
             "--resume", "--sample_prompts", "--optimizer_type", "--clip_l", "--t5xxl", "--ae"):
    parser.add_argument(flag)
for flag in ("--network_dim", "--max_train_steps", "--seed", "--save_every_n_steps", "--sample_every_n_steps", "--initial_step"):
    parser.add_argument(flag, type=int)
parser.add_argument("--network_alpha", type=float)
parser.add_argument("--learning_rate", type=float)
parser.add_argument("--network_module", required=True)
parser.add_argument("--save_state", action="store_true")
args, _unknown = parser.parse_known_args()
if os.environ.get("DOUBLE_ARGV_LOG"):
    with open(os.environ["DOUBLE_ARGV_LOG"], "a") as f:
        f.write(json.dumps(sys.argv[1:]) + "\n")
assert args.pretrained_model_name_or_path, "--pretrained_model_name_or_path is required"

config = open(args.dataset_config).read()
image_dir = config.split('image_dir = "')[1].split('"')[0]
batch = int(config.split("batch_size = ")[1].split("\n")[0])
images = [f for f in os.listdir(image_dir) if not f.endswith(".txt")]
for image in images:
    assert os.path.exists(os.path.join(image_dir, os.path.splitext(image)[0] + ".txt")), f"no caption for {image}"
steps_per_epoch = math.ceil(len(images) / batch)
num_train_epochs = math.ceil(args.max_train_steps / steps_per_epoch)

steps_from_state = None
if args.resume:
    steps_from_state = json.load(open(os.path.join(args.resume, "train_state.json")))["current_step"]
# train_network.py: --initial_step wins over the saved step; without --skip_until_initial_step either
# only moves the first epoch (the steps are not skipped, and global_step starts at 0).
initial_step = args.initial_step if args.initial_step is not None else (steps_from_state or 0)
if initial_step > 0:
    assert args.max_train_steps > initial_step, f"max_train_steps should be greater than initial step: {args.max_train_steps} vs {initial_step}"
epoch_to_start = initial_step // steps_per_epoch if initial_step > 0 else 0
print("caching latents.", file=sys.stderr, flush=True)
os.makedirs(args.output_dir, exist_ok=True)
name = args.output_name


def save(path, step):
    with open(path, "wb") as f:
        f.write(b"double LoRA at step %d" % step)


def bar(n, total, loss=None):
    post = f", avr_loss={loss:.4f}" if loss is not None else ""
    sys.stderr.write(f"\rsteps: {int(100 * n / max(total, 1)):3d}%|##        | {n}/{total} [00:01<00:02,  2.00it/s{post}]")
    sys.stderr.flush()


total = args.max_train_steps
bar(0, total)
global_step = 0
delay = float(os.environ.get("DOUBLE_STEP_S", "0"))
fail_at = int(os.environ.get("DOUBLE_FAIL_AT", "0"))
for epoch in range(epoch_to_start, num_train_epochs):
    for _ in range(steps_per_epoch):
        if global_step >= args.max_train_steps:
            break
        time.sleep(delay)
        global_step += 1
        if global_step == fail_at:
            sys.stderr.write("\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB (test double)\n")
            sys.exit(1)
        bar(global_step, total, loss=1.0 / (global_step + 1))
        if args.sample_prompts and os.path.isfile(args.sample_prompts) and args.sample_every_n_steps and global_step % args.sample_every_n_steps == 0:
            os.makedirs(os.path.join(args.output_dir, "sample"), exist_ok=True)
            stamp = time.strftime("%Y%m%d%H%M%S")
            with open(os.path.join(args.output_dir, "sample", f"{name}_{global_step:06d}_00_{stamp}_{args.seed}.png"), "wb") as f:
                f.write(b"\x89PNG\r\n\x1a\n double sample")
        if args.save_every_n_steps and global_step % args.save_every_n_steps == 0:
            save(os.path.join(args.output_dir, f"{name}-step{global_step:08d}.safetensors"), global_step)
            if args.save_state:
                state = os.path.join(args.output_dir, f"{name}-step{global_step:08d}-state")
                os.makedirs(state, exist_ok=True)
                with open(os.path.join(state, "train_state.json"), "w") as f:
                    json.dump({"current_epoch": epoch + 1, "current_step": global_step}, f)
sys.stderr.write("\n")
if args.save_state:
    os.makedirs(os.path.join(args.output_dir, f"{name}-state"), exist_ok=True)
save(os.path.join(args.output_dir, f"{name}.safetensors"), global_step)
print("model saved.", file=sys.stderr)
