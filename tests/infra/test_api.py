"""The REST API serves exactly the spec routes, each from the function its `Route.function` names; every
route but the public ones needs key and authorizer; public routes have their own method throttles."""

from __future__ import annotations

from typing import Any

import pytest
from sunlight.app import spec

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


def _function_behind(synthesis: Synthesis, route: spec.Route) -> str:
    """The logical id of the Lambda function the route's integration invokes."""
    integration = _methods(synthesis)[(route.method, route.path)]["Integration"]
    assert integration["Type"] == "AWS_PROXY"
    assert integration["IntegrationHttpMethod"] == "POST"
    (function_id,) = (
        logical_id
        for logical_id in synthesis.resources("AWS::Lambda::Function")
        if f"<{logical_id}.Arn>" in render(integration["Uri"])
    )
    return function_id


@pytest.mark.parametrize("route", spec.ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_proxies_to_the_function_its_spec_names(synthesis: Synthesis, route: spec.Route) -> None:
    expected = synthesis.logical_id(synthesis.stack.compute.functions[route.function])
    assert _function_behind(synthesis, route) == expected


def test_the_public_paths_go_to_the_public_function_and_nothing_else_does(synthesis: Synthesis) -> None:
    """Spelled out, not derived from `Route.function`: /public/... is the citizens' API."""
    public_id = synthesis.logical_id(synthesis.stack.compute.functions["public"])
    api_id = synthesis.logical_id(synthesis.stack.compute.functions["api"])
    citizens = [route for route in spec.ROUTES if route.path.startswith("/public/")]
    assert len(citizens) >= 6
    for route in spec.ROUTES:
        assert _function_behind(synthesis, route) == (public_id if route in citizens else api_id), route.path
    assert {(r.method, r.path) for r in citizens} >= {("POST", "/public/progress"), ("GET", "/public/items")}


def test_each_function_behind_a_route_may_be_invoked_by_this_api_only(synthesis: Synthesis) -> None:
    (api_id,) = synthesis.resources("AWS::ApiGateway::RestApi")
    permissions = synthesis.resources("AWS::Lambda::Permission").values()
    for logical in {route.function for route in spec.ROUTES}:
        function_id = synthesis.logical_id(synthesis.stack.compute.functions[logical])
        mine = [
            p["Properties"] for p in permissions if ref_id(p["Properties"]["FunctionName"]) == function_id
        ]
        assert mine, logical
        for permission in mine:
            assert permission["Principal"] == "apigateway.amazonaws.com"
            assert f"<{api_id}>" in render(permission["SourceArn"])


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


def test_stage_logs_access_traces_and_throttles_the_public_routes(synthesis: Synthesis) -> None:
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
        key = (route.method, "/" + route.path.replace("/", "~1"))
        if route.access != "public":
            assert key not in settings
            continue
        throttle = (
            synthesis.config.portal_throttle
            if route.function == "public"
            else synthesis.config.public_throttle
        )
        public = settings[key]
        assert public["ThrottlingRateLimit"] == throttle.rate_limit
        assert public["ThrottlingBurstLimit"] == throttle.burst_limit
        assert public["LoggingLevel"] == every["LoggingLevel"]
        assert public["DataTraceEnabled"] is False


def test_the_citizens_routes_have_the_portal_throttle_from_the_stage_config(synthesis: Synthesis) -> None:
    """rate 20/s, burst 40 in cdk.json's dev stage; the OpenAPI description keeps its own lower one."""
    (stage,) = synthesis.resources("AWS::ApiGateway::Stage").values()
    settings = {(s["HttpMethod"], s["ResourcePath"]): s for s in stage["Properties"]["MethodSettings"]}
    assert (synthesis.config.portal_throttle.rate_limit, synthesis.config.portal_throttle.burst_limit) == (
        20,
        40,
    )
    progress = settings[("POST", "/~1public~1progress")]
    assert (progress["ThrottlingRateLimit"], progress["ThrottlingBurstLimit"]) == (20, 40)
    description = settings[("GET", "/~1v1~1openapi.json")]
    assert description["ThrottlingRateLimit"] == synthesis.config.public_throttle.rate_limit


def test_request_validator_checks_parameters(synthesis: Synthesis) -> None:
    (validator,) = synthesis.resources("AWS::ApiGateway::RequestValidator").values()
    assert validator["Properties"]["ValidateRequestParameters"] is True


def test_pdf_directives_and_xlsx_reports_pass_as_binary(synthesis: Synthesis) -> None:
    (api,) = synthesis.resources("AWS::ApiGateway::RestApi").values()
    escaped = {t.replace("/", "~1") for t in spec.BINARY_MEDIA_TYPES}
    assert (
        set(api["Properties"]["BinaryMediaTypes"])
        == escaped
        == {
            "application~1pdf",
            "application~1vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    )
