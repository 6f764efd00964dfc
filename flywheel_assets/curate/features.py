"""Per-unit curation features, computed once in the unit's daily partition and stored with it (issue 19).

Everything curation knows about a unit *on its own* (metadata: task type, domain, language id, outcome, tools, hops;
the row-local quality-filter reason and the off-topic test; the normalised dialog text and its content hash; the
MiniLM vector of its embedding text) is a function of the unit, its complexity tags and the config. The daily asset
``unit_features`` computes it for the day's units and stores it in the table of that name, keyed by ``unit_id``
plus ``feature_key`` (a hash of :data:`FEATURE_VERSION`, the config sections that feed the features and the
embedding model's identity). The global ``curated_units`` then reads the stored rows and does only the cross-day
work (dedup of every unit against the others, representative choice, k-means over the stored vectors, weights),
so a night with one new day no longer re-parses, re-classifies and re-embeds all history.

A stored row whose ``feature_key`` differs from the current one (config or model changed, or a table written by
an older version) is ignored and recomputed in the global step, so a stale feature never leaks into a run.

Exactness: every column here is a pure function of (unit row, tags, config); vectors come from
``embeddings.encode_exact`` (a text's vector does not depend on the batch it was encoded in), so features stored
by earlier runs are bitwise what a from-scratch run computes, and exports of an incremental warehouse equal those
of a from-scratch run over the same days.
"""

from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
import polars as pl

from flywheel_assets.curate import filters, metadata
from flywheel_assets.curate.config import CurateConfig
from flywheel_assets.curate.dedup import normalize
from flywheel_assets.curate.parsed import ParsedUnit, embedding_text

log = logging.getLogger(__name__)

FEATURE_VERSION = "1"  # bump when what a feature means changes (not needed for config changes: they are hashed)

META_SCHEMA: dict[str, pl.DataType] = {
    "task_type": pl.Utf8,
    "domain": pl.Utf8,
    "language": pl.Utf8,
    "outcome": pl.Utf8,
    "outcome_source": pl.Utf8,
    "latency_ms": pl.Float64,
    "tools_used": pl.List(pl.Utf8),
    "hops": pl.Int64,
}
FEATURE_SCHEMA: dict[str, pl.DataType] = {
    "unit_id": pl.Utf8,
    "feature_key": pl.Utf8,
    **META_SCHEMA,
    "row_reason": pl.Utf8,  # filter reason decided on the unit alone (incl. off_topic); dedup adds its own later
    "dedup_text": pl.Utf8,  # dedup.normalize(dialog text)
    "embed_text": pl.Utf8,  # parsed.embedding_text(unit, diversity.text_chars)
    "embedding": pl.List(pl.Float32),  # MiniLM vector of embed_text; null when the backend is not MiniLM
}


def _embedding_identity(cfg: CurateConfig) -> str:
    """The MiniLM model's identity when diversity clusters on MiniLM vectors, '' when it uses TF-IDF."""
    if cfg.diversity.embedding_backend == "tfidf":
        return ""
    import os

    from flywheel_assets.embeddings import model_id

    return model_id(os.environ.get("FLYWHEEL_EMBEDDING_MODEL") or None)


def feature_key(cfg: CurateConfig) -> str:
    """Hash of what the stored features depend on besides the unit: version, config sections, model identity."""
    parts = {
        "v": FEATURE_VERSION,
        "thresholds": list(cfg.complexity_thresholds),
        "metadata": cfg.metadata.model_dump(mode="json"),
        "filters": cfg.filters.model_dump(mode="json"),
        "text_chars": cfg.diversity.text_chars,
        "backend": cfg.diversity.embedding_backend,
        "model": _embedding_identity(cfg),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _vectors(texts: list[str], cfg: CurateConfig) -> list[list[float] | None]:
    """MiniLM vectors (exact per text) or all-None when diversity does not use MiniLM / the model is missing."""
    div = cfg.diversity
    if not texts or div.embedding_backend == "tfidf" or (div.embedding_backend == "auto"
                                                          and len(texts) > div.auto_tfidf_above):
        # (a day above auto_tfidf_above means diversity runs on TF-IDF over all days: vectors would go unused;
        # should it not, the global step embeds the kept units it needs, bitwise the same vectors)
        return [None] * len(texts)
    try:
        from flywheel_assets.embeddings import embed

        vecs = embed(texts, backend="minilm")
    except Exception as exc:  # model missing: the global step falls back as diversity always did
        log.warning("unit features: no MiniLM vectors (%s)", type(exc).__name__)
        return [None] * len(texts)
    return [v.tolist() for v in np.asarray(vecs, dtype=np.float32)]


def compute_features(tagged_rows: list[dict], parsed: list[ParsedUnit], cfg: CurateConfig,
                     with_vectors: bool = True) -> pl.DataFrame:
    """Feature rows (``FEATURE_SCHEMA``) of units given as row dicts (unit columns + complexity tag columns) and
    their parsed views, in input order."""
    key = feature_key(cfg)
    out: dict[str, list] = {c: [] for c in FEATURE_SCHEMA}
    reasons = []
    for pu, row in zip(parsed, tagged_rows):
        m = metadata.unit_metadata(pu, row, row, cfg.metadata)
        for c in META_SCHEMA:
            out[c].append(m.get(c))
        reasons.append(filters.unit_reason(pu, row, cfg.filters) if cfg.filters.enabled else None)
        out["unit_id"].append(row["unit_id"])
        out["feature_key"].append(key)
        out["dedup_text"].append(normalize(pu.dialog_text))
        out["embed_text"].append(embedding_text(pu, cfg.diversity.text_chars))
    if cfg.filters.enabled and parsed:
        off = filters.off_topic_mask(parsed, cfg.filters)
        reasons = [r if r is not None or not o else "off_topic" for r, o in zip(reasons, off)]
    out["row_reason"] = reasons
    out["embedding"] = _vectors(out["embed_text"], cfg) if with_vectors else [None] * len(parsed)
    return pl.DataFrame(out, schema=FEATURE_SCHEMA)


DIGEST_COLUMN = "source_digest"  # stored beside FEATURE_SCHEMA by the daily asset: what the row was computed from


def source_digests(tagged: pl.DataFrame) -> list[str]:
    """Per row of ``tagged`` (a redacted unit with its complexity tags): sha256 of the whole row, the input its
    features are a function of (with the config, which ``feature_key`` covers). Redacted rows only: clean zone."""
    return [hashlib.sha256(json.dumps(r, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8",
                                                                                                  "surrogatepass"))
            .hexdigest()[:32] for r in tagged.iter_rows(named=True)]


def reusable_per_unit(cfg: CurateConfig) -> bool:
    """True when a unit's features do not depend on the other units of its day: everything but the off-topic test
    on domain examples is per unit, and that test is per unit only on MiniLM vectors (TF-IDF fits the batch)."""
    return not cfg.filters.domain_examples or cfg.filters.embedding_backend == "minilm"


def stored_rows(stored: pl.DataFrame | None, tagged: pl.DataFrame, digests: list[str],
                cfg: CurateConfig) -> pl.DataFrame | None:
    """The stored feature rows (``FEATURE_SCHEMA`` + digest) still valid for units of ``tagged``: same unit id,
    current feature key and same source digest (so the unit and its tags are unchanged); None when there are none."""
    if stored is None or stored.is_empty() or DIGEST_COLUMN not in stored.columns or not reusable_per_unit(cfg):
        return None
    cols = [*FEATURE_SCHEMA, DIGEST_COLUMN]
    if not set(cols) <= set(stored.columns):
        return None
    want = pl.DataFrame({"unit_id": tagged["unit_id"], DIGEST_COLUMN: digests},
                        schema={"unit_id": pl.Utf8, DIGEST_COLUMN: pl.Utf8})
    ok = (stored.select(cols).filter(pl.col("feature_key") == feature_key(cfg))
          .join(want, on=["unit_id", DIGEST_COLUMN], how="semi").unique("unit_id", keep="first"))
    return ok.cast({**FEATURE_SCHEMA, DIGEST_COLUMN: pl.Utf8}) if ok.height else None


def usable(stored: pl.DataFrame | None, cfg: CurateConfig) -> pl.DataFrame | None:
    """The stored feature rows computed under the current feature key (one per unit), or None."""
    if stored is None or stored.is_empty() or not set(FEATURE_SCHEMA) <= set(stored.columns):
        return None
    key = feature_key(cfg)
    ok = stored.select(list(FEATURE_SCHEMA)).filter(pl.col("feature_key") == key)
    return ok.unique("unit_id", keep="first").sort("unit_id") if ok.height else None
