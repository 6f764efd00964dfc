"""Measure curation + feedback against the demo drop's planted ground truth (issues 4 and 5).

Shared by ``flywheel_assets_tests/curate/test_demo_truth.py`` and ``flywheel_assets_tests/feedback/test_demo_truth.py``
(one build per process, cached) and runnable to regenerate the tables in docs/curation.md / docs/feedback.md:

    HF_HUB_OFFLINE=1 python -m flywheel_assets_tests.curate.demo_truth --sessions 800 --fast
    HF_HUB_OFFLINE=1 python -m flywheel_assets_tests.curate.demo_truth --sessions 2400

Ground truth (manifest: ``near_duplicate_groups``, ``error_type``, ``intended_intervention``, ...) is read here
only; the library never sees it.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import polars as pl  # noqa: E402

TEST_KEY = b"flywheel-test-key"  # same key as conftest's pii_key
_DIGITS = re.compile(r"\d+")


@dataclass
class DemoRun:
    manifest: dict
    redacted: pl.DataFrame  # redacted units
    curated: pl.DataFrame
    curate_cfg: object
    feedback_cfg: object
    sessions: dict  # session_id -> manifest session


def configs(fast: bool = True):
    """Default configs; ``fast`` swaps MiniLM for TF-IDF (diversity, failure-clustering and intent embeddings) so a
    test stays within its time budget on a shared CPU. Signal labels, dedup, filters and metadata do not depend on
    the embedding backend."""
    from flywheel_assets.curate.config import CurateConfig
    from flywheel_assets.feedback.config import FeedbackConfig

    ccfg = CurateConfig()
    fcfg = FeedbackConfig()
    if fast:
        ccfg.diversity.embedding_backend = "tfidf"
        fcfg.embedding_backend = "tfidf"
        fcfg.pairs.embedding_backend = "tfidf"
    return ccfg, fcfg


_CACHE: dict = {}


def build(sessions: int = 800, fast: bool = True, root: Path | None = None) -> DemoRun:
    """generate_demo -> ingest_paths -> segment_events -> redact_units -> complexity_tags -> curate_units."""
    key = (sessions, fast)
    if key in _CACHE:
        return _CACHE[key]
    from flywheel_assets.curate.complexity import complexity_tags
    from flywheel_assets.curate.pipeline import curate_units
    from flywheel_assets.demo import generate_demo
    from flywheel_assets.ingest.context import IngestContext
    from flywheel_assets.ingest.pipeline import ingest_paths
    from flywheel_assets.privacy.config import PrivacyConfig
    from flywheel_assets.privacy.redact import redact_units
    from flywheel_assets.segment.units import segment_events

    if root is None:
        root = Path(tempfile.mkdtemp(prefix="flywheel_demo_truth_"))
        atexit.register(shutil.rmtree, root, True)
    root = Path(root)
    generate_demo(root / "drop", sessions=sessions, manifest_path=root / "demo_manifest.json")
    manifest = json.loads((root / "demo_manifest.json").read_text())
    res = ingest_paths(root / "drop", IngestContext(key=TEST_KEY))
    units = segment_events(res.events)
    red = redact_units(units, PrivacyConfig(), TEST_KEY).units
    ccfg, fcfg = configs(fast)
    curated = curate_units(red, complexity_tags(red, ccfg.complexity_thresholds), ccfg)
    run = DemoRun(manifest, red, curated, ccfg, fcfg, {s["session_id"]: s for s in manifest["sessions"]})
    _CACHE[key] = run
    return run


# ------------------------------------------------------------------------------------------------ near-dups


def _pairs(groups: dict) -> set:
    return {p for idx in groups.values() for p in itertools.combinations(sorted(idx), 2)}


def neardup_metrics(run: DemoRun) -> dict:
    """Planted near-duplicate groups vs dedup clusters, at pair level (pairs of units in one planted group / in one
    dup cluster) and cluster level. Flagged pairs outside the planted groups are classified as: identical after
    redaction (``same_text``), template siblings that differ only in numbers/ids (``template_sibling``), same
    planted intent otherwise (``same_intent``), different intents (``cross_intent``: distinct requests merged)."""
    from flywheel_assets.curate.dedup import normalize
    from flywheel_assets.curate.parsed import parse_units

    cur = run.curated.filter(~pl.col("is_synthetic")).sort("unit_id")
    sids = cur["session_id"].to_list()
    texts = [normalize(p.dialog_text) for p in parse_units(cur)]
    masked = [_DIGITS.sub("0", t) for t in texts]
    grp = {s: g["group"] for g in run.manifest["near_duplicate_groups"] for s in g["session_ids"]}
    intent = {s: run.sessions[s]["intent_id"] for s in sids}
    planted_groups: dict = {}
    for i, s in enumerate(sids):
        if s in grp:
            planted_groups.setdefault(grp[s], []).append(i)
    clusters: dict = {}
    for i, c in enumerate(cur["dup_cluster_id"].to_list()):
        clusters.setdefault(c, []).append(i)
    planted, flagged = _pairs(planted_groups), _pairs({k: v for k, v in clusters.items() if len(v) > 1})
    found = planted & flagged
    kinds = {"same_text": 0, "template_sibling": 0, "same_intent": 0, "cross_intent": 0}
    for a, b in sorted(flagged - planted):
        if texts[a] == texts[b]:
            kinds["same_text"] += 1
        elif masked[a] == masked[b]:
            kinds["template_sibling"] += 1
        elif intent[sids[a]] == intent[sids[b]]:
            kinds["same_intent"] += 1
        else:
            kinds["cross_intent"] += 1
    multi = [idx for idx in clusters.values() if len(idx) > 1]
    pure = sum(1 for idx in multi if len({grp.get(sids[i]) for i in idx}) == 1 and sids[idx[0]] in grp)
    sibling_clusters = sum(1 for idx in multi if len({texts[i] for i in idx}) > 1 and len({masked[i] for i in idx}) == 1
                           and not all(sids[i] in grp for i in idx))
    reasons = cur["filter_reason"].to_list()
    removed = [i for i, r in enumerate(reasons) if r in ("duplicate", "near_duplicate")]
    copies = sum(len(v) - 1 for v in planted_groups.values())
    # a planted copy is "caught" when it is not the kept representative of its dup cluster
    rep = cur["is_representative"].to_list()
    caught = sum(1 for v in planted_groups.values() for i in v if not rep[i]) if planted_groups else 0
    cl = cur["dup_cluster_id"].to_list()
    collapsed = sum(1 for v in planted_groups.values() if len({cl[i] for i in v}) == 1)
    return {
        "units": cur.height, "planted_groups": len(planted_groups), "planted_groups_collapsed": collapsed, "planted_pairs": len(planted),
        "found_pairs": len(found), "recall": len(found) / max(len(planted), 1),
        "flagged_pairs": len(flagged), "precision": len(found) / max(len(flagged), 1),
        "precision_excl_same_text": len(found) / max(len(flagged) - kinds["same_text"], 1),
        **{f"fp_{k}": v for k, v in kinds.items()},
        "flagged_clusters": len(multi), "planted_only_clusters": pure, "template_sibling_clusters": sibling_clusters,
        "removed_as_dup": len(removed), "near_duplicate": reasons.count("near_duplicate"),
        "duplicate": reasons.count("duplicate"), "planted_copies": copies, "planted_members_not_representative": caught,
        "max_cluster_size": max((len(v) for v in clusters.values()), default=0),
    }


def distributions(run: DemoRun) -> dict[str, dict]:
    cur = run.curated.filter(~pl.col("is_synthetic"))
    kept = cur.filter(pl.col("kept"))

    def counts(df, col):
        return {str(k): int(v) for k, v in df.group_by(col).len().sort(col, nulls_last=True).iter_rows()}

    tools = kept.select(pl.col("tools_used").explode().alias("tool")).drop_nulls()
    return {
        "complexity_bucket (kept)": counts(kept, "complexity_bucket"),
        "task_type (kept)": counts(kept, "task_type"),
        "domain (kept)": counts(kept, "domain"),
        "language (kept)": counts(kept, "language"),
        "outcome (kept)": counts(kept, "outcome"),
        "tools_used (kept units using it)": counts(tools, "tool"),
        "filter_reason (all)": {("kept" if k == "None" else k): v for k, v in counts(cur, "filter_reason").items()},
    }


# ------------------------------------------------------------------------------------------------ feedback


def feedback_eval(run: DemoRun, synthetic: bool = True) -> dict:
    """Pairs per source (synthetic enabled on request) + failure clusters + triage, joined to the planted truth."""
    from flywheel_assets.feedback.clustering import cluster_failures
    from flywheel_assets.feedback.pairs import mine_pairs
    from flywheel_assets.feedback.triage import triage

    fcfg = run.feedback_cfg.model_copy(deep=True)
    if synthetic and "synthetic" not in fcfg.pairs.sources:
        fcfg.pairs.sources = [*fcfg.pairs.sources, "synthetic"]
    pairs = mine_pairs(run.curated, fcfg)
    res = cluster_failures(run.curated, fcfg)
    tri = triage(res.clusters, run.curated, fcfg)
    truth = pl.DataFrame([{"session_id": s, "planted_error_type": v["error_type"] or (
        "(other failure)" if v["outcome"] == "failure" else "(none)"),
        "intended_intervention": v["intended_intervention"] or "(none)"} for s, v in sorted(run.sessions.items())])
    units = (run.curated.filter(~pl.col("is_synthetic")).select("unit_id", "session_id").join(truth, on="session_id")
             .join(res.assignments.select("unit_id", "cluster_id"), on="unit_id", how="left")
             .join(tri.select("cluster_id", pl.col("error_type").alias("cluster_label"), "intervention"),
                   on="cluster_id", how="left")
             .with_columns(pl.col("cluster_label").fill_null("(not clustered)"),
                           pl.col("intervention").fill_null("(not clustered)")))
    return {"pairs": pairs, "clusters": res.clusters, "assignments": res.assignments, "triage": tri, "units": units,
            "cfg": fcfg}


def confusion(units: pl.DataFrame, row: str, col: str) -> pl.DataFrame:
    return (units.group_by(row, col).len().pivot(on=col, index=row, values="len", sort_columns=True)
            .fill_null(0).sort(row))


def _md_table(df: pl.DataFrame) -> str:
    cols = df.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in df.iter_rows():
        lines.append("| " + " | ".join(str(v) for v in r) + " |")
    return "\n".join(lines)


def main() -> None:  # pragma: no cover - documentation helper
    import argparse
    import time

    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=800)
    ap.add_argument("--fast", action="store_true")
    a = ap.parse_args()
    t0 = time.time()
    run = build(a.sessions, a.fast)
    t1 = time.time()
    print(f"## demo sessions={a.sessions} fast={a.fast} units={run.curated.height} (build {t1 - t0:.0f}s)\n")
    print("### near-duplicates\n")
    for k, v in neardup_metrics(run).items():
        print(f"- {k}: {round(v, 4) if isinstance(v, float) else v}")
    print("\n### distributions\n")
    for k, v in distributions(run).items():
        print(f"- {k}: {v}")
    from flywheel_assets.curate.bias import bias_report
    from flywheel_assets.curate.coverage import coverage_report

    print("- coverage targets_missed:", coverage_report(run.curated, run.curate_cfg).summary.get("targets_missed"))
    print("- bias violations:", bias_report(run.curated, run.curate_cfg).summary.get("violations"))
    t2 = time.time()
    fb = feedback_eval(run)
    print(f"\n### feedback ({time.time() - t2:.0f}s)\n")
    print("pairs by source:", {k: int(v) for k, v in fb["pairs"].pairs.group_by("pair_source").len()
                               .sort("pair_source").iter_rows()})
    print("pairs stats:", fb["pairs"].stats)
    print("\n" + _md_table(confusion(fb["units"], "planted_error_type", "cluster_label")) + "\n")
    print(_md_table(confusion(fb["units"], "intended_intervention", "intervention")) + "\n")
    print(_md_table(fb["triage"].select("priority", "error_type", "size", "intervention", "effort_days",
                                        "within_budget", "rollback_candidate")))


if __name__ == "__main__":  # pragma: no cover
    main()
