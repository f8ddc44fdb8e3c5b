"""Adapters: the real implementations of the service ports (DynamoDB, Step Functions, encryption)."""
