"""The contract between terminal and server: records, canonical bytes, signing,
seals and their chain, manifests, sealed personal data and the wire formats.

Pure Python: no files, sockets, databases or GUI. Keys are passed in.
"""

from shared_models.bodies import BODY_MODELS, CITIZEN_KINDS, validate_body
from shared_models.canonical import canonical_bytes, parse_canonical, sha256_hex
from shared_models.errors import (
    BadSignature,
    BundleError,
    ChainError,
    InvalidBody,
    MalformedRecord,
    ManifestError,
    NonCanonical,
    OsallistuError,
    RecordError,
    SealedBoxError,
    UnknownKind,
)
from shared_models.events import EVENTS
from shared_models.keys import device_id_for, fingerprint
from shared_models.manifest import ACTIVITIES, Manifest, ManifestProcess, sign_manifest, verify_manifest
from shared_models.records import Record, make_record, new_record_id, parse_record, sign_record, verify_record
from shared_models.sealed_box import open_sealed, seal_to
from shared_models.seals import DEFAULT_MIN_SEAL, ChainReport, genesis_prev, make_seal, verify_chain

__all__ = [
    "ACTIVITIES",
    "BODY_MODELS",
    "CITIZEN_KINDS",
    "DEFAULT_MIN_SEAL",
    "EVENTS",
    "BadSignature",
    "BundleError",
    "ChainError",
    "ChainReport",
    "InvalidBody",
    "MalformedRecord",
    "Manifest",
    "ManifestError",
    "ManifestProcess",
    "NonCanonical",
    "OsallistuError",
    "Record",
    "RecordError",
    "SealedBoxError",
    "UnknownKind",
    "canonical_bytes",
    "device_id_for",
    "fingerprint",
    "genesis_prev",
    "make_record",
    "make_seal",
    "new_record_id",
    "open_sealed",
    "parse_canonical",
    "parse_record",
    "seal_to",
    "sha256_hex",
    "sign_manifest",
    "sign_record",
    "validate_body",
    "verify_chain",
    "verify_manifest",
    "verify_record",
]
