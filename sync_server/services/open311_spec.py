"""Open311 GeoReport v2, the pure part: field shapes, status mapping, validation and XML.

Nothing here touches the database; ``services.open311`` gathers the facts and these functions
shape them the way the specification (http://wiki.open311.org/GeoReport_v2) and Helsinki's
extensions (``extensions=true``: ``extended_attributes`` with ``title``, ``detailed_status``,
``media_urls``) spell them.

- ``open311_status``: ``received``/``in_process`` are ``open``; ``processed``/``rejected``
  are ``closed``. ``DETAILED_STATUS`` gives Helsinki's detailed status of each.
- ``request_fields(facts, extensions=...)``: one service request as the spec's fields. Only
  non-personal facts are shown for every case (code, status, topic, place, team, times);
  ``description`` (the citizen's words) and ``status_notes`` (the answer) only once the case
  is published with its answer; contact details never.
- ``check_submission(form, ...)``: a POST's fields, checked; returns a ``Submission`` or the
  list of ``Open311Error`` the spec's error array carries.
- ``to_xml(root, rows)``: the spec's XML (``<services><service>...``), list fields as repeated
  child elements (``<values><value>``), None as an empty element, booleans ``true``/``false``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from shared_models.bodies import MAX_MESSAGE

__all__ = [
    "DETAILED_STATUS",
    "FORMATS",
    "LOCALES",
    "MAX_DESCRIPTION",
    "Open311Error",
    "RequestFacts",
    "Submission",
    "check_submission",
    "error_rows",
    "locale_of",
    "open311_status",
    "parse_w3c",
    "request_fields",
    "sent_extras",
    "statuses_named",
    "to_xml",
    "w3c",
]

FORMATS = ("json", "xml")
LOCALES = ("fi", "sv", "en")
HELSINKI = ZoneInfo("Europe/Helsinki")
MAX_DESCRIPTION = 4000
MAX_TITLE = 200
MAX_FIELD = 200
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "open": ("received", "in_process"),
    "closed": ("processed", "rejected"),
}
DETAILED_STATUS: dict[str, str] = {
    "received": "RECEIVED",
    "in_process": "IN_PROCESS",
    "processed": "PROCESSED",
    "rejected": "REJECTED",
}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{5,30}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Repeated child elements of list fields in the XML.
_ITEM_TAGS = {
    "attributes": "attribute",
    "values": "value",
    "media_urls": "media_url",
    "endpoints": "endpoint",
    "formats": "format",
}


def locale_of(value: str | None) -> str:
    """``fi``, ``sv`` or ``en`` from a locale parameter (``sv``, ``sv_FI``, ``en-GB``); Finnish otherwise."""
    lang = (value or "").strip().lower()[:2]
    return lang if lang in LOCALES else "fi"


def open311_status(status: str) -> str:
    """The spec's ``open`` or ``closed`` for one of the case statuses."""
    return "closed" if status in STATUS_GROUPS["closed"] else "open"


def statuses_named(status_filter: str) -> tuple[str, ...]:
    """The case statuses an Open311 ``status`` filter (``open``, ``closed`` or both, comma-separated) names."""
    wanted: list[str] = []
    for part in status_filter.split(","):
        wanted.extend(STATUS_GROUPS[part.strip().lower()])
    return tuple(wanted)


def w3c(moment: datetime | None) -> str | None:
    """A W3C date-time in Helsinki time with its offset (``2026-11-29T12:00:00+02:00``)."""
    if moment is None:
        return None
    return moment.astimezone(HELSINKI).replace(microsecond=0).isoformat()


def parse_w3c(text: str) -> datetime:
    """A W3C date-time (``2026-11-29T10:00:00Z``, ``...+02:00``) or date; naive times are Helsinki's.
    Raises ValueError."""
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), HELSINKI)
    moment = datetime.fromisoformat(text.replace("z", "Z"))
    return moment if moment.tzinfo else moment.replace(tzinfo=HELSINKI)


@dataclass(frozen=True)
class RequestFacts:
    """What may be said about one case in public (``services.open311`` fills it in)."""

    service_request_id: str
    status: str  # received | in_process | processed | rejected
    service_code: str
    service_name: str | None
    agency_responsible: str | None  # the team's name
    address: str | None  # the place's name
    requested: datetime
    updated: datetime
    expected: datetime | None  # when a reply is promised
    published: bool
    description: str | None = None  # the message, only when published
    status_notes: str | None = None  # the published answer
    media_urls: tuple[str, ...] = field(default_factory=tuple)
    lat: float | None = None  # as the sender gave them (kept in the message), when published
    long: float | None = None


def _title(description: str | None) -> str | None:
    if not description:
        return None
    first = description.strip().splitlines()[0].strip()
    return first if len(first) <= 120 else first[:119].rstrip() + "…"


def request_fields(facts: RequestFacts, *, extensions: bool = False) -> dict[str, Any]:
    """One service request in the spec's field order; the words only when the case is published."""
    fields: dict[str, Any] = {
        "service_request_id": facts.service_request_id,
        "status": open311_status(facts.status),
        "status_notes": facts.status_notes if facts.published else None,
        "service_name": facts.service_name,
        "service_code": facts.service_code,
        "description": facts.description if facts.published else None,
        "agency_responsible": facts.agency_responsible,
        "service_notice": None,
        "requested_datetime": w3c(facts.requested),
        "updated_datetime": w3c(facts.updated),
        "expected_datetime": w3c(facts.expected),
        "address": facts.address,
        "address_id": None,
        "zipcode": None,
        "lat": facts.lat if facts.published else None,
        "long": facts.long if facts.published else None,
        "media_url": (facts.media_urls[0] if facts.media_urls and facts.published else None),
    }
    if extensions:
        fields["extended_attributes"] = {
            "title": _title(facts.description) if facts.published else None,
            "detailed_status": DETAILED_STATUS.get(facts.status, facts.status.upper()),
            "media_urls": list(facts.media_urls) if facts.published else [],
        }
    return fields


# -- POST requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Open311Error:
    code: int
    description: str


def error_rows(errors: Sequence[Open311Error]) -> list[dict[str, Any]]:
    return [{"code": e.code, "description": e.description} for e in errors]


@dataclass(frozen=True)
class Submission:
    """A checked POST: what becomes the ``feedback.item`` body (the contact is sealed by the caller)."""

    service_code: str
    message: str
    lang: str
    place: str | None
    contact: dict[str, str]  # name, email, phone as given; empty when none


def _clean(value: str | None) -> str:
    return _CONTROL.sub("", value or "").strip()


def _coordinate(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def sent_extras(message: str) -> tuple[tuple[str, ...], float | None, float | None]:
    """(media URLs, lat, long) that ``check_submission`` kept in a message as labelled lines."""
    urls: list[str] = []
    lat = lon = None
    for line in message.splitlines():
        if line.startswith("media_url: "):
            urls.append(line[len("media_url: ") :])
        elif line.startswith("lat/long: "):
            parts = line[len("lat/long: ") :].split(",")
            if len(parts) == 2:
                lat, lon = _coordinate(parts[0], -90, 90), _coordinate(parts[1], -180, 180)
    return tuple(urls), lat, lon


def check_submission(
    form: Mapping[str, str | None],
    *,
    service_codes: Sequence[str],
    places: Sequence[str] | None,
) -> Submission | list[Open311Error]:
    """Check a POST's fields (``service_code``, ``description``, ``title``, ``attribute[place]``,
    ``lat``/``long``, ``address_string``, ``media_url``, ``email``, ``phone``, ``first_name``,
    ``last_name``, ``locale``). ``places`` are the place ids of the service's process (None when
    the code is unknown). Where the spec has no field of the record (``title``, the address,
    coordinates, a picture's URL) it is kept in the message as a labelled line, so nothing is lost.
    """
    errors: list[Open311Error] = []
    code = _clean(form.get("service_code"))
    if not code:
        errors.append(Open311Error(400, "service_code is required"))
    elif code not in service_codes:
        errors.append(Open311Error(404, f"service_code {code!r} is not a service of this endpoint"))
    description = (form.get("description") or "").replace("\r\n", "\n")
    description = _CONTROL.sub("", description).strip()
    if not description:
        errors.append(Open311Error(400, "description is required and may not be empty"))
    elif len(description) > MAX_DESCRIPTION:
        errors.append(Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters"))
    title = _clean(form.get("title"))
    if len(title) > MAX_TITLE:
        errors.append(Open311Error(400, f"title is longer than {MAX_TITLE} characters"))
    place = _clean(form.get("attribute[place]")) or None
    if place is not None and places is not None and place not in places:
        errors.append(Open311Error(400, f"attribute[place] {place!r} is not one of the service's places"))
    lat_text, long_text = _clean(form.get("lat")), _clean(form.get("long"))
    lines: list[str] = []
    if lat_text or long_text:
        lat = _coordinate(lat_text, -90, 90)
        lon = _coordinate(long_text, -180, 180)
        if lat is None or lon is None:
            errors.append(Open311Error(400, "lat and long must both be given as WGS84 decimal degrees"))
        else:
            lines.append(f"lat/long: {lat:.6f}, {lon:.6f}")
    for name in ("address_string", "media_url"):
        value = _clean(form.get(name))
        if len(value) > MAX_FIELD * 5:
            errors.append(Open311Error(400, f"{name} is longer than {MAX_FIELD * 5} characters"))
        elif value:
            if name == "media_url" and not value.startswith(("https://", "http://")):
                errors.append(Open311Error(400, "media_url must be an http or https URL"))
            lines.append(f"{name}: {value}")
    email, phone = _clean(form.get("email")), _clean(form.get("phone"))
    if email and not _EMAIL.fullmatch(email):
        errors.append(Open311Error(400, "email is not an email address"))
    if phone and not _PHONE.fullmatch(phone):
        errors.append(Open311Error(400, "phone is not a phone number"))
    name = " ".join(part for part in (_clean(form.get("first_name")), _clean(form.get("last_name"))) if part)
    if len(name) > MAX_FIELD:
        errors.append(Open311Error(400, f"first_name and last_name are longer than {MAX_FIELD} characters"))
    message = "\n\n".join(part for part in (title, description, "\n".join(lines)) if part)
    if not errors and len(message) > MAX_MESSAGE:
        errors.append(
            Open311Error(
                400, f"title, description, address_string and media_url are longer than {MAX_MESSAGE} characters"
            )
        )
    if errors:
        return errors
    contact = {k: v for k, v in (("name", name), ("email", email), ("phone", phone)) if v}
    return Submission(
        service_code=code, message=message, lang=locale_of(form.get("locale")), place=place, contact=contact
    )


# -- XML ----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(element, key, inner)
    elif isinstance(value, (list, tuple)):
        item_tag = _ITEM_TAGS.get(tag, "item")
        for inner in value:
            _fill(element, item_tag, inner)
    else:
        element.text = _text(value)


def to_xml(root: str, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]], *, item: str | None = None) -> bytes:
    """The spec's XML: ``rows`` a list (each a child ``item`` of ``root``) or one mapping (the
    fields of ``root`` itself, as ``discovery`` and ``service_definition``)."""
    element = ElementTree.Element(root)
    if isinstance(rows, Mapping):
        for key, value in rows.items():
            _fill(element, key, value)
    else:
        if item is None:
            raise ValueError("a list needs the tag of its items")
        for row in rows:
            _fill(element, item, row)
    body: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
    return body
