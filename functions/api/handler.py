"""The exchange API (API Gateway REST, Lambda proxy): routes to use cases, errors mapped once."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, Field
from sunlight.alerts.service import desk as alert_desk
from sunlight.alerts.service import staff
from sunlight.app import spec
from sunlight.app.bootstrap import from_environment
from sunlight.app.services import Services
from sunlight.approval.domain.catalog import CREDIT_CODE
from sunlight.approval.domain.records import problems_of
from sunlight.approval.service import intake, queries, versions
from sunlight.complaints import service as complaints
from sunlight.evaluation.service import reports
from sunlight.evaluation.service import scores as evaluation
from sunlight.kernel import errors_http
from sunlight.kernel.access import Forbidden, Principal
from sunlight.kernel.observability import lambda_entry

app = APIGatewayRestResolver(enable_validation=True)
errors_http.register(app, problems_of, errors_http.EXCHANGE)


class Batch(BaseModel):
    """A batch of exchange records (see the exchange format v1)."""

    records: list[dict[str, Any]] = Field(min_length=1, max_length=spec.MAX_BATCH)


class RecordProblem(BaseModel):
    field: str
    problem: str
    got: Any = None


class RecordResult(BaseModel):
    index: int
    status: str = Field(description="stored, duplicate or rejected")
    case_no: str | None = None
    type: str | None = None
    seq: int | None = None
    errors: list[RecordProblem] = Field(default_factory=list)


class BatchResult(BaseModel):
    results: list[RecordResult]
    stored: int
    duplicate: int
    rejected: int


def _services() -> Services:
    services: Services = app.context.get("services") or from_environment()[0]
    return services


def _principal() -> Principal:
    context = app.current_event.raw_event.get("requestContext", {}).get("authorizer")
    return Principal.from_context(context)


@app.post("/v1/records", summary="Submit a batch of up to 500 exchange records")
def submit_records(batch: Annotated[Batch, Body()]) -> BatchResult:
    return BatchResult.model_validate(intake.submit(batch.records, _principal(), _services()))


@app.put("/v1/items/<item_code>", summary="Create or replace a catalogue item (supervision office)")
def put_item(item_code: str, item: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    return queries.put_item(item_code, item, _principal(), _services())


@app.get("/v1/items", summary="The item catalogue")
def list_items() -> dict[str, Any]:
    _principal()
    return queries.catalogue(_services())


@app.get("/v1/cases/<case_no>", summary="A case: timeline, stage, clock and alerts")
def get_case(case_no: str) -> dict[str, Any]:
    return queries.case_view(case_no, _principal(), _services())


@app.get("/v1/alerts", summary="Alerts, newest first, filtered, with cursor pagination")
def list_alerts(
    dept_code: Annotated[str | None, Query()] = None,
    region_code: Annotated[str | None, Query()] = None,
    level: Annotated[str | None, Query(pattern="^(warning|yellow_card|red_card)$")] = None,
    rule: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    raised_from: Annotated[str | None, Query(alias="from")] = None,
    raised_to: Annotated[str | None, Query(alias="to")] = None,
    cursor: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 50,
) -> dict[str, Any]:
    given = {
        "dept_code": dept_code,
        "region_code": region_code,
        "level": level,
        "rule": rule,
        "status": status,
        "from": raised_from,
        "to": raised_to,
        "cursor": cursor,
        "limit": str(limit),
    }
    return queries.alerts(_principal(), {k: v for k, v in given.items() if v}, _services())


@app.get("/v1/alerts/<alert_id>", summary="An alert with its history")
def get_alert(alert_id: str) -> dict[str, Any]:
    return alert_desk.get_alert(alert_id, _principal(), _services())


@app.post("/v1/alerts/<alert_id>/appeal", summary="Appeal a card (the department it is about)")
def appeal_alert(alert_id: str, body: Annotated[alert_desk.Appeal, Body()]) -> dict[str, Any]:
    return alert_desk.appeal(alert_id, body, _principal(), _services())


@app.post("/v1/alerts/<alert_id>/decision", summary="Uphold or dismiss an appeal (the supervision office)")
def decide_appeal(alert_id: str, body: Annotated[alert_desk.Decision, Body()]) -> dict[str, Any]:
    return alert_desk.decide(alert_id, body, _principal(), _services())


@app.get("/v1/alerts/<alert_id>/document", summary="The written directive of a card (PDF, or HTML)")
def get_document(  # type: ignore[no-untyped-def]  # no return annotation: bytes have no response model
    alert_id: str, fmt: Annotated[str, Query(alias="format", pattern="^(pdf|html)$")] = "pdf"
):
    body, content_type = alert_desk.document(alert_id, fmt, _principal(), _services())
    return Response(200, content_type, body)


@app.put("/v1/staff/<handler_id>", summary="Register a member of staff for text alerts (the department)")
def put_staff(handler_id: str, body: Annotated[staff.StaffEntry, Body()]) -> dict[str, Any]:
    return staff.register(handler_id, body, _principal(), _services())


@app.get("/v1/complaints", summary="Complaints the caller may see (office: its region; department: its own)")
def list_complaints(
    state: Annotated[str | None, Query(pattern="^[a-z]+$")] = None,
    cursor: Annotated[str | None, Query(pattern="^[0-9]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=complaints.MAX_PAGE)] = 50,
) -> dict[str, Any]:
    given = {"state": state, "cursor": cursor, "limit": str(limit)}
    return complaints.listing(_principal(), {k: v for k, v in given.items() if v}, _services())


@app.get("/v1/complaints/<complaint_no>", summary="A complaint with its history")
def get_complaint(complaint_no: str) -> dict[str, Any]:
    return complaints.get(complaint_no, _principal(), _services())


@app.post("/v1/complaints/<complaint_no>/steps", summary="Move a complaint (accept, reject, direct, reply …)")
def move_complaint(complaint_no: str, body: Annotated[complaints.StepRequest, Body()]) -> dict[str, Any]:
    return complaints.step(complaint_no, body, _principal(), _services())


PERIOD = r"^(\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?)$"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
VERSION = r"^[A-Za-z0-9._-]{1,40}$"


@app.get("/v1/scoring/standard", summary="The current scoring standard (or a named version) and the versions")
def get_standard(version: Annotated[str | None, Query(pattern=VERSION)] = None) -> dict[str, Any]:
    _principal()
    return evaluation.standard_view(version, _services())


@app.put("/v1/scoring/standard", summary="Load a new version of the scoring standard (supervision office)")
def put_standard(body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    return evaluation.load_standard(body, _principal(), _services())


@app.post("/v1/scoring/adjustments", summary="A sanction or a deduction decided by the office")
def post_adjustment(body: Annotated[evaluation.Adjustment, Body()]) -> dict[str, Any]:
    return evaluation.adjust(body, _principal(), _services())


@app.post("/v1/scoring/runs", summary="Score the open months now and keep the scores (supervision office)")
def post_scoring_run() -> dict[str, Any]:
    if _principal().role != "office":
        raise Forbidden("only the supervision office runs the scoring")
    return {"scored": evaluation.score_open_months(_services())}


@app.get("/v1/scores", summary="Scores ranked for a period, beside the average and the previous period")
def get_scores(
    scope: Annotated[str, Query(pattern="^(dept|staff)$")] = "dept",
    period: Annotated[str | None, Query(pattern=PERIOD)] = None,
    version: Annotated[str | None, Query(pattern=VERSION)] = None,
) -> dict[str, Any]:
    return evaluation.ranking(scope, period, _services(), _principal(), version)


@app.get("/v1/scores/explain", summary="One unit's score: sections, each deduction and bonus, the evidence")
def explain_score(
    dept_code: Annotated[str, Query(pattern=CREDIT_CODE)],
    period: Annotated[str, Query(pattern=PERIOD)],
    handler_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    version: Annotated[str | None, Query(pattern=VERSION)] = None,
) -> dict[str, Any]:
    unit = evaluation.unit_key(dept_code, handler_id)
    return evaluation.explain(unit, period, _principal(), _services(), version)


@app.get("/v1/scores/trend", summary="One unit's monthly scores over a range of months")
def score_trend(
    dept_code: Annotated[str, Query(pattern=CREDIT_CODE)],
    first: Annotated[str, Query(alias="from", pattern=MONTH)],
    last: Annotated[str, Query(alias="to", pattern=MONTH)],
    handler_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> dict[str, Any]:
    unit = evaluation.unit_key(dept_code, handler_id)
    return evaluation.trend(unit, first, last, _principal(), _services())


@app.get("/v1/reports/<scope>", summary="Statistics per department, member of staff or region")
def get_report(  # type: ignore[no-untyped-def]  # JSON, CSV or XLSX: no single response model
    scope: str,
    period: Annotated[str, Query(pattern=reports.PERIOD)] = "month",
    fmt: Annotated[str, Query(alias="format", pattern="^(json|csv|xlsx)$")] = "json",
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
):
    body, content_type, filename = reports.report(scope, period, fmt, lang, _principal(), _services())
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if fmt != "json" else None
    return Response(200, content_type, body, headers=headers)


@app.get("/v1/reports/<scope>/trend", summary="A trend chart of one figure per unit by month (SVG)")
def get_report_trend(  # type: ignore[no-untyped-def]  # SVG
    scope: str,
    metric: Annotated[str, Query(pattern=reports.METRIC)] = "on_time_rate",
    first: Annotated[str | None, Query(alias="from", pattern=MONTH)] = None,
    last: Annotated[str | None, Query(alias="to", pattern=MONTH)] = None,
    units: Annotated[str | None, Query(max_length=400)] = None,
):
    chosen = [u for u in (units or "").split(",") if u]
    svg = reports.trend_chart(scope, metric, first, last, chosen, _principal(), _services())
    return Response(200, "image/svg+xml; charset=utf-8", svg)


@app.get("/v1/calendars", summary="The calendar versions, the active one, and the years it leaves uncovered")
def list_calendars() -> dict[str, Any]:
    return versions.list_versions("calendar", _principal(), _services())


@app.get("/v1/rules", summary="The rule-configuration versions and the active one")
def list_rules() -> dict[str, Any]:
    return versions.list_versions("rules", _principal(), _services())


@app.get("/v1/calendars/<version>", summary="One calendar version as loaded")
def get_calendar(version: str) -> dict[str, Any]:
    return versions.get_version("calendar", version, _principal(), _services())


@app.get("/v1/rules/<version>", summary="One rule-configuration version as loaded")
def get_rules(version: str) -> dict[str, Any]:
    return versions.get_version("rules", version, _principal(), _services())


@app.put("/v1/calendars/<version>", summary="Load a calendar version (supervision office; never edited)")
def put_calendar(version: str, body: Annotated[dict[str, Any], Body()]) -> Response[dict[str, Any]]:
    status, view = versions.load_version("calendar", version, body, _principal(), _services())
    return Response(status, content_types.APPLICATION_JSON, view)


@app.put(
    "/v1/rules/<version>", summary="Load a rule-configuration version (supervision office; never edited)"
)
def put_rules(version: str, body: Annotated[dict[str, Any], Body()]) -> Response[dict[str, Any]]:
    status, view = versions.load_version("rules", version, body, _principal(), _services())
    return Response(status, content_types.APPLICATION_JSON, view)


@app.post("/v1/calendars/<version>/activate", summary="Activate a calendar version; re-judge the open cases")
def activate_calendar(version: str) -> dict[str, Any]:
    return versions.activate("calendar", version, _principal(), _services())


@app.post("/v1/rules/<version>/activate", summary="Activate a rule configuration; re-judge the open cases")
def activate_rules(version: str) -> dict[str, Any]:
    return versions.activate("rules", version, _principal(), _services())


@app.get("/v1/openapi.json", summary="This API's OpenAPI description")
def openapi() -> Response[str]:
    body = app.get_openapi_json_schema(title="Sunlight exchange API", version="1.0.0")
    return Response(200, content_types.APPLICATION_JSON, body)


@lambda_entry
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    if services is not None:
        app.append_context(services=services)
    return app.resolve(event, context)
