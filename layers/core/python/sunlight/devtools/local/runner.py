"""`sunlight run`: the whole system on this machine, with no AWS account.

Start moto on 127.0.0.1, make it run the real handlers, provision the resources of `sunlight.app.spec`,
restore the tables saved in the data folder (or load the sample city's catalogue the first time),
issue API keys (kept in `<data>/keys.json`, the same on every start), serve the API on 127.0.0.1, and
save every table on exit and every `dump_every` seconds. `--simulate` replays a generated day of the
sample city in real time, each department pushing its own records with its own key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import signal
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from sunlight.app import spec
from sunlight.approval.domain.catalog import Catalog
from sunlight.devtools.local.cloud import DEFAULT_PORT as CLOUD_PORT
from sunlight.devtools.local.cloud import LocalCloud, client
from sunlight.devtools.local.gateway import DEFAULT_PORT as API_PORT
from sunlight.devtools.local.gateway import Gateway
from sunlight.devtools.local.invoker import FUNCTIONS_DIR, Invoker, install, uninstall
from sunlight.devtools.local.provision import STAGE, Provisioned, new_data_key, provision
from sunlight.devtools.local.push import PushError, post_batch
from sunlight.devtools.local.store import dump_tables, restore_tables, restored_open_cases
from sunlight.devtools.sample.city import REGION, CityGenerator, make_catalog
from sunlight.kernel.calendar import HolidaySource, WorkCalendar

log = logging.getLogger("sunlight.devtools.local")

OFFICE_NAME = "市电子监察中心"
SCORE_FIRST_AFTER = 5.0  # seconds from start to the first scoring run (then every `score_every`)
SAMPLE_SEED = 7


@dataclass
class RunOptions:
    data: Path = Path(".sunlight")
    port: int = API_PORT
    cloud_port: int = CLOUD_PORT
    simulate: bool = False
    dump_every: float = 60.0
    functions_dir: Path = FUNCTIONS_DIR
    state_machine_file: Path | None = None
    simulate_rate: float = 20.0  # records a second, at most, while catching up
    sweep_every: float = 60.0  # seconds between deadline sweeps (EventBridge's schedule in the cloud)
    score_every: float = 600.0  # seconds between scoring runs (nightly in the cloud); 0: none


# -- API keys ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiKey:
    key: str
    role: str  # "department" | "office"
    name: str
    region_code: str
    dept_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return "sl_" + secrets.token_urlsafe(24)


def departments(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """dept_code -> (name, region_code), in catalogue order."""
    found: dict[str, tuple[str, str]] = {}
    for item in catalog:
        found.setdefault(item.dept_code, (item.dept_name or item.dept_code, item.region_code or REGION))
    return found


def load_or_create_keys(path: Path, catalog: Catalog) -> list[ApiKey]:
    """The keys in `path`, plus a new one for the office and each department that has none yet."""
    keys: list[ApiKey] = []
    if path.exists():
        keys = [ApiKey(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))["keys"]]
    if not any(k.role == "office" for k in keys):
        keys.insert(0, ApiKey(new_key(), "office", OFFICE_NAME, REGION))
    have = {k.dept_code for k in keys}
    keys += [
        ApiKey(new_key(), "department", name, region, code)
        for code, (name, region) in departments(catalog).items()
        if code not in have
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "note": "API keys of the local Sunlight (send one as the x-api-key header); kept across restarts",
        "keys": [k.to_json() for k in keys],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    path.chmod(0o600)
    return keys


def principal_item(key: ApiKey) -> dict[str, Any]:
    item = {
        "key_hash": {"S": key_hash(key.key)},
        "role": {"S": key.role},
        "name": {"S": key.name},
        "region_code": {"S": key.region_code},
    }
    if key.dept_code:
        item["dept_code"] = {"S": key.dept_code}
    return item


def catalog_item(item: Any) -> dict[str, Any]:
    row = {
        "item_code": {"S": item.item_code},
        "data": {"S": json.dumps(item.model_dump(mode="json"), ensure_ascii=False)},
        "dept_code": {"S": item.dept_code},
    }
    if item.region_code:
        row["region_code"] = {"S": item.region_code}
    return row


def _put_all(table: spec.Table, items: list[dict[str, Any]]) -> None:
    dynamodb = client("dynamodb")
    for start in range(0, len(items), 25):
        pending: dict[str, Any] = {
            table.physical(STAGE): [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]
        }
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _table_is_empty(table: spec.Table) -> bool:
    answer = client("dynamodb").scan(TableName=table.physical(STAGE), Limit=1, Select="COUNT")
    return int(answer["Count"]) == 0


# -- the running system -----------------------------------------------------------------------------


@dataclass
class LocalSystem:
    """Everything `sunlight run` starts; `start()` then `stop()` (or use it as a context manager)."""

    options: RunOptions
    cloud: LocalCloud = field(init=False)
    gateway: Gateway | None = field(default=None, init=False)
    provisioned: Provisioned | None = field(default=None, init=False)
    keys: list[ApiKey] = field(default_factory=list, init=False)
    restored: dict[str, int] = field(default_factory=dict, init=False)
    open_cases: list[str] = field(default_factory=list, init=False)
    samples: dict[str, Path] = field(default_factory=dict, init=False)
    _invoker: Invoker | None = field(default=None, init=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)
    _threads: list[threading.Thread] = field(default_factory=list, init=False)
    _dump_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.cloud = LocalCloud(self.options.cloud_port)

    @property
    def data(self) -> Path:
        return self.options.data

    def start(self) -> LocalSystem:
        self._stopping.clear()
        self.data.mkdir(parents=True, exist_ok=True)
        self.cloud.start()
        try:
            self._invoker = Invoker(self.options.functions_dir)
            install(self._invoker)
            self.provisioned = provision(
                STAGE, state_machine_file=self.options.state_machine_file, data_key=self._data_key()
            )
            self.restored = restore_tables(self.data, STAGE)
            catalog = make_catalog()
            if _table_is_empty(spec.CATALOG):
                _put_all(spec.CATALOG, [catalog_item(i) for i in catalog])
            self.keys = load_or_create_keys(self.data / "keys.json", catalog)
            _put_all(spec.PRINCIPALS, [principal_item(k) for k in self.keys])
            self.open_cases = restored_open_cases(STAGE)
            self.samples = self._write_samples()
            functions = self.provisioned.functions
            self.gateway = Gateway(
                self._invoker,
                functions["api"],
                functions.get("authorizer"),
                port=self.options.port,
                stage=STAGE,
                functions=functions,
            ).start()
        except BaseException:
            self.stop(save=False)
            raise
        self._spawn("sunlight-dump", self._dump_loop)
        if self.options.sweep_every > 0 and "sweep" in self.provisioned.functions:
            self._spawn("sunlight-sweep", self._sweep_loop)
        if self.options.score_every > 0 and "scoring" in self.provisioned.functions:
            self._spawn("sunlight-scoring", self._score_loop)
        if self.options.simulate:
            self._spawn("sunlight-simulate", self._simulate)
        return self

    def stop(self, save: bool = True) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        if save and self.provisioned is not None and self.cloud.running:
            self.dump()
        if self._invoker is not None:
            uninstall(self._invoker)
            self._invoker = None
        self.cloud.stop()

    def __enter__(self) -> LocalSystem:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def dump(self) -> dict[str, int]:
        with self._dump_lock:
            return dump_tables(self.data, STAGE)

    def _data_key(self) -> str:
        """The personal-data key, kept beside the tables: restored records stay readable."""
        path = self.data / "data_key"
        if not path.exists():
            path.write_text(new_data_key() + "\n", encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _sweep_loop(self) -> None:
        """Fire the sweep as the EventBridge schedule would: a scheduled event, every few seconds."""
        assert self.provisioned is not None and self._invoker is not None
        function = self.provisioned.functions["sweep"]
        while not self._stopping.wait(self.options.sweep_every):
            event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
            try:
                log.info("sweep: %s", self._invoker.invoke(function, event))
            except Exception:
                log.exception("the sweep failed (the next one will try again)")

    def _score_loop(self) -> None:
        """Fire the nightly scoring as its EventBridge schedule would, but often: once shortly after
        start (the restored tallies are checked and the open months scored), then every few minutes."""
        assert self.provisioned is not None and self._invoker is not None
        function = self.provisioned.functions["scoring"]
        wait = min(SCORE_FIRST_AFTER, self.options.score_every)
        while not self._stopping.wait(wait):
            wait = self.options.score_every
            event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
            try:
                log.info("scoring: %s", _scoring_summary(self._invoker.invoke(function, event)))
            except Exception:
                log.exception("the scoring failed (the next one will try again)")

    def _dump_loop(self) -> None:
        while not self._stopping.wait(self.options.dump_every):
            try:
                self.dump()
            except Exception:
                log.exception("saving the tables failed (will try again)")

    # -- sample records -----------------------------------------------------------------------------

    def _write_samples(self, count: int = 3) -> dict[str, Path]:
        """Per-department record files of the recent past for the banner's `sunlight push` example,
        written once (a second run on another day would plan other cases under the same numbers)."""
        folder = self.data / "sample"
        existing = sorted(folder.glob("*.jsonl"), key=lambda p: -p.stat().st_size) if folder.exists() else []
        if existing:
            return {p.stem: p for p in existing[:count]}
        calendar = WorkCalendar(HolidaySource.chinese_calendar())
        today = dt.datetime.now(calendar.tz).date()
        city = CityGenerator(make_catalog(), calendar, SAMPLE_SEED).generate(
            today - dt.timedelta(days=21), today - dt.timedelta(days=1), 40
        )
        envelopes = city.envelopes()
        busiest = [
            code for code, _ in Counter(e["record"]["dept_code"] for e in envelopes).most_common(count)
        ]
        folder.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for code in busiest:
            path = folder / f"{code}.jsonl"
            with path.open("w", encoding="utf-8") as f:
                for envelope in envelopes:
                    if envelope["record"]["dept_code"] == code:
                        f.write(json.dumps(envelope, ensure_ascii=False) + "\n")
            written[code] = path
        return written

    def _simulate(self) -> None:
        """Replay today's sample city in real time: each record is pushed by its department when its
        receipt time comes (what is already due at start goes out first, at `simulate_rate`)."""
        assert self.gateway is not None
        calendar = WorkCalendar(HolidaySource.chinese_calendar())
        today = dt.datetime.now(calendar.tz).date()
        state_path = self.data / "simulate.json"
        state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
        start = dt.date.fromisoformat(state.get("start", today.isoformat()))
        end = start + dt.timedelta(days=30)
        sent = int(state.get("sent", 0))
        envelopes = (
            CityGenerator(make_catalog(), calendar, SAMPLE_SEED + 1).generate(start, end, 20).envelopes()
        )
        key_of = {k.dept_code: k.key for k in self.keys if k.dept_code}
        log.info("simulating %d records from %s to %s (%d already sent)", len(envelopes), start, end, sent)
        while sent < len(envelopes) and not self._stopping.is_set():
            now = dt.datetime.now(calendar.tz)
            due = [
                e for e in envelopes[sent : sent + 100] if dt.datetime.fromisoformat(e["received_at"]) <= now
            ]
            if not due:
                self._stopping.wait(5)
                continue
            dept = due[0]["record"]["dept_code"]
            batch = []
            for envelope in due:
                if envelope["record"]["dept_code"] != dept:
                    break
                batch.append(envelope["record"])
            try:
                post_batch(self.gateway.url, key_of[dept], batch)
            except PushError as exc:
                log.warning("simulation: %s", exc)
                self._stopping.wait(10)
                continue
            sent += len(batch)
            state_path.write_text(json.dumps({"start": start.isoformat(), "sent": sent}), encoding="utf-8")
            self._stopping.wait(len(batch) / self.options.simulate_rate)

    # -- what the user sees -------------------------------------------------------------------------

    def banner(self) -> str:
        assert self.gateway is not None and self.provisioned is not None
        url = self.gateway.url
        office = next(k for k in self.keys if k.role == "office")
        by_dept = {k.dept_code: k for k in self.keys if k.dept_code}
        shown = [by_dept[c] for c in self.samples if c in by_dept] or [k for k in self.keys if k.dept_code][
            :3
        ]
        keys_path = self.data / "keys.json"
        lines = [
            "",
            "Sunlight (阳光监察) is running on this machine; no AWS account is involved.",
            "",
            f"  Portal    {url}/   (citizens: guide, case progress, complaints, rankings)",
            f"  API       {url}/v1",
            f"  OpenAPI   {url}/v1/openapi.json",
            f"  Cloud     moto at {self.cloud.endpoint} (stage '{STAGE}')",
            f"  Data      {self.data}/ (tables saved on exit and every {self.options.dump_every:.0f} s)",
            "",
            f"  Office key   ({office.name}, region {office.region_code}):  {office.key}",
            f"  Department keys (all {len(by_dept)} are in {keys_path}):",
        ]
        width = max(_display_width(k.name) for k in shown) if shown else 0
        lines += [
            f"    {k.name}{' ' * (width - _display_width(k.name))}  {k.dept_code}  {k.key}" for k in shown
        ]
        lines += ["", "  Try:"]
        lines.append(f"    curl -s -H 'x-api-key: {office.key}' {url}/v1/items | head -c 400; echo")
        if shown and shown[0].dept_code in self.samples:
            sample = self.samples[shown[0].dept_code]
            lines.append(f"    .venv/bin/sunlight push {sample} --key {shown[0].key} --url {url}")
            lines.append(
                "    (three weeks of that department's cases, sent now: expect late-report warnings too)"
            )
        notes = []
        if self.restored:
            notes.append(f"restored {sum(self.restored.values())} items from {self.data}/tables")
        if self.open_cases:
            notes.append(
                f"{len(self.open_cases)} open cases were restored; workflows do not survive a restart, so "
                "each case's workflow starts again with its next record"
            )
        for machine in spec.STATE_MACHINES:
            if not self.provisioned.state_machines_created.get(machine.name, False):
                notes.append(
                    f"no '{machine.name}' state machine: {machine.file.name} or a function it invokes "
                    "is missing"
                )
        for fn in spec.FUNCTIONS:
            module = self.options.functions_dir / Path(*fn.handler.split(".")[:-1])
            if not module.with_suffix(".py").exists():
                notes.append(
                    f"{module.with_suffix('.py')} is missing: calls to '{fn.logical}' fail until it exists"
                )
        if self.options.simulate:
            notes.append("simulating the sample city: departments push today's records as they happen")
        if notes:
            lines += ["", *[f"  Note: {n}" for n in notes]]
        lines += ["", "  Press Ctrl+C to stop.", ""]
        return "\n".join(lines)


def _scoring_summary(report: Any) -> Any:
    """The months a scoring run scored and how many counts had drifted (not the drifted cells)."""
    if not isinstance(report, dict):
        return report
    drift = report.get("drift")
    drifted = drift.get("drifted_counts") if isinstance(drift, dict) else None
    return {"scored": report.get("scored"), "drifted_counts": drifted}


def _display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def run(options: RunOptions, out: TextIO, err: TextIO) -> int:
    """Start, print the banner, serve until SIGINT or SIGTERM, save, stop."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=err
    )
    logging.getLogger("botocore").setLevel(logging.WARNING)  # "Found credentials ..." once per client
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # handlers' per-record logs drown the console
    # The business metrics are CloudWatch EMF lines on stdout: in the cloud they become metrics, here noise.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    system = LocalSystem(options)
    try:
        try:
            system.start()
        except Exception as exc:
            print(f"sunlight run: {exc}", file=err)
            return 2
        print(system.banner(), file=out, flush=True)
        while not stop.wait(1):
            pass
        print("stopping: saving the tables ...", file=err, flush=True)
        started = time.monotonic()
        system.stop()
        print(f"saved to {options.data}/tables in {time.monotonic() - started:.1f} s", file=err)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
