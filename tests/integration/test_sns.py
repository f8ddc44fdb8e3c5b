"""The SNS adapter on moto: texts land as SMS to +86 numbers, alerts reach their level's subscribers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends
from sunlight.alerts.adapters.sns import MemoryTexts, SnsAlertTopics, SnsTexts, TextFailed, failure
from sunlight.alerts.domain.notices import NoticeSettings, compose
from sunlight.approval.domain.rules import Alert
from sunlight.kernel.calendar import HolidaySource, WorkCalendar

from tests.unit.cases import ITEM, Case

pytestmark = pytest.mark.integration

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


@pytest.fixture(scope="module")
def yellow() -> Alert:
    calendar = WorkCalendar(HolidaySource.chinese_calendar())
    case = Case(ITEM, "C2026-000001").apply().accept().stage("undertake", "2026-11-03 15:30")
    return case.active(calendar, "2026-11-12 09:00")["T-YELLOW"]


def _sms() -> dict[str, tuple[str, str]]:
    return dict(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages)


def test_a_text_lands_as_an_sms_to_the_plus_86_number_with_the_sender_id(aws: None, yellow: Alert) -> None:
    client = boto3.client("sns", region_name=REGION)
    sent: list[dict[str, Any]] = []
    client.meta.events.register("provide-client-params.sns.Publish", lambda params, **_: sent.append(params))
    text = compose(yellow, NoticeSettings())

    message_id = SnsTexts(client, "SUNLIGHT").send("13800001234", text)

    assert _sms()[message_id] == ("+8613800001234", text)
    assert sent[0]["MessageAttributes"] == {
        "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "SUNLIGHT"},
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
    }


def test_a_number_written_with_its_country_code_is_texted_once_prefixed(aws: None) -> None:
    client = boto3.client("sns", region_name=REGION)
    message_id = SnsTexts(client, "SUNLIGHT").send("+86 139-0000-5678", "测试")
    assert _sms()[message_id] == ("+8613900005678", "测试")


@pytest.mark.parametrize("phone", ["1380000123", "12800001234", "+1 206 555 0100", "abc"])
def test_an_invalid_phone_fails_for_good_and_sends_nothing(aws: None, phone: str) -> None:
    client = boto3.client("sns", region_name=REGION)
    with pytest.raises(TextFailed) as failed:
        SnsTexts(client, "SUNLIGHT").send(phone, "测试")
    assert failed.value.retryable is False and failed.value.error_code == "InvalidPhone"
    assert _sms() == {}


def test_an_alert_reaches_the_queue_subscribed_to_its_level(aws: None, yellow: Alert) -> None:
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topics = {
        level: sns.create_topic(Name=f"sunlight-test-{level}")["TopicArn"]
        for level in ("warning", "yellow_card", "red_card")
    }
    queue = sqs.create_queue(QueueName="officers-zj")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topics["yellow_card"],
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"FilterPolicy": json.dumps({"dept_code": [ITEM.dept_code]})},
    )
    publisher = SnsAlertTopics(sns, topics)

    assert publisher.publish(yellow) is not None
    other_dept = {**yellow.to_json(), "facts": {**yellow.facts, "dept_code": "11330100MB7654321X"}}
    assert publisher.publish(other_dept) is not None

    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)["Messages"]
    assert len(got) == 1  # the other department's alert was filtered out
    envelope = json.loads(got[0]["Body"])
    assert envelope["Subject"] == "阳光监察【黄牌】办件C2026-000001 建筑工程施工许可 T-YELLOW"
    assert json.loads(envelope["Message"]) == yellow.to_json()
    assert envelope["MessageAttributes"]["level"]["Value"] == "yellow_card"
    assert envelope["MessageAttributes"]["rule"]["Value"] == "T-YELLOW"


def test_a_level_without_a_topic_publishes_nothing(aws: None, yellow: Alert) -> None:
    sns = boto3.client("sns", region_name=REGION)
    red_only = {"red_card": sns.create_topic(Name="sunlight-red")["TopicArn"]}
    assert SnsAlertTopics(sns, red_only).publish(yellow) is None


def test_a_missing_topic_fails_for_good(aws: None, yellow: Alert) -> None:
    sns = boto3.client("sns", region_name=REGION)
    gone = {"yellow_card": f"arn:aws:sns:{REGION}:{DEFAULT_ACCOUNT_ID}:no-such-topic"}
    with pytest.raises(TextFailed) as failed:
        SnsAlertTopics(sns, gone).publish(yellow)
    assert failed.value.retryable is False


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [
        ("Throttling", 400, True),
        ("ThrottlingException", 400, True),
        ("InternalError", 500, True),
        ("ServiceUnavailable", 503, True),
        ("KMSThrottlingException", 400, True),
        ("InvalidParameter", 400, False),
        ("InvalidParameterValue", 400, False),
        ("AuthorizationError", 403, False),
    ],
)
def test_sns_errors_map_to_retryable_or_not(aws: None, code: str, status: int, retryable: bool) -> None:
    client = boto3.client("sns", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_client_error(
            "publish", service_error_code=code, service_message="no", http_status_code=status
        )
        with pytest.raises(TextFailed) as failed:
            SnsTexts(client, "SUNLIGHT").send("13800001234", "测试")
    assert failed.value.retryable is retryable and failed.value.error_code == code


def test_a_network_fault_is_retryable() -> None:
    assert failure(EndpointConnectionError(endpoint_url="https://sns.us-east-1.amazonaws.com")).retryable


def test_the_memory_fake_records_texts_and_fails_on_demand() -> None:
    texts = MemoryTexts()
    assert texts.send("+8613800001234", "一") == "memory-1"
    texts.fail_next(TextFailed(True, "throttled", "Throttling"))
    with pytest.raises(TextFailed):
        texts.send("13800001234", "二")
    texts.send("13800001234", "三")
    assert texts.sent == [("13800001234", "一"), ("13800001234", "三")]
