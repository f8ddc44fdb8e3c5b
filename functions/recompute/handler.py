"""Recompute workflow step: re-judge one page of one shard of the open cases after an activation."""

from __future__ import annotations

from typing import Any

from sunlight.app.bootstrap import from_environment
from sunlight.app.services import Services
from sunlight.approval.service.versions import recompute_page
from sunlight.kernel.observability import child_logger, lambda_entry

logger = child_logger()


@lambda_entry
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    cursor = event.get("cursor")
    page = recompute_page(
        str(event["shard"]),
        str(cursor) if cursor else None,
        int(event["generation"]),
        services or from_environment()[0],
    )
    logger.info(
        "recomputed", extra={k: v for k, v in page.items() if k != "failed"} | {"failed": len(page["failed"])}
    )
    return page
