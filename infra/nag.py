"""cdk-nag (v3) on the app, and the one way the constructs acknowledge a finding.

cdk-nag 3 is a CDK policy-validation plugin, not an Aspect: `Validations.of(app).add_plugins(...)`
runs the AwsSolutions pack when the app is synthesised and fails the synthesis on any error that
was not acknowledged. An acknowledgement names the rule, or one finding of a granular rule
(`AwsSolutions-IAM5[Resource::...]`), on the construct it concerns, and always says why.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

MIN_REASON_CHARS = 40


def apply_checks(app: App) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    if len(reason) < MIN_REASON_CHARS:
        raise ValueError(f"acknowledging {rule}: say why in at least {MIN_REASON_CHARS} characters")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))
