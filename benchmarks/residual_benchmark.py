"""Residual-scan benchmark: how well the blocking residual PII scan (privacy/residual.residual_hits, the independent
second detector over redacted output) finds raw PII, and how often it raises false alarms, with and without the
name rules (``PrivacyConfig.residual_name_rules``), side by side in one run.

    python -m benchmarks.residual_benchmark [--limit N] [--sets eval,pii_real_dev] [--out docs/benchmarks_residual.md]

Sets (gold-annotated, none of them read while writing the residual rules): the presidio_dev eval half (sentence
templates no rule was written from) and pii_real_dev (real Enron e-mail). Two readings per set:

- **raw**: the scan over the unredacted texts, i.e. every gold value is a "leak". Recall = share of gold spans of
  the types the scan counts (``residual_types``: PERSON and the direct identifiers) that a hit overlaps; precision =
  share of hit non-space chars inside any gold span (any type: a hit on a gold organisation is PII, not a false
  alarm; pii_real_dev leaves phones and dates unannotated, so its precision is a lower bound).
- **redacted**: the cascade redacts each text (placeholders ``<TYPE_n>``), the scan reads the output. A gold span
  is leaked when < 90 % of its non-space chars were masked; leak recall = leaked spans of the counted types that a
  hit overlaps; false hits = hits that touch no leaked gold char (any type).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks.pii_benchmark import DEFAULT_DATA, load_emails, load_split  # noqa: E402

# gold labels of the two sets that name a type the residual scan counts (PrivacyConfig.residual_types)
GOLD_TYPES = {"PERSON": "PERSON", "EMAIL_ADDRESS": "EMAIL_ADDRESS", "PHONE_NUMBER": "PHONE_NUMBER",
              "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN_CODE", "US_SSN": "US_SSN", "IP_ADDRESS": "IP_ADDRESS"}


class _Memo:
    """The stock analyzer with its results memoised per text: both variants read the same model output."""

    def __init__(self, analyzer):
        self.analyzer, self.cache = analyzer, {}

    def analyze(self, text: str, language: str, entities: list[str]):
        key = (text, tuple(entities))
        if key not in self.cache:
            self.cache[key] = self.analyzer.analyze(text=text, language=language, entities=entities)
        return self.cache[key]


def redact_with_map(text: str, spans) -> tuple[str, list[int]]:
    """``text`` with each (merged) span replaced by ``<TYPE_n>``, and for each input char its index in the output
    (-1 for masked chars)."""
    from flywheel_assets.privacy.placeholders import format_placeholder

    out, pos, j, n = [], [-1] * len(text), 0, 0
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if s.end <= j:
            continue
        a = max(s.start, j)
        for k in range(j, a):
            pos[k] = n
            out.append(text[k])
            n += 1
        ph = format_placeholder(s.entity_type, 1)
        out.append(ph)
        n += len(ph)
        j = s.end
    for k in range(j, len(text)):
        pos[k] = n
        out.append(text[k])
        n += 1
    return "".join(out), pos


def _nonspace(text: str, a: int, b: int) -> list[int]:
    return [j for j in range(a, min(b, len(text))) if not text[j].isspace()]


def evaluate(texts_out: list[str], gold_pos: list[list[tuple[str, list[int]]]],
             hits: list[list]) -> dict:
    """Score hits against gold char sets (already mapped into ``texts_out``)."""
    n_gold = caught = hit_chars = hit_chars_gold = n_hits = false_hits = 0
    per_type: dict[str, list[int]] = {}
    for text, golds, hs in zip(texts_out, gold_pos, hits):
        gold_any = {j for _, idx in golds for j in idx}
        for h in hs:
            idx = _nonspace(text, h.start, h.end)
            n_hits += 1
            hit_chars += len(idx)
            inside = sum(1 for j in idx if j in gold_any)
            hit_chars_gold += inside
            false_hits += inside == 0
        covered = {j for h in hs for j in range(h.start, h.end)}
        for typ, idx in golds:
            if typ not in GOLD_TYPES or not idx:
                continue
            ok = any(j in covered for j in idx)
            n_gold += 1
            caught += ok
            per_type.setdefault(typ, [0, 0])
            per_type[typ][0] += ok
            per_type[typ][1] += 1
    return {"n_gold": n_gold, "recall": caught / n_gold if n_gold else float("nan"), "hits": n_hits,
            "false_hits": false_hits, "precision": hit_chars_gold / hit_chars if hit_chars else float("nan"),
            "per_type": {k: f"{v[0]}/{v[1]}" for k, v in sorted(per_type.items())}}


def run_set(samples: list[dict], memo: _Memo, variants: dict) -> dict:
    from flywheel_assets.privacy.cascade import Cascade
    from flywheel_assets.privacy.config import PrivacyConfig
    from flywheel_assets.privacy.detectors.dictionary import cached_allow_list
    from flywheel_assets.privacy.residual import residual_hits

    texts = [s["full_text"] for s in samples]
    raw_gold = [[(g["entity_type"], _nonspace(t, g["start_position"], g["end_position"])) for g in s["spans"]]
                for s, t in zip(samples, texts)]
    cascade_spans = Cascade(PrivacyConfig()).scan_many(texts)
    red_texts, red_gold = [], []
    n_leaked = 0
    for t, spans, golds in zip(texts, cascade_spans, raw_gold):
        out, pos = redact_with_map(t, spans)
        red_texts.append(out)
        leaked = []
        for typ, idx in golds:
            kept = [pos[j] for j in idx if pos[j] >= 0]
            if idx and len(kept) > 0.1 * len(idx):  # < 90 % masked: a leak, at its chars in the output
                leaked.append((typ, kept))
                n_leaked += typ in GOLD_TYPES
        red_gold.append(leaked)
    res = {"texts": len(texts), "chars": sum(map(len, texts)), "leaked_counted_types": n_leaked}
    for name, cfg in variants.items():
        allow = cached_allow_list(tuple(cfg.allow_list), cfg.use_default_allow_list)
        raw_hits = [residual_hits(t, memo, allow, cfg) for t in texts]
        red_hits = [residual_hits(t, memo, allow, cfg) for t in red_texts]
        res[name] = {"raw": evaluate(texts, raw_gold, raw_hits),
                     "redacted": evaluate(red_texts, red_gold, red_hits)}
    return res


def markdown(results: dict, cmd: str) -> str:
    lines = [f"Command: `{cmd}`. raw = the scan over unredacted text (every gold value a leak); redacted = over "
             "the cascade's output (leak = gold span < 90 % masked). Recall over gold spans of the types the scan "
             "counts (PERSON + direct identifiers; a hit must overlap the span); precision = hit chars inside any "
             "gold span; false hits = hits touching no gold (raw) / no leaked gold (redacted) char.", "",
             "| set | reading | residual scan | gold spans | recall | hits | false hits | char precision |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        for reading in ("raw", "redacted"):
            for v in (k for k in r if isinstance(r[k], dict)):
                m = r[v][reading]
                lines.append(f"| {name} | {reading} | {v} | {m['n_gold']} | {m['recall']:.3f} | {m['hits']} | "
                             f"{m['false_hits']} | {m['precision']:.3f} |")
    lines += ["", "Per-type recall (caught / gold spans of that type):", "",
              "| set | reading | residual scan | per type |", "|---|---|---|---|"]
    for name, r in results.items():
        for reading in ("raw", "redacted"):
            for v in (k for k in r if isinstance(r[k], dict)):
                pt = ", ".join(f"{k} {x}" for k, x in r[v][reading]["per_type"].items())
                lines.append(f"| {name} | {reading} | {v} | {pt} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from flywheel_assets.privacy.config import PrivacyConfig
    from flywheel_assets.privacy.detectors.presidio_ner import vanilla_analyzer

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="at most N texts per set")
    ap.add_argument("--sets", default="eval,pii_real_dev", help="comma list of: eval, pii_real_dev")
    ap.add_argument("--out", type=Path, default=None, help="write the markdown table here")
    args = ap.parse_args(argv)
    wanted = [x.strip() for x in args.sets.split(",") if x.strip()]
    sets: dict[str, list[dict]] = {}
    if "eval" in wanted:
        sets["presidio_dev eval half"] = load_split(args.data)["eval"]
    if "pii_real_dev" in wanted:
        sets["pii_real_dev (Enron e-mail)"] = load_emails(args.data.parent.parent / "pii_real_dev" / "emails.jsonl")
    variants = {"stock hits, common words trimmed (before)": PrivacyConfig(residual_name_rules=False),
                "+ redactor's name rules (after)": PrivacyConfig(residual_name_rules=True)}
    memo = _Memo(vanilla_analyzer())
    results = {name: run_set(samples[:args.limit] if args.limit else samples, memo, variants)
               for name, samples in sets.items()}
    cmd = "python -m benchmarks.residual_benchmark" + (f" --limit {args.limit}" if args.limit else "") + \
        (f" --sets {args.sets}" if args.sets != ap.get_default("sets") else "")
    md = markdown(results, cmd)
    print(md)
    if args.out:
        args.out.write_text(md, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
