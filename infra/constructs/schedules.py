"""Scheduled functions: an EventBridge rule for each `sunlight.app.spec.FUNCTIONS` entry with a schedule.

The deadline sweep runs every `schedule_minutes` (the stage's `sweep_minutes` overrides it); the
nightly scoring runs at the fixed time of its `schedule_cron`, in UTC (the stage's `scoring_cron`
overrides it): a rate would count from the deployment, not from midnight. A run that fails does not
vanish: EventBridge retries delivery and sends what it cannot deliver to the
function's dead-letter queue, and Lambda retries a run that errors and then sends that event to
the same queue (on-failure destination). An alarm watches the queue's depth (`Alarms`). A run
older than one interval is dropped rather than retried: the next scheduled run does its work.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from sunlight.app import spec

from infra import names
from infra.config import CRON, StageConfig
from infra.constructs.compute import Compute
from infra.nag import acknowledge

# EventBridge: retries of a delivery that failed (throttling, Lambda unavailable).
DELIVERY_RETRIES = 2
# Lambda asynchronous invocation: retries of a run that raised or timed out (0 to 2).
RUN_RETRIES = 1
# Bounds of MaximumEventAgeInSeconds: EventBridge allows 60 to 86,400, Lambda 60 to 21,600.
MIN_EVENT_AGE_S = 60
MAX_EVENT_AGE_S = 21_600
DLQ_RETENTION = Duration.days(14)  # the SQS maximum: two weeks to look at a failure


def event_age(minutes: int) -> Duration:
    """How long a run may wait for delivery or a retry: one interval, within both services' bounds."""
    return Duration.seconds(min(max(minutes * 60, MIN_EVENT_AGE_S), MAX_EVENT_AGE_S))


def cron_interval_minutes(expression: str) -> int:
    """The shortest interval a cron expression may leave between two runs, as far as its minutes and
    hours fields tell: a day if both name one value, an hour if the minutes do, else a minute."""
    match = CRON.match(expression)
    if match is None:
        raise ValueError(f"not a cron expression: {expression!r}")
    minutes, hours = match[1], match[2]
    if minutes.isdigit() and hours.isdigit():
        return 24 * 60
    return 60 if minutes.isdigit() else 1


def schedule_event_age(minutes: int | None, cron: str | None) -> Duration:
    """`event_age` of one interval of a rate (`minutes`) or of a cron expression."""
    if minutes is not None:
        return event_age(minutes)
    if cron is None:
        raise ValueError("a schedule needs a rate or a cron expression")
    return event_age(cron_interval_minutes(cron))


@dataclass(frozen=True)
class Scheduled:
    function: lambda_.Function
    rule: events.Rule
    dead_letter_queue: sqs.Queue
    minutes: int | None  # the rate, or None for a cron schedule
    cron: str | None = None  # the cron expression (UTC), or None for a rate

    @property
    def max_event_age(self) -> Duration:
        return schedule_event_age(self.minutes, self.cron)


class Schedules(Construct):
    """By spec logical name (`scheduled["sweep"]`): the rule, its dead-letter queue and the rate or
    cron expression."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, compute: Compute) -> None:
        super().__init__(scope, construct_id)
        self.scheduled: dict[str, Scheduled] = {}
        for function in spec.FUNCTIONS:
            minutes, cron = config.schedule_minutes_of(function), config.schedule_cron_of(function)
            if minutes is not None or cron is not None:
                self.scheduled[function.logical] = self._schedule(
                    config, function, compute.functions[function.logical], minutes, cron
                )

    def _schedule(
        self,
        config: StageConfig,
        function: spec.Function,
        handler: lambda_.Function,
        minutes: int | None,
        cron: str | None,
    ) -> Scheduled:
        cid = names.construct_id(function.logical)
        queue = sqs.Queue(
            self,
            f"{cid}DeadLetters",
            queue_name=names.dead_letter_queue_name(config.stage, function),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        acknowledge(
            queue,
            "AwsSolutions-SQS3",
            f"This queue is the dead-letter queue of the {function.logical} schedule (EventBridge target) "
            "and the function's on-failure destination; a dead-letter queue of its own would catch nothing.",
        )
        if cron is not None:
            schedule, when = events.Schedule.expression(cron), f"at {cron} (UTC)"
        else:
            assert minutes is not None
            schedule, when = events.Schedule.rate(Duration.minutes(minutes)), f"every {minutes} minutes"
        age = schedule_event_age(minutes, cron)
        handler.configure_async_invoke(
            on_failure=destinations.SqsDestination(queue), retry_attempts=RUN_RETRIES, max_event_age=age
        )
        rule = events.Rule(
            self,
            f"{cid}Schedule",
            rule_name=names.schedule_rule_name(config.stage, function),
            description=f"Sunlight {config.stage}: runs {function.logical} {when}",
            schedule=schedule,
            targets=[
                targets.LambdaFunction(
                    handler, dead_letter_queue=queue, retry_attempts=DELIVERY_RETRIES, max_event_age=age
                )
            ],
        )
        return Scheduled(handler, rule, queue, minutes, cron)
