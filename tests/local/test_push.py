"""`sunlight push` against a small fake API: batches, key, envelopes, summary and exit status."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sunlight.devtools.cli import main
from sunlight.devtools.local.cloud import port_is_free

pytestmark = pytest.mark.integration


class FakeApi:
    """POST /v1/records: records with seq 0 are rejected, case_no DUP is a duplicate."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.keys: list[str | None] = []
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.keys.append(self.headers.get("x-api-key"))
                if fake.status != 200:
                    self._answer(fake.status, {"message": "Unauthorized"})
                    return
                fake.batches.append(body["records"])
                results = []
                for i, record in enumerate(body["records"]):
                    who = {
                        "case_no": record.get("case_no"),
                        "type": record.get("type"),
                        "seq": record.get("seq"),
                    }
                    if record.get("seq") == 0:
                        problem = {"field": "seq", "problem": "must be at least 1", "got": 0}
                        results.append({"index": i, "status": "rejected", **who, "errors": [problem]})
                    elif record.get("case_no") == "DUP":
                        results.append({"index": i, "status": "duplicate", **who, "errors": []})
                    else:
                        results.append({"index": i, "status": "stored", **who, "errors": []})
                counts = {
                    s: sum(r["status"] == s for r in results) for s in ("stored", "duplicate", "rejected")
                }
                self._answer(200, {"results": results, **counts})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def api() -> Iterator[FakeApi]:
    fake = FakeApi()
    thread = threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def records_file(tmp_path: Path, lines: list[Any]) -> Path:
    path = tmp_path / "records.jsonl"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8"
    )
    return path


def push(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["push", *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_records_go_in_batches_with_the_key_and_envelopes_are_unwrapped(api: FakeApi, tmp_path: Path) -> None:
    lines = [{"case_no": f"C{n}", "type": "apply", "seq": 1} for n in range(5)]
    lines[1] = {"received_at": "2026-11-20T09:00:00+08:00", "record": lines[1]}
    path = records_file(tmp_path, [*lines, {"case_no": "DUP", "type": "apply", "seq": 1}])

    code, out, err = push(str(path), "--key", "k1", "--url", api.url, "--batch", "2")

    assert code == 0
    assert [len(b) for b in api.batches] == [2, 2, 2]
    assert api.batches[0][1] == {"case_no": "C1", "type": "apply", "seq": 1}
    assert api.keys == ["k1"] * 3
    assert "5 stored, 1 duplicate, 0 rejected" in out
    assert "6/6 records" in err


def test_rejections_are_shown_with_their_line_and_the_exit_status_is_1(api: FakeApi, tmp_path: Path) -> None:
    path = records_file(
        tmp_path,
        [
            {"case_no": "C1", "type": "apply", "seq": 1},
            "not json",
            {"case_no": "C2", "type": "accept", "seq": 0},
        ],
    )

    code, out, _ = push(str(path), "--key", "k1", "--url", api.url)

    assert code == 1
    assert "1 stored, 0 duplicate, 1 rejected, 1 unreadable lines" in out
    assert "line 2: not JSON" in out
    assert "line 3 [case_no=C2 type=accept seq=0]: seq: must be at least 1 (got 0)" in out


def test_an_unreachable_server_is_a_clear_message_and_exit_status_2(tmp_path: Path) -> None:
    port = next(p for p in range(47100, 47200) if port_is_free(p))
    path = records_file(tmp_path, [{"case_no": "C1", "type": "apply", "seq": 1}])

    code, _, err = push(str(path), "--key", "k1", "--url", f"http://127.0.0.1:{port}")

    assert code == 2
    assert f"cannot reach http://127.0.0.1:{port}" in err
    assert "sunlight run" in err


def test_a_refused_key_stops_the_push_with_exit_status_2(api: FakeApi, tmp_path: Path) -> None:
    api.status = 401
    path = records_file(tmp_path, [{"case_no": "C1", "type": "apply", "seq": 1}])

    code, _, err = push(str(path), "--key", "wrong", "--url", api.url)

    assert code == 2
    assert "401" in err and "keys.json" in err
