"""`sunlight.app.spec` tables as the CloudFormation properties the stack must synthesise.

Used by the infra tests (the template must match the spec exactly) and by the local mode, which
creates its tables from the same shapes: an `AWS::DynamoDB::Table`'s KeySchema,
AttributeDefinitions, GlobalSecondaryIndexes and BillingMode have the same form as the arguments of
DynamoDB's CreateTable, so `create_table(**table_properties(table, stage))` builds the same table.
"""

from __future__ import annotations

from typing import Any

from sunlight.app import spec

BILLING_MODE = "PAY_PER_REQUEST"
PROJECTION = {"ProjectionType": "ALL"}


def key_schema(partition: spec.Key, sort: spec.Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort is not None:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


def attribute_definitions(table: spec.Table) -> list[dict[str, str]]:
    """Every key attribute of the table and its indexes, once, in declaration order (as CDK emits them)."""
    keys: list[spec.Key] = [table.partition]
    if table.sort is not None:
        keys.append(table.sort)
    for index in table.indexes:
        keys.append(index.partition)
        if index.sort is not None:
            keys.append(index.sort)
    seen: dict[str, str] = {}
    for key in keys:
        if seen.setdefault(key.name, key.type) != key.type:
            raise ValueError(f"table {table.logical}: attribute {key.name} declared as both S and N")
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in seen.items()]


def global_secondary_indexes(table: spec.Table) -> list[dict[str, Any]]:
    return [
        {
            "IndexName": index.name,
            "KeySchema": key_schema(index.partition, index.sort),
            "Projection": dict(PROJECTION),
        }
        for index in table.indexes
    ]


def table_properties(table: spec.Table, stage: str) -> dict[str, Any]:
    """The key, index and billing properties of the table; GlobalSecondaryIndexes only if it has some."""
    properties: dict[str, Any] = {
        "TableName": table.physical(stage),
        "KeySchema": key_schema(table.partition, table.sort),
        "AttributeDefinitions": attribute_definitions(table),
        "BillingMode": BILLING_MODE,
    }
    if table.indexes:
        properties["GlobalSecondaryIndexes"] = global_secondary_indexes(table)
    return properties
