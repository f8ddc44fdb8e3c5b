"""Texts and topics (SNS) and filed directives (S3)."""
