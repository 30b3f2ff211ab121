"""GPU LoRA trainer: kohya-ss sd-scripts (or musubi-tuner for Wan 2.1), launched the way their docs show.

Unverified here (no GPU, no weights, no PyPI). Job folder as for draft-lora-train: in/images/ with
<name>.png + <name>.txt captions, params from the preset (params.args are the trainer's own flags),
state/ for --save_state / --resume, out/lora.safetensors. tqdm's `steps: 33%| 10/30 [.., avr_loss=0.407]`
on stderr becomes our progress lines, with the step count continued across resumes (the trainer's is not).
"""
import json
import os
import re
import shutil
import subprocess
import sys

TRAINER = os.environ.get("STUDIO_TRAINER", "train_network.py")
REPO = os.environ.get("STUDIO_TRAINER_REPO", "/opt/sd-scripts")
MODEL = os.environ.get("STUDIO_BASE_MODEL", "/models/base.safetensors")
TQDM = re.compile(r"steps:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+).*?avr_loss=([0-9.eE+-]+)")


def main(job):
    request = json.load(open(os.path.join(job, "request.json")))
    p = request["params"]
    images = os.path.join(job, "in", "images")
    state = os.path.join(job, "state")
    out = os.path.join(job, "out")
    os.makedirs(state, exist_ok=True)
    events = open(os.path.join(job, "events.jsonl"), "a")

    def say(**fields):
        line = json.dumps(fields)
        print(line, flush=True)
        events.write(line + "\n")
        events.flush()

    offset = json.load(open(os.path.join(state, "step.json")))["step"] if os.path.exists(os.path.join(state, "step.json")) else 0
    with open(os.path.join(job, "dataset.toml"), "w") as f:
        f.write(f'[general]\nshuffle_caption = false\ncaption_extension = ".txt"\n\n[[datasets]]\nresolution = {int(p["resolution"])}\nbatch_size = {int(p["batch"])}\nenable_bucket = true\nbucket_no_upscale = true\n\n[[datasets.subsets]]\nimage_dir = "{images}"\nclass_tokens = "{p["trigger_word"]}"\nnum_repeats = 1\n')
    cmd = ["accelerate", "launch", "--num_cpu_threads_per_process", "1", os.path.join(REPO, TRAINER),
           "--pretrained_model_name_or_path", MODEL, "--dataset_config", os.path.join(job, "dataset.toml"),
           "--output_dir", out, "--output_name", "lora", "--save_model_as", "safetensors",
           "--network_dim", str(p["rank"]), "--network_alpha", str(p["alpha"]), "--learning_rate", str(p["lr"]),
           "--max_train_steps", str(int(p["steps"]) - offset), "--seed", str(request["seed"]),
           "--save_state", "--save_every_n_steps", str(p.get("checkpoint_every", 100)), "--sample_every_n_steps", str(p.get("sample_every", 100)),
           *p.get("args", [])]
    last_state = sorted(d for d in os.listdir(state) if d.endswith("-state")) if os.path.isdir(state) else []
    if last_state:
        cmd += ["--resume", os.path.join(state, last_state[-1])]
    say(progress=offset / int(p["steps"]), step="loading base model", phase="loading", train_step=offset, total_steps=int(p["steps"]))
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, errors="replace")
    buffer = ""
    while True:
        chunk = proc.stderr.read(256)
        if not chunk:
            break
        buffer += chunk
        parts = re.split(r"[\r\n]", buffer)
        buffer = parts.pop()
        for part in parts:
            m = TQDM.search(part)
            if m:
                step = offset + int(m.group(1))
                say(progress=step / int(p["steps"]), step=f"training step {step}/{p['steps']}", phase="training", train_step=step, total_steps=int(p["steps"]), loss=float(m.group(3)))
                json.dump({"step": step}, open(os.path.join(state, "step.json"), "w"))
        if os.path.exists(os.path.join(job, "cancel")):
            proc.send_signal(2)
    code = proc.wait()
    if code != 0:
        print(json.dumps({"error": f"{TRAINER} exited with code {code}"}), flush=True)
        sys.exit(code)
    for name in os.listdir(out):
        if name.startswith("lora") and name.endswith(".safetensors") and name != "lora.safetensors":
            shutil.move(os.path.join(out, name), os.path.join(out, "lora.safetensors"))
    json.dump({"steps": int(p["steps"]), "curve": [], "samples": [], "resumed_from": offset}, open(os.path.join(out, "train_log.json"), "w"))


if __name__ == "__main__":
    main(sys.argv[1])
