#!/usr/bin/env python3
"""train-lora-wan21: the shared GPU LoRA trainer (pipelines/_lib/gpu_lora_trainer.py), running the trainer
this image names (STUDIO_TRAINER, STUDIO_TRAINER_REPO and STUDIO_BASE_MODEL in its Dockerfile)."""
import sys

import gpu_lora_trainer

if __name__ == "__main__":
    gpu_lora_trainer.main(sys.argv[1])
