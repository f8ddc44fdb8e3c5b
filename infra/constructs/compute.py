"""The functions: one Lambda per `sunlight.app.spec.FUNCTIONS` entry, on the shared layers.

Each function has its own role and log group and may touch only what its spec entry names: read and
write on its tables (and their indexes, by name), the personal-data key if it handles case data,
each state machine it starts (`sunlight.app.spec.starts`), the documents bucket if it `writes_documents`,
and the alert topics and SMS if it `sends_text` (every function is told every table's name, and the
stage's settings, `StageConfig.defaults().to_environment()`).
A state machine is referred to by its fixed name, not by reference, because the machines themselves
invoke some of these functions: a reference in both directions would be a CloudFormation
dependency cycle.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Annotations, ArnFormat, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct
from sunlight.app import spec

from infra import names
from infra.config import StageConfig
from infra.constructs.data import Data
from infra.constructs.documents import Documents
from infra.constructs.topics import PUBLISH_KEY_ACTIONS, AlertTopics
from infra.nag import acknowledge

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
SERVICE_NAME = "sunlight"
CORE_LAYER_DIR = spec.ROOT / "layers" / "core"
FUNCTIONS_DIR = spec.ROOT / "functions"
DEPS_LAYER_DIR = spec.ROOT / "build" / "layer-deps"
ASSET_EXCLUDE = ["**/__pycache__", "**/*.pyc", "**/*.egg-info", "**/.mypy_cache", "**/.pytest_cache"]
# Development tools stay out of the deployed layer: the local embedded mode (moto), the sample city,
# the `sunlight` command and its checker (`sunlight.devtools`; nothing deployed imports it).
DEV_ONLY = ["python/sunlight/devtools"]
CORE_LAYER_EXCLUDE = [*ASSET_EXCLUDE, *DEV_ONLY]

# Read and write on items; no table management, no streams, no exports.
TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
)
# Only a customer managed table key needs a grant; the AWS managed one is used on the caller's behalf.
KEY_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)
# Tables that hold case data with personal fields: a function touching one gets the data key.
PERSONAL_DATA_TABLES = frozenset({"cases", "records", "alerts"})
SPEC_TABLES = {table.logical: table for table in spec.TABLES}
START_ACTIONS = ("states:StartExecution",)
# A machine that waits for task tokens (`.waitForTaskToken` in its ASL) is also resumed by its starters.
TASK_TOKEN_ACTIONS = ("states:SendTaskSuccess", "states:SendTaskFailure")
WORKFLOW_ACTIONS = START_ACTIONS + TASK_TOKEN_ACTIONS
# Directives are written once and read back; never deleted (the bucket is versioned, they are records).
DOCUMENT_OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject")
DOCUMENT_BUCKET_ACTIONS = ("s3:ListBucket",)  # so that a missing directive is a 404, not a 403
DOCUMENT_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")

_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def retention(config: StageConfig) -> logs.RetentionDays:
    return _RETENTION[config.log_retention_days]


def state_machine_arn(scope: Construct, stage: str, machine: spec.StateMachine = spec.APPROVAL_CASE) -> str:
    return Stack.of(scope).format_arn(
        service="states",
        resource="stateMachine",
        resource_name=names.state_machine_name(stage, machine),
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def execution_arns(scope: Construct, stage: str, machine: spec.StateMachine = spec.APPROVAL_CASE) -> str:
    return Stack.of(scope).format_arn(
        service="states",
        resource="execution",
        resource_name=f"{names.state_machine_name(stage, machine)}:*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def uses_task_tokens(machine: spec.StateMachine) -> bool:
    """Whether the machine's ASL waits for task tokens, so its starters also send them back."""
    return machine.file.is_file() and ".waitForTaskToken" in machine.file.read_text(encoding="utf-8")


def start_actions(machine: spec.StateMachine) -> tuple[str, ...]:
    return WORKFLOW_ACTIONS if uses_task_tokens(machine) else START_ACTIONS


def base_environment(config: StageConfig) -> dict[str, str]:
    """What every function is told: the stage's settings, as `sunlight.kernel.settings.StageDefaults` reads
    them back at cold start (one mapping, so nothing is set that nothing reads), the stage's name and
    Powertools' service and metrics namespace."""
    return {
        "SUNLIGHT_STAGE": config.stage,
        **config.defaults().to_environment(),
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": "Sunlight",
    }


class Compute(Construct):
    """The layers and the functions, by spec logical name (`functions["rule_check"]`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        data: Data,
        documents: Documents,
        alert_topics: AlertTopics,
        deps_layer_dir: Path | None = DEPS_LAYER_DIR,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._data = data
        self._documents = documents
        self._alert_topics = alert_topics
        self.layers = self._layers(deps_layer_dir)
        self._code = lambda_.Code.from_asset(str(FUNCTIONS_DIR), exclude=ASSET_EXCLUDE)
        self.functions: dict[str, lambda_.Function] = {
            function.logical: self._function(function) for function in spec.FUNCTIONS
        }

    def _layers(self, deps_layer_dir: Path | None) -> list[lambda_.ILayerVersion]:
        stage = self._config.stage
        layers: list[lambda_.ILayerVersion] = [
            lambda_.LayerVersion(
                self,
                "CoreLayer",
                layer_version_name=f"{names.prefix(stage)}-core",
                description="the sunlight package (domain, adapters, service), without its devtools",
                code=lambda_.Code.from_asset(str(CORE_LAYER_DIR), exclude=CORE_LAYER_EXCLUDE),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
            )
        ]
        if deps_layer_dir is not None and (deps_layer_dir / "python").is_dir():
            layers.append(
                lambda_.LayerVersion(
                    self,
                    "DepsLayer",
                    layer_version_name=f"{names.prefix(stage)}-deps",
                    description="third-party dependencies (powertools, pynamodb, pydantic, ...)",
                    code=lambda_.Code.from_asset(str(deps_layer_dir), exclude=ASSET_EXCLUDE),
                    compatible_runtimes=[RUNTIME],
                    compatible_architectures=[ARCHITECTURE],
                )
            )
        else:
            Annotations.of(self).add_warning_v2(
                "sunlight:no-deps-layer",
                f"{DEPS_LAYER_DIR.relative_to(spec.ROOT)}/python not found: the functions are synthesised "
                "without the third-party dependencies layer and will fail to import them if deployed. "
                "Run `make layer-deps` before `make deploy`.",
            )
        return layers

    def _function(self, function: spec.Function) -> lambda_.Function:
        config = self._config
        stage = config.stage
        name = names.function_name(stage, function)
        cid = names.construct_id(function.logical)
        log_group = logs.LogGroup(
            self,
            f"{cid}Logs",
            log_group_name=f"/aws/lambda/{name}",
            retention=retention(config),
            removal_policy=RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            f"{cid}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Sunlight {stage} {function.logical}: only what its spec entry names",
        )
        log_group.grant_write(role)

        # Only the function's own tables, as in the local mode: the composition root wires the
        # adapters of the tables it is given, and the role may use no other.
        environment = base_environment(config)
        environment.update({SPEC_TABLES[k].env: self._data.tables[k].table_name for k in function.tables})
        environment[spec.FUNCTION_ENV] = function.logical
        table_arns: list[str] = []
        for logical in function.tables:
            table = self._data.tables[logical]
            table_arns.append(table.table_arn)
            table_arns.extend(
                f"{table.table_arn}/index/{index.name}" for index in SPEC_TABLES[logical].indexes
            )
        if table_arns:
            role.add_to_policy(
                iam.PolicyStatement(sid="Tables", actions=list(TABLE_ACTIONS), resources=table_arns)
            )
        if table_arns and self._data.key is not None:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="TableKey", actions=list(KEY_ACTIONS), resources=[self._data.key.key_arn]
                )
            )
        if PERSONAL_DATA_TABLES.intersection(function.tables):
            environment["SUNLIGHT_DATA_KEY_SECRET_ARN"] = self._data.data_key_secret.secret_arn
            self._data.data_key_secret.grant_read(role)
        for machine in spec.starts(function):
            environment[machine.env] = state_machine_arn(self, stage, machine)
            sid = names.construct_id(machine.name)
            role.add_to_policy(
                iam.PolicyStatement(
                    sid=f"{sid}Workflow",
                    actions=list(start_actions(machine)),
                    resources=[state_machine_arn(self, stage, machine)],
                )
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid=f"{sid}Executions",
                    actions=["states:DescribeExecution"],
                    resources=[execution_arns(self, stage, machine)],
                )
            )
        if function.writes_documents:
            environment[spec.DOCUMENTS_ENV] = self._documents.bucket.bucket_name
            self._grant_documents(role)
        if function.sends_text:
            environment[spec.ALERT_TOPICS_ENV] = self._alert_topics.arns_json()
            self._grant_text(role)

        handler = lambda_.Function(
            self,
            cid,
            function_name=name,
            description=function.purpose[:256],
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=self._code,
            handler=function.handler,
            layers=self.layers,
            memory_size=function.memory_mb,
            timeout=Duration.seconds(function.timeout_s),
            environment=environment,
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
        )
        # The data key must be in its secret before any function can run.
        handler.node.add_dependency(self._data.data_key_initialiser)
        self._acknowledge(function, role)
        acknowledge(
            handler,
            "AwsSolutions-L1",
            f"Pinned to {RUNTIME.name}, the runtime the dependencies layer is built for (make layer-deps) "
            "and that the AWS China regions offer; RUNTIME in infra/constructs/compute.py and the layer "
            "build move together.",
        )
        return handler

    def _grant_documents(self, role: iam.Role) -> None:
        bucket = self._documents.bucket
        role.add_to_policy(
            iam.PolicyStatement(
                sid="Documents",
                actions=list(DOCUMENT_OBJECT_ACTIONS),
                resources=[bucket.arn_for_objects("*")],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="DocumentsList", actions=list(DOCUMENT_BUCKET_ACTIONS), resources=[bucket.bucket_arn]
            )
        )
        if self._documents.key is not None:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="DocumentsKey",
                    actions=list(DOCUMENT_KEY_ACTIONS),
                    resources=[self._documents.key.key_arn],
                )
            )

    def _grant_text(self, role: iam.Role) -> None:
        topics = self._alert_topics
        role.add_to_policy(
            iam.PolicyStatement(
                sid="AlertTopics",
                actions=["sns:Publish"],
                resources=[topic.topic_arn for topic in topics.topics.values()],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="AlertTopicsKey", actions=list(PUBLISH_KEY_ACTIONS), resources=[topics.key.key_arn]
            )
        )
        # A text to a phone number (Publish with PhoneNumber) has no resource ARN: IAM evaluates it
        # against "*", and SNS has no condition key for the number. Acknowledged in `_acknowledge`.
        role.add_to_policy(iam.PolicyStatement(sid="TextMessages", actions=["sns:Publish"], resources=["*"]))

    def _acknowledge(self, function: spec.Function, role: iam.Role) -> None:
        reason = (
            "X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; "
            "Lambda active tracing adds them on Resource '*'."
        )
        if function.sends_text:
            reason += (
                " sns:Publish on '*' (statement TextMessages, that one action only) is how IAM authorises "
                "an SMS to a phone number: a direct text has no resource ARN and SNS offers no condition "
                "key on the number; topics are granted by ARN in AlertTopics."
            )
        acknowledge(role, "AwsSolutions-IAM5[Resource::*]", reason)
        if function.writes_documents:
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{_nag_ref(self._documents.bucket)}.Arn>/*]",
                "Directive object keys are made per alert at run time; the wildcard covers objects of the "
                "one documents bucket, for GetObject and PutObject only (no delete).",
            )
        for machine in spec.starts(function):
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::{_nag_execution_arns(self, self._config.stage, machine)}]",
                "An execution ARN ends in the execution name (one per case, or per activation), unknown at "
                f"deploy time; the wildcard is limited to executions of the one {machine.name} state "
                "machine (DescribeExecution).",
            )


def _nag_ref(bucket: s3.Bucket) -> str:
    """The logical id cdk-nag prints for a reference to `bucket` in a finding id."""
    return str(Stack.of(bucket).resolve(bucket.bucket_arn)["Fn::GetAtt"][0])


def _nag_execution_arns(scope: Construct, stage: str, machine: spec.StateMachine) -> str:
    """`execution_arns` as cdk-nag prints it in the finding id (pseudo parameters as `<AWS::...>`)."""
    stack = Stack.of(scope)
    region = "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region
    account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
    name = names.state_machine_name(stage, machine)
    return f"arn:<AWS::Partition>:states:{region}:{account}:execution:{name}:*"
