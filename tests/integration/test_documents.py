"""The directive store on moto's S3: both renderings round-trip, encrypted at rest, number in metadata."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sunlight.alerts.adapters.documents import (
    DocumentNotFound,
    DocumentStore,
    MemoryDocuments,
    S3Documents,
    number_of,
)

pytestmark = pytest.mark.integration

REGION = "us-east-1"
BUCKET = "sunlight-test-documents"
ALERT_ID = "C2026-000001:T-YELLOW:case"
NUMBER = "杭监督〔2026〕第0012号"
HTML = '<!DOCTYPE html><p class="number">杭监督〔2026〕第0012号</p>'
PDF = b"%PDF-1.4 not really a pdf\n%%EOF"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_both_renderings_round_trip_under_the_year_and_the_alert_id(s3: Any) -> None:
    store: DocumentStore = S3Documents(s3, BUCKET)
    keys = store.put(ALERT_ID, HTML, PDF, number=NUMBER, year=2026)
    assert keys == {
        "html": f"directives/2026/{ALERT_ID}.html",
        "pdf": f"directives/2026/{ALERT_ID}.pdf",
    }
    assert store.get(keys["html"]) == (HTML.encode("utf-8"), "text/html; charset=utf-8")
    assert store.get(keys["pdf"]) == (PDF, "application/pdf")


def test_stored_directives_are_encrypted_at_rest_and_carry_their_number(s3: Any) -> None:
    keys = S3Documents(s3, BUCKET).put(ALERT_ID, HTML, PDF, number=NUMBER, year=2026)
    for key in keys.values():
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ServerSideEncryption"] == "AES256"
        assert number_of(head["Metadata"]) == NUMBER
        assert head["Metadata"]["number"].isascii()


def test_a_kms_key_encrypts_with_sse_kms(s3: Any) -> None:
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
    keys = S3Documents(s3, BUCKET, kms_key_id=key_id).put(ALERT_ID, HTML, PDF, number=NUMBER, year=2026)
    head = s3.head_object(Bucket=BUCKET, Key=keys["pdf"])
    assert head["ServerSideEncryption"] == "aws:kms"
    assert key_id in head["SSEKMSKeyId"]
    assert S3Documents(s3, BUCKET).get(keys["pdf"]) == (PDF, "application/pdf")


def test_a_missing_document_is_reported_as_not_found(s3: Any) -> None:
    with pytest.raises(DocumentNotFound):
        S3Documents(s3, BUCKET).get("directives/2026/nothing.pdf")


def test_the_memory_store_answers_like_the_s3_one(s3: Any) -> None:
    memory: DocumentStore = MemoryDocuments()
    real: DocumentStore = S3Documents(s3, BUCKET)
    assert memory.put(ALERT_ID, HTML, PDF, number=NUMBER, year=2026) == real.put(
        ALERT_ID, HTML, PDF, number=NUMBER, year=2026
    )
    for key in (f"directives/2026/{ALERT_ID}.html", f"directives/2026/{ALERT_ID}.pdf"):
        assert memory.get(key) == real.get(key)
    with pytest.raises(DocumentNotFound):
        memory.get("directives/2026/nothing.pdf")


@pytest.mark.parametrize("alert_id", ["", "a/b", "../x", "C1\nT-RED"])
def test_an_alert_id_that_would_escape_its_folder_is_refused(alert_id: str) -> None:
    with pytest.raises(ValueError):
        MemoryDocuments().put(alert_id, HTML, PDF, number=NUMBER, year=2026)
