"""How routing refuses, as one small tree under ``sync_server.errors.ServerError``::

    RoutingError          base of the routing errors
     +-- RoutingInputError  unusable training or routing input: ``empty_file``, ``missing_column``,
     |                      ``not_csv``, ``too_few_labels``, ``length_mismatch``
     +-- RouterCorrupt      a stored router that cannot be trusted: ``router_corrupt`` (sidecar
                            unreadable, model file missing, sha256 mismatch, model not a router),
                            ``router_version`` (trained with another scikit-learn)

A router that was never trained is not an error: ``load_router`` returns None and feedback
goes to the triage queue.
"""

from __future__ import annotations

from sync_server.errors import ServerError

__all__ = ["RouterCorrupt", "RoutingError", "RoutingInputError"]


class RoutingError(ServerError):
    reason = "routing_error"


class RoutingInputError(RoutingError):
    reason = "bad_routing_input"


class RouterCorrupt(RoutingError):
    reason = "router_corrupt"
