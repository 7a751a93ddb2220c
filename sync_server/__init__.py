"""The Osallistu sync server: ingest of signed record batches, manifests, enrollment.

``create_app(settings)`` builds the FastAPI app; ``sync_server.admin`` is the
Python API behind the ``osallistu server`` commands.
"""

from sync_server.app import create_app
from sync_server.errors import ServerError
from sync_server.services.report import BundleVerdict, IngestReport
from sync_server.settings import Settings

__all__ = ["BundleVerdict", "IngestReport", "ServerError", "Settings", "create_app"]
