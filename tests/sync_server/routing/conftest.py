"""Small synthetic feedback in Finnish, three topics, made from a seed: fast to train on, easy to learn."""

from __future__ import annotations

import random

import pytest

from sync_server.routing import Router, train_router

TOPIC_WORDS = {
    "kadut": ["katu", "kuoppa", "asfaltti", "jalkakäytävä", "liikennevalo", "auraus", "hiekoitus", "pyörätie"],
    "puistot": ["puisto", "penkki", "nurmikko", "leikkipaikka", "puu", "kukkaistutus", "roskakori", "koirapuisto"],
    "koulut": ["koulu", "opettaja", "oppilas", "ruokala", "luokka", "välitunti", "läksy", "päiväkoti"],
}
COMMON = ["hyvä", "huono", "kiitos", "pitäisi", "korjata", "heti", "taas", "meidän", "alueella", "ärsyttää", "öisin"]


def make_texts(per_topic: int, *, seed: int) -> tuple[list[str], list[str]]:
    """``per_topic`` messages per topic: three topic words among four common ones, shuffled."""
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for _ in range(per_topic):
        for topic, words in TOPIC_WORDS.items():
            chosen = rng.sample(words, 3) + rng.sample(COMMON, 4)
            rng.shuffle(chosen)
            texts.append(" ".join(chosen).capitalize() + ".")
            labels.append(topic)
    return texts, labels


@pytest.fixture(scope="session")
def small_router() -> Router:
    texts, labels = make_texts(40, seed=1)
    return train_router(texts, labels, label_name="topic")
