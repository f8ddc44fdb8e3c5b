"""Fixtures for the local embedded mode: a moto server on a free port, and folders of fake handlers."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sunlight.devtools.local.cloud import LocalCloud

FAKE_HANDLERS = {
    # Echoes its event; raises when asked, so a state machine's Catch can be tested.
    "fake_echo": """
        import os, time

        def handler(event, context):
            if event.get("fail"):
                raise ValueError("asked to fail")
            os.environ["SET_BY_HANDLER"] = context.function_name  # must stay inside this invocation
            time.sleep(event.get("sleep", 0))
            return {{
                "echo": event,
                "function": context.function_name,
                "stage": os.environ.get("SUNLIGHT_STAGE"),
                "remaining_ms": context.get_remaining_time_in_millis(),
            }}
        """,
    # The real ASL's rule check: concluded once the test has created the file CONCLUDED.
    "fake_rule_check": """
        import pathlib

        CONCLUDED = pathlib.Path({concluded!r})

        def handler(event, context):
            return {{"concluded": CONCLUDED.exists(), "checked_records": 1, "alerts": []}}
        """,
    # Parks the task token where the test can read it (TOKENS/<case_no>).
    "fake_park": """
        import pathlib

        TOKENS = pathlib.Path({tokens!r})

        def handler(event, context):
            TOKENS.mkdir(exist_ok=True)
            (TOKENS / event["case_no"]).write_text(event["task_token"])
            return {{}}
        """,
    # A REQUEST authorizer keyed on x-api-key, reporting the table it was given in its context.
    "fake_authorizer": """
        import os

        def handler(event, context):
            key = {{k.lower(): v for k, v in (event.get("headers") or {{}}).items()}}.get("x-api-key")
            if key == "broken":
                raise RuntimeError("the authorizer itself failed")
            if key not in ("good", "deny", "narrow"):
                raise Exception("Unauthorized")
            api = "/".join(event["methodArn"].split("/")[:2])
            resource = event["methodArn"] if key == "narrow" else api + "/*"
            return {{
                "principalId": "D1",
                "policyDocument": {{
                    "Version": "2012-10-17",
                    "Statement": [{{
                        "Action": "execute-api:Invoke",
                        "Effect": "Deny" if key == "deny" else "Allow",
                        "Resource": resource,
                    }}],
                }},
                "context": {{
                    "role": "department",
                    "dept_code": "D1",
                    "level": 3,
                    "active": True,
                    "table": os.environ.get("SUNLIGHT_TABLE_PRINCIPALS"),
                    "method_arn": event["methodArn"],
                }},
            }}
        """,
    # A Lambda-proxy handler that answers with the event it got.
    "fake_api": """
        import base64, json, os

        def handler(event, context):
            if (event.get("pathParameters") or {{}}).get("case_no") == "boom":
                raise RuntimeError("the api failed")
            if (event.get("pathParameters") or {{}}).get("case_no") == "binary":
                return {{"statusCode": 200, "headers": {{"Content-Type": "application/octet-stream"}},
                        "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}}
            if (event.get("pathParameters") or {{}}).get("case_no") == "malformed":
                return {{"body": "no status code"}}
            return {{
                "statusCode": 201,
                "headers": {{"Content-Type": "application/json", "X-Fake": "yes"}},
                "multiValueHeaders": {{"Set-Cookie": ["a=1", "b=2"]}},
                "body": json.dumps({{"event": event, "table": os.environ.get("SUNLIGHT_TABLE_CASES")}}),
            }}
        """,
}


def write_functions(folder: Path, **names: str) -> Path:
    """Write fake handlers as `folder/<name>/handler.py` (all of them unless `names` maps some)."""
    for name, source in FAKE_HANDLERS.items():
        target = folder / names.get(name, name) / "handler.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.format(concluded=str(folder / "CONCLUDED"), tokens=str(folder / "tokens"))
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def functions_dir(tmp_path: Path) -> Iterator[Path]:
    before = set(sys.modules)
    yield write_functions(tmp_path / "functions")
    for name in set(sys.modules) - before:
        if name.split(".")[0] in FAKE_HANDLERS:
            del sys.modules[name]


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(port=0, quiet=False) as running:
        yield running
