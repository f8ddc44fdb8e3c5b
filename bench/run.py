"""Run every benchmark and print its figures; `--record` writes them into bench/README.md.

Figures are ratios against a baseline run in the same process (the machine is shared and noisy), plus
the absolute medians the issues set targets for.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

# The business metrics are EMF lines on stdout: in Lambda they go to the log pipe, here they would
# flood the report and time the terminal. The handlers' work is what is measured.
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

import bench_activation  # noqa: E402
import bench_calendar  # noqa: E402
import bench_intake  # noqa: E402
import bench_rules  # noqa: E402
import bench_scoring  # noqa: E402
import bench_sweep  # noqa: E402

TARGETS = {
    "speedup_add": (">=", 50.0),
    "speedup_add_parsed": (">=", 50.0),
    "evaluate_median_us": ("<=", 50.0),
    "items_read_ratio_large_over_small": ("<=", 1.0),
    "ranking_items_read_ratio_large_over_small": ("<=", 1.05),
    "cloud_s_per_page": ("<=", 900.0),  # a recompute page within the function's timeout
}


def table(results: dict[str, dict[str, float]]) -> str:
    lines = ["| benchmark | figure | value | target |", "| --- | --- | --- | --- |"]
    for bench, figures in results.items():
        for name, value in figures.items():
            op, goal = TARGETS.get(name, ("", None))
            verdict = "met" if goal is not None and _met(op, value, goal) else "**missed**"
            met = "" if goal is None else f"{op} {goal:g} {verdict}"
            lines.append(f"| {bench} | {name} | {value:,.2f} | {met} |")
    return "\n".join(lines)


def _met(op: str, value: float, goal: float) -> bool:
    return value >= goal if op == ">=" else value <= goal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("--record", action="store_true", help="write the figures into bench/README.md")
    args = parser.parse_args()
    results = {
        "calendar": bench_calendar.run(quick=args.quick),
        "rules": bench_rules.run(quick=args.quick),
        "intake": bench_intake.run(quick=args.quick),
        "sweep": bench_sweep.run(quick=args.quick),
        "scoring": bench_scoring.run(quick=args.quick),
        "activation": bench_activation.run(quick=args.quick),
    }
    text = table(results)
    print(text)
    if args.record:
        readme = HERE / "README.md"
        python = f"{platform.python_implementation()} {platform.python_version()}"
        stamp = f"Recorded {dt.date.today()} on {python}, {os.cpu_count()} cores"
        block = f"<!-- figures -->\n{stamp}.\n\n{text}\n<!-- /figures -->"
        body = readme.read_text(encoding="utf-8")
        body = re.sub(r"<!-- figures -->.*<!-- /figures -->", block, body, flags=re.S)
        readme.write_text(body, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
