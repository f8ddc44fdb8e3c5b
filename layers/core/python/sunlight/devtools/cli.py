"""The `sunlight` command line: check records against the rules, and make a sample city."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

from sunlight.approval.domain.catalog import Catalog
from sunlight.approval.domain.config import RuleConfig
from sunlight.devtools.checker import check
from sunlight.devtools.sample.city import write_sample
from sunlight.kernel.calendar import CalendarSettings, HolidaySource, WorkCalendar
from sunlight.kernel.errors import InvalidCalendar, InvalidRecord, InvalidRuleConfig, Problem

EXIT_OK, EXIT_RECORD_ERRORS, EXIT_BAD_INPUT = 0, 1, 2
_T = TypeVar("_T")


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a UTC offset, e.g. {text}+08:00")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sunlight",
        description="Sunlight (阳光监察): electronic supervision of administrative approval cases.",
        epilog="Example: sunlight check records.jsonl --catalog catalog.json --now 2026-11-20T09:00:00+08:00",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    c = sub.add_parser(
        "check",
        help="print every alert the records deserve at a moment",
        description='Read exchange records (JSON lines: a bare record, or {"received_at": ..., "record": '
        "{...}}), fold each case and print one JSON alert per line: case_no, rule, level, legal_basis, "
        "message, facts. Problems with the input go to standard error; the exit status is 1 if any "
        "record was rejected and 2 if a file could not be read at all.",
    )
    c.add_argument("records", type=Path, help="exchange records, one JSON object per line")
    c.add_argument("--catalog", type=Path, required=True, help="item catalogue (JSON)")
    c.add_argument("--now", type=_instant, help="the moment to judge at (ISO 8601 with offset; default: now)")
    c.add_argument("--rules", type=Path, help="rule configuration (JSON); default: the built-in 2026.1")
    c.add_argument(
        "--calendar",
        type=Path,
        help="the city's calendar (JSON: version, time_zone, office_hours, extra_holidays, extra_workdays, "
        "years); default: the official calendar, 08:30-17:30 Asia/Shanghai",
    )
    c.add_argument("--all", action="store_true", help="also print alerts withdrawn by a higher card")
    c.add_argument("--summary", action="store_true", help="print counts per rule and level to standard error")
    s = sub.add_parser("sample", help="write the sample city's catalogue and a record stream")
    s.add_argument("--out", type=Path, default=Path(".sample"), help="folder to write into (default .sample)")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 9, 1))
    s.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    s.add_argument("--cases-per-day", type=int, default=40)
    _add_local_commands(sub)
    return parser


def _add_local_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    r = sub.add_parser(
        "run",
        help="run the whole system on this machine (moto as the cloud, the API on 127.0.0.1)",
        description="Start the local embedded mode: moto on 127.0.0.1 as the cloud, the resources of the "
        "stack, the real handlers in-process and an API gateway on 127.0.0.1. State is kept in the data "
        "folder across restarts. Stop with Ctrl+C.",
    )
    r.add_argument("--data", type=Path, default=Path(".sunlight"), help="data folder (default .sunlight)")
    r.add_argument(
        "--port", type=int, default=8080, help="API port on 127.0.0.1 (default 8080; 0 = any free)"
    )
    r.add_argument("--cloud-port", type=int, default=4566, help="moto's port (default 4566; 0 = any free)")
    r.add_argument("--simulate", action="store_true", help="replay the sample city's records as they happen")
    r.add_argument(
        "--sweep-every",
        type=float,
        default=60.0,
        help="seconds between deadline sweeps (default 60; 0 = none)",
    )
    r.add_argument(
        "--score-every",
        type=float,
        default=600.0,
        help="seconds between scoring runs, the first shortly after start (default 600; 0 = none)",
    )
    p = sub.add_parser(
        "push",
        help="send exchange records to a Sunlight API in batches",
        description='Send JSON lines (bare records, or envelopes {"received_at": ..., "record": {...}}) to '
        "POST /v1/records. Exit status: 0 all stored or duplicate, 1 some rejected, 2 could not push.",
    )
    p.add_argument("records", type=Path, help="exchange records, one JSON object per line")
    p.add_argument("--key", required=True, help="the department's API key (see keys.json of `sunlight run`)")
    p.add_argument("--url", default="http://127.0.0.1:8080", help="the API (default http://127.0.0.1:8080)")
    p.add_argument("--batch", type=int, default=500, help="records per request (default and maximum 500)")


def main(argv: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "check":
        return _check(args, out, err)
    if args.command in ("run", "push"):
        return _local(args, out, err)
    return _sample(args, out)


def _local(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`run` and `push`, imported only when used (they bring boto3 and moto)."""
    if args.command == "push":
        from sunlight.devtools.local.push import push

        return push(args.records, args.key, args.url, args.batch, out, err)
    from sunlight.devtools.local.runner import RunOptions, run

    options = RunOptions(
        data=args.data,
        port=args.port,
        cloud_port=args.cloud_port,
        simulate=args.simulate,
        sweep_every=args.sweep_every,
        score_every=args.score_every,
    )
    return run(options, out, err)


class BadInput(Exception):
    """A file `check` cannot use at all; its lines say which file, which field and why."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        catalog, config, settings, lines = _inputs(args)
    except BadInput as exc:
        for line in exc.lines:
            print(f"sunlight: {line}", file=err)
        return EXIT_BAD_INPUT
    calendar = WorkCalendar(HolidaySource.chinese_calendar(), settings)
    now = args.now or dt.datetime.now(calendar.tz)
    result = check(lines, catalog, calendar, config, now)
    for error in result.errors:
        print(f"{args.records}:{error}", file=err)
    for alert in sorted(result.alerts, key=lambda a: (a.raised_at, a.case_no, a.rule)):
        if args.all or alert.status == "active":
            print(json.dumps(alert.to_json(), ensure_ascii=False), file=out)
    _warn_uncovered(result.uncovered_years, err)
    if args.summary:
        counts = Counter((a.rule, a.level) for a in result.alerts if a.status == "active")
        for (rule, level), n in sorted(counts.items()):
            print(f"{rule:22} {level:12} {n}", file=err)
    return EXIT_RECORD_ERRORS if result.errors else EXIT_OK


def _inputs(args: argparse.Namespace) -> tuple[Catalog, RuleConfig, CalendarSettings, list[str]]:
    """Every file `check` needs, each validated as strictly as the API would."""
    catalog = _validated(args.catalog, "--catalog", Catalog.from_json)
    config = _validated(args.rules, "--rules", RuleConfig.from_json) if args.rules else RuleConfig()
    settings = (
        _validated(args.calendar, "--calendar", CalendarSettings.from_json)
        if args.calendar
        else CalendarSettings()
    )
    return catalog, config, settings, _text(args.records, "RECORDS").splitlines()


def _validated(path: Path, argument: str, parse: Callable[[Any], _T]) -> _T:
    try:
        data = json.loads(_text(path, argument))
    except json.JSONDecodeError as exc:
        raise BadInput([f"{path}: is not a JSON document ({exc.msg} at line {exc.lineno})"]) from None
    try:
        return parse(data)
    except (InvalidRecord, InvalidCalendar, InvalidRuleConfig) as exc:
        raise BadInput([_problem_line(path, p) for p in exc.problems]) from None


def _problem_line(path: Path, problem: Problem) -> str:
    return f"{path}: {problem.field}: {problem.problem}" if problem.field else f"{path}: {problem.problem}"


def _text(path: Path, argument: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput([f"{argument}: no such file: {path}"]) from None
    except UnicodeDecodeError:
        raise BadInput([f"{path}: is not UTF-8 text"]) from None
    except OSError as exc:
        raise BadInput([f"{argument}: cannot read {path}: {exc.strerror or exc}"]) from None


def _warn_uncovered(years: set[int], err: TextIO) -> None:
    if years:
        print(
            f"sunlight: WARNING: no official holiday calendar is loaded for {sorted(years)}; open cases "
            "there count weekends only until the city loads the year",
            file=err,
        )


def _sample(args: argparse.Namespace, out: TextIO) -> int:
    paths = write_sample(
        args.out, seed=args.seed, start=args.start, end=args.end, cases_per_day=args.cases_per_day
    )
    for path in paths:
        print(path, file=out)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
