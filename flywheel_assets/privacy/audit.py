"""Audit tools: ``flywheel pii scan``.

* ``scan_jsonl(IN.jsonl, field, OUT.jsonl)`` writes, for every input row in order,
  ``{"spans": [{"start", "end", "entity_type", "score"}], "redacted": str}`` (rows that are not JSON or lack the
  field get ``"spans": [], "redacted": null, "error": <reason>`` – never dropped).
* ``scan_path(FILE|DIR, cfg)`` returns a report dict: counts by entity type and redacted examples (never raw values).

Entry point for the CLI: ``cli_main(["scan", "IN.jsonl", "--field", "text", "--out", "OUT.jsonl"])``
(also ``python -m flywheel_assets.privacy.audit scan ...``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from ..jsontext import json_leaves
from .cascade import Cascade
from .config import PrivacyConfig
from .pseudonymize import SessionPseudonymizer
from .redact import apply_replacements, context_snippet

# In placeholder mode the output shows only per-row numbers, never the HMAC, so the key does not change the output.
_PLACEHOLDER_ONLY_KEY = b"flywheel-scan-placeholder-numbering"
_TEXT_SUFFIXES = (".jsonl", ".json", ".txt", ".log", ".md", ".csv", ".ndjson")


def _get_field(obj, field: str):
    cur = obj
    for part in field.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None, f"missing_field:{field}"
    if not isinstance(cur, str):
        return None, f"not_a_string:{field}"
    return cur, None


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _key(cfg: PrivacyConfig, key: bytes | None) -> bytes:
    if key:
        return key
    if cfg.mode == "placeholder":
        return _PLACEHOLDER_ONLY_KEY
    from ..keys import load_key

    return load_key()


def scan_jsonl(in_path: str | Path, field: str, out_path: str | Path, cfg: PrivacyConfig | None = None,
               key: bytes | None = None, batch: int = 512) -> dict:
    """Scan ``field`` (dot path) of every JSONL row; write one result row per input row, in order."""
    cfg = cfg or PrivacyConfig()
    key = _key(cfg, key)
    casc = Cascade(cfg)
    counts = {"rows": 0, "errors": 0, "entities": 0}
    by_type: dict[str, int] = {}
    with _open_text(Path(in_path)) as fin, open(out_path, "w", encoding="utf-8") as fout:
        buf: list[tuple[str | None, str | None]] = []

        def flush():
            texts = [t for t, _ in buf if t is not None]
            found = iter(casc.scan_many(texts))
            for t, err in buf:
                if t is None:
                    fout.write(json.dumps({"spans": [], "redacted": None, "error": err}, ensure_ascii=False) + "\n")
                    counts["errors"] += 1
                    continue
                spans = next(found)
                red = apply_replacements(t, spans, SessionPseudonymizer(key, cfg.mode)) if spans else t
                for s in spans:
                    by_type[s.entity_type] = by_type.get(s.entity_type, 0) + 1
                counts["entities"] += len(spans)
                fout.write(json.dumps({"spans": [s.to_dict() for s in spans], "redacted": red},
                                      ensure_ascii=False) + "\n")
            buf.clear()

        for line in fin:
            if not line.strip():
                continue
            counts["rows"] += 1
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                buf.append((None, "invalid_json"))
            else:
                buf.append(_get_field(obj, field))
            if len(buf) >= batch:
                flush()
        flush()
    counts["by_type"] = dict(sorted(by_type.items()))
    return counts


def _string_leaves(obj, out: list[str]) -> None:
    out.extend(v for v in json_leaves(obj) if isinstance(v, str))


def _file_texts(path: Path) -> list[str]:
    texts: list[str] = []
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    with _open_text(path) as fh:
        if name.endswith((".jsonl", ".ndjson")):
            for line in fh:
                try:
                    _string_leaves(json.loads(line), texts)
                except (ValueError, RecursionError):
                    if line.strip():
                        texts.append(line.rstrip("\n"))
        elif name.endswith(".json"):
            raw = fh.read()
            try:
                _string_leaves(json.loads(raw), texts)
            except (ValueError, RecursionError):
                texts.extend(raw.splitlines())
        else:
            texts.extend(line.rstrip("\n") for line in fh)
    return [t for t in texts if t.strip()]


def scan_path(path: str | Path, cfg: PrivacyConfig | None = None, examples_per_type: int = 3,
              max_chars: int | None = None) -> dict:
    """Scan a file or a directory (recursively: jsonl/json/txt/log/md/csv, optionally .gz). Returns a report dict
    ``{name, summary: {files, texts, chars, entities, by_type}, examples: {type: [redacted context]}, markdown}``."""
    cfg = cfg or PrivacyConfig()
    p = Path(path)
    files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file() and (
        f.name.endswith(_TEXT_SUFFIXES) or f.name.endswith(tuple(s + ".gz" for s in _TEXT_SUFFIXES))))
    casc = Cascade(cfg)
    by_type: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    n_texts = n_chars = 0
    for f in files:
        texts = _file_texts(f)
        if max_chars is not None:
            keep, used = [], 0
            for t in texts:
                if used >= max_chars:
                    break
                keep.append(t)
                used += len(t)
            texts = keep
        n_texts += len(texts)
        n_chars += sum(len(t) for t in texts)
        for t, spans in zip(texts, casc.scan_many(texts)):
            if not spans:
                continue
            pos: list = []
            red = apply_replacements(t, spans, SessionPseudonymizer(_PLACEHOLDER_ONLY_KEY), pos)
            for s, (a, b) in zip(spans, pos):
                by_type[s.entity_type] = by_type.get(s.entity_type, 0) + 1
                ex = examples.setdefault(s.entity_type, [])
                if len(ex) < examples_per_type:
                    ex.append(context_snippet(red, a, b, 40))
    summary = {"files": len(files), "texts": n_texts, "chars": n_chars, "entities": sum(by_type.values()),
               "by_type": dict(sorted(by_type.items()))}
    md = [f"# PII scan of `{p.name}`", "", f"{summary['files']} files, {n_texts} texts, {n_chars:,} chars, "
          f"{summary['entities']} entities.", "", "| entity type | count | redacted example |", "|---|---|---|"]
    for et, n in sorted(by_type.items()):
        ex = (examples.get(et) or [""])[0].replace("|", "\\|")
        md.append(f"| {et} | {n} | {ex} |")
    return {"name": "pii_scan", "summary": summary, "examples": {k: examples[k] for k in sorted(examples)},
            "markdown": "\n".join(md) + "\n"}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="flywheel pii", description="PII audit tools")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sc = sub.add_parser("scan", help="scan a JSONL field (with --field/--out) or a file/dir (report)")
    sc.add_argument("path", help="a JSONL file (with --field) or a file / directory of texts to report on")
    sc.add_argument("--field", default=None, help="JSON field of each line to redact (needs --out)")
    sc.add_argument("--out", default=None, help="JSONL written with --field redacted")
    sc.add_argument("--no-ner", action="store_true", help="rules + dictionaries only (fast)")
    sc.add_argument("--mode", default="placeholder", choices=["placeholder", "surrogate"],
                    help="placeholder: <PERSON_1> (default); surrogate: realistic fakes of the same format")
    return ap


def cli_main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    cfg = PrivacyConfig(presidio_ner=not args.no_ner, mode=args.mode)
    if args.field:
        if not args.out:
            ap.error("--field needs --out")
        res = scan_jsonl(args.path, args.field, args.out, cfg)
        print(json.dumps(res, ensure_ascii=False, sort_keys=True))
    else:
        rep = scan_path(args.path, cfg)
        print(rep["markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
