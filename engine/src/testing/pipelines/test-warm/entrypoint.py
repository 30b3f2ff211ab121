"""Test double, not a model: says how it was started (runner/warm-spares.test.ts)."""
import json
import os
import sys
import time

preloaded = "colorsys" in sys.modules  # nothing here imports it: only a warm start has
job = sys.argv[1]
request = json.load(open(os.path.join(job, "request.json")))
code = int(request["params"].get("exit_code", 0))
print(json.dumps({"progress": 0.5, "step": "half way"}), flush=True)
time.sleep(float(request["params"].get("sleep_s", 0)))
if code:
    print(json.dumps({"error": f"asked to fail with {code}"}), flush=True)
    sys.exit(code)
report = {
    "preloaded": preloaded,
    "pid": os.getpid(),
    "argv": sys.argv,
    "name": __name__,
    "script_dir_first": sys.path[0] == os.path.dirname(os.path.abspath(__file__)),
    "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"),
    "stdin": sys.stdin.read(),
}
with open(os.path.join(job, request["outputs"]["output"]), "w") as f:
    json.dump(report, f)
print(json.dumps({"progress": 1, "step": "done"}), flush=True)
