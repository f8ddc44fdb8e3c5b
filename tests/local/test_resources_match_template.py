"""The local tables are the stack's tables: the same keys, attributes, indexes and billing.

`tests/infra/test_data.py` proves that the synthesised template holds `infra.spec_cfn.table_properties`
for every table; this test proves that moto, provisioned by the local mode, reports the same shapes,
so template == spec_cfn == local.
"""

from __future__ import annotations

from typing import Any

import pytest
from sunlight.app import spec
from sunlight.devtools.local.cloud import LocalCloud
from sunlight.devtools.local.provision import describe_local_tables, provision

from infra import spec_cfn

pytestmark = pytest.mark.integration


def comparable(properties: dict[str, Any]) -> dict[str, Any]:
    """Order-free form: CloudFormation lists attributes in declaration order, DynamoDB sorts them."""
    return {
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": sorted(properties["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": sorted(
            properties.get("GlobalSecondaryIndexes", []), key=lambda i: i["IndexName"]
        ),
        "BillingMode": properties["BillingMode"],
    }


def test_local_tables_have_the_template_properties(cloud: LocalCloud) -> None:
    provision(state_machine_file=spec.STATE_MACHINE_FILE if spec.STATE_MACHINE_FILE.exists() else None)

    local = describe_local_tables()

    for table in spec.TABLES:
        expected = spec_cfn.table_properties(table, "local")
        assert table.physical("local") == expected["TableName"]
        assert local[table.logical] == comparable(expected), table.logical
