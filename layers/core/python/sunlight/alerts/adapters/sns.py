"""Amazon SNS: texts (SMS) to staff, and alerts published to per-level topics for officers.

`SnsTexts` sends one text to a mainland mobile; a failure is a typed `TextFailed` that says whether
trying again later may help (throttling, service errors) or not (an invalid or opted-out number).
`SnsAlertTopics` publishes an alert's JSON to its level's topic, with attributes that a
subscription's filter policy can select on (level, rule, department). `MemoryTexts` is the in-memory
fake of the text port for other modules' tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sunlight.alerts.domain.model import LEVEL_ZH
from sunlight.alerts.domain.notices import AlertLike, mainland_mobile
from sunlight.kernel.errors import SunlightError

_RETRYABLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "KMSThrottlingException",
        "InternalError",
        "InternalFailure",
        "InternalErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_SUBJECT_MAX = 99  # SNS: fewer than 100 characters, no line breaks


class TextFailed(SunlightError):
    """A text or a topic message was not accepted. `retryable`: trying again later may succeed."""

    code = "TextFailed"

    def __init__(self, retryable: bool, reason: str, error_code: str = "") -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.reason = reason
        self.error_code = error_code

    def __str__(self) -> str:
        kind = "retryable" if self.retryable else "not retryable"
        return f"{self.error_code or 'TextFailed'} ({kind}): {self.reason}"


def failure(exc: ClientError | BotoCoreError) -> TextFailed:
    """Map an SNS client error to `TextFailed`: throttling, 5xx and network faults are retryable."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        retryable = code in _RETRYABLE_CODES or status >= 500 or status == 429
        return TextFailed(retryable, str(error.get("Message", "") or exc), code)
    return TextFailed(True, str(exc), type(exc).__name__)  # connection, timeout: the call may work later


class SnsTexts:
    """Texts through SNS direct publish to a phone number (transactional: alerts, not marketing)."""

    def __init__(self, client: Any, sender_id: str) -> None:
        self._client, self._sender_id = client, sender_id

    def send(self, phone: str, text: str) -> str:
        number = mainland_mobile(phone)
        if number is None:
            raise TextFailed(False, f"not a mainland mobile number: {phone!r}", "InvalidPhone")
        try:
            answer = self._client.publish(
                PhoneNumber="+86" + number,
                Message=text,
                MessageAttributes={
                    "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self._sender_id},
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise failure(exc) from exc
        return str(answer["MessageId"])


class SnsAlertTopics:
    """Alerts published to the topic of their level, for officers who subscribe (email, SMS, queue)."""

    def __init__(self, client: Any, topics: Mapping[str, str]) -> None:
        """`topics`: level ("warning", "yellow_card", "red_card") -> topic ARN; a level may be left out."""
        self._client = client
        self._topics = dict(topics)

    def publish(self, alert: AlertLike) -> str | None:
        """Publish the alert's JSON to its level's topic; None when that level has no topic."""
        body = dict(alert) if isinstance(alert, Mapping) else alert.to_json()
        level = str(body["level"])
        arn = self._topics.get(level)
        if arn is None:
            return None
        facts = body.get("facts") or {}
        attributes = {
            "level": level,
            "rule": str(body.get("rule", "")),
            "case_no": str(body.get("case_no", "")),
            "dept_code": str(facts.get("dept_code", "")),
        }
        try:
            answer = self._client.publish(
                TopicArn=arn,
                Subject=subject(body),
                Message=json.dumps(body, ensure_ascii=False, default=str),
                MessageAttributes={
                    k: {"DataType": "String", "StringValue": v} for k, v in attributes.items() if v
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise failure(exc) from exc
        return str(answer["MessageId"])


def subject(alert: Mapping[str, Any]) -> str:
    """A one-line Chinese subject: "阳光监察【黄牌】办件C1 建筑工程施工许可 T-YELLOW"."""
    level = str(alert["level"])
    tag = LEVEL_ZH.get(level, level)
    item = str((alert.get("facts") or {}).get("item_name", ""))
    words = [f"阳光监察【{tag}】办件{alert.get('case_no', '')}", item, str(alert.get("rule", ""))]
    line = " ".join(w for w in words if w)
    line = " ".join(line.split())  # no line breaks or control characters
    return line if len(line) <= _SUBJECT_MAX else line[: _SUBJECT_MAX - 1] + "…"


class MemoryTexts:
    """The text port in memory: records (phone, text); `fail_next` makes the next send fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self._failures: list[TextFailed] = []

    def fail_next(self, error: TextFailed) -> None:
        self._failures.append(error)

    def send(self, phone: str, text: str) -> str:
        if self._failures:
            raise self._failures.pop(0)
        number = mainland_mobile(phone)
        if number is None:
            raise TextFailed(False, f"not a mainland mobile number: {phone!r}", "InvalidPhone")
        self.sent.append((number, text))
        return f"memory-{len(self.sent)}"
