"""``services.open311.submit`` with a router: a confident suggestion routes the case at once, so the
POST's answer names it; concurrent POSTs make one chain of the intake device, never a fork."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import pairwise

import httpx
from sqlalchemy import Engine, select

from sync_server.db.models import FeedbackCase, Seal
from sync_server.services import open311
from sync_server.settings import Settings
from tests.sync_server.feedback.helpers import KeywordRouter, session_of

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def test_a_confident_router_routes_at_once_and_the_answer_names_the_case(settings: Settings, engine: Engine) -> None:
    router = KeywordRouter({"penkki": ("parks", 0.95), "kuoppa": ("streets", 0.3)})
    with session_of(engine) as session:
        routed = open311.submit(
            session,
            settings.load_keys(),
            settings.data_dir,
            form={"service_code": "streets", "description": "Puiston penkki on rikki"},
            application="test",
            now=NOW,
            router=router,
        )
        unsure = open311.submit(
            session,
            settings.load_keys(),
            settings.data_dir,
            form={"service_code": "streets", "description": "Kuoppa kadulla"},
            application="test",
            now=NOW,
            router=router,
        )
        with session.begin():
            case = session.scalar(select(FeedbackCase).where(FeedbackCase.record_id == routed.token))
            assert case is not None
            assert (case.team, case.routing, case.sent_topic, case.day) == ("parks", "model", "streets", "2026-11-29")
    assert routed.errors == [] and routed.service_request_id == case.reference
    assert unsure.errors == [] and unsure.service_request_id is None and unsure.token is not None


def test_concurrent_posts_make_one_chain(live_server: str, engine: Engine, api_key: str) -> None:
    def send(n: int) -> int:
        answer = httpx.post(
            f"{live_server}/open311/v2/requests.json",
            data={"api_key": api_key, "service_code": "parks", "description": f"Palaute numero {n}"},
            timeout=60,
        )
        return answer.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(send, range(12))) == [200] * 12
    with session_of(engine) as session, session.begin():
        seals = session.execute(select(Seal.device, Seal.seq, Seal.prev, Seal.hash).order_by(Seal.seq)).all()
        cases = session.scalars(select(FeedbackCase.message)).all()
    assert len({s.device for s in seals}) == 1
    assert [s.seq for s in seals] == list(range(1, 13))
    assert all(later.prev == earlier.hash for earlier, later in pairwise(seals))
    assert sorted(cases) == sorted(f"Palaute numero {n}" for n in range(12))
