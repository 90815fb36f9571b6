"""Run every benchmarks/bench_*.py in its own process; print their JSON figures and save them.

Each script prints one JSON object per line: name, value, unit, target and what it is compared to.
`make bench` runs them all; BENCH_SCALE=0.1 scales sizes down for a quick look; BENCH_ONLY=name
runs the scripts whose name contains it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = os.environ.get("BENCH_ONLY", "")
    figures: list[dict[str, object]] = []
    failed: list[str] = []
    for script in sorted(HERE.glob("bench_*.py")):
        if only and only not in script.stem:
            continue
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=1800)
        for line in proc.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                figure = json.loads(line)
                figure.setdefault("script", script.stem)
                figures.append(figure)
                print(json.dumps(figure), flush=True)
        if proc.returncode != 0:
            failed.append(script.stem)
            print(
                json.dumps({"script": script.stem, "error": proc.stderr.strip().splitlines()[-5:]}),
                flush=True,
            )
        print(f"# {script.stem}: {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(figures, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
