"""Scheduled functions: an EventBridge rule for each `sunlight.spec.FUNCTIONS` entry with a schedule.

The deadline sweep runs every `schedule_minutes` (the stage's `sweep_minutes` overrides it). A run
that fails does not vanish: EventBridge retries delivery and sends what it cannot deliver to the
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
from sunlight import spec

from infra import names
from infra.config import StageConfig
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


@dataclass(frozen=True)
class Scheduled:
    function: lambda_.Function
    rule: events.Rule
    dead_letter_queue: sqs.Queue
    minutes: int


class Schedules(Construct):
    """By spec logical name (`scheduled["sweep"]`): the rule, its dead-letter queue and the rate."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, compute: Compute) -> None:
        super().__init__(scope, construct_id)
        self.scheduled: dict[str, Scheduled] = {}
        for function in spec.FUNCTIONS:
            minutes = config.schedule_minutes_of(function)
            if minutes is not None:
                self.scheduled[function.logical] = self._schedule(
                    config, function, compute.functions[function.logical], minutes
                )

    def _schedule(
        self, config: StageConfig, function: spec.Function, handler: lambda_.Function, minutes: int
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
        age = event_age(minutes)
        handler.configure_async_invoke(
            on_failure=destinations.SqsDestination(queue), retry_attempts=RUN_RETRIES, max_event_age=age
        )
        rule = events.Rule(
            self,
            f"{cid}Schedule",
            rule_name=names.schedule_rule_name(config.stage, function),
            description=f"Sunlight {config.stage}: runs {function.logical} every {minutes} minutes",
            schedule=events.Schedule.rate(Duration.minutes(minutes)),
            targets=[
                targets.LambdaFunction(
                    handler, dead_letter_queue=queue, retry_attempts=DELIVERY_RETRIES, max_event_age=age
                )
            ],
        )
        return Scheduled(handler, rule, queue, minutes)
