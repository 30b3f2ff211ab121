"""Test doubles of LoRA trainers (no GPU, weights or PyPI here), not trainers: the training loop that
kohya-ss sd-scripts (train_network.py at 48d368fa) and musubi-tuner (wan_train_network.py at 30c658c4)
share, as far as pipelines/_lib/gpu_lora_trainer.py depends on it:

- tqdm on stderr, redrawn with \\r: `steps:  33%|###  | 10/30 [00:05<00:10,  2.00it/s, avr_loss=0.407]`,
  twice a step: at update(1), still with the last step's loss, then at set_postfix with this one's;
- after each step's bar update: the sample of that step, if --sample_prompts names a file and the
  step is a multiple of --sample_every_n_steps, in `<output_dir>/sample/<name>_{step:06d}_00_<YYYYmmddHHMMSS>_<seed><suffix>.png`;
  then, every --save_every_n_steps, `<output_dir>/<name>-step{:08d}.safetensors` and, with --save_state,
  the folder `<name>-step{:08d}-state` (holding `state_files`);
- at the end `<name>-state` (with --save_state) and `<name>.safetensors`, then "model saved.";
- the loop runs epochs `epoch_to_start`..ceil(max_train_steps / steps_per_epoch) and stops at
  max_train_steps, global_step starting at 0;
- SIGINT: KeyboardInterrupt, nothing saved.
DOUBLE_STEP_S slows each step; DOUBLE_FAIL_AT=N fails at step N with a CUDA out-of-memory message;
DOUBLE_ARGV_LOG names a file each run appends its arguments to (a JSON line).
"""
import json
import math
import os
import sys
import time


def log_argv():
    if os.environ.get("DOUBLE_ARGV_LOG"):
        with open(os.environ["DOUBLE_ARGV_LOG"], "a") as f:
            f.write(json.dumps(sys.argv[1:]) + "\n")


def images_in(image_dir):
    images = [f for f in os.listdir(image_dir) if not f.endswith(".txt")]
    for image in images:
        assert os.path.exists(os.path.join(image_dir, os.path.splitext(image)[0] + ".txt")), f"no caption for {image}"
    return images


def toml_value(config, key):
    return config.split(f"{key} = ")[1].split("\n")[0].strip().strip('"')


def train(args, steps_per_epoch, epoch_to_start=0, sample_suffix="", state_files=lambda epoch, step: {}):
    os.makedirs(args.output_dir, exist_ok=True)
    name = args.output_name
    num_train_epochs = math.ceil(args.max_train_steps / steps_per_epoch)
    delay = float(os.environ.get("DOUBLE_STEP_S", "0"))
    fail_at = int(os.environ.get("DOUBLE_FAIL_AT", "0"))

    def save(path, step):
        with open(path, "wb") as f:
            f.write(b"double LoRA at step %d" % step)

    def bar(n, loss=None):
        post = f", avr_loss={loss:.4f}" if loss is not None else ""
        sys.stderr.write(f"\rsteps: {int(100 * n / args.max_train_steps):3d}%|##        | {n}/{args.max_train_steps} [00:01<00:02,  2.00it/s{post}]")
        sys.stderr.flush()

    bar(0)
    global_step = 0
    for epoch in range(epoch_to_start, num_train_epochs):
        for _ in range(steps_per_epoch):
            if global_step >= args.max_train_steps:
                break
            time.sleep(delay)
            global_step += 1
            if global_step == fail_at:
                sys.stderr.write("\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB (test double)\n")
                sys.exit(1)
            # update(1) redraws with the last step's loss, then set_postfix with this one's (train_network.py:1487,1516).
            bar(global_step, loss=1.0 / global_step if global_step > 1 else None)
            bar(global_step, loss=1.0 / (global_step + 1))
            if args.sample_prompts and os.path.isfile(args.sample_prompts) and args.sample_every_n_steps and global_step % args.sample_every_n_steps == 0:
                os.makedirs(os.path.join(args.output_dir, "sample"), exist_ok=True)
                stamp = time.strftime("%Y%m%d%H%M%S")
                with open(os.path.join(args.output_dir, "sample", f"{name}_{global_step:06d}_00_{stamp}_{args.seed}{sample_suffix}.png"), "wb") as f:
                    f.write(b"\x89PNG\r\n\x1a\n double sample")
            if args.save_every_n_steps and global_step % args.save_every_n_steps == 0:
                save(os.path.join(args.output_dir, f"{name}-step{global_step:08d}.safetensors"), global_step)
                if args.save_state:
                    state = os.path.join(args.output_dir, f"{name}-step{global_step:08d}-state")
                    os.makedirs(state, exist_ok=True)
                    for file, content in state_files(epoch, global_step).items():
                        with open(os.path.join(state, file), "w") as f:
                            json.dump(content, f)
    sys.stderr.write("\n")
    if args.save_state:
        os.makedirs(os.path.join(args.output_dir, f"{name}-state"), exist_ok=True)
    save(os.path.join(args.output_dir, f"{name}.safetensors"), global_step)
    print("model saved.", file=sys.stderr)
