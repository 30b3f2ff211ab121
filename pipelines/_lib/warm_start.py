"""A spare interpreter for a process-backend pipeline (engine/src/runner/warm-spares.ts).

    python3 warm_start.py MODULE...

Imports the modules the pipeline's manifest names in `processPreload` before any job exists, then
waits for one job on stdin, a JSON line {"argv": ["entrypoint.py", JOB], "env": {...}}, and runs the
entrypoint as `python3 entrypoint.py JOB` would, in this process: same __main__, argv, exit code and
tracebacks. One job per interpreter. The engine closing stdin without a job ends it quietly.
"""
import importlib
import json
import os
import runpy
import sys


def main():
    for name in sys.argv[1:]:
        importlib.import_module(name)
    line = sys.stdin.readline()
    if not line.strip():
        return
    job = json.loads(line)
    os.environ.update(job.get("env", {}))
    sys.stdin.close()
    sys.stdin = open(os.devnull)
    script = job["argv"][0]
    sys.argv = list(job["argv"])
    # As for `python3 script.py`: the script's own folder first on the path.
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")


main()
