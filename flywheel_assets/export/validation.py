"""Export validation with Great Expectations (GX Core 1.x, called directly; no dagster-ge).

Each dataset (sft, dpo) is flattened to one pandas row per exported row with derived columns (all text, role-order
problem, tool-call problem, message-key problem) and validated with GX expectations:

schema (exact column set), unique ids, split values, uniform message keys, roles alternate correctly, tool-call
arguments are valid JSON objects matching the declared tool schema, no raw-PII patterns (emails, phones, cards,
SSNs, API keys/private keys), no malformed placeholders (the redactor's grammar, owned by
:mod:`flywheel_assets.privacy.placeholders`: ``<PERSON_>`` is malformed, ``<<SYS>>`` / ``<think>`` are text).

The export assets remove rows failing a row-level expectation before writing (``sft_rejects`` / ``dpo_rejects``),
so on the written rows these expectations must hold; the raw-PII expectation stays a blocking check.

Results carry counts and offending row ids only, never the offending text (it may be PII).
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any, Callable

import polars as pl

from flywheel_assets.export.dpo import DPO_SCHEMA
from flywheel_assets.export.sft import (  # noqa: F401  (tool_call_problem is part of this API)
    SFT_SCHEMA, tool_index, message_keys_problem, message_texts, role_order_problem, tool_call_problem)
from flywheel_assets.privacy.detectors.rules import luhn_ok
from flywheel_assets.privacy.placeholders import MALFORMED_PLACEHOLDER  # noqa: F401  (re-exported)

PII_PATTERNS: dict[str, str] = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    # 3-5 digit groups joined by space/dot/dash/parentheses (US, EU, intl, extensions); ISO dates excluded
    "phone": r"(?<![\w<>.:/-])(?!\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d))(?:(?:\+|00)\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])"
    r"\d{2,4}[\s.-]?\d{2,4}(?:[\s.-]\d{2,4})?(?:\s?x\d{1,6})?(?![\w>])",
    # a digit run standing alone (not the tail of a decimal number or of a letter-prefixed id such as a parcel number)
    "credit_card": r"(?<![\w.])(?:\d{4}[ -]){3}\d{1,4}(?!\d)|(?<![\w.])\d{15,16}(?!\w|\.\d)",
    "us_ssn": r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)",
    "api_key": r"\bsk-[A-Za-z0-9_-]{20,}|\bAKIA[0-9A-Z]{16}\b|\bghp_[A-Za-z0-9]{36}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----",
}


def _phone_ok(value: str) -> bool:
    """7-15 digits on one line (E.164 has at most 15): a price followed by a numbered list item on the next line is
    not a phone number."""
    return "\n" not in value and 7 <= sum(c.isdigit() for c in value) <= 15


# a match counts only when it also passes its validator: a card number passes the Luhn check (as the redactor's own
# card rule requires), so a 16-digit float or tracking number in a real tool result is not "raw PII"
PII_VALIDATORS: dict[str, Callable[[str], bool]] = {"credit_card": luhn_ok, "phone": _phone_ok}
_PII_RES = {k: re.compile(v) for k, v in PII_PATTERNS.items()}
_DIGIT = re.compile(r"\d")  # the same (Unicode) digit class the patterns use
_API_KEY_MARKS = ("sk-", "AKIA", "ghp_", "xox", "PRIVATE KEY-----")
_NEEDS_DIGIT = {"phone", "credit_card", "us_ssn"}


def _may_match(kind: str, text: str, has_digit: bool) -> bool:
    """False only when ``kind``'s pattern cannot match ``text`` (every match of it contains these characters);
    True for a kind not listed here."""
    if kind == "email":
        return "@" in text
    if kind == "api_key":
        return any(m in text for m in _API_KEY_MARKS)
    return has_digit if kind in _NEEDS_DIGIT else True

SPLIT_VALUES = ["train", "validation", "test"]
log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------ derived checks
def raw_pii_kinds(text: str) -> list[str]:
    """The PII_PATTERNS kinds found in ``text`` (validated matches only), sorted; [] when clean."""
    out = []
    text = text or ""
    has_digit = _DIGIT.search(text) is not None
    for kind, rx in _PII_RES.items():
        if not _may_match(kind, text, has_digit):
            continue
        ok = PII_VALIDATORS.get(kind)
        if any(ok is None or ok(m.group(0)) for m in rx.finditer(text)):
            out.append(kind)
    return sorted(out)


def _flatten(kind: str, rows: list[dict]) -> "Any":
    import pandas as pd

    recs = []
    for i, r in enumerate(rows):
        if kind == "sft":
            convs = [r.get("messages") or []]
            rid = r.get("unit_id") or str(i)
        else:
            p = r.get("prompt") or []
            convs = [p + (r.get("chosen") or []), p + (r.get("rejected") or [])]
            rid = r.get("pair_id") or str(i)
        role = next((pr for c in convs if (pr := role_order_problem(c, need_final_assistant=kind == "sft"))), "")
        tool = next((tp for c in convs if (tp := tool_call_problem(c, r.get("tools")))), "")
        keys_ok = not any(message_keys_problem(c) for c in convs)
        seen = set()
        text = "\n".join(t for c in convs for t in message_texts(c) if not (t in seen or seen.add(t)))
        recs.append({"row_id": str(rid), "split": r.get("split"), "text": text,
                     "raw_pii": ",".join(raw_pii_kinds(text)), "role_problem": role,
                     "tool_problem": tool, "message_keys_ok": keys_ok, "tools_json_ok": tool_index(r.get("tools"))[1] == ""})
    cols = ["row_id", "split", "text", "raw_pii", "role_problem", "tool_problem", "message_keys_ok", "tools_json_ok"]
    return pd.DataFrame(recs, columns=cols)


# ------------------------------------------------------------------------------------------ loading
def _read_jsonl_dir(d: Path) -> list[dict]:
    rows = []
    for s in SPLIT_VALUES:
        p = d / f"{s}.jsonl"
        if p.exists():
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except ValueError:
                        rows.append({"_invalid_json_line": f"{p.name}:{n}"})
    return rows


def _as_rows(x: Any) -> list[dict]:
    if x is None:
        return []
    if isinstance(x, pl.DataFrame):
        return x.to_dicts()
    return list(x)


def _load(source: Any) -> dict[str, list[dict]]:
    if isinstance(source, (str, Path)):
        root = Path(source)
        return {k: _read_jsonl_dir(root / k) for k in ("sft", "dpo") if (root / k).is_dir()}
    if isinstance(source, dict):
        return {k: _as_rows(v) for k, v in source.items() if k in ("sft", "dpo") and v is not None}
    raise TypeError("validate_exports takes an export directory or {'sft': frame, 'dpo': frame}")


# ------------------------------------------------------------------------------------------ GX
def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    ctx = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # pragma: no cover - cosmetic only
        pass
    return ctx


def validate_exports(source: Any) -> list[dict]:
    """Validate an export directory (``DIR/sft/*.jsonl``, ``DIR/dpo/*.jsonl``) or ``{"sft": rows, "dpo": rows}``.

    Returns one dict per (dataset, check): ``dataset, check, expectation, success, element_count,
    unexpected_count, unexpected_ids`` (first 20 row ids). ``all(r["success"] for r in results)`` = export is valid.
    """
    import great_expectations.expectations as gxe

    data = _load(source)
    ctx = _gx_context()
    ds = ctx.data_sources.add_pandas("flywheel_exports")
    results: list[dict] = []
    for kind in sorted(data):
        rows = data[kind]
        expected_cols = sorted(SFT_SCHEMA if kind == "sft" else DPO_SCHEMA)
        bad_lines = [r["_invalid_json_line"] for r in rows if "_invalid_json_line" in r]
        rows = [r for r in rows if "_invalid_json_line" not in r]
        flat = _flatten(kind, rows)
        col_sets = sorted({tuple(sorted(r)) for r in rows})
        schema_df = __import__("pandas").DataFrame({"columns_ok": [list(c) == expected_cols for c in col_sets] or [True]})
        checks = [
            ("schema", schema_df, gxe.ExpectColumnValuesToBeInSet(column="columns_ok", value_set=[True])),
            ("unique_ids", flat, gxe.ExpectColumnValuesToBeUnique(column="row_id")),
            ("split_values", flat, gxe.ExpectColumnValuesToBeInSet(column="split", value_set=SPLIT_VALUES)),
            ("message_keys", flat, gxe.ExpectColumnValuesToBeInSet(column="message_keys_ok", value_set=[True])),
            ("tools_json", flat, gxe.ExpectColumnValuesToBeInSet(column="tools_json_ok", value_set=[True])),
            ("role_order", flat, gxe.ExpectColumnValuesToBeInSet(column="role_problem", value_set=[""])),
            ("tool_calls", flat, gxe.ExpectColumnValuesToBeInSet(column="tool_problem", value_set=[""])),
            ("no_raw_pii", flat, gxe.ExpectColumnValuesToBeInSet(column="raw_pii", value_set=[""])),
            ("placeholders", flat, gxe.ExpectColumnValuesToNotMatchRegex(column="text", regex=MALFORMED_PLACEHOLDER)),
        ]
        batches: dict[int, Any] = {}
        for name, frame, exp in checks:
            key = id(frame)
            if key not in batches:
                asset = ds.add_dataframe_asset(f"{kind}_{len(batches)}")
                bd = asset.add_batch_definition_whole_dataframe("all")
                batches[key] = bd.get_batch(batch_parameters={"dataframe": frame})
            res = batches[key].validate(exp, result_format={"result_format": "COMPLETE"})
            idx = res.result.get("unexpected_index_list") or []
            ids = []
            if frame is flat:
                for ix in idx[:20]:
                    ix = ix.get("index", ix) if isinstance(ix, dict) else ix
                    try:
                        ids.append(str(flat.iloc[int(ix)]["row_id"]))
                    except (ValueError, TypeError, IndexError):
                        pass
            results.append({
                "dataset": kind, "check": name, "expectation": type(exp).__name__, "success": bool(res.success),
                "element_count": int(res.result.get("element_count") or len(frame)),
                "unexpected_count": int(res.result.get("unexpected_count") or 0), "unexpected_ids": sorted(ids),
            })
        results.append({"dataset": kind, "check": "jsonl_lines", "expectation": "python:json.loads",
                        "success": not bad_lines, "element_count": len(rows) + len(bad_lines),
                        "unexpected_count": len(bad_lines), "unexpected_ids": bad_lines[:20]})
    return results
