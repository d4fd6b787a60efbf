"""Semantic matching (issue 17, the `revops-bot[semantic]` extra): text to a vector, offline.

On only when SEMANTIC_MATCHING=true *and* the extra is installed; otherwise nothing here
imports anything heavy, and every function answers None or []: callers fall back to the
full-text search alone. The model is WordLlama's `l2_supercat` at 256 dimensions: word
embeddings average-pooled, weights (16 MB, 32,000 x 256) and tokenizer shipped inside the
`wordllama` wheel. They are read by path from the installed package with wordllama's own
classes: WordLlama.load(disable_download=True) looks in `tokenizer/` where the wheel ships
`tokenizers/`, and would fall back to Hugging Face. HF_HUB_OFFLINE is set before loading so
no code path can reach a hub. One model per process, loaded at first use (~3 s).

Vectors are unit-length float32 (256 x 4 = 1,024 bytes), stored as a blob on the row (`as_blob`)
and compared by a dot product (cosine) with numpy over at most SCAN_ROWS rows of a workspace.
"""

from __future__ import annotations

import logging
import os
import threading
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported at first use only
    import numpy as np

log = logging.getLogger(__name__)

CONFIG = "l2_supercat"
DIM = 256
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
        spec = find_spec("wordllama")
        if spec is None or not spec.submodule_search_locations:
            _unavailable = True
            log.warning(
                "SEMANTIC_MATCHING=true but the semantic extra is not installed "
                "(pip install 'revops-bot[semantic]'): full-text matching only"
            )
            return None
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never a hub, whatever the code path
        from safetensors import safe_open
        from wordllama import WordLlama
        from wordllama.inference import WordLlamaInference

        package = Path(next(iter(spec.submodule_search_locations)))
        uri = getattr(WordLlama._wordllama, CONFIG)
        weights = package / "weights" / WordLlama.get_filename(CONFIG, DIM)
        tokenizer_file = package / "tokenizers" / WordLlama.get_tokenizer_filename(uri)
        # hf_model_id None: a missing file is an error here, never a download.
        tokenizer = WordLlama.load_tokenizer(tokenizer_file, hf_model_id=None)
        with safe_open(str(weights), framework="np", device="cpu") as tensors:
            embedding = tensors.get_tensor("embedding.weight")
        _model = WordLlamaInference(embedding, tokenizer, binary=False)
        log.info("semantic matching on: %s %dd loaded from %s", CONFIG, DIM, package)
        return _model


def vectors(texts: list[str]) -> np.ndarray | None:
    """Unit float32 vectors of the texts (one row each), or None when semantic matching is off."""
    model = _load()
    if model is None or not texts:
        return None
    import numpy as np

    found = model.embed(texts, norm=True)
    return np.asarray(found, dtype=np.float32).reshape(len(texts), -1)


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
