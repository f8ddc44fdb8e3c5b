"""`sunlight push`: send exchange records from a JSON-lines file to a Sunlight API in batches.

Lines are bare records or envelopes `{"received_at": ..., "record": {...}}` (the record is sent).
Progress goes to standard error on one updating line; the summary counts what the API stored,
found duplicate or rejected, and shows the first rejections with their line numbers. Standard
library only, so it runs wherever the CLI does.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sunlight.app import spec

EXIT_OK, EXIT_REJECTED, EXIT_FAILED = 0, 1, 2
SHOW_REJECTIONS = 5
RETRIES = 5


class PushError(Exception):
    """The push cannot go on: server unreachable, or an answer that is not a batch result."""


@dataclass
class Summary:
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    unreadable: int = 0
    rejections: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.stored + self.duplicate + self.rejected


def read_records(path: Path, summary: Summary) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for every record in the file; unreadable lines are counted and noted."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                summary.unreadable += 1
                summary.rejections.append(f"line {number}: not JSON ({exc.msg})")
                continue
            if isinstance(value, dict) and isinstance(value.get("record"), dict):
                value = value["record"]
            if not isinstance(value, dict):
                summary.unreadable += 1
                summary.rejections.append(f"line {number}: not a JSON object")
                continue
            yield number, value


def post_batch(url: str, key: str, records: list[dict[str, Any]], timeout: float = 300) -> dict[str, Any]:
    """POST one batch to `<url>/v1/records`; retries on 429 and 503 with backoff. The timeout is long
    because the local mode runs the whole cloud in one process: a batch of 500 can take half a minute
    there while the case workflows it starts compete for the same CPU."""
    body = json.dumps({"records": records}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        f"{url.rstrip('/')}/v1/records",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "x-api-key": key},
    )
    for attempt in range(RETRIES + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer = json.loads(response.read() or b"{}")
                break
        except urllib.error.HTTPError as exc:
            if exc.code in (429, 503) and attempt < RETRIES:
                time.sleep(0.5 * 2**attempt)
                continue
            detail = exc.read().decode("utf-8", "replace")[:300]
            hint = {
                401: " (is the key right? see keys.json)",
                403: " (does this key's department own these records?)",
            }
            raise PushError(
                f"the API answered {exc.code} {exc.reason}{hint.get(exc.code, '')}: {detail}"
            ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PushError(
                f"cannot reach {url}: {reason}. Is `sunlight run` (or `make run`) running?"
            ) from None
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        raise PushError(f"the API's answer is not a batch result: {str(answer)[:300]}")
    return answer


def _describe(result: dict[str, Any], line: int) -> str:
    who = " ".join(f"{k}={result[k]}" for k in ("case_no", "type", "seq") if result.get(k) is not None)
    errors = "; ".join(
        f"{e.get('field')}: {e.get('problem')}" + (f" (got {e['got']!r})" if e.get("got") is not None else "")
        for e in result.get("errors") or []
        if isinstance(e, dict)
    )
    return f"line {line} [{who}]: {errors or 'rejected'}"


class Progress:
    """One line on standard error, rewritten in place: records sent of the total, and the rate."""

    def __init__(self, total: int, err: TextIO) -> None:
        self.total, self.err, self.started, self.shown = total, err, time.monotonic(), False

    def update(self, sent: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        width = 30
        filled = int(width * sent / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        self.err.write(f"\r[{bar}] {sent}/{self.total} records  {sent / elapsed:,.0f}/s ")
        self.err.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.err.write("\n")
            self.err.flush()


def push(path: Path, key: str, url: str, batch: int, out: TextIO, err: TextIO) -> int:
    """Send the file; exit status 0 all stored or duplicate, 1 some rejected, 2 could not push."""
    batch = max(1, min(batch, spec.MAX_BATCH))
    summary = Summary()
    try:
        records = list(read_records(path, summary))
    except OSError as exc:
        print(f"sunlight push: cannot read {path}: {exc}", file=err)
        return EXIT_FAILED
    progress = Progress(len(records), err)
    try:
        for start in range(0, len(records), batch):
            chunk = records[start : start + batch]
            answer = post_batch(url, key, [record for _, record in chunk])
            summary.stored += int(answer.get("stored", 0))
            summary.duplicate += int(answer.get("duplicate", 0))
            summary.rejected += int(answer.get("rejected", 0))
            for result in answer["results"]:
                if isinstance(result, dict) and result.get("status") == "rejected":
                    index = result.get("index")
                    line = chunk[index][0] if isinstance(index, int) and 0 <= index < len(chunk) else 0
                    summary.rejections.append(_describe(result, line))
            progress.update(start + len(chunk))
    except PushError as exc:
        progress.done()
        print(f"sunlight push: {exc}", file=err)
        if summary.sent:
            print(f"sunlight push: {summary.sent} records were sent before the failure", file=err)
        return EXIT_FAILED
    progress.done()
    counts = f"{summary.stored} stored, {summary.duplicate} duplicate, {summary.rejected} rejected"
    if summary.unreadable:
        counts += f", {summary.unreadable} unreadable lines"
    print(f"{path}: {len(records)} records sent to {url}: {counts}", file=out)
    for note in summary.rejections[:SHOW_REJECTIONS]:
        print(f"  {note}", file=out)
    if len(summary.rejections) > SHOW_REJECTIONS:
        print(f"  ... and {len(summary.rejections) - SHOW_REJECTIONS} more", file=out)
    return EXIT_REJECTED if summary.rejected or summary.unreadable else EXIT_OK
