"""A cold start on the deployed layers, run by tests/infra/test_layers.py as `python -I -S layer_probe.py
ARGS.json`: the interpreter sees the standard library and the folders ARGS names, nothing else.

It imports every module of the core layer's `sunlight` package and every function's handler, renders
a directive PDF (reportlab) and an XLSX report (openpyxl), seals and opens a value with AES-GCM
(cryptography), and prints what it loaded as JSON.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any


def main(args: dict[str, Any]) -> dict[str, Any]:
    sys.path[0:0] = args["path"]
    os.environ.update(args["environment"])
    out = Path(args["out"])
    errors: dict[str, str] = {}

    core = Path(args["core"])
    modules = sorted(
        ".".join(path.relative_to(core).with_suffix("").parts).removesuffix(".__init__")
        for path in (core / "sunlight").rglob("*.py")
    )
    handlers = [f"{name}.handler" for name in args["functions"]]
    for module in [*modules, *handlers]:
        try:
            importlib.import_module(module)
        except Exception:
            errors[module] = traceback.format_exc(limit=3)

    # Imported here, once sys.path names the layers.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415
    from sunlight.alerts.directives import prepare_directive, render_pdf  # noqa: PLC0415
    from sunlight.evaluation.reports import Column, Table, to_xlsx  # noqa: PLC0415
    from sunlight.kernel.calendar import HolidaySource, WorkCalendar  # noqa: PLC0415

    calendar = WorkCalendar(HolidaySource.chinese_calendar())
    directive = prepare_directive(
        args["alert"],
        number=args["number"],
        issued_at=dt.datetime.fromisoformat(args["issued_at"]),
        department=args["department"],
        calendar=calendar,
    )
    (out / "directive.pdf").write_bytes(render_pdf(directive))
    table = Table(
        title=args["report_title"],
        subtitle="统计口径：办结日期在本月的办件",
        columns=(
            Column("unit", "单位", "Unit", "text"),
            Column("cases", "办件数", "Cases", "int"),
            Column("on_time", "按时办结率", "On-time rate", "rate"),
        ),
        rows=({"unit": "市场监管局", "cases": 1234, "on_time": 0.9662},),
        notes=("注：办结率 = 按时办结数 / 办结数。",),
    )
    (out / "report.xlsx").write_bytes(to_xlsx(table))
    key = AESGCM.generate_key(bit_length=256)
    sealed = AESGCM(key).encrypt(b"\0" * 12, "王敏".encode(), None)
    opened = AESGCM(key).decrypt(b"\0" * 12, sealed, None).decode()

    try:
        importlib.import_module("sunlight.devtools")
        devtools = True
    except ModuleNotFoundError:
        devtools = False
    return {
        "modules": modules,
        "handlers": handlers,
        "errors": errors,
        "opened": opened,
        "devtools_importable": devtools,
        "loaded": sorted(sys.modules),
        # Where each module came from (this probe aside: `__main__`, and `__mp_main__` once
        # multiprocessing is loaded).
        "files": {
            name: os.path.abspath(module.__file__)
            for name, module in sorted(sys.modules.items())
            if name not in {"__main__", "__mp_main__"} and getattr(module, "__file__", None)
        },
    }


if __name__ == "__main__":
    arguments = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(main(arguments), ensure_ascii=False))
