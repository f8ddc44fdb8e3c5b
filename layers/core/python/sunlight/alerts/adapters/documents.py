"""Where written directives are kept: S3 (encrypted at rest), or memory for tests of other modules.

A directive is stored twice, as HTML and as PDF, under `directives/<year>/<alert_id>.html|.pdf`;
the object metadata carries the document number (percent-encoded: S3 metadata is ASCII).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, unquote

from botocore.exceptions import ClientError

from sunlight.kernel.errors import SunlightError

HTML_TYPE = "text/html; charset=utf-8"
PDF_TYPE = "application/pdf"


class DocumentNotFound(SunlightError, KeyError):
    """A filed directive's rendering is not in the store."""

    code = "DocumentNotFound"
    public_code = "NotFound"
    status = 404


class DocumentStore(Protocol):
    def put(self, alert_id: str, html: str, pdf: bytes, *, number: str, year: int) -> dict[str, str]:
        """Store both renderings of one directive; answer their keys: {"html": ..., "pdf": ...}."""
        ...

    def get(self, key: str) -> tuple[bytes, str]:
        """The stored bytes and their content type (DocumentNotFound when there are none)."""
        ...


def document_keys(alert_id: str, year: int) -> dict[str, str]:
    """The keys of a directive's two renderings."""
    if not alert_id or "/" in alert_id or "\\" in alert_id or not alert_id.isprintable():
        raise ValueError(f"not a usable alert id for a document key: {alert_id!r}")
    base = f"directives/{year:04d}/{alert_id}"
    return {"html": f"{base}.html", "pdf": f"{base}.pdf"}


def _metadata(alert_id: str, number: str) -> dict[str, str]:
    return {"alert-id": quote(alert_id, safe=""), "number": quote(number, safe="")}


def number_of(metadata: dict[str, str]) -> str:
    """The document number from an object's metadata (as `put` wrote it)."""
    return unquote(metadata.get("number", ""))


class S3Documents:
    """Directives in an S3 bucket; SSE-KMS with `kms_key_id`, otherwise SSE-S3 (AES256)."""

    def __init__(self, client: Any, bucket: str, kms_key_id: str | None = None) -> None:
        self._client, self._bucket, self._kms_key_id = client, bucket, kms_key_id

    def put(self, alert_id: str, html: str, pdf: bytes, *, number: str, year: int) -> dict[str, str]:
        keys = document_keys(alert_id, year)
        metadata = _metadata(alert_id, number)
        for kind, body, content_type in (("html", html.encode("utf-8"), HTML_TYPE), ("pdf", pdf, PDF_TYPE)):
            self._client.put_object(
                Bucket=self._bucket,
                Key=keys[kind],
                Body=body,
                ContentType=content_type,
                Metadata=metadata,
                **self._encryption(),
            )
        return keys

    def get(self, key: str) -> tuple[bytes, str]:
        try:
            answer = self._client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise DocumentNotFound(key) from error
            raise
        return answer["Body"].read(), str(answer.get("ContentType", "application/octet-stream"))

    def _encryption(self) -> dict[str, str]:
        if self._kms_key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self._kms_key_id}
        return {"ServerSideEncryption": "AES256"}


@dataclass
class StoredDocument:
    body: bytes
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)


class MemoryDocuments:
    """The same store in a dict, for tests of the modules that issue directives."""

    def __init__(self) -> None:
        self.objects: dict[str, StoredDocument] = {}

    def put(self, alert_id: str, html: str, pdf: bytes, *, number: str, year: int) -> dict[str, str]:
        keys = document_keys(alert_id, year)
        metadata = _metadata(alert_id, number)
        self.objects[keys["html"]] = StoredDocument(html.encode("utf-8"), HTML_TYPE, metadata)
        self.objects[keys["pdf"]] = StoredDocument(bytes(pdf), PDF_TYPE, metadata)
        return keys

    def get(self, key: str) -> tuple[bytes, str]:
        stored = self.objects.get(key)
        if stored is None:
            raise DocumentNotFound(key)
        return stored.body, stored.content_type
