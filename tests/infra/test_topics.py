"""One alert topic per level, KMS-encrypted and SSL-only."""

from __future__ import annotations

import pytest
from sunlight.app import spec

from infra import names
from infra.constructs.keys import ACCOUNT_KEY_ACTIONS
from tests.infra.cfn import ref_id, statements
from tests.infra.conftest import Synthesis

pytestmark = pytest.mark.infra


def test_one_topic_per_level_besides_the_ops_topic(synthesis: Synthesis) -> None:
    named = {t["Properties"]["TopicName"] for t in synthesis.resources("AWS::SNS::Topic").values()}
    assert named == {names.alert_topic_name("dev", level) for level in spec.LEVELS} | {"sunlight-dev-ops"}
    assert set(synthesis.stack.alert_topics.topics) == set(spec.LEVELS)


@pytest.mark.parametrize("level", spec.LEVELS)
def test_alert_topic_is_encrypted_with_its_customer_key_and_ssl_only(
    synthesis: Synthesis, level: str
) -> None:
    topic_id = synthesis.logical_id(synthesis.stack.alert_topics.topics[level])
    properties = synthesis.cfn["Resources"][topic_id]["Properties"]
    key_id = synthesis.logical_id(synthesis.stack.alert_topics.key)
    assert ref_id(properties["KmsMasterKeyId"]) == key_id
    key = synthesis.cfn["Resources"][key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    for statement in statements(key["KeyPolicy"]):
        assert set(statement["Action"]) <= set(ACCOUNT_KEY_ACTIONS)
    (policy,) = (
        p["Properties"]["PolicyDocument"]
        for p in synthesis.resources("AWS::SNS::TopicPolicy").values()
        if [ref_id(t) for t in p["Properties"]["Topics"]] == [topic_id]
    )
    (deny,) = statements(policy)
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
