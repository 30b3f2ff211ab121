"""Test double of kohya-ss sd-scripts' train_network.py (double_loop.py says what it does and why), not a trainer.

What is sd-scripts' own (train_network.py at 48d368fa): the state folder holds train_state.json
{"current_epoch", "current_step"}; on --resume, --initial_step wins over the saved step and, without
--skip_until_initial_step, either one only moves the first epoch to initial_step // steps_per_epoch
(global_step still starts at 0), after asserting max_train_steps > initial_step. "caching latents." is logged first.
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import double_loop  # noqa: E402

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
double_loop.log_argv()
assert args.pretrained_model_name_or_path, "--pretrained_model_name_or_path is required"

config = open(args.dataset_config).read()
images = double_loop.images_in(double_loop.toml_value(config, "image_dir"))
steps_per_epoch = math.ceil(len(images) / int(double_loop.toml_value(config, "batch_size")))
steps_from_state = json.load(open(os.path.join(args.resume, "train_state.json")))["current_step"] if args.resume else None
initial_step = args.initial_step if args.initial_step is not None else (steps_from_state or 0)
if initial_step > 0:
    assert args.max_train_steps > initial_step, f"max_train_steps should be greater than initial step: {args.max_train_steps} vs {initial_step}"
print("caching latents.", file=sys.stderr, flush=True)
double_loop.train(
    args,
    steps_per_epoch,
    epoch_to_start=initial_step // steps_per_epoch if initial_step > 0 else 0,
    state_files=lambda epoch, step: {"train_state.json": {"current_epoch": epoch + 1, "current_step": step}},
)
