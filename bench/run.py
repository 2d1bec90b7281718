"""Run every benchmark in bench/ (or the one named) on the configured database.

Each benchmark is a script `bench/<name>.py` whose last line of output has the form
`bench NAME: ours V UNIT, baseline V UNIT, ratio R, target T, met` (or `not met`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "common"})
    if not names:
        print("no benchmarks yet")
        return 0
    failed = 0
    for name in names:
        script = HERE / f"{name}.py"
        if not script.exists():
            print(f"unknown benchmark {name!r}; have: {', '.join(sorted(p.stem for p in HERE.glob('*.py')))}")
            return 2
        failed += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
