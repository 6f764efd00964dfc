"""PII benchmark: vanilla Presidio vs the flywheel cascade, side by side in one run.

    python -m benchmarks.pii_benchmark [--limit N] [--sets eval,fit,pii_real_dev,probe] [--out docs/benchmarks_pii.md]

Sets: (1) presidio-research's generated_large.json split by sentence template (``template_split.json``): the eval
half (templates no rule was written from) is the headline, the fit half is reported as fit data; (2) pii_real_dev,
real Enron e-mails with gold names / organisations / places / e-mails / URLs; (3) benchmarks/data/pii_probe.txt,
support-chat, log and tool-output lines written from general knowledge of identifier formats.
Metrics (label-blind, over non-space characters): char recall / precision / F2 of masked vs gold characters;
entity recall (a gold span is protected when >= 90% of its non-space chars are masked); per-type entity recall;
direct-identifier recall; throughput in chars per CPU-second (process time, BLAS/OMP pinned to one thread).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("FLYWHEEL_REALDATA", REPO.parent / "shared" / "realdata")) / "presidio_dev" / \
    "generated_large.json"
PROBE = REPO / "benchmarks" / "data" / "pii_probe.txt"
DIRECT = ("EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_DRIVER_LICENSE")


def load(path: Path, limit: int | None = None) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data[:limit] if limit else data


def score(samples: list[dict], predicted: list[list[tuple[int, int]]]) -> dict:
    tp = fp = fn = 0
    ent_total = ent_hit = 0
    per_type: dict[str, list[int]] = {}
    for s, pred in zip(samples, predicted):
        text = s["full_text"]
        gold = bytearray(len(text))
        for g in s["spans"]:
            for j in range(g["start_position"], min(g["end_position"], len(text))):
                gold[j] = 1
        mask = bytearray(len(text))
        for a, b in pred:
            for j in range(max(0, a), min(b, len(text))):
                mask[j] = 1
        for j, c in enumerate(text):
            if c.isspace():
                continue
            if gold[j] and mask[j]:
                tp += 1
            elif mask[j]:
                fp += 1
            elif gold[j]:
                fn += 1
        for g in s["spans"]:
            idx = [j for j in range(g["start_position"], min(g["end_position"], len(text))) if not text[j].isspace()]
            if not idx:
                continue
            ok = sum(mask[j] for j in idx) >= 0.9 * len(idx)
            ent_total += 1
            ent_hit += ok
            per_type.setdefault(g["entity_type"], [0, 0])
            per_type[g["entity_type"]][0] += ok
            per_type[g["entity_type"]][1] += 1
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f2 = 5 * p * r / (4 * p + r) if p + r else 0.0
    d_hit = sum(per_type.get(t, [0, 0])[0] for t in DIRECT)
    d_tot = sum(per_type.get(t, [0, 0])[1] for t in DIRECT)
    return {"char_precision": p, "char_recall": r, "char_f2": f2, "entity_recall": ent_hit / ent_total if ent_total
            else 0.0, "n_entities": ent_total, "direct_recall": d_hit / d_tot if d_tot else 0.0, "n_direct": d_tot,
            "per_type": {k: (v[0] / v[1], v[1]) for k, v in sorted(per_type.items())}}


def _settle_gc() -> None:
    """Before each timed run (both engines alike): collect, then freeze what exists (models, lexicons, the other
    engine's leftovers) so the cyclic GC's full passes do not traverse it inside the timed region. Without this a
    single full collection landing in the cascade's ~1.5 s run cost up to 0.45 s, depending on what ran before it."""
    gc.collect()
    gc.freeze()


def run_vanilla(texts: list[str]) -> tuple[list[list[tuple[int, int]]], float]:
    from flywheel_assets.privacy.detectors.presidio_ner import vanilla_analyzer

    an = vanilla_analyzer()
    an.analyze(text="warm up John Smith", language="en")
    _settle_gc()
    t0 = time.process_time()
    out = [[(r.start, r.end) for r in an.analyze(text=t, language="en")] for t in texts]
    return out, time.process_time() - t0


def run_cascade(texts: list[str], overrides: dict | None = None) -> tuple[list[list[tuple[int, int]]], float]:
    from flywheel_assets.privacy.cascade import Cascade
    from flywheel_assets.privacy.config import PrivacyConfig
    from flywheel_assets.privacy.detectors.presidio_ner import spacy_nlp

    spacy_nlp()
    casc = Cascade(PrivacyConfig(**(overrides or {})))
    casc.warm_up()  # one-time loads (model, lexicons) are not throughput; vanilla is warmed up the same way
    _settle_gc()
    t0 = time.process_time()
    res = casc.scan_many(texts)
    return [[(s.start, s.end) for s in spans] for spans in res], time.process_time() - t0


def load_split(path: Path) -> dict[str, list[dict]]:
    """presidio_dev split by template (``template_split.json`` next to the data): {"eval": [...], "fit": [...]}."""
    split = json.loads((path.parent / "template_split.json").read_text(encoding="utf-8"))
    data = load(path)
    ev, fit = set(split["eval_templates"]), set(split["fit_templates"])
    return {"eval": [s for s in data if s.get("template_id") in ev],
            "fit": [s for s in data if s.get("template_id") in fit]}


def load_emails(path: Path, limit: int | None = None) -> list[dict]:
    """``pii_real_dev/emails.jsonl`` (real Enron mail, gold names / orgs / places / e-mails / URLs) in the sample
    format ``score`` reads."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append({"full_text": r["text"], "spans": [
                {"entity_type": g["type"], "start_position": g["start"], "end_position": g["end"]}
                for g in r["spans"]]})
    return out[:limit] if limit else out


_MARK = re.compile(r"\[\[([A-Z_]+):(.*?)\]\]")


def parse_probe_line(line: str) -> dict:
    """One probe line: ``[[TYPE:value]]`` marks a gold span; a literal ``\\n`` is a line break."""
    line = line.replace("\\n", "\n")
    text, spans, pos = [], [], 0
    n = 0
    for m in _MARK.finditer(line):
        text.append(line[pos:m.start()])
        n += m.start() - pos
        spans.append({"entity_type": m.group(1), "start_position": n, "end_position": n + len(m.group(2))})
        text.append(m.group(2))
        n += len(m.group(2))
        pos = m.end()
    text.append(line[pos:])
    return {"full_text": "".join(text), "spans": spans}


def load_probe(path: Path = PROBE) -> list[dict]:
    return [parse_probe_line(x) for x in path.read_text(encoding="utf-8").splitlines()
            if x.strip() and not x.startswith("#")]


def _row(m: dict, chars: int, t: float) -> list[str]:
    return [f"{m['entity_recall']:.3f}", f"{m['char_recall']:.3f}", f"{m['char_precision']:.3f}",
            f"{chars / max(t, 1e-9):,.0f}"]


def markdown(results: dict[str, dict], cmd: str) -> str:
    """``results[set] = {"n", "chars", "note", "engines": {engine: (metrics, cpu_s)}}`` -> headline table + per-type."""
    engines = list(next(iter(results.values()))["engines"])
    lines = [f"Command: `{cmd}` (both engines in one process, GC collected + frozen before each timed run; "
             "entity recall = share of gold spans with >= 90 % of their non-space chars masked, label-blind; "
             "char precision over non-space chars; speed in chars per CPU-second).", "",
             "| set | texts | gold spans | engine | entity recall | char recall | char precision | chars/CPU-s |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        for e, (m, t) in r["engines"].items():
            lines.append(f"| {name} | {r['n']} | {m['n_entities']} | {e} | " + " | ".join(_row(m, r["chars"], t))
                         + " |")
        if len(r["engines"]) == 2:
            (_, tv), (_, tc) = r["engines"].values()
            lines.append(f"| {name} | | | speed-up | | | | {tv / max(tc, 1e-9):.1f}x |")
    for name, r in results.items():
        types = sorted({t for m, _ in r["engines"].values() for t in m["per_type"]})
        lines += ["", f"**{name}** per-type entity recall{r.get('note', '')}:", "",
                  "| type | n | " + " | ".join(engines) + " |", "|---|---|" + "---|" * len(engines)]
        for t in types:
            nn = next(m["per_type"][t][1] for m, _ in r["engines"].values() if t in m["per_type"])
            lines.append(f"| {t} | {nn} | " + " | ".join(
                f"{m['per_type'].get(t, (0.0, 0))[0]:.3f}" for m, _ in r["engines"].values()) + " |")
    return "\n".join(lines) + "\n"


def misses(samples: list[dict], predicted: list[list[tuple[int, int]]]) -> list[tuple[str, str, str]]:
    """(type, gold value, text) for each gold span the engine did not protect (for reading the probe's misses)."""
    out = []
    for s, pred in zip(samples, predicted):
        text = s["full_text"]
        mask = bytearray(len(text))
        for a, b in pred:
            mask[max(0, a):min(b, len(text))] = b"\1" * (min(b, len(text)) - max(0, a))
        for g in s["spans"]:
            idx = [j for j in range(g["start_position"], g["end_position"]) if not text[j].isspace()]
            if idx and sum(mask[j] for j in idx) < 0.9 * len(idx):
                out.append((g["entity_type"], text[g["start_position"]:g["end_position"]], text))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="at most N texts per set")
    ap.add_argument("--sets", default="eval,fit,pii_real_dev,probe",
                    help="comma list of: eval, fit, pii_real_dev, probe")
    ap.add_argument("--out", type=Path, default=None, help="write the markdown table here")
    ap.add_argument("--no-vanilla", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="PrivacyConfig override for the cascade, e.g. --set ner_gating=false")
    ap.add_argument("--show-misses", default="", help="comma list of sets whose cascade misses are printed")
    args = ap.parse_args(argv)
    overrides = {k: json.loads(v) for k, v in (x.split("=", 1) for x in args.set)}
    wanted = [x.strip() for x in args.sets.split(",") if x.strip()]
    sets: dict[str, tuple[list[dict], str]] = {}
    if {"eval", "fit"} & set(wanted):
        split = load_split(args.data)
        if "eval" in wanted:
            sets["presidio_dev eval half (headline)"] = (split["eval"], " (templates no rule was written from)")
        if "fit" in wanted:
            sets["presidio_dev fit half (fit data)"] = (split["fit"], " (FIT DATA: rules were read against these)")
    if "pii_real_dev" in wanted:
        sets["pii_real_dev (real Enron e-mail)"] = (load_emails(args.data.parent.parent / "pii_real_dev" /
                                                                "emails.jsonl"),
                                                    " (gold: names, orgs, places, e-mails, URLs only; phones and "
                                                    "dates are unannotated, so char precision is a lower bound)")
    if "probe" in wanted:
        sets["probe (benchmarks/data/pii_probe.txt)"] = (load_probe(), " (support-chat / log / tool-output lines)")
    results: dict[str, dict] = {}
    show = {x.strip() for x in args.show_misses.split(",") if x.strip()}
    for (name, (samples, note)), key in zip(sets.items(), [w for w in ("eval", "fit", "pii_real_dev", "probe")
                                                           if w in wanted]):
        if args.limit:
            samples = samples[:args.limit]
        texts = [s["full_text"] for s in samples]
        engines: dict[str, tuple[dict, float]] = {}
        if not args.no_vanilla:
            pred, t = run_vanilla(texts)
            engines["vanilla Presidio"] = (score(samples, pred), t)
        pred, t = run_cascade(texts, overrides)
        engines["flywheel cascade"] = (score(samples, pred), t)
        if key in show:
            for typ, val, text in misses(samples, pred):
                print(f"MISS {key} {typ}: {val!r} in {text[:160]!r}", file=sys.stderr)
        results[name] = {"n": len(samples), "chars": sum(len(x) for x in texts), "note": note, "engines": engines}
    cmd = "python -m benchmarks.pii_benchmark" + (f" --limit {args.limit}" if args.limit else "") + \
        (f" --sets {args.sets}" if args.sets != ap.get_default("sets") else "")
    md = markdown(results, cmd)
    print(md)
    if args.out:
        args.out.write_text("# PII benchmark\n\n" + md, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
