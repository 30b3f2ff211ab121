"""Test double of musubi-tuner's wan_cache_latents.py (30c658c4), not an encoder: for each image of
the dataset config, `<cache_directory>/<basename>_<w:04d>x<h:04d>_wan.safetensors`. --vae is required."""
import argparse
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")))
import double_loop  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--dataset_config", required=True)
parser.add_argument("--vae")
parser.add_argument("--skip_existing", action="store_true")
parser.add_argument("--vae_cache_cpu", action="store_true")
parser.add_argument("--batch_size", type=int)
args = parser.parse_args()
double_loop.log_argv()
assert args.vae, "vae checkpoint is required"
config = open(args.dataset_config).read()
cache = double_loop.toml_value(config, "cache_directory")
w, h = (int(v) for v in double_loop.toml_value(config, "resolution").strip("[]").split(","))
os.makedirs(cache, exist_ok=True)
print("Encoding dataset [0]", file=sys.stderr)
for image in double_loop.images_in(double_loop.toml_value(config, "image_directory")):
    with open(os.path.join(cache, f"{os.path.splitext(image)[0]}_{w:04d}x{h:04d}_wan.safetensors"), "wb") as f:
        f.write(b"double latents")
