"""Content hashes: identify a photo by its bytes, so a renamed or moved file keeps its vector."""

from __future__ import annotations

import hashlib

# Measured on the dev machine (Xeon with SHA-NI, 64 MiB buffer, best of 3; bench/decode.py):
# sha256 1,110-1,230 MB/s, blake2b 780-930 MB/s. Most current x86 and ARM CPUs have SHA-256
# instructions, so sha256 wins; hashlib also releases the GIL, so hashing overlaps decoding
# on other threads. 128 bits (32 hex chars) is plenty to tell photos apart and keeps
# thumbnail paths and database keys short.
CONTENT_HASH_ALGORITHM = "sha256-128"


def content_hash(data: bytes) -> str:
    """Hex digest (32 lowercase hex characters) of a file's whole content."""
    return hashlib.sha256(data).hexdigest()[:32]
