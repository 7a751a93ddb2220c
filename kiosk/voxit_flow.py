"""A Voxit conversation on the terminal, as a plain-Python presenter.

``VoxitFlow`` holds one anonymous participant's way through the conversation and says
what the screens show; ``kiosk/screens/voxit_conversation.py`` only renders it and
passes touches in. Messages are catalog keys with fields (``librarian_panel.Message``).

Steps: ``intro`` (topic and introduction) -> ``statement`` (one at a time; Agree,
Disagree, Pass; Back undoes the last answer; "Propose a statement" when the
conversation allows it; Finish at any moment) -> ``result`` (thank-you and where the
participant stands). Proposing: ``propose`` (on-screen keyboard) -> ``proposal_review``
(the text and a note that a moderator reads it first) -> ``proposal_sent`` -> back to
the statements.

Participant: a session is one anonymous participant, a fresh random token (128 bits,
26 base32 characters) made when the flow starts and again after every reset; nothing
links two sessions.

Order: the next statement is drawn at random among the ones this participant has not
seen, weighted by the Polis comment priority the manifest carries
(``shared_models.voxit.draw_next``; a statement without a priority weighs as a new one).
Back takes the last answer away and shows that statement again; the statement that
was on screen stays next, so the order does not change under the person's finger.

Records: the answers are one ``voxit.vote`` record per session (statement -> 1 agree,
-1 disagree, 0 pass), captured durably when the person finishes and before the
thank-you shows. A proposal is one ``voxit.statement`` record, captured when the person
sends it after the review (same participant token, so the server can tell that one
person both proposed and answered).

Idle reset (the person walked away): the answers given so far are captured as that
session's ``voxit.vote`` (each was a deliberate touch on Agree, Disagree or Pass, and
Polis, too, keeps votes as they are cast), then everything is forgotten. A proposal
that was not sent is dropped: nothing is published that its writer did not confirm.
A session with no answers leaves no vote record.

Where you stand: with the last analysis the manifest holds (``opinion_map``), the
answers are projected onto its plane (``shared_models.voxit.place_participant``) and
the nearest group named ("group B, 120 people"). Polis clusters only participants with
at least ``min(7, statements)`` votes; the terminal asks the same of the answers to
statements in the map before it places anyone; with fewer it says so in words, as it
does when there is no analysis yet.
"""

from __future__ import annotations

import base64
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from kiosk.librarian_panel import Message
from shared_models.bodies import MAX_STATEMENT, validate_body
from shared_models.voxit import (
    LANGUAGES,
    MapGroup,
    Statement,
    VoxitSettings,
    draw_next,
    parse_voxit_settings,
    place_participant,
    statement_priorities,
)

__all__ = [
    "AGREE",
    "DISAGREE",
    "MIN_PLACED_ANSWERS",
    "PASS",
    "STEPS",
    "ShownStatement",
    "Standing",
    "VoxitFlow",
    "group_letter",
    "new_participant_token",
]

AGREE, DISAGREE, PASS = 1, -1, 0
ANSWERS = (AGREE, DISAGREE, PASS)
STEPS = ("intro", "statement", "propose", "proposal_review", "proposal_sent", "result")
MIN_PLACED_ANSWERS = 7  # Polis: a participant is clustered with at least min(7, statements) votes
PROPOSAL_LIMIT = MAX_STATEMENT


class VoxitTerminal(Protocol):
    def capture(self, kind: str, body: dict[str, Any]) -> Any: ...


def new_participant_token() -> str:
    """128 random bits as 26 lower-case base32 characters (``shared_models.bodies.Token``)."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def group_letter(groups: tuple[MapGroup, ...] | list[MapGroup], group_id: int) -> str:
    """Groups are named A, B, C... in id order, as Polis names them."""
    ids = sorted(g.id for g in groups)
    index = ids.index(group_id)
    return chr(ord("A") + index) if index < 26 else str(index + 1)


@dataclass(frozen=True)
class ShownStatement:
    id: str
    text: str
    lang: str  # the language of ``text``
    original: bool  # True: not in the chosen language, shown in its own


@dataclass(frozen=True)
class Standing:
    """Where the participant stands: ``state`` ``placed``, ``no_map`` or ``too_few``."""

    state: Literal["placed", "no_map", "too_few"]
    groups: tuple[MapGroup, ...] = ()
    x: int = 0
    y: int = 0
    group: MapGroup | None = None
    counted: int = 0  # answers to statements in the map
    needed: int = 0  # answers needed to be placed

    @property
    def letter(self) -> str:
        return group_letter(self.groups, self.group.id) if self.group is not None else ""


class VoxitFlow:
    """One participant's conversation; ``reset()`` starts a new anonymous participant."""

    def __init__(
        self,
        process: Any,
        terminal: VoxitTerminal,
        *,
        rng: random.Random | None = None,
        new_token: Callable[[], str] = new_participant_token,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.process = process
        self.terminal = terminal
        self.settings: VoxitSettings = parse_voxit_settings(process.settings.get("voxit", {}))
        self.priorities = statement_priorities(self.settings)
        self._rng = rng if rng is not None else random.SystemRandom()
        self._new_token = new_token
        self._now = now or (lambda: datetime.now(UTC))
        self.reset()

    # -- state -------------------------------------------------------------------

    def reset(self) -> None:
        """A new participant: a new token, no answers, no draft, back to the introduction."""
        self.participant = self._new_token()
        self.step = "intro"
        self.order: list[str] = []  # statements in the order shown
        self.position = 0  # index in ``order`` of the statement on screen
        self.answers: dict[str, int] = {}
        self.draft = ""
        self.proposals = 0  # sent in this session
        self.vote_captured = False
        self.error: Message | None = None

    @property
    def is_open(self) -> bool:
        """Whether the conversation's own period (opens / closes) includes now."""
        return self.settings.is_open(self._now())

    @property
    def allow_proposals(self) -> bool:
        return self.settings.allow_proposals

    def text(self, texts: dict[str, str], lang: str) -> str:
        """The topic or introduction in ``lang`` (both are given in all three, or not at all)."""
        return texts.get(lang) or next((texts[code] for code in LANGUAGES if code in texts), "")

    # -- statements --------------------------------------------------------------------

    def start(self) -> None:
        if not self.is_open:
            self.error = Message("voxit.closed", tone="error")
            return
        self.error = None
        self.step = "statement"
        if not self.order:
            self._draw()

    def _draw(self) -> None:
        nxt = draw_next(self.priorities, set(self.order), self._rng)
        if nxt is not None:
            self.order.append(nxt)

    @property
    def current(self) -> str | None:
        """The statement on screen; None when every statement has been answered."""
        return self.order[self.position] if self.position < len(self.order) else None

    def statement(self, statement_id: str) -> Statement:
        found = self.settings.statement(statement_id)
        if found is None:
            raise KeyError(statement_id)
        return found

    def shown(self, lang: str) -> ShownStatement | None:
        """The current statement in ``lang``, else in its own language (noted by the screen)."""
        sid = self.current
        if sid is None:
            return None
        texts = self.statement(sid).text
        if lang in texts:
            return ShownStatement(sid, texts[lang], lang, False)
        own = next((code for code in LANGUAGES if code in texts), next(iter(texts)))
        return ShownStatement(sid, texts[own], own, True)

    @property
    def total(self) -> int:
        return len(self.priorities)

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def number(self) -> int:
        """The statement on screen counted from 1 (``total`` when all are answered)."""
        return min(self.position + 1, self.total)

    def answer(self, value: int) -> None:
        if value not in ANSWERS:
            raise ValueError(f"an answer is 1, -1 or 0, not {value!r}")
        sid = self.current
        if sid is None or self.step != "statement":
            return
        self.answers[sid] = value
        self.position += 1
        if self.position == len(self.order):
            self._draw()
        self.error = None

    @property
    def can_undo(self) -> bool:
        return self.step == "statement" and self.position > 0

    def undo(self) -> bool:
        """Take the last answer away and show its statement again."""
        if not self.can_undo:
            return False
        self.position -= 1
        self.answers.pop(self.order[self.position], None)
        self.error = None
        return True

    def back(self) -> bool:
        """The screen's Back: undo on the statements, one step back while proposing; False when
        the screen should leave the conversation (from the introduction)."""
        if self.step == "statement":
            if not self.undo():
                self.step = "intro"
            return True
        if self.step in ("propose", "proposal_sent"):
            self.step = "statement"
            return True
        if self.step == "proposal_review":
            self.step = "propose"
            return True
        return False

    # -- proposing ---------------------------------------------------------------------

    def begin_proposal(self) -> None:
        if self.allow_proposals and self.step == "statement":
            self.error = None
            self.step = "propose"

    def set_draft(self, text: str) -> None:
        self.draft = text[:PROPOSAL_LIMIT]
        if text.strip():
            self.error = None

    def review_proposal(self) -> bool:
        if not self.draft.strip():
            self.error = Message("voxit.propose.empty", tone="error")
            return False
        self.error = None
        self.step = "proposal_review"
        return True

    def edit_proposal(self) -> None:
        self.step = "propose"

    def cancel_proposal(self) -> None:
        """Drop the draft and go back to the statements."""
        self.draft = ""
        self.error = None
        self.step = "statement"

    def proposal_body(self, lang: str) -> dict[str, Any]:
        return {"process": self.process.id, "participant": self.participant, "text": self.draft.strip(), "lang": lang}

    def send_proposal(self, lang: str) -> bool:
        """Capture the proposal (then the screen thanks); on failure a plain error, the draft kept."""
        body = self.proposal_body(lang)
        validate_body("voxit.statement", body)
        try:
            self.terminal.capture("voxit.statement", body)
        except Exception:
            self.error = Message("voxit.save_failed", tone="error")
            return False
        self.error = None
        self.draft = ""
        self.proposals += 1
        self.step = "proposal_sent"
        return True

    def continue_answering(self) -> None:
        self.step = "statement"

    # -- finishing ----------------------------------------------------------------------

    def vote_body(self) -> dict[str, Any]:
        return {
            "process": self.process.id,
            "participant": self.participant,
            "answers": dict(sorted(self.answers.items())),
        }

    def _capture_vote(self) -> bool:
        if self.vote_captured or not self.answers:
            return True
        body = self.vote_body()
        validate_body("voxit.vote", body)
        self.terminal.capture("voxit.vote", body)
        self.vote_captured = True
        return True

    def finish(self) -> bool:
        """Capture this session's answers (one record), then the result; on failure a plain
        error and every answer kept."""
        try:
            self._capture_vote()
        except Exception:
            self.error = Message("voxit.save_failed", tone="error")
            return False
        self.error = None
        self.draft = ""
        self.step = "result"
        return True

    def walked_away(self) -> bool:
        """The idle reset: capture the answers given so far (once), then forget everything.
        Returns False when the capture failed (the answers are forgotten all the same:
        the next person must never see them)."""
        try:
            saved = self._capture_vote()
        except Exception:
            saved = False
        self.reset()
        return saved

    # -- where you stand ---------------------------------------------------------------------

    def standing(self) -> Standing:
        opinion_map = self.settings.opinion_map
        if opinion_map is None or not opinion_map.groups:
            return Standing("no_map")
        groups = tuple(sorted(opinion_map.groups, key=lambda g: g.id))
        in_map = set(opinion_map.statements)
        counted = sum(1 for sid in self.answers if sid in in_map)
        needed = min(MIN_PLACED_ANSWERS, len(opinion_map.statements))
        if counted < max(needed, 1):
            return Standing("too_few", groups, counted=counted, needed=max(needed, 1))
        placement = place_participant(self.answers, opinion_map)
        group = next((g for g in groups if g.id == placement.group), None)
        return Standing("placed", groups, placement.x, placement.y, group, counted, needed)
