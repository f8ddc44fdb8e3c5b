"""The REST API serves exactly the spec routes; every route but the public one needs key and authorizer."""

from __future__ import annotations

from typing import Any

import pytest
from sunlight import spec

from infra import names
from infra.constructs.api import API_KEY_HEADER
from tests.infra.cfn import ref_id, referenced_ids, render
from tests.infra.conftest import Synthesis

pytestmark = pytest.mark.infra


def _paths(synthesis: Synthesis) -> dict[str, str]:
    """Logical id of each API resource (and of the root) -> its full path."""
    resources = synthesis.resources("AWS::ApiGateway::Resource")
    (api_id,) = synthesis.resources("AWS::ApiGateway::RestApi")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            properties = resources[logical_id]["Properties"]
            parent = properties["ParentId"]
            parent_path = "" if ref_id(parent) == api_id else path_of(str(ref_id(parent)))
            paths[logical_id] = f"{parent_path}/{properties['PathPart']}"
        return paths[logical_id]

    for logical_id in resources:
        path_of(logical_id)
    return paths


def _methods(synthesis: Synthesis) -> dict[tuple[str, str], dict[str, Any]]:
    paths = _paths(synthesis)
    return {
        (m["Properties"]["HttpMethod"], paths[str(ref_id(m["Properties"]["ResourceId"]))]): m["Properties"]
        for m in synthesis.resources("AWS::ApiGateway::Method").values()
    }


def test_methods_are_exactly_the_spec_routes(synthesis: Synthesis) -> None:
    assert set(_methods(synthesis)) == {(route.method, route.path) for route in spec.ROUTES}


@pytest.mark.parametrize("route", spec.ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_auth_follows_its_spec_access(synthesis: Synthesis, route: spec.Route) -> None:
    method = _methods(synthesis)[(route.method, route.path)]
    (authorizer_id,) = synthesis.resources("AWS::ApiGateway::Authorizer")
    if route.access == "public":
        assert method["AuthorizationType"] == "NONE"
        assert not method.get("ApiKeyRequired")
        assert "AuthorizerId" not in method
    else:
        assert method["AuthorizationType"] == "CUSTOM"
        assert ref_id(method["AuthorizerId"]) == authorizer_id
        assert method["ApiKeyRequired"] is True
        assert method["RequestParameters"][f"method.request.header.{API_KEY_HEADER}"] is True
    assert "RequestValidatorId" in method


@pytest.mark.parametrize("route", spec.ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_proxies_to_the_api_function(synthesis: Synthesis, route: spec.Route) -> None:
    integration = _methods(synthesis)[(route.method, route.path)]["Integration"]
    assert integration["Type"] == "AWS_PROXY"
    assert integration["IntegrationHttpMethod"] == "POST"
    api_id = synthesis.logical_id(synthesis.stack.compute.functions["api"])
    assert f"<{api_id}.Arn>" in render(integration["Uri"])


def test_authorizer_is_a_request_authorizer_on_the_api_key_header(synthesis: Synthesis) -> None:
    (authorizer,) = synthesis.resources("AWS::ApiGateway::Authorizer").values()
    properties = authorizer["Properties"]
    assert properties["Type"] == "REQUEST"
    assert properties["IdentitySource"] == f"method.request.header.{API_KEY_HEADER}"
    function_id = synthesis.logical_id(synthesis.stack.compute.functions["authorizer"])
    assert function_id in referenced_ids(properties["AuthorizerUri"])


def test_one_throttled_usage_plan_and_key_per_department(synthesis: Synthesis) -> None:
    plans = {
        p["Properties"]["UsagePlanName"]: p["Properties"]
        for p in synthesis.resources("AWS::ApiGateway::UsagePlan").values()
    }
    assert set(plans) == {names.usage_plan_name("dev", d.dept_code) for d in synthesis.config.departments}
    for department in synthesis.config.departments:
        plan = plans[names.usage_plan_name("dev", department.dept_code)]
        throttle = synthesis.config.throttle_of(department)
        assert plan["Throttle"] == {"RateLimit": throttle.rate_limit, "BurstLimit": throttle.burst_limit}
        assert len(plan["ApiStages"]) == 1
    keys = {k["Properties"]["Name"] for k in synthesis.resources("AWS::ApiGateway::ApiKey").values()}
    assert keys == set(plans)
    assert len(synthesis.resources("AWS::ApiGateway::UsagePlanKey")) == len(plans)
    assert any(d.role == "office" for d in synthesis.config.departments)


def test_stage_logs_access_traces_and_throttles_the_public_route(synthesis: Synthesis) -> None:
    (stage,) = synthesis.resources("AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert "DestinationArn" in properties["AccessLogSetting"]
    assert properties["TracingEnabled"] is True
    settings = {(s["HttpMethod"], s["ResourcePath"]): s for s in properties["MethodSettings"]}
    every = settings[("*", "/*")]
    assert every["LoggingLevel"] in {"ERROR", "INFO"}
    assert every["DataTraceEnabled"] is False
    assert every["ThrottlingRateLimit"] == synthesis.config.api_throttle.rate_limit
    for route in spec.ROUTES:
        if route.access == "public":
            public = settings[(route.method, "/" + route.path.replace("/", "~1"))]
            assert public["ThrottlingRateLimit"] == synthesis.config.public_throttle.rate_limit
            assert public["ThrottlingBurstLimit"] == synthesis.config.public_throttle.burst_limit
            assert public["LoggingLevel"] == every["LoggingLevel"]


def test_request_validator_checks_parameters(synthesis: Synthesis) -> None:
    (validator,) = synthesis.resources("AWS::ApiGateway::RequestValidator").values()
    assert validator["Properties"]["ValidateRequestParameters"] is True
