"""CPU draft LoRA trainer: really trains LoRA adapters on DraftNet (pipelines/_lib/draftnet.py) with PyTorch.

Job folder contract (pipelines/README.md) plus training extras:
  in/dataset.json   [{"caption": str, "rgb": base64 of 32x32x3 uint8}, ...]  (prepared by the engine)
  state/            checkpoint.pt written every `checkpoint_every` steps (atomically); read on start to resume
  events.jsonl      every progress line with all its fields (stdout progress carries only progress/step)
  cancel            a file whose presence asks the trainer to save and stop (then SIGINT, then a kill)
  out/lora.safetensors, out/samples/step_NNNNNN.png, out/train_log.json
Progress: one JSON object per stdout line: {"progress", "step", "phase", "train_step", "total_steps", "loss", "sample"}.
"""
import base64
import json
import os
import signal
import sys
import time

import numpy as np
import torch

import draftnet


EVENTS = None


def say(**fields):
    """A progress line on stdout (the runner contract) and the same in events.jsonl, which carries every field."""
    line = json.dumps(fields)
    print(line, flush=True)
    if EVENTS:
        with open(EVENTS, "a") as f:
            f.write(line + "\n")


class Stop(Exception):
    pass


def main(job):
    global EVENTS
    EVENTS = os.path.join(job, "events.jsonl")
    request = json.load(open(os.path.join(job, "request.json")))
    params = request["params"]
    steps = int(params["steps"])
    rank = int(params["rank"])
    alpha = float(params["alpha"])
    lr = float(params["lr"])
    batch = int(params["batch"])
    seed = int(request["seed"])
    every = max(1, int(params.get("checkpoint_every", 50)))
    sample_every = max(1, int(params.get("sample_every", 50)))
    sample_prompt = request["prompt"]
    step_delay = float(params.get("step_delay_s", 0))
    state_dir = os.path.join(job, "state")
    samples_dir = os.path.join(job, "out", "samples")
    os.makedirs(state_dir, exist_ok=True)
    os.makedirs(samples_dir, exist_ok=True)
    interrupted = {"flag": False}
    signal.signal(signal.SIGINT, lambda *_: interrupted.__setitem__("flag", True))
    signal.signal(signal.SIGTERM, lambda *_: interrupted.__setitem__("flag", True))

    say(progress=0.0, step="loading base model", phase="loading")
    torch.manual_seed(seed)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    base = {k: torch.from_numpy(v) for k, v in draftnet.base_weights().items()}

    say(progress=0.0, step="caching dataset", phase="caching")
    dataset = json.load(open(os.path.join(job, request["inputs"]["dataset"])))
    if not dataset:
        raise SystemExit(json.dumps({"error": "the dataset is empty"}))
    images = torch.stack([torch.from_numpy(np.frombuffer(base64.b64decode(d["rgb"]), dtype=np.uint8).reshape(32, 32, 3).astype(np.float32) / 255) for d in dataset])
    embeds = torch.stack([torch.from_numpy(draftnet.embed(d["caption"])) for d in dataset])

    lora = {}
    for name, fan_in, fan_out in draftnet.LAYERS:
        lora[name] = (torch.nn.Parameter(torch.randn(rank, fan_in) * (1.0 / fan_in) ** 0.5), torch.nn.Parameter(torch.zeros(fan_out, rank)))
    params_list = [p for pair in lora.values() for p in pair]
    optimizer = torch.optim.Adam(params_list, lr=lr)
    scale = alpha / rank

    start_step, curve, samples = 0, [], []
    checkpoint = os.path.join(state_dir, "checkpoint.pt")
    if os.path.exists(checkpoint):
        saved = torch.load(checkpoint)
        with torch.no_grad():
            for name, (down, up) in lora.items():
                down.copy_(saved["lora"][name][0])
                up.copy_(saved["lora"][name][1])
        optimizer.load_state_dict(saved["optimizer"])
        start_step, curve, samples = saved["step"], saved["curve"], saved["samples"]
        torch.set_rng_state(saved["rng"])
        say(progress=start_step / steps, step=f"resumed at step {start_step}/{steps}", phase="resumed", train_step=start_step, total_steps=steps)

    def net(z, e):
        x = torch.cat([z, e], dim=1)
        for i, (name, _, _) in enumerate(draftnet.LAYERS):
            down, up = lora[name]
            w = base[name] + (up @ down) * scale
            x = x @ w.T + base[name + ".bias"]
            x = torch.relu(x) if i < len(draftnet.LAYERS) - 1 else torch.sigmoid(x)
        return x.reshape(-1, 32, 32, 3)

    def save_checkpoint(step):
        tmp = checkpoint + ".tmp"
        torch.save({"lora": {n: (d.detach().clone(), u.detach().clone()) for n, (d, u) in lora.items()}, "optimizer": optimizer.state_dict(), "step": step, "curve": curve, "samples": samples, "rng": torch.get_rng_state()}, tmp)
        os.replace(tmp, checkpoint)

    def sample(step):
        with torch.no_grad():
            z = torch.from_numpy(draftnet.noise(seed)).unsqueeze(0)
            e = torch.from_numpy(draftnet.embed(sample_prompt)).unsqueeze(0)
            rel = f"samples/step_{step:06d}.png"
            draftnet.write_png(os.path.join(job, "out", rel), net(z, e)[0].numpy(), scale=4)
        samples.append({"step": step, "path": rel})
        say(progress=step / steps, step=f"sample at step {step}", phase="sample", train_step=step, total_steps=steps, sample=rel)

    started = time.time()
    for step in range(start_step + 1, steps + 1):
        if interrupted["flag"] or os.path.exists(os.path.join(job, "cancel")):
            save_checkpoint(step - 1)
            raise Stop()
        pick = torch.randint(0, len(dataset), (batch,))
        z = torch.randn(batch, draftnet.NOISE) * 0.1
        loss = torch.nn.functional.mse_loss(net(z, embeds[pick]), images[pick])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        curve.append([step, round(float(loss), 6)])
        done = step - start_step
        eta = (time.time() - started) / done * (steps - step)
        say(progress=step / steps, step=f"training step {step}/{steps}", phase="training", train_step=step, total_steps=steps, loss=round(float(loss), 6), eta_s=round(eta, 1))
        if step % sample_every == 0 or step == steps:
            sample(step)
        if step % every == 0:
            save_checkpoint(step)
            say(progress=step / steps, step=f"checkpoint at step {step}", phase="checkpoint", train_step=step, total_steps=steps)
        if step_delay:
            time.sleep(step_delay)

    say(progress=1.0, step="writing LoRA", phase="saving", train_step=steps, total_steps=steps)
    tensors = {}
    for name, (down, up) in lora.items():
        key = "lora_unet_" + name
        tensors[key + ".lora_down.weight"] = down.detach().numpy()
        tensors[key + ".lora_up.weight"] = up.detach().numpy()
        tensors[key + ".alpha"] = np.array(alpha, dtype=np.float32)
    # The engine stamps the full kohya / modelspec header; this names the network.
    draftnet.write_safetensors(os.path.join(job, request["outputs"]["lora"]), tensors, {"ss_network_module": "networks.lora", "ss_network_dim": str(rank), "ss_network_alpha": str(alpha)})
    json.dump({"steps": steps, "curve": curve, "samples": samples, "resumed_from": start_step}, open(os.path.join(job, "out", "train_log.json"), "w"))
    save_checkpoint(steps)


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Stop:
        print(json.dumps({"error": "cancelled"}), flush=True)
        sys.exit(3)
