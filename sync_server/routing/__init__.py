"""Feedback routing: a text classifier that suggests a label (a topic or a team) with top-3 and confidence.

``model`` is pure (TF-IDF over word and character n-grams, a linear SVM, softmax-scaled
confidences; see its docstring); ``store`` keeps a trained router under ``DIR/router/``
with a checked JSON sidecar; ``csvfile`` reads the labelled history (CSV or CSV.bz2);
``reroutes`` reads the staff's re-routings from the server database as new labels. Errors:
``sync_server.routing.errors``. The ``osallistu server train-router`` and ``route``
commands are thin wrappers over these.
"""

from sync_server.routing.errors import RouterCorrupt, RoutingError, RoutingInputError
from sync_server.routing.model import (
    DEFAULT_TEMPERATURE,
    Router,
    Scores,
    Suggestion,
    calibrate_temperature,
    evaluate,
    normalise_text,
    score_suggestions,
    stratified_holdout,
    train_router,
    word_stems,
)
from sync_server.routing.store import RouterInfo, load_router, read_router_info, save_router

__all__ = [
    "DEFAULT_TEMPERATURE",
    "Router",
    "RouterCorrupt",
    "RouterInfo",
    "RoutingError",
    "RoutingInputError",
    "Scores",
    "Suggestion",
    "calibrate_temperature",
    "evaluate",
    "load_router",
    "normalise_text",
    "read_router_info",
    "save_router",
    "score_suggestions",
    "stratified_holdout",
    "train_router",
    "word_stems",
]
