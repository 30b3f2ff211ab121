"""DraftNet: the small built-in base network the CPU draft trainer adapts and draft-image applies.

Not an AI model of any quality: a three-layer MLP from (seed noise, prompt embedding) to a 32x32 RGB
image, with weights made from a fixed seed, so every machine has the same base without a download.
Pure numpy here (draft-image needs no torch); the trainer mirrors it in torch.
"""
import hashlib
import json
import struct
import zlib

import numpy as np

SIZE = 32
NOISE = 16
EMBED = 32
# kohya-style module names: LoRA tensors are lora_unet_<name>.lora_down.weight / .lora_up.weight / .alpha
LAYERS = [("input_blocks_0_proj", NOISE + EMBED, 128), ("middle_block_0_proj", 128, 256), ("output_blocks_0_proj", 256, SIZE * SIZE * 3)]
BASE_SEED = 20240601


def base_weights():
    rng = np.random.default_rng(BASE_SEED)
    weights = {}
    for name, fan_in, fan_out in LAYERS:
        weights[name] = (rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        weights[name + ".bias"] = (rng.standard_normal(fan_out) * 0.05).astype(np.float32)
    return weights


def token_vector(token):
    seed = int.from_bytes(hashlib.sha256(token.encode("utf8")).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(EMBED).astype(np.float32)


def tokens(prompt):
    out, word = [], ""
    for ch in prompt.lower():
        if ch.isalnum() or ch == "_":
            word += ch
        elif word:
            out.append(word)
            word = ""
    if word:
        out.append(word)
    return out


def embed(prompt):
    toks = tokens(prompt)
    if not toks:
        return np.zeros(EMBED, dtype=np.float32)
    return np.mean([token_vector(t) for t in toks], axis=0).astype(np.float32)


def noise(seed):
    return np.random.default_rng(seed).standard_normal(NOISE).astype(np.float32)


def lora_deltas(tensors, strength=1.0):
    """name -> delta weight from kohya-named LoRA tensors: up @ down * alpha / rank * strength."""
    deltas = {}
    for name, _, _ in LAYERS:
        key = "lora_unet_" + name
        down, up = tensors.get(key + ".lora_down.weight"), tensors.get(key + ".lora_up.weight")
        if down is None or up is None:
            continue
        rank = down.shape[0]
        alpha = float(tensors.get(key + ".alpha", np.array(rank, dtype=np.float32)).reshape(-1)[0])
        deltas[name] = (up @ down) * (alpha / rank) * strength
    return deltas


def forward(z, e, weights, deltas=None):
    x = np.concatenate([z, e])
    for i, (name, _, _) in enumerate(LAYERS):
        w = weights[name] + (deltas or {}).get(name, 0)
        x = w @ x + weights[name + ".bias"]
        x = np.maximum(x, 0) if i < len(LAYERS) - 1 else 1 / (1 + np.exp(-x))
    return x.reshape(SIZE, SIZE, 3)


def read_safetensors(path):
    """Our reader of the safetensors format: 8-byte LE header length, JSON header, raw tensor bytes."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    meta = header.pop("__metadata__", {})
    dtypes = {"F32": np.float32, "F16": np.float16}
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[8 + length + start : 8 + length + end], dtype=dtypes[info["dtype"]]).reshape(info["shape"]).astype(np.float32)
    return tensors, meta


def write_safetensors(path, tensors, metadata):
    header, blobs, at = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name], dtype=np.float32)
        blob = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [at, at + len(blob)]}
        blobs.append(blob)
        at += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_png(path, rgb, scale=1):
    """A minimal PNG writer (no PIL in the image): 8-bit RGB, nearest-neighbour upscaled."""
    img = np.clip(np.asarray(rgb) * 255 + 0.5, 0, 255).astype(np.uint8)
    if scale > 1:
        img = img.repeat(scale, axis=0).repeat(scale, axis=1)
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)
