"""Operations alarms and the encrypted "ops" topic they notify.

One alarm each on: every function's Errors and Throttles, every state machine's failed and timed-out
executions, the API's 5XX responses, every table's throttled requests, and the depth of every
scheduled function's dead-letter queue (a run that failed for good). Any datapoint at or
above the threshold in a 5-minute period alarms; missing data (no traffic) is fine.

And one on the nightly scoring's `TallyDrift` metric: the number of counts that its full recompute
from the log found different from the running tallies. Any drift in a day alarms; a day without a
run (no datapoint) does not, as the scoring's own errors and dead-letter queue alarm for that.

And one on the sweep's `CalendarUncoveredYears`: the number of years, among those the next
`calendar_coverage_days` days touch, that the active calendar does not cover (no official holidays
loaded). Any in a day alarms, so the office loads next year's calendar in time; no datapoint does not.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct
from sunlight.app import spec

from infra import names
from infra.config import StageConfig
from infra.constructs.api import Api
from infra.constructs.compute import Compute
from infra.constructs.data import Data
from infra.constructs.keys import customer_key
from infra.constructs.schedules import Schedules
from infra.constructs.workflows import Workflows

PERIOD = Duration.minutes(5)
AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
# The business metrics the handlers emit with Powertools (embedded metric format): Metrics(namespace=
# METRICS_NAMESPACE, service=<function>) gives every metric the one dimension `service`. Each is
# alarmed on its maximum over a day: any datapoint above 0 alarms, a day without one does not, and a
# sweep's metric does not flap between runs whatever the stage's sweep_minutes.
METRICS_NAMESPACE = "Sunlight"
DAILY = Duration.days(1)
DRIFT_FUNCTION, DRIFT_METRIC = "scoring", "TallyDrift"
COVERAGE_FUNCTION, COVERAGE_METRIC = "sweep", "CalendarUncoveredYears"
CLOUDWATCH = "cloudwatch.amazonaws.com"
# The operations Sunlight's adapters issue (sunlight.approval.adapters.dynamo). An alarm is billed per
# metric it combines, so the list is not every DynamoDB operation; add one here when an adapter starts
# using it.
TABLE_OPERATIONS = (
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.SCAN,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
)


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        data: Data,
        compute: Compute,
        workflows: Workflows,
        api: Api,
        schedules: Schedules,
    ) -> None:
        super().__init__(scope, construct_id)
        self._stage = config.stage
        key = customer_key(
            self,
            "TopicKey",
            alias=f"alias/{names.prefix(config.stage)}-ops",
            description=f"Sunlight {config.stage}: the ops alarm topic",
            service_principals=[CLOUDWATCH],
        )
        self.topic = sns.Topic(
            self,
            "Ops",
            topic_name=names.ops_topic_name(config.stage),
            display_name=f"Sunlight {config.stage} ops",
            master_key=key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarms",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        if config.ops_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.ops_email))
        self._action = cloudwatch_actions.SnsAction(self.topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        for logical, function in compute.functions.items():
            self._alarm(logical, "errors", function.metric_errors(period=PERIOD, statistic="Sum"))
            self._alarm(logical, "throttles", function.metric_throttles(period=PERIOD, statistic="Sum"))
        for machine in spec.STATE_MACHINES:
            executions = workflows.state_machines[machine.name]
            subject = f"{machine.name} executions"
            self._alarm(
                machine.name,
                "failed",
                executions.metric_failed(period=PERIOD, statistic="Sum"),
                description=f"Sunlight {self._stage}: {subject} failed in the last 5 minutes",
            )
            self._alarm(
                machine.name,
                "timed-out",
                executions.metric_timed_out(period=PERIOD, statistic="Sum"),
                description=f"Sunlight {self._stage}: {subject} timed out in the last 5 minutes",
            )
        self._alarm("api", "5xx", api.rest_api.metric_server_error(period=PERIOD, statistic="Sum"))
        for logical, table in data.tables.items():
            throttled = table.metric_throttled_requests_for_operations(
                operations=list(TABLE_OPERATIONS), period=PERIOD
            )
            self._alarm(f"table-{logical}", "throttled", throttled)
        for logical, scheduled in schedules.scheduled.items():
            depth = scheduled.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"
            )
            self._alarm(f"{logical}-dlq", "messages", depth)
        if DRIFT_FUNCTION in compute.functions:
            self._daily_alarm(
                DRIFT_FUNCTION,
                DRIFT_METRIC,
                "tally-drift",
                "the nightly scoring found tallies that disagree with the log in the last day (its log has "
                "the first drifted counts)",
            )
        if COVERAGE_FUNCTION in compute.functions:
            self._daily_alarm(
                COVERAGE_FUNCTION,
                COVERAGE_METRIC,
                "calendar-uncovered",
                f"the active calendar does not cover the next {config.calendar_coverage_days} days (a year "
                "without its official holidays); load and activate the next calendar version "
                "(GET /v1/calendars shows what is uncovered)",
            )
        CfnOutput(self, "OpsTopicArn", value=self.topic.topic_arn, description="alarms publish here")

    def _daily_alarm(self, function: str, metric_name: str, what: str, meaning: str) -> None:
        """An alarm on a business metric a handler emits: any value above 0 in a day."""
        metric = cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={"service": function},
            period=DAILY,
            statistic="Maximum",
        )
        self._alarm(
            function,
            what,
            metric,
            threshold=0,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description=f"Sunlight {self._stage}: {meaning}",
        )

    def _alarm(
        self,
        subject: str,
        what: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float = 1,
        comparison: cloudwatch.ComparisonOperator = AT_LEAST,
        description: str | None = None,
    ) -> None:
        name = names.alarm_name(self._stage, subject.replace("_", "-"), what)
        alarm = cloudwatch.Alarm(
            self,
            names.construct_id(f"{subject}_{what}"),
            alarm_name=name,
            alarm_description=description
            or f"Sunlight {self._stage}: {subject} {what} in the last 5 minutes",
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms[name] = alarm
