"""The REST API: one method per `sunlight.app.spec.ROUTES` entry, each proxied to the function its
`Route.function` names (`public` for the citizens' API under /public/..., `api` for the rest).

Every route whose access is not "public" requires an API key (`x-api-key`) and passes the REQUEST
Lambda authorizer, which maps the key to its principal (department or supervision office). Each
department listed in the stage config gets its own API key and usage plan (throttle, optional
daily quota). Public routes need no key: the citizens' API (/public/...) is throttled per method by
`portal_throttle`, the OpenAPI description by `public_throttle` (`StageConfig.route_throttle`).
"""

from __future__ import annotations

import re

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from constructs import Construct
from sunlight.app import spec

from infra import names
from infra.config import PUBLIC_FUNCTION, Department, StageConfig
from infra.constructs.compute import Compute, retention
from infra.nag import acknowledge

API_KEY_HEADER = "x-api-key"
LOGGING_LEVEL = apigw.MethodLoggingLevel.ERROR
PATH_PARAMETER = re.compile(r"\{([A-Za-z0-9_]+)\}")


def request_parameters(route: spec.Route) -> dict[str, bool]:
    """Required request parameters, checked by the request validator before the function runs."""
    required = {f"method.request.path.{name}": True for name in PATH_PARAMETER.findall(route.path)}
    if route.access != "public":
        required[f"method.request.header.{API_KEY_HEADER}"] = True
    return required


class Api(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, compute: Compute) -> None:
        super().__init__(scope, construct_id)
        stage = config.stage
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=retention(config), removal_policy=RemovalPolicy.DESTROY
        )
        public_throttles = {
            f"{route.path}/{route.method}": apigw.MethodDeploymentOptions(
                throttling_rate_limit=throttle.rate_limit,
                throttling_burst_limit=throttle.burst_limit,
                logging_level=LOGGING_LEVEL,
                metrics_enabled=True,
                data_trace_enabled=False,
            )
            for route in spec.ROUTES
            if (throttle := config.route_throttle(route)) is not None
        }
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=names.api_name(stage),
            description=f"Sunlight {stage}: the exchange API of departments and the supervision office, "
            "and the citizens' public API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            api_key_source_type=apigw.ApiKeySourceType.HEADER,
            # The function answers these base64-encoded (written directives, XLSX reports); API Gateway
            # decodes them for a client whose Accept header names the type. CloudFormation wants each
            # slash escaped as ~1.
            binary_media_types=[t.replace("/", "~1") for t in spec.BINARY_MEDIA_TYPES],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=stage,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=LOGGING_LEVEL,
                data_trace_enabled=False,  # bodies carry personal data
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=config.api_throttle.rate_limit,
                throttling_burst_limit=config.api_throttle.burst_limit,
                method_options=public_throttles,
            ),
        )
        validator = self.rest_api.add_request_validator(
            "Validator",
            request_validator_name=f"{names.prefix(stage)}-parameters-and-body",
            validate_request_parameters=True,
            validate_request_body=True,
        )
        self.authorizer = apigw.RequestAuthorizer(
            self,
            "Authorizer",
            authorizer_name=f"{names.prefix(stage)}-api-key",
            handler=compute.functions["authorizer"],
            identity_sources=[apigw.IdentitySource.header(API_KEY_HEADER)],
            results_cache_ttl=Duration.minutes(5),
        )
        # One integration per function that serves routes (each adds its invoke permissions per method).
        self.integrations = {
            logical: apigw.LambdaIntegration(compute.functions[logical], proxy=True, allow_test_invoke=False)
            for logical in sorted({route.function for route in spec.ROUTES})
        }
        self.methods: dict[tuple[str, str], apigw.Method] = {}
        for route in spec.ROUTES:
            self.methods[(route.method, route.path)] = self._method(
                route, self.integrations[route.function], validator
            )

        self.api_keys = {
            department.dept_code: self._department(config, department) for department in config.departments
        }
        acknowledge(
            self.rest_api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-level role that lets API Gateway write execution logs; AWS documents this managed "
            "policy for it and it grants only CloudWatch Logs writes.",
        )
        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG3",
            "Departments call with API keys, throttled per usage plan; the public routes (the citizens' "
            "API and the description) have their own method throttles, and the citizens' look-ups count "
            "failures per case or complaint number in the throttle table. A regional WAF web ACL (billed "
            "per ACL, rule and request) can be associated with the stage where a province requires one.",
        )
        CfnOutput(self, "Url", value=self.rest_api.url, description="base URL of the exchange API")

    def _method(
        self, route: spec.Route, integration: apigw.Integration, validator: apigw.RequestValidator
    ) -> apigw.Method:
        resource = self.rest_api.root.resource_for_path(route.path)
        public = route.access == "public"
        method = resource.add_method(
            route.method,
            integration,
            authorization_type=apigw.AuthorizationType.NONE if public else apigw.AuthorizationType.CUSTOM,
            authorizer=None if public else self.authorizer,
            api_key_required=not public,
            request_validator=validator,
            request_parameters=request_parameters(route),
        )
        if public:
            guard = (
                "it is part of the citizens' API, which has no keys by design; its case and complaint "
                "look-ups need the number and its query code, and failures are counted per number "
                "(throttle table)"
                if route.function == PUBLIC_FUNCTION
                else "it carries no case data"
            )
            acknowledge(
                method,
                "AwsSolutions-APIG4",
                f"{route.method} {route.path} is deliberately public ({route.summary}): {guard}; it is "
                "rate-limited by its own method throttle on the stage.",
            )
            acknowledge(
                method,
                "AwsSolutions-COG4",
                f"{route.method} {route.path} is deliberately public: no user pool, no authorizer.",
            )
        else:
            acknowledge(
                method,
                "AwsSolutions-COG4",
                "Callers are departments' systems, not people: each holds an API key, and the REQUEST Lambda "
                "authorizer maps the key to its principal; there are no Cognito users to sign in.",
            )
        return method

    def _department(self, config: StageConfig, department: Department) -> apigw.IApiKey:
        cid = f"Dept{department.dept_code}"
        throttle = config.throttle_of(department)
        plan = self.rest_api.add_usage_plan(
            f"{cid}Plan",
            name=names.usage_plan_name(config.stage, department.dept_code),
            description=f"{department.name} ({department.role}, {department.region_code})",
            throttle=apigw.ThrottleSettings(rate_limit=throttle.rate_limit, burst_limit=throttle.burst_limit),
            quota=(
                apigw.QuotaSettings(limit=department.daily_quota, period=apigw.Period.DAY)
                if department.daily_quota
                else None
            ),
        )
        plan.add_api_stage(stage=self.rest_api.deployment_stage)
        key = apigw.ApiKey(
            self,
            f"{cid}Key",
            api_key_name=names.usage_plan_name(config.stage, department.dept_code),
            description=f"API key of {department.name}; register its SHA-256 in the principals table",
        )
        plan.add_api_key(key)
        CfnOutput(self, f"{cid}KeyId", value=key.key_id, description=f"API key id of {department.name}")
        return key
