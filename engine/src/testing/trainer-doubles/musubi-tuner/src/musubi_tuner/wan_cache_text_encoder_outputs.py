"""Test double of musubi-tuner's wan_cache_text_encoder_outputs.py (30c658c4), not an encoder: for
each image's caption, `<cache_directory>/<basename>_wan_te.safetensors`. --t5 is required."""
import argparse
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")))
import double_loop  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--dataset_config", required=True)
parser.add_argument("--t5", required=True)
parser.add_argument("--batch_size", type=int)
parser.add_argument("--skip_existing", action="store_true")
parser.add_argument("--fp8_t5", action="store_true")
args = parser.parse_args()
double_loop.log_argv()
config = open(args.dataset_config).read()
cache = double_loop.toml_value(config, "cache_directory")
os.makedirs(cache, exist_ok=True)
print("Encoding with T5", file=sys.stderr)
for image in double_loop.images_in(double_loop.toml_value(config, "image_directory")):
    with open(os.path.join(cache, f"{os.path.splitext(image)[0]}_wan_te.safetensors"), "wb") as f:
        f.write(b"double text encoder outputs")
