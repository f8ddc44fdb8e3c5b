"""What a newly issued alert sets in motion: its written directive, its texts, its topic message.

Runs once per alert, for the check whose conditional write created it, so nothing here is ever done
twice for the same alert. Texts held back by quiet hours are kept on the alert and sent by a later
sweep (`send_held_texts`); each text is marked sent or failed on the alert.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sunlight.alerts.domain.notices import NoticeSettings, PlannedText, plan
from sunlight.alerts.service.changes import APPROVAL, Line
from sunlight.alerts.service.ports import AlertServices as Services
from sunlight.kernel import observability

logger = observability.child_logger()
RETRY_AFTER = dt.timedelta(minutes=5)
MAX_TRIES = 5


def announce(
    created: list[dict[str, Any]], services: Services, now: dt.datetime, line: Line = APPROVAL
) -> None:
    """What each newly issued card of `line` sets in motion: its directive, its texts, its topic message."""
    for alert in created:
        if alert["status"] != "active":
            continue  # a verdict born withdrawn was outranked in the same check: the higher one speaks
        observability.alert_issued(alert["level"])
        if line.directives:
            try:
                _directive(alert, services, now)
            except Exception:  # the card stands without its document; the failure is on record
                logger.exception("directive failed", extra={"alert_id": alert["alert_id"]})
                services.alerts.annotate(alert["alert_id"], {"document_error": "rendering or storing failed"})
        if line.texts:
            _texts(alert, services, now)
        if line.topics and services.topics is not None:
            services.topics.publish(alert)


def _directive(alert: dict[str, Any], services: Services, now: dt.datetime) -> None:
    from sunlight.alerts import directives  # noqa: PLC0415  (reportlab is heavy: only a card pays for it)

    kind = directives.directive_kind(alert["level"])
    if kind is None or services.documents is None or services.counters is None:
        return
    year = services.calendar.local(now).year
    number = directives.directive_number(kind, year, services.counters.next(f"{kind}-{year}"))
    item = services.catalog.get(alert["facts"]["item_code"])
    department = (item.dept_name if item and item.dept_name else None) or alert["dept_code"]
    directive = directives.prepare_directive(
        alert, number=number, issued_at=now, department=department, calendar=services.calendar
    )
    keys = services.documents.put(
        alert["alert_id"],
        directives.render_html(directive),
        directives.render_pdf(directive),
        number=number,
        year=year,
    )
    services.alerts.annotate(
        alert["alert_id"],
        {
            "document": {
                "kind": kind,
                "number": number,
                "issued_at": now.isoformat(timespec="seconds"),
                "reply_due": directive.reply_due.isoformat(timespec="seconds"),
                **keys,
            }
        },
    )


def _texts(alert: dict[str, Any], services: Services, now: dt.datetime) -> None:
    if services.staff is None or services.texts is None:
        return
    # A case nobody has acted on yet (only its application arrived) has no handler to look up.
    handler_id = alert.get("handler_id")
    handler = services.staff.get(alert["dept_code"], handler_id) if handler_id else None
    leader = services.staff.leader_of(handler) if handler else None
    settings = services.notice_settings or NoticeSettings()
    planned = plan(alert, handler, leader, now, services.calendar, settings)
    if not planned:
        return
    states = {p.text_id: _send(p, services) if p.send_at <= now else "held" for p in planned}
    texts = [{**p.to_json(), "state": states[p.text_id]} for p in planned]
    services.alerts.annotate(alert["alert_id"], {"texts": texts})
    services.alerts.hold(alert["alert_id"], _next_try(texts, now))


def _next_try(texts: list[dict[str, Any]], now: dt.datetime) -> dt.datetime | None:
    """When the sweep should look at this alert's texts again (a failed one: in five minutes)."""
    moments = [dt.datetime.fromisoformat(t["send_at"]) for t in texts if t["state"] == "held"]
    moments += [now + RETRY_AFTER for t in texts if t["state"] == "failed" and t.get("tries", 1) < MAX_TRIES]
    return min(moments) if moments else None


def _send(planned: PlannedText, services: Services) -> str:
    assert services.texts is not None
    try:
        services.texts.send(planned.phone, planned.text)
    except Exception as exc:  # recorded on the alert; a held or failed text is retried by the sweep
        logger.warning("text failed", extra={"text_id": planned.text_id, "error": str(exc)})
        observability.text_failed()
        return "failed"
    observability.text_sent()
    return "sent"


def send_held_texts(alerts: list[dict[str, Any]], services: Services, now: dt.datetime) -> int:
    """Send the held or failed texts of these alerts whose moment has come; returns how many went."""
    sent = 0
    for alert in alerts:
        texts = alert.get("texts") or []
        changed = False
        for text in texts:
            if text["state"] in ("held", "failed") and dt.datetime.fromisoformat(text["send_at"]) <= now:
                planned = PlannedText.model_validate(
                    {k: v for k, v in text.items() if k not in ("state", "tries")}
                )
                text["state"] = _send(planned, services)
                text["tries"] = text.get("tries", 1) + (text["state"] == "failed")
                sent += text["state"] == "sent"
                changed = True
        if changed:
            services.alerts.annotate(alert["alert_id"], {"texts": texts})
        services.alerts.hold(alert["alert_id"], _next_try(texts, now))
    return sent
