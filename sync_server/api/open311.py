"""``/open311/v2/``: Open311 GeoReport v2 over the feedback cases, in JSON and XML.

Each resource answers in the format its suffix names (``services.json``, ``services.xml``), as
the specification does; both are separate routes, so the OpenAPI schema (``/openapi.json``)
describes the JSON answers exactly and the XML ones as ``application/xml``. Errors are the
spec's error arrays (``[{"code": 400, "description": "..."}]``, ``<errors><error>``), never
FastAPI's 422: every parameter is read as text and checked here. Routes are thin: parse, call
``services.open311``, shape with ``services.open311_spec``.

- ``GET discovery``; ``GET services`` (``locale``); ``GET services/{service_code}``;
- ``POST requests`` (form-encoded, ``api_key`` required: 403 without a valid one);
- ``GET tokens/{token}``; ``GET requests`` (``service_request_id``, ``service_code``,
  ``start_date``, ``end_date``, ``status``, ``extensions``); ``GET requests/{id}``.
``jurisdiction_id`` is accepted and ignored (one jurisdiction).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from sync_server.api.deps import KeysDep, SessionDep, SettingsDep
from sync_server.services import open311
from sync_server.services.feedback_router import router_for
from sync_server.services.open311_spec import (
    STATUS_GROUPS,
    Open311Error,
    error_rows,
    locale_of,
    parse_w3c,
    request_fields,
    to_xml,
    w3c,
)
from sync_server.web.i18n import translate

__all__ = ["router"]

router = APIRouter(prefix="/open311/v2", tags=["open311"])
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_SPAN = timedelta(days=90)
XML = "application/xml; charset=utf-8"


# -- response models (the OpenAPI schema of the JSON answers) ------------------------------------


class ErrorItem(BaseModel):
    code: int
    description: str


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class Created(BaseModel):
    service_request_id: str | None
    token: str | None
    service_notice: str | None
    account_id: str | None


class TokenAnswer(BaseModel):
    service_request_id: str | None
    token: str


class ExtendedAttributes(BaseModel):
    title: str | None
    detailed_status: str
    media_urls: list[str]


class ServiceRequest(BaseModel):
    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    extended_attributes: ExtendedAttributes | None = None


def _docs(*errors: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route for one format: the JSON model or XML text, and the errors."""
    return {code: {"model": list[ErrorItem], "description": "Open311 error array"} for code in errors}


def _xml_docs(*errors: int) -> dict[int | str, dict[str, Any]]:
    xml = {"content": {"application/xml": {"schema": {"type": "string"}}}}
    docs: dict[int | str, dict[str, Any]] = {200: {"description": "GeoReport v2 XML", **xml}}
    for code in errors:
        docs[code] = {"description": "Open311 errors (<errors><error>)", **xml}
    return docs


# -- answers ------------------------------------------------------------------------------------


def _answer(fmt: str, data: Any, *, root: str, item: str | None = None, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, data, item=item), status_code=status, media_type=XML)
    return JSONResponse(data, status_code=status)


def _errors(fmt: str, errors: Sequence[Open311Error]) -> Response:
    status = max(e.code for e in errors)
    return _answer(fmt, error_rows(errors), root="errors", item="error", status=status)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


# -- routes, one per format ---------------------------------------------------------------------


def _discovery(fmt: str) -> None:
    @router.get(
        f"/discovery.{fmt}",
        name=f"open311_discovery_{fmt}",
        response_model=Discovery if fmt == "json" else None,
        responses=_xml_docs() if fmt == "xml" else None,
        response_class=JSONResponse if fmt == "json" else Response,
    )
    def discovery(request: Request, locale: str | None = None) -> Response:
        lang = locale_of(locale)
        base = str(request.base_url).rstrip("/") + "/open311/v2"
        changeset = w3c(_now(request)) or ""
        data = {
            "changeset": changeset,
            "contact": translate(lang, "open311.contact"),
            "key_service": translate(lang, "open311.key_service"),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
        return _answer(fmt, data, root="discovery")


def _services(fmt: str) -> None:
    @router.get(
        f"/services.{fmt}",
        name=f"open311_services_{fmt}",
        response_model=list[Service] if fmt == "json" else None,
        responses=_xml_docs() if fmt == "xml" else None,
        response_class=JSONResponse if fmt == "json" else Response,
    )
    def services(session: SessionDep, locale: str | None = None, jurisdiction_id: str | None = None) -> Response:
        with session.begin():
            entries = open311.open_services(session)
        return _answer(fmt, open311.service_rows(entries, locale_of(locale)), root="services", item="service")

    @router.get(
        f"/services/{{service_code}}.{fmt}",
        name=f"open311_service_definition_{fmt}",
        response_model=ServiceDefinition if fmt == "json" else None,
        responses=_xml_docs(404) if fmt == "xml" else _docs(404),
        response_class=JSONResponse if fmt == "json" else Response,
    )
    def definition(
        service_code: str, session: SessionDep, locale: str | None = None, jurisdiction_id: str | None = None
    ) -> Response:
        lang = locale_of(locale)
        with session.begin():
            entry = next((e for e in open311.open_services(session) if e.code == service_code), None)
        if entry is None:
            return _errors(fmt, [Open311Error(404, f"service_code {service_code!r} is not a service of this endpoint")])
        data = open311.service_definition(entry, lang, place_label=translate(lang, "open311.place"))
        return _answer(fmt, data, root="service_definition")


def _post(fmt: str) -> None:
    @router.post(
        f"/requests.{fmt}",
        name=f"open311_create_request_{fmt}",
        response_model=list[Created] if fmt == "json" else None,
        responses=_xml_docs(400, 403, 404) if fmt == "xml" else _docs(400, 403, 404),
        response_class=JSONResponse if fmt == "json" else Response,
    )
    def create(
        request: Request,
        session: SessionDep,
        settings: SettingsDep,
        keys: KeysDep,
        api_key: Annotated[str | None, Form()] = None,
        service_code: Annotated[str | None, Form()] = None,
        description: Annotated[str | None, Form()] = None,
        title: Annotated[str | None, Form()] = None,
        place: Annotated[str | None, Form(alias="attribute[place]")] = None,
        lat: Annotated[str | None, Form()] = None,
        long: Annotated[str | None, Form()] = None,
        address_string: Annotated[str | None, Form()] = None,
        media_url: Annotated[str | None, Form()] = None,
        email: Annotated[str | None, Form()] = None,
        phone: Annotated[str | None, Form()] = None,
        first_name: Annotated[str | None, Form()] = None,
        last_name: Annotated[str | None, Form()] = None,
        locale: Annotated[str | None, Form()] = None,
        jurisdiction_id: Annotated[str | None, Form()] = None,
    ) -> Response:
        now = _now(request)
        application = open311.check_key(session, api_key, now=now)
        if application is None:
            return _errors(fmt, [Open311Error(403, "a valid api_key is required to create a service request")])
        form: Mapping[str, str | None] = {
            "service_code": service_code,
            "description": description,
            "title": title,
            "attribute[place]": place,
            "lat": lat,
            "long": long,
            "address_string": address_string,
            "media_url": media_url,
            "email": email,
            "phone": phone,
            "first_name": first_name,
            "last_name": last_name,
            "locale": locale,
        }
        outcome = open311.submit(
            session,
            keys,
            settings.data_dir,
            form=form,
            application=application,
            now=now,
            router=router_for(settings.data_dir),
        )
        if outcome.errors:
            return _errors(fmt, outcome.errors)
        row = {
            "service_request_id": outcome.service_request_id,
            "token": outcome.token,
            "service_notice": None,
            "account_id": None,
        }
        return _answer(fmt, [row], root="service_requests", item="request")


def _tokens(fmt: str) -> None:
    @router.get(
        f"/tokens/{{token}}.{fmt}",
        name=f"open311_token_{fmt}",
        response_model=list[TokenAnswer] if fmt == "json" else None,
        responses=_xml_docs(404) if fmt == "xml" else _docs(404),
        response_class=JSONResponse if fmt == "json" else Response,
    )
    def token(token: str, session: SessionDep, jurisdiction_id: str | None = None) -> Response:
        known, reference = open311.token_status(session, token)
        if not known:
            return _errors(fmt, [Open311Error(404, f"token {token!r} is not known")])
        return _answer(
            fmt, [{"service_request_id": reference, "token": token}], root="service_requests", item="request"
        )


def _date(name: str, value: str | None, errors: list[Open311Error]) -> datetime | None:
    if not value:
        return None
    try:
        return parse_w3c(value)
    except ValueError:
        errors.append(Open311Error(400, f"{name} {value!r} is not a W3C date-time such as 2026-11-29T10:00:00Z"))
        return None


def _requests(fmt: str) -> None:
    @router.get(
        f"/requests.{fmt}",
        name=f"open311_requests_{fmt}",
        response_model=list[ServiceRequest] if fmt == "json" else None,
        responses=_xml_docs(400) if fmt == "xml" else _docs(400),
        response_class=JSONResponse if fmt == "json" else Response,
    )
    def requests(
        request: Request,
        session: SessionDep,
        service_request_id: str | None = None,
        service_code: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        status: str | None = None,
        extensions: str | None = None,
        locale: str | None = None,
        jurisdiction_id: str | None = None,
    ) -> Response:
        errors: list[Open311Error] = []
        start, end = _date("start_date", start_date, errors), _date("end_date", end_date, errors)
        if start is not None and end is not None and (end < start or end - start > MAX_SPAN):
            errors.append(Open311Error(400, "start_date must come before end_date, at most 90 days apart"))
        if status and any(part.strip().lower() not in STATUS_GROUPS for part in status.split(",")):
            errors.append(Open311Error(400, "status is open, closed or both (comma-separated)"))
        if errors:
            return _errors(fmt, errors)
        facts = open311.find_requests(
            session,
            lang=locale_of(locale),
            ids=service_request_id,
            codes=service_code,
            start=start,
            end=end,
            status=status,
            now=_now(request),
        )
        rows = [request_fields(f, extensions=_flag(extensions)) for f in facts]
        return _answer(fmt, rows, root="service_requests", item="request")

    @router.get(
        f"/requests/{{service_request_id}}.{fmt}",
        name=f"open311_request_{fmt}",
        response_model=list[ServiceRequest] if fmt == "json" else None,
        responses=_xml_docs(404) if fmt == "xml" else _docs(404),
        response_class=JSONResponse if fmt == "json" else Response,
    )
    def one(
        request: Request,
        service_request_id: str,
        session: SessionDep,
        extensions: str | None = None,
        locale: str | None = None,
        jurisdiction_id: str | None = None,
    ) -> Response:
        facts = []
        if "," not in service_request_id:
            facts = open311.find_requests(session, lang=locale_of(locale), ids=service_request_id, now=_now(request))
        if not facts:
            return _errors(fmt, [Open311Error(404, f"there is no service request {service_request_id!r}")])
        rows = [request_fields(f, extensions=_flag(extensions)) for f in facts[:1]]
        return _answer(fmt, rows, root="service_requests", item="request")


for _fmt in ("json", "xml"):
    _discovery(_fmt)
    _services(_fmt)
    _post(_fmt)
    _tokens(_fmt)
    _requests(_fmt)
