"""Run every benchmark: `python -m bench` (or `make bench`).

Each module in bench/ whose name does not start with an underscore is a benchmark; they run one
after another, each in its own process (`python -m bench.<name>`), against DATABASE_URL or the
embedded PostgreSQL, which this runner starts (and stops) as `make test` does. Figures go to
stdout; record them in docs/BENCHMARKS.md. Exits non-zero when any benchmark does.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent


def benchmarks() -> list[str]:
    return sorted(
        path.stem
        for path in BENCH_DIR.glob("*.py")
        if not path.stem.startswith("_") and path.stem != "__main__"
    )


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(BASE_DIR))
    from portal.dev import _database

    names = argv or benchmarks()
    failed = []
    with _database():
        for name in names:
            print(f"=== bench.{name}", flush=True)
            started = time.monotonic()
            code = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=BASE_DIR).returncode
            print(f"=== bench.{name}: exit {code} after {time.monotonic() - started:.0f} s\n")
            if code:
                failed.append(name)
    if failed:
        print("Failed or missed their targets: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
