"""Staff re-routings as training rows: the label a person last gave each feedback case.

Read from the server database (``feedback_routings`` through
``sync_server.services.feedback.relabelled_examples``): every case a person routed from the
triage queue, confirmed or re-routed, with that person's latest choice. ``train-router
--with-reroutes`` appends these rows to the CSV's, so the next router learns from the staff's
corrections. A database without the feedback tables (an older schema) gives no rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import inspect

from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.settings import Settings

__all__ = ["Reroutes", "staff_labels"]

LabelKind = Literal["topic", "team"]


@dataclass(frozen=True)
class Reroutes:
    """Texts and the labels staff gave them; ``without_label`` cases had no label of the kind asked for."""

    texts: list[str]
    labels: list[str]
    without_label: int
    table_present: bool


def staff_labels(settings: Settings, *, kind: LabelKind) -> Reroutes:
    """The staff-given ``kind`` (topic id or team id) of every case a person routed, with its message."""
    engine = make_engine(settings.database_url)
    try:
        if not inspect(engine).has_table("feedback_routings"):
            return Reroutes(texts=[], labels=[], without_label=0, table_present=False)
        from sync_server.services.feedback import relabelled_examples

        with make_sessionmaker(engine)() as session:
            examples = relabelled_examples(session)
    finally:
        engine.dispose()
    texts: list[str] = []
    labels: list[str] = []
    missing = 0
    for example in examples:
        label = example.topic if kind == "topic" else example.team
        if not label or not example.text.strip():
            missing += 1
            continue
        texts.append(example.text)
        labels.append(label)
    return Reroutes(texts=texts, labels=labels, without_label=missing, table_present=True)
