"""Test double of musubi-tuner's wan_train_network.py (double_loop.py says what it does and why), not a trainer.

What is musubi-tuner's own (src/musubi_tuner/training/trainer_base.py at 30c658c4): its flags are
strict (argparse refuses any it lacks, such as sd-scripts' --save_model_as or --initial_step);
--dit, --dataset_config and an attention flag are required; the latent and text-encoder caches
must exist ("No training items found in the dataset"); --resume only loads the state, and the
run starts at epoch 0 and step 0 and trains --max_train_steps; samples of still images end `_000.png`.
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import double_loop  # noqa: E402

parser = argparse.ArgumentParser()
for flag in ("--task", "--dit", "--vae", "--t5", "--dataset_config", "--output_dir", "--output_name", "--resume", "--sample_prompts",
             "--optimizer_type", "--network_module", "--mixed_precision", "--timestep_sampling"):
    parser.add_argument(flag)
for flag in ("--network_dim", "--max_train_steps", "--seed", "--save_every_n_steps", "--sample_every_n_steps", "--blocks_to_swap", "--max_data_loader_n_workers"):
    parser.add_argument(flag, type=int)
for flag in ("--network_alpha", "--learning_rate", "--discrete_flow_shift"):
    parser.add_argument(flag, type=float)
for flag in ("--save_state", "--sdpa", "--fp8_base", "--fp8_t5", "--gradient_checkpointing", "--persistent_data_loader_workers"):
    parser.add_argument(flag, action="store_true")
args = parser.parse_args()
double_loop.log_argv()
assert args.dit and args.dataset_config, "--dit and --dataset_config are required"
assert args.sdpa, "an attention mode is required (--sdpa)"
assert args.network_module == "networks.lora_wan", f"not a Wan network module: {args.network_module}"
config = open(args.dataset_config).read()
cache = double_loop.toml_value(config, "cache_directory")
images = double_loop.images_in(double_loop.toml_value(config, "image_directory"))
cached = os.listdir(cache) if os.path.isdir(cache) else []
for image in images:
    base = os.path.splitext(image)[0]
    if not any(c.startswith(base) and c.endswith("_wan.safetensors") for c in cached) or f"{base}_wan_te.safetensors" not in cached:
        sys.exit("No training items found in the dataset. Please ensure that the latent/Text Encoder cache has been created beforehand.")
if args.resume:
    assert os.path.isdir(args.resume), f"no state at {args.resume}"
print("Loading DiT model from " + args.dit, file=sys.stderr, flush=True)
double_loop.train(args, math.ceil(len(images) / int(double_loop.toml_value(config, "batch_size"))), sample_suffix="_000", state_files=lambda epoch, step: {"state.json": {"step": step}})
