"""Failure clustering: group failed / down-voted units and label each group with an error type.

1. Select failures: ``outcome == failure``, thumbs down, a low rating, or (configurable) an unknown outcome with an
   error signal.
2. Per-unit error signals from the unit's own (redacted) content: invalid JSON where JSON was asked, ``ERROR:`` tool
   results, argument/tool-name errors (tool not declared, invalid arguments, missing required parameters, error texts),
   refusal phrases, user complaints ("that's outdated", "that's wrong", "too long"), edits (heavy rewrite ->
   hallucination, much shorter -> verbosity), fallback answers ("I don't have information ...") -> unseen_topic.
3. Features: a MiniLM vector per failed unit, concatenated with the scaled signal indicators. With ``vectors``
   (unit id -> the unit's stored curation vector, MiniLM of first request + final answer, computed once in the
   unit's day by ``unit_features``) covering every failed unit, those are used and nothing is encoded here;
   otherwise MiniLM of request + answer + tool errors is computed for the failed units.
4. Signal-first (default, ``clustering.signal_first``): units are partitioned by their *primary* signal (the most
   specific one, PRIORITY order), and each partition is split further by seeded k-means when the silhouette shows
   sub-groups (k <= size / ``min_cluster_size``, silhouette >= ``split_min_silhouette``). On the demo drop, global
   k-means merged outdated-knowledge with verbose answers (same KB questions) and wrong-tool runs with fallback
   answers, so their interventions came out wrong (docs/feedback.md, "Measured on the demo drop").
   ``signal_first=False``: one k-means over everything, k chosen by silhouette over ``k_min..k_max``.
   The cluster's label is its dominant signal (share >= 0.3, else ``other``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from flywheel_assets.feedback import messages as c
from flywheel_assets.feedback import scores as sc
from flywheel_assets.feedback import signals as ts
from flywheel_assets.feedback.config import FeedbackConfig
from flywheel_assets.privacy.placeholders import PLACEHOLDER_RE
from flywheel_assets.report import Report
from flywheel_assets.schema import stable_id, to_json

ERROR_TYPES = ("json_format", "outdated_knowledge", "tool_error", "wrong_tool_or_args", "refusal", "hallucination",
               "verbosity", "sycophancy", "unseen_topic", "other")
# tie-break order when two signals are equally frequent in a cluster (most specific first)
PRIORITY = ("wrong_tool_or_args", "json_format", "refusal", "outdated_knowledge", "hallucination", "sycophancy",
            "verbosity", "tool_error", "unseen_topic")
SIGNAL_WEIGHT = 0.6
LABEL_MIN_SHARE = 0.3

CLUSTER_SCHEMA: dict[str, pl.DataType] = {
    "cluster_id": pl.Utf8,
    "error_type": pl.Utf8,
    "label_confidence": pl.Float64,  # share of members carrying the dominant signal
    "size": pl.Int64,
    "share": pl.Float64,  # of all failed units
    "n_failure": pl.Int64,
    "n_thumbs_down": pl.Int64,
    "signal_counts": pl.Utf8,  # JSON {signal: n}
    "models": pl.Utf8,  # JSON {model: n}
    "trend": pl.Utf8,  # JSON [[date, n], ...]
    "trend_slope": pl.Float64,  # relative growth per day (least squares slope / mean daily count)
    "first_date": pl.Date,
    "last_date": pl.Date,
    "example_unit_ids": pl.List(pl.Utf8),
    "unit_ids": pl.List(pl.Utf8),
    "top_terms": pl.Utf8,
    "k": pl.Int64,  # k chosen for this run
    "silhouette": pl.Float64,  # silhouette of the chosen k (null when k was not searched)
}

ASSIGNMENT_SCHEMA: dict[str, pl.DataType] = {
    "unit_id": pl.Utf8,
    "cluster_id": pl.Utf8,
    "signals": pl.List(pl.Utf8),
}


@dataclass
class ClusterResult:
    clusters: pl.DataFrame  # CLUSTER_SCHEMA
    assignments: pl.DataFrame  # ASSIGNMENT_SCHEMA: unit_id, cluster_id, signals
    report: Report


def failure_clusters(curated: pl.DataFrame, cfg: FeedbackConfig | None = None) -> pl.DataFrame:
    """Contract for the Dagster layer: the clusters frame (the per-unit table is ``assignments(clusters)``)."""
    return cluster_failures(curated, cfg).clusters


def assignments(clusters: pl.DataFrame) -> pl.DataFrame:
    """Per-unit assignment table (``unit_id``, ``cluster_id``) from a clusters frame."""
    if clusters.height == 0:
        return pl.DataFrame(schema={"unit_id": pl.Utf8, "cluster_id": pl.Utf8})
    return clusters.select("cluster_id", "unit_ids").explode("unit_ids").rename({"unit_ids": "unit_id"}).select(
        "unit_id", "cluster_id").sort("unit_id")


# --------------------------------------------------------------------------------------------------------------
# signals


def _declared_tools(row: dict) -> dict[str, dict]:
    out = {}
    for t in c.load_json(row.get("tools"), []):
        if isinstance(t, dict):
            fn = t.get("function") if isinstance(t.get("function"), dict) else t
            if isinstance(fn, dict) and fn.get("name"):
                out[str(fn["name"])] = fn.get("parameters") if isinstance(fn.get("parameters"), dict) else {}
    return out


def _tool_error_text(m: dict) -> str | None:
    """The error text of a tool result, or None when it did not fail."""
    text = c.content(m)
    if text.lstrip().startswith("ERROR:"):
        return text
    v = c.load_json(text, {})
    if isinstance(v, dict):
        err = v.get("error")
        if err and (not isinstance(err, str) or err.strip()):
            return str(err)
    return None


def unit_signals(row: dict, msgs: list[dict] | None = None) -> list[str]:
    """Error signals found in one unit (sorted, from ERROR_TYPES minus 'other')."""
    msgs = c.messages_of(row) if msgs is None else msgs
    sig = set()
    prompt, cont = c.split_prompt(msgs)
    answer = c.final_answer(msgs)
    attrs = c.attrs_of(row)
    asked_json = any(ts.JSON_ASK_RE.search(c.content(m)) for m in msgs if m["role"] in ("system", "user")) or \
        "json" in str(attrs.get("response_format", "")).lower()
    if asked_json and answer.strip() and not ts.try_parse_json_answer(answer):
        sig.add("json_format")
    # tools
    declared = _declared_tools(row)
    for m in msgs:
        for call in m.get("tool_calls") or []:
            fn = (call or {}).get("function") or {}
            name = fn.get("name")
            if declared and name and name not in declared and name.lower() not in ("finish", "final_answer"):
                sig.add("wrong_tool_or_args")
            args = c.parse_args(fn.get("arguments"))
            if args is None:
                sig.add("wrong_tool_or_args")
            elif name in declared:
                req = declared[name].get("required") or []
                # a required name that is itself a redaction placeholder (<PERSON_2>) says nothing about the call
                if isinstance(req, list) and any(r not in args for r in req
                                                 if isinstance(r, str) and not PLACEHOLDER_RE.fullmatch(r)):
                    sig.add("wrong_tool_or_args")
        if m["role"] == "tool":
            err = _tool_error_text(m)
            if err is not None:
                sig.add("wrong_tool_or_args" if ts.BAD_ARGS_RE.search(err) else "tool_error")
    errs = attrs.get("errors")
    if errs:
        etxt = to_json(errs)
        sig.add("wrong_tool_or_args" if ts.BAD_ARGS_RE.search(etxt) else "tool_error")
    if answer and ts.REFUSAL_RE.search(answer):
        sig.add("refusal")
    elif answer and ts.FALLBACK_RE.search(answer):
        sig.add("unseen_topic")
    elif "give_up_and_restart" in to_json(cont[-1:]).lower():  # agent gave up (ToolBench-style Finish call)
        sig.add("unseen_topic")
    used_tools = any(m.get("tool_calls") for m in msgs)
    for t in ts.feedback_texts(row, msgs):
        if ts.OUTDATED_RE.search(t):
            sig.add("outdated_knowledge")
        elif ts.WRONG_RE.search(t):  # "that's wrong" next to "that's outdated" is the stale fact, not a fabrication
            sig.add("hallucination")
        if ts.VERBOSE_RE.search(t):
            sig.add("verbosity")
        if used_tools and ts.ACTION_COMPLAINT_RE.search(t):  # the user objects to an action a tool call took
            sig.add("wrong_tool_or_args")
    if answer and ts.OUTDATED_RE.search(answer) and "knowledge" in answer.lower():
        sig.add("outdated_knowledge")
    if answer and len({mm.group(0).lower() for mm in ts.SYCOPHANCY_RE.finditer(answer)}) >= 2:
        sig.add("sycophancy")
    edited = row.get("edited_response")
    if isinstance(edited, str) and edited.strip() and answer.strip():
        from rapidfuzz import fuzz

        la, le = len(answer), len(edited)
        if la / max(le, 1) >= 1.8:
            sig.add("verbosity")
        elif fuzz.ratio(c.norm_text(answer), c.norm_text(edited)) < 50 and max(la, le) / max(min(la, le), 1) < 1.8 \
                and not sig & {"refusal", "unseen_topic", "outdated_knowledge", "json_format"}:
            # a heavy rewrite at similar length is fabricated content, unless another signal already explains why
            # the user rewrote the answer (a refusal, a fallback, a stale fact, broken JSON)
            sig.add("hallucination")
    return sorted(sig)


def _is_failed(row: dict, signals: list[str], low: float, with_signals: bool) -> bool:
    if row.get("outcome") == "failure" or row.get("feedback_thumbs") == "down":
        return True
    r = row.get("_rating01")
    if r is not None and r <= low:
        return True
    if with_signals and signals and row.get("outcome") != "success" and row.get("feedback_thumbs") != "up":
        return True
    return False


def _text_for(msgs: list[dict]) -> str:
    errs = [c.content(m)[:200] for m in msgs if m["role"] == "tool" and _tool_error_text(m) is not None]
    return " || ".join([c.first_user(msgs)[:300], c.final_answer(msgs)[:200]] + [e[:100] for e in errs[:2]])


# --------------------------------------------------------------------------------------------------------------


def _choose_k(x: np.ndarray, cfg, k_cap: int | None = None,
              min_silhouette: float = 0.05) -> tuple[np.ndarray, int, float | None]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = x.shape[0]
    k_hi = min(cfg.k_max, n - 1) if k_cap is None else min(cfg.k_max, n - 1, k_cap)
    ks = [k for k in range(max(2, cfg.k_min), k_hi + 1)]
    if n < cfg.min_units or not ks or len(np.unique(x.round(6), axis=0)) < 2:
        return np.zeros(n, dtype=int), 1, None
    best = None
    for k in ks:
        km = KMeans(n_clusters=k, n_init=10, random_state=cfg.seed)
        labels = km.fit_predict(x)
        if len(set(labels.tolist())) < 2:
            continue
        s = float(silhouette_score(x, labels))
        if best is None or s > best[0] + 1e-9:
            best = (s, k, labels)
    if best is None or best[0] < min_silhouette:
        return np.zeros(n, dtype=int), 1, None if best is None else round(best[0], 6)
    return best[2], best[1], round(best[0], 6)


def primary_signal(signals: list[str]) -> str:
    """The most specific signal of a unit (first in PRIORITY), 'other' when it has none."""
    for s in PRIORITY:
        if s in signals:
            return s
    return "other"


def _partitioned_labels(x: np.ndarray, sigs: list[list[str]], cc) -> tuple[np.ndarray, dict[int, float | None]]:
    """Signal-first clustering: units are partitioned by their primary signal (an error type is an actionable
    category: the triage intervention follows from it), then each partition is split by k-means over the features
    when the silhouette says it has sub-groups (k <= size / min_cluster_size). Returns global labels (0..K-1,
    numbered in partition order) and the silhouette per label (None when the partition was not searched)."""
    n = x.shape[0]
    labels = np.zeros(n, dtype=int)
    sil_of: dict[int, float | None] = {}
    parts: dict[str, list[int]] = {}
    for i, s in enumerate(sigs):
        parts.setdefault(primary_signal(s), []).append(i)
    nxt = 0
    for name in [*PRIORITY, "other"]:
        idx = parts.get(name)
        if not idx:
            continue
        cap = min(max(1, len(idx) // max(cc.min_cluster_size, 1)), max(cc.max_sub_clusters, 1))
        if cap >= 2:
            sub, _, sil = _choose_k(x[idx], cc, k_cap=cap, min_silhouette=cc.split_min_silhouette)
        else:
            sub, sil = np.zeros(len(idx), dtype=int), None
        for lab in sorted(set(sub.tolist())):
            for j, i in enumerate(idx):
                if sub[j] == lab:
                    labels[i] = nxt
            sil_of[nxt] = sil
            nxt += 1
    return labels, sil_of


def _top_terms(texts: list[str], labels: np.ndarray, n_terms: int = 5) -> dict[int, str]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        vec = TfidfVectorizer(stop_words="english", max_features=5000, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b")
        x = vec.fit_transform(texts)
    except ValueError:
        return {}
    vocab = np.array(vec.get_feature_names_out())
    out = {}
    for lab in sorted(set(labels.tolist())):
        mean = np.asarray(x[labels == lab].mean(axis=0)).ravel()
        order = np.lexsort((vocab, -mean))[:n_terms]
        out[lab] = ", ".join(vocab[i] for i in order if mean[i] > 0)
    return out


def _trend(dates: list) -> tuple[list, float]:
    ds = sorted(d for d in dates if d is not None)
    if not ds:
        return [], 0.0
    counts: dict = {}
    for d in ds:
        counts[d] = counts.get(d, 0) + 1
    days = sorted(counts)
    if len(days) < 2:
        return [[str(days[0]), counts[days[0]]]], 0.0
    d0 = days[0]
    span = (days[-1] - d0).days + 1
    xs = np.arange(span, dtype=float)
    ys = np.zeros(span)
    for d, n in counts.items():
        ys[(d - d0).days] = n
    slope = float(np.polyfit(xs, ys, 1)[0]) / max(float(ys.mean()), 1e-9)
    return [[str(d), counts[d]] for d in days], round(slope, 6)


def _unit_vectors(rows: list[dict], texts: list[str], vectors, backend: str) -> np.ndarray:
    """The stored vectors of the failed units when every one has one (and the backend is MiniLM), else MiniLM /
    TF-IDF of their failure texts: all units of one clustering are embedded the same way."""
    if vectors is not None and backend in ("auto", "minilm"):
        got = [vectors.get(r["unit_id"]) for r in rows]
        if all(v is not None and len(v) for v in got):
            return np.asarray([np.asarray(v, dtype=np.float32) for v in got], dtype=np.float32)
    from flywheel_assets.embeddings import embed

    return embed(texts, backend=backend)


def cluster_failures(curated: pl.DataFrame, cfg: FeedbackConfig | None = None,
                     vectors: dict[str, list[float]] | None = None) -> ClusterResult:
    """Cluster the failed / down-voted units of ``curated``; ``vectors``: stored per-unit vectors (see step 3)."""
    cfg = cfg or FeedbackConfig()
    cc = cfg.clustering
    df = sc.prepare(curated)
    rows, sigs, texts = [], [], []
    for row in df.iter_rows(named=True):
        msgs = c.messages_of(row)
        s = unit_signals(row, msgs)
        if _is_failed(row, s, cc.low_rating, cc.include_unknown_with_signals):
            rows.append(row)
            sigs.append(s)
            texts.append(_text_for(msgs))
    n = len(rows)
    if n == 0:
        empty = pl.DataFrame(schema=CLUSTER_SCHEMA)
        return ClusterResult(empty, pl.DataFrame(schema=ASSIGNMENT_SCHEMA),
                             Report("failure_clusters", {"n_failed": 0, "k": 0}, "# Failure clusters\n\nNo failures.\n"))
    emb = _unit_vectors(rows, texts, vectors, cfg.embedding_backend)
    sig_names = list(PRIORITY)
    onehot = np.zeros((n, len(sig_names)), dtype=np.float32)
    for i, s in enumerate(sigs):
        for name in s:
            onehot[i, sig_names.index(name)] = 1.0
    norms = np.linalg.norm(onehot, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    x = np.hstack([emb, SIGNAL_WEIGHT * onehot / norms]).astype(np.float64)
    if cc.signal_first:
        labels, sil_of = _partitioned_labels(x, sigs, cc)
        k = len(sil_of)
        sils = [v for v in sil_of.values() if v is not None]
        sil = round(float(np.mean(sils)), 6) if sils else None
    else:
        labels, k, sil = _choose_k(x, cc)
        sil_of = {lab: sil for lab in set(labels.tolist())}
    terms = _top_terms(texts, labels)

    out, assign = [], []
    for lab in sorted(set(labels.tolist())):
        idx = [i for i in range(n) if labels[i] == lab]
        ids = sorted(rows[i]["unit_id"] for i in idx)
        cid = "fc-" + stable_id("cluster", *ids, length=12)
        counts = {}
        for i in idx:
            for s in sigs[i]:
                counts[s] = counts.get(s, 0) + 1
        if counts:
            top = max(PRIORITY, key=lambda s: (counts.get(s, 0), -PRIORITY.index(s)))
            conf = counts[top] / len(idx)
            etype = top if conf >= LABEL_MIN_SHARE else "other"
        else:
            etype, conf = "other", 0.0
        models: dict = {}
        for i in idx:
            m = rows[i].get("model") or "unknown"
            models[m] = models.get(m, 0) + 1
        dates = [rows[i].get("event_date") for i in idx]
        trend, slope = _trend(dates)
        real_dates = sorted(d for d in dates if d is not None)
        # examples: most representative first (closest to the centroid), ties by id
        cen = x[idx].mean(axis=0)
        dist = {rows[i]["unit_id"]: float(np.linalg.norm(x[i] - cen)) for i in idx}
        examples = sorted(ids, key=lambda u: (round(dist[u], 9), u))[: cc.n_examples]
        out.append({
            "cluster_id": cid, "error_type": etype, "label_confidence": round(conf, 4), "size": len(idx),
            "share": round(len(idx) / n, 4),
            "n_failure": sum(1 for i in idx if rows[i].get("outcome") == "failure"),
            "n_thumbs_down": sum(1 for i in idx if rows[i].get("feedback_thumbs") == "down"),
            "signal_counts": to_json(counts), "models": to_json(models), "trend": to_json(trend),
            "trend_slope": slope, "first_date": real_dates[0] if real_dates else None,
            "last_date": real_dates[-1] if real_dates else None, "example_unit_ids": examples, "unit_ids": ids,
            "top_terms": terms.get(lab, ""), "k": k, "silhouette": sil_of.get(lab),
        })
        for i in idx:
            assign.append({"unit_id": rows[i]["unit_id"], "cluster_id": cid, "signals": sigs[i]})
    clusters = pl.DataFrame(out, schema=CLUSTER_SCHEMA).sort(["size", "cluster_id"], descending=[True, False])
    asg = pl.DataFrame(assign, schema=ASSIGNMENT_SCHEMA).sort("unit_id")
    return ClusterResult(clusters, asg, _report(clusters, n, k, sil))


def _report(clusters: pl.DataFrame, n: int, k: int, sil) -> Report:
    md = ["# Failure clusters", "", f"{n} failed or down-voted units in {clusters.height} clusters "
          f"(k={k}, silhouette={sil}).", "", "| cluster | error type | size | share | trend/day | top terms | examples |",
          "|---|---|---|---|---|---|---|"]
    for r in clusters.iter_rows(named=True):
        md.append(f"| {r['cluster_id']} | {r['error_type']} ({r['label_confidence']:.0%}) | {r['size']} | "
                  f"{r['share']:.0%} | {r['trend_slope']:+.2f} | {r['top_terms']} | "
                  f"{', '.join(r['example_unit_ids'][:3])} |")
    by_type = {}
    for r in clusters.iter_rows(named=True):
        by_type[r["error_type"]] = by_type.get(r["error_type"], 0) + r["size"]
    return Report("failure_clusters", {"n_failed": n, "k": k, "silhouette": sil, "by_error_type": by_type},
                  "\n".join(md) + "\n", {"clusters": clusters.drop("unit_ids")})


def cluster_of(clusters: pl.DataFrame, unit_id: str) -> str | None:
    for cid, ids in clusters.select("cluster_id", "unit_ids").iter_rows():
        if unit_id in ids:
            return cid
    return None


__all__ = ["failure_clusters", "cluster_failures", "assignments", "unit_signals", "ERROR_TYPES", "ClusterResult"]
