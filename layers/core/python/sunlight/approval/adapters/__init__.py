"""DynamoDB tables, the case workflow (Step Functions), the office's settings."""
