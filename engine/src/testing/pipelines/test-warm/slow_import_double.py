"""Test double of a heavy import (torch takes ~1 s): importing it takes 60 s, so a spare still imports
when its engine exits, and only the engine's exit hook can end it in time (warm-spares.test.ts)."""
import time

time.sleep(60)
