"""The demo test process ``demo``: every activity enabled, with sample Helsinki settings.

A test process: drills may cast into it and it is never counted as real.
"""

from __future__ import annotations

import secrets
from typing import Any

from shared_models.manifest import ManifestProcess

__all__ = ["DEMO_PROCESS_ID", "demo_process"]

DEMO_PROCESS_ID = "demo"


def _t(fi: str, sv: str, en: str) -> dict[str, str]:
    return {"fi": fi, "sv": sv, "en": en}


def _project(pid: str, cost_eur: int, title: dict[str, str]) -> dict[str, Any]:
    return {"id": pid, "cost": cost_eur * 100, "title": title}


DISTRICTS: list[dict[str, Any]] = [
    {
        "id": "keskinen",
        "name": _t("Keskinen", "Mellersta", "Central"),
        "budget": 600_000 * 100,
        "projects": [
            _project(
                "kallio-benches",
                120_000,
                _t("Penkkejä Kallion puistoihin", "Bänkar i Berghälls parker", "Benches for Kallio parks"),
            ),
            _project(
                "toolo-bay-lights",
                250_000,
                _t("Valoja Töölönlahdelle", "Belysning vid Tölöviken", "Lights around Töölö Bay"),
            ),
            _project(
                "sornainen-skatepark",
                300_000,
                _t("Skeittipaikka Sörnäisiin", "Skatepark i Sörnäs", "Skate park in Sörnäinen"),
            ),
        ],
    },
    {
        "id": "itainen",
        "name": _t("Itäinen", "Östra", "East"),
        "budget": 700_000 * 100,
        "projects": [
            _project(
                "vuosaari-beach",
                200_000,
                _t("Uimarannan kunnostus Vuosaaressa", "Badstranden i Nordsjö", "Vuosaari beach renewal"),
            ),
            _project(
                "itakeskus-art",
                150_000,
                _t("Katutaidetta Itäkeskukseen", "Gatukonst i Östra centrum", "Street art in Itäkeskus"),
            ),
            _project(
                "kontula-gym", 280_000, _t("Ulkokuntosali Kontulaan", "Utegym i Gårdsbacka", "Outdoor gym in Kontula")
            ),
        ],
    },
    {
        "id": "pohjoinen",
        "name": _t("Pohjoinen", "Norra", "North"),
        "budget": 500_000 * 100,
        "projects": [
            _project(
                "paloheina-trails", 180_000, _t("Latuja Paloheinään", "Skidspår i Svedängen", "Ski trails in Paloheinä")
            ),
            _project(
                "malmi-library-garden",
                90_000,
                _t("Kirjaston piha Malmille", "Bibliotekets gård i Malm", "Malmi library garden"),
            ),
            _project(
                "pukinmaki-playground",
                220_000,
                _t("Leikkipuisto Pukinmäkeen", "Lekpark i Bocksbacka", "Playground in Pukinmäki"),
            ),
        ],
    },
    {
        "id": "lantinen",
        "name": _t("Läntinen", "Västra", "West"),
        "budget": 550_000 * 100,
        "projects": [
            _project(
                "pitajanmaki-bikes",
                160_000,
                _t("Pyöräteitä Pitäjänmäkeen", "Cykelvägar i Sockenbacka", "Bike lanes in Pitäjänmäki"),
            ),
            _project(
                "kannelmaki-stage",
                130_000,
                _t("Ulkolava Kannelmäkeen", "Utescen i Gamlas", "Outdoor stage in Kannelmäki"),
            ),
            _project(
                "munkkiniemi-shore",
                260_000,
                _t("Rantareitti Munkkiniemeen", "Strandled i Munksnäs", "Shore path in Munkkiniemi"),
            ),
        ],
    },
]

STATEMENTS: list[dict[str, Any]] = [
    {"id": f"s{i}", "text": text}
    for i, text in enumerate(
        [
            _t(
                "Kirjastojen pitäisi olla auki myös sunnuntaisin.",
                "Biblioteken borde vara öppna även på söndagar.",
                "Libraries should be open on Sundays too.",
            ),
            _t(
                "Keskustaan tarvitaan lisää pyöräpysäköintiä.",
                "Centrum behöver mer cykelparkering.",
                "The centre needs more bicycle parking.",
            ),
            _t("Puistoja ei saa rakentaa täyteen.", "Parkerna får inte bebyggas.", "Parks must not be built over."),
            _t(
                "Joukkoliikenteen pitäisi olla nuorille maksutonta.",
                "Kollektivtrafiken borde vara gratis för unga.",
                "Public transport should be free for young people.",
            ),
            _t(
                "Talvikunnossapito on parantunut.",
                "Vinterunderhållet har blivit bättre.",
                "Winter maintenance has improved.",
            ),
            _t(
                "Kaupungin pitäisi kuulla asukkaita useammin.",
                "Staden borde höra invånarna oftare.",
                "The city should listen to residents more often.",
            ),
            _t("Meren rannat kuuluvat kaikille.", "Havsstränderna hör till alla.", "The seashores belong to everyone."),
            _t(
                "Kouluihin tarvitaan lisää kerhotiloja.",
                "Skolorna behöver fler klubbutrymmen.",
                "Schools need more club rooms.",
            ),
        ],
        start=1,
    )
]

TOPICS: list[dict[str, Any]] = [
    {"id": "streets", "name": _t("Kadut ja liikenne", "Gator och trafik", "Streets and traffic")},
    {"id": "parks", "name": _t("Puistot ja luonto", "Parker och natur", "Parks and nature")},
    {"id": "transport", "name": _t("Joukkoliikenne", "Kollektivtrafik", "Public transport")},
    {"id": "libraries", "name": _t("Kirjastot", "Bibliotek", "Libraries")},
    {"id": "waste", "name": _t("Jätteet ja kierrätys", "Avfall och återvinning", "Waste and recycling")},
]

PLACES: list[dict[str, Any]] = [
    {"id": "kallio", "name": _t("Kallio", "Berghäll", "Kallio")},
    {"id": "vuosaari", "name": _t("Vuosaari", "Nordsjö", "Vuosaari")},
    {"id": "malmi", "name": _t("Malmi", "Malm", "Malmi")},
    {"id": "kannelmaki", "name": _t("Kannelmäki", "Gamlas", "Kannelmäki")},
    {"id": "keskusta", "name": _t("Keskusta", "Centrum", "City centre")},
]


def demo_process() -> ManifestProcess:
    """The demo process with a fresh voter salt."""
    return ManifestProcess(
        id=DEMO_PROCESS_ID,
        title=_t("Kokeiluprosessi", "Testprocess", "Demo process"),
        activities=["budget", "voxit", "feedback"],
        test=True,
        status="open",
        min_seal=5,
        settings={
            "budget": {"voter_salt": secrets.token_hex(16), "districts": DISTRICTS},
            "voxit": {"allow_proposals": True, "statements": STATEMENTS},
            "feedback": {"topics": TOPICS, "places": PLACES},
        },
    )
