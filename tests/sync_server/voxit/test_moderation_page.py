"""The moderation page over real HTTP: a moderator sees the queue and decides; a form without
its CSRF token changes nothing; every decision is in the audit log; other roles are refused."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from shared_models import verify_manifest
from shared_models.voxit import parse_voxit_settings
from sync_server.db.models import AuditEntry
from sync_server.services import voxit
from sync_server.services.manifest import current_manifest
from sync_server.settings import Settings
from tests.sync_server.conftest import enroll
from tests.sync_server.staff import csrf_of, make_staff, signed_in
from tests.sync_server.terminal import FakeTerminal
from tests.sync_server.voxit.helpers import push, session_for, statement

PROPOSED = "Lisää <b>penkkejä</b> Käpylään"


def states(settings: Settings) -> dict[str, str]:
    with session_for(settings) as session, session.begin():
        return {
            r.text.get("fi", ""): r.state for r in voxit.statement_rows(session, "demo") if r.origin == "participant"
        }


def audit(settings: Settings) -> list[tuple[str, str | None, str | None, dict[str, object]]]:
    with session_for(settings) as session, session.begin():
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action.like("statement.%")).order_by(AuditEntry.id))
        return [(a.action, a.target, a.staff_email, dict(a.detail)) for a in rows]


def test_a_moderator_approves_rejects_and_adds_a_seed(settings: Settings, live_server: str) -> None:
    terminal = enroll(settings, FakeTerminal())
    push(settings, terminal, [statement(terminal, PROPOSED), statement(terminal, "Huono idea", lang="sv")])
    email = make_staff(settings, role="moderator")
    with signed_in(live_server, email) as moderator:
        moderator.cookies.set("lang", "en")
        page = moderator.get("/staff/moderation")
        assert page.status_code == 200
        assert html.escape(PROPOSED) in page.text and "<b>penkkejä</b>" not in page.text  # escaped
        assert "Conversation moderation" in page.text and 'href="/staff/moderation"' in page.text
        numbers = {int(n) for n in re.findall(r'action="/staff/moderation/demo/(\d+)"', page.text)}
        with session_for(settings) as session, session.begin():
            by_text = {next(iter(r.text.values())): r.number for r in voxit.moderation_queue(session, "demo")}
        assert numbers == set(by_text.values())
        first, second = by_text[PROPOSED], by_text["Huono idea"]

        refused = moderator.post(f"/staff/moderation/demo/{first}", data={"decision": "approve"})
        assert refused.status_code == 403
        assert states(settings) == {PROPOSED: "pending", "": "pending"}
        assert audit(settings) == []

        token = csrf_of(page.text)
        done = moderator.post(f"/staff/moderation/demo/{first}", data={"csrf": token, "decision": "approve"})
        assert done.status_code == 303 and done.headers["location"] == "/staff/moderation?done=approve"
        done = moderator.post(f"/staff/moderation/demo/{second}", data={"csrf": token, "decision": "reject"})
        assert done.status_code == 303
        bad = moderator.post(f"/staff/moderation/demo/{second}", data={"csrf": token, "decision": "maybe"})
        assert bad.status_code == 400
        after = moderator.get("/staff/moderation?done=reject")
        assert "it is shown to nobody" in after.text and html.escape(PROPOSED) not in after.text

        seed = {"csrf": token, "text_fi": "Lisää puita.", "text_sv": "Fler träd.", "text_en": "More trees."}
        assert moderator.post("/staff/moderation/demo/seeds", data=seed).status_code == 303
        short = moderator.post("/staff/moderation/demo/seeds", data={**seed, "text_sv": " "})
        assert short.status_code == 400 and "Finnish, Swedish and English" in short.text

    assert states(settings)[PROPOSED] == "approved"
    assert [(a, t, e, d.get("decision")) for a, t, e, d in audit(settings)] == [
        ("statement.moderated", f"demo/{first}", email, "approve"),
        ("statement.moderated", f"demo/{second}", email, "reject"),
        ("statement.seed_added", f"demo/{max(first, second) + 1}", email, None),
    ]
    with session_for(settings) as session, session.begin():
        manifest = verify_manifest(current_manifest(session), settings.load_keys().signing.public_key())
    shipped = parse_voxit_settings(manifest.process("demo").settings["voxit"])  # type: ignore[union-attr]
    texts = [t for s in shipped.statements for t in s.text.values()]
    assert PROPOSED in texts and "More trees." in texts and "Huono idea" not in texts


def test_roles_without_statements_moderate_are_refused(settings: Settings, live_server: str) -> None:
    with signed_in(live_server, make_staff(settings, role="operator")) as operator:
        assert operator.get("/staff/moderation").status_code == 403
        token = csrf_of(operator.get("/staff/").text)
        answer = operator.post("/staff/moderation/demo/0", data={"csrf": token, "decision": "reject"})
        assert answer.status_code == 403
    with signed_in(live_server, make_staff(settings, role="admin")) as admin:
        assert admin.get("/staff/moderation").status_code == 200
