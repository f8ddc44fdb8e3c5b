"""cdk-nag (v3) on the app, and the one way the constructs acknowledge a finding.

cdk-nag 3 is a CDK policy-validation plugin, not an Aspect: `Validations.of(app).add_plugins(...)`
runs the AwsSolutions pack when the app is synthesised and writes every finding that was not
acknowledged to `validation-report.json` in the cloud assembly. An acknowledgement names the rule,
or one finding of a granular rule (`AwsSolutions-IAM5[Resource::...]`), on the construct it concerns
(and so on its children), and always says why.

The CDK CLI synthesises with `@aws-cdk/core:failSynthOnValidationErrors` off, so a finding would
only be printed; `synthesize` reads the report and the app exits non-zero on any finding.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

MIN_REASON_CHARS = 40
REPORT_FILE = "validation-report.json"


def apply_checks(app: App) -> None:
    # write_suppressions_to_cloud_formation: the reasons also appear in the template's Metadata.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    if len(reason) < MIN_REASON_CHARS:
        raise ValueError(f"acknowledging {rule}: say why in at least {MIN_REASON_CHARS} characters")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


def findings(outdir: str | Path) -> list[str]:
    """Every unacknowledged finding in the assembly's validation report, one line each."""
    report = Path(outdir) / REPORT_FILE
    if not report.is_file():
        return []
    lines = []
    for plugin in json.loads(report.read_text(encoding="utf-8")).get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                lines.append(
                    f"{violation.get('severity', '?')} {violation['ruleName']} at "
                    f"{construct['constructPath']}: {violation.get('description', '')}"
                )
    return lines


def synthesize(app: App) -> list[str]:
    """Synthesise `app` and return its unacknowledged findings (empty when the checks pass)."""
    try:
        app.synth()
    except RuntimeError as error:  # raised when failSynthOnValidationErrors is on (outside the CLI)
        if "ValidationFailed" not in str(error):
            raise
    return findings(app.outdir)
