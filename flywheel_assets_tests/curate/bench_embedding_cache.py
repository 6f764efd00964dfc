"""CPU seconds of curate_units + mine_pairs + cluster_failures (+ triage's intent grouping) with MiniLM: the
pre-cache embeddings.py (PRE_CACHE_COMMIT), no cache, a cold cache and a warm on-disk cache, each in a fresh
process, on a demo drop.

    HF_HUB_OFFLINE=1 python -m flywheel_assets_tests.curate.bench_embedding_cache --sessions 800 --workdir /tmp/fw_embc

Prints a Markdown table and checks that all modes produce the same curated units / pairs / clusters.
Not a test (no timing assertions anywhere); docs/benchmarks.md "## Embedding cache" records its output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# last commit of flywheel_assets/embeddings.py without the cache
PRE_CACHE_COMMIT = "623ddb531a37583640da0011e6e5ea7d1abf337a"


def _prepare(workdir: Path, sessions: int) -> None:
    from flywheel_assets.curate.complexity import complexity_tags
    from flywheel_assets.curate.config import CurateConfig
    from flywheel_assets.demo import generate_demo
    from flywheel_assets.ingest.context import IngestContext
    from flywheel_assets.ingest.pipeline import ingest_paths
    from flywheel_assets.privacy.config import PrivacyConfig
    from flywheel_assets.privacy.redact import redact_units
    from flywheel_assets.segment.units import segment_events
    from flywheel_assets_tests.curate.demo_truth import TEST_KEY

    generate_demo(workdir / "drop", sessions=sessions, manifest_path=workdir / "manifest.json")
    res = ingest_paths(workdir / "drop", IngestContext(key=TEST_KEY))
    red = redact_units(segment_events(res.events), PrivacyConfig(), TEST_KEY).units
    red.write_parquet(workdir / "redacted.parquet")
    complexity_tags(red, CurateConfig().complexity_thresholds).write_parquet(workdir / "tags.parquet")


def _digest(df) -> str:
    import polars as pl

    cols = sorted(c for c in df.columns if df.schema[c] != pl.Object)
    text = df.select(cols).write_ndjson() if len(df) else ",".join(cols)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _measure(workdir: Path, mode: str) -> dict:
    """One process: mode = nocache | cache (FLYWHEEL_EMBEDDING_CACHE decides cold / warm)."""
    import polars as pl

    from flywheel_assets import embeddings
    from flywheel_assets.curate.config import CurateConfig
    from flywheel_assets.curate.pipeline import curate_units
    from flywheel_assets.feedback.clustering import cluster_failures
    from flywheel_assets.feedback.config import FeedbackConfig
    from flywheel_assets.feedback.pairs import mine_pairs
    from flywheel_assets.feedback.triage import _intent_groups

    if mode == "nocache":
        embeddings._DEFAULT = embeddings.EmbeddingCache(max_items=0)
        embeddings._DEFAULT_DIR = os.environ.get(embeddings.CACHE_ENV) or None
    if mode == "original":  # embeddings.py before the cache (PRE_CACHE_COMMIT), patched in for every caller
        src = subprocess.run(["git", "show", f"{PRE_CACHE_COMMIT}:flywheel_assets/embeddings.py"],
                             capture_output=True, text=True, check=True).stdout
        ns: dict = {"__name__": "flywheel_assets._embeddings_head"}
        exec(compile(src, "embeddings_head.py", "exec"), ns)
        embeddings.embed = ns["embed"]
        embeddings._DEFAULT = embeddings.EmbeddingCache(max_items=0)
    embeddings.embed(["warm up the model"])  # model load is not what we measure
    red = pl.read_parquet(workdir / "redacted.parquet")
    tags = pl.read_parquet(workdir / "tags.parquet")
    ccfg, fcfg = CurateConfig(), FeedbackConfig()
    out: dict = {"mode": mode, "units": len(red)}
    t = time.process_time()
    curated = curate_units(red, tags, ccfg)
    out["curate_units"] = time.process_time() - t
    t = time.process_time()
    pairs = mine_pairs(curated, fcfg)
    out["mine_pairs"] = time.process_time() - t
    t = time.process_time()
    clusters = cluster_failures(curated, fcfg)
    out["cluster_failures"] = time.process_time() - t
    t = time.process_time()
    groups = _intent_groups(curated, fcfg)
    out["triage_intents"] = time.process_time() - t
    c = embeddings.default_cache()
    out.update(hits=c.hits, misses=c.misses, kept=int(curated["kept"].sum()))
    out["digest"] = {"curated": _digest(curated.drop([x for x in curated.columns if x.startswith("_")])),
                     "pairs": _digest(pairs.pairs), "clusters": _digest(clusters.clusters),
                     "intents": hashlib.sha256(json.dumps(sorted(groups.items())).encode()).hexdigest()[:16]}
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=800)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--child", default=None)
    a = ap.parse_args(argv)
    a.workdir.mkdir(parents=True, exist_ok=True)
    if a.child:
        print(json.dumps(_measure(a.workdir, a.child)))
        return
    if not (a.workdir / "redacted.parquet").exists():
        _prepare(a.workdir, a.sessions)
    cache_dir = a.workdir / "embcache"
    for f in cache_dir.glob("*.npz"):
        f.unlink()
    rows = []
    for label, mode, env in (("embeddings.py before the cache", "original", None),
                             ("no cache (cache=None path)", "nocache", None), ("cache, cold", "cache", str(cache_dir)),
                             ("cache, warm (new process)", "cache", str(cache_dir))):
        e = dict(os.environ)
        e.pop("FLYWHEEL_EMBEDDING_CACHE", None)
        if env:
            e["FLYWHEEL_EMBEDDING_CACHE"] = env
        r = subprocess.run([sys.executable, "-m", "flywheel_assets_tests.curate.bench_embedding_cache",
                            "--workdir", str(a.workdir), "--child", mode], env=e, capture_output=True, text=True,
                           check=True)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        res["label"] = label
        rows.append(res)
    print(f"units: {rows[0]['units']}, kept: {rows[0]['kept']}\n")
    print("| run | curate_units | mine_pairs | cluster_failures | sum of the three | + triage intents | "
          "cache hits / misses |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        s = r["curate_units"] + r["mine_pairs"] + r["cluster_failures"]
        print(f"| {r['label']} | {r['curate_units']:.1f} | {r['mine_pairs']:.1f} | {r['cluster_failures']:.1f} | "
              f"{s:.1f} | {r['triage_intents']:.1f} | {r['hits']} / {r['misses']} |")
    same = {k: len({json.dumps(r["digest"][k]) for r in rows}) == 1 for k in rows[0]["digest"]}
    print("\noutputs identical across all runs:", same)


if __name__ == "__main__":
    main()
