"""Personal data at rest: the fields a line marks personal are sealed with AES-GCM.

Which fields, by record type, is the line's to say (the approval line: `records.sealed_fields()`, the
query code included: citizens' look-ups use its keyed hash, kept apart). Sealed values are
strings `enc:v1:<base64(nonce + ciphertext)>`, so a stored record is still plain JSON.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "enc:v1:"


class FieldSealer:
    def __init__(self, key: bytes, sealed: Mapping[str, Sequence[str]]) -> None:
        """`sealed`: record type -> the names of its fields to seal."""
        if len(key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._aead = AESGCM(key)
        self._key = key
        self._fields = {kind: tuple(names) for kind, names in sealed.items()}

    def protect(self, content: dict[str, Any]) -> dict[str, Any]:
        out = dict(content)
        for name in self._fields.get(str(content.get("type")), ()):
            value = out.get(name)
            if isinstance(value, str):
                nonce = os.urandom(12)
                sealed = self._aead.encrypt(nonce, value.encode(), name.encode())
                out[name] = _PREFIX + base64.b64encode(nonce + sealed).decode()
        return out

    def reveal(self, content: dict[str, Any]) -> dict[str, Any]:
        out = dict(content)
        for name, value in content.items():
            if isinstance(value, str) and value.startswith(_PREFIX):
                raw = base64.b64decode(value[len(_PREFIX) :])
                out[name] = self._aead.decrypt(raw[:12], raw[12:], name.encode()).decode()
        return out

    def keyed_hash(self, value: str) -> str:
        """A one-way keyed hash, for looking a value up without storing it (query codes)."""
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()
