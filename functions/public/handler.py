"""The citizens' public API (API Gateway REST, Lambda proxy, no key): routes to use cases, errors mapped once.

Look-ups answer 200 with `found: false` when nothing matches, never 404 (which would tell a number
exists); 429 when a number has had too many failed look-ups this minute; 422 for a malformed request.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from sunlight.app.bootstrap import from_environment
from sunlight.app.services import Services
from sunlight.approval.domain.records import problems_of
from sunlight.citizens import service as public
from sunlight.complaints import service as complaints
from sunlight.evaluation.service import reports
from sunlight.kernel import errors_http
from sunlight.kernel.observability import lambda_entry

app = APIGatewayRestResolver(enable_validation=True)
errors_http.register(app, problems_of, errors_http.PUBLIC)


def _services() -> Services:
    services: Services = app.context.get("services") or from_environment()[0]
    return services


@app.get("/public/items", summary="The service guide: items with limits, fees, stages, on-time rate")
def items(
    q: Annotated[str | None, Query(max_length=100)] = None,
    dept_code: Annotated[str | None, Query(max_length=18)] = None,
) -> dict[str, Any]:
    return public.guide(_services(), q, dept_code)


@app.post("/public/progress", summary="A case's progress, given its number and query code")
def progress(query: Annotated[public.ProgressQuery, Body()]) -> dict[str, Any]:
    return public.progress(query, _services())


@app.post("/public/complaints", summary="File a complaint or enquiry (anonymous allowed)")
def file_complaint(filing: Annotated[complaints.Filing, Body()]) -> Response[dict[str, Any]]:
    return Response(201, content_types.APPLICATION_JSON, complaints.file(filing, _services()))


@app.post("/public/complaints/status", summary="A complaint's status, given its number and query code")
def complaint_status(lookup: Annotated[complaints.ComplaintLookup, Body()]) -> dict[str, Any]:
    return complaints.status(lookup, _services())


@app.post("/public/complaints/rating", summary="Rate the answer to a complaint (1-5)")
def rate_complaint(rating: Annotated[complaints.RatingRequest, Body()]) -> dict[str, Any]:
    return complaints.rate_reply(rating, _services())


@app.get("/public/rankings", summary="Departments' scores and ranks for a period, with the cut-off date")
def rankings(
    period: Annotated[str | None, Query(pattern=r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")] = None,
) -> dict[str, Any]:
    return public.rankings(_services(), period)


@app.get("/public/trend", summary="The city's on-time and early-completion rates by month (SVG)")
def trend() -> Response[str]:
    svg = reports.public_trend(_services())
    return Response(
        200, "image/svg+xml; charset=utf-8", svg, headers={"Cache-Control": "public, max-age=300"}
    )


@lambda_entry
def handler(event: dict[str, Any], context: Any, services: Services | None = None) -> dict[str, Any]:
    if services is not None:
        app.append_context(services=services)  # type: ignore[no-untyped-call]
    return app.resolve(event, context)
