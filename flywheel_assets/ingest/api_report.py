"""How well api_records turns 2xx chat calls into exchanges: :func:`exchange_report` over the ingested events and
quarantine rows (overall, by provider, with each failure's reason)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import polars as pl

from flywheel_assets.ingest.api_messages import args_valid
from flywheel_assets.ingest.api_records import FORMAT

def exchange_report(events: pl.DataFrame, quarantined: pl.DataFrame) -> dict:
    """Share of 2xx chat calls that yield a well-formed exchange, overall and by provider.

    A 2xx chat call is an accepted api_records record whose response was not an error, or a quarantined record
    whose reason says a chat response could not be used (binary / missing / unrecognised body, parser errors).
    It is well-formed when the record carries at least one request turn (emitted here or replayed from the
    session's history) and a non-empty assistant reply: text, or tool call(s) whose arguments parse as JSON.
    """
    per_provider: dict[str, dict] = {}
    failures: list[dict] = []

    def bucket(p: str) -> dict:
        return per_provider.setdefault(p, {"calls": 0, "well_formed": 0})

    ev = events.filter(pl.col("source_format") == FORMAT) if events.height else events
    if ev.height:
        rows = ev.sort(["source_file", "source_line", "seq"]).select(
            "source_file", "source_line", "kind", "content", "tool_arguments", "attributes", "status").to_dicts()
        groups: dict[tuple, list[dict]] = {}
        for r in rows:
            groups.setdefault((r["source_file"], r["source_line"]), []).append(r)
        for key in sorted(groups):
            g = groups[key]
            attrs = [json.loads(r["attributes"]) if r["attributes"] else {} for r in g]
            provider = attrs[0].get("provider", "unknown")
            errs = [(r, a) for r, a in zip(g, attrs) if r["kind"] == "error"]
            if errs:
                code = errs[0][1].get("http_status")
                if isinstance(code, int) and 200 <= code < 300:  # an error inside a 2xx envelope
                    bucket(provider)["calls"] += 1
                    failures.append({"source_file": key[0], "source_line": key[1], "provider": provider,
                                     "reason": f"error_in_2xx:{errs[0][1].get('error_type')}"})
                continue
            resp = [(r, a) for r, a in zip(g, attrs) if a.get("part") == "response"]
            n_req = max([a.get("request_messages", 0) for _, a in resp] or [0])
            reply_ok = False
            for r, a in resp:
                if r["kind"] == "assistant" and (r["content"] or "").strip():
                    reply_ok = True
                args = r["tool_arguments"]
                if r["kind"] == "tool_call" and args_valid(args) and not is_raw_arguments(args):
                    reply_ok = True
            truncated = any(r["status"] == "truncated" for r, _ in resp)
            bk = bucket(provider)
            bk["calls"] += 1
            if n_req > 0 and reply_ok and not truncated:
                bk["well_formed"] += 1
            else:
                unrec = next((a.get("response_not_recorded") for a in attrs if a.get("response_not_recorded")), None)
                reason = ("response_not_recorded:binary" if unrec and not resp else
                          "no_request_turn" if n_req == 0 else ("truncated_stream" if truncated else "empty_reply"))
                failures.append({"source_file": key[0], "source_line": key[1], "provider": provider,
                                 "reason": reason})
    q = quarantined.filter(pl.col("source_format") == FORMAT) if quarantined.height else quarantined
    if q.height:
        for r in q.sort(["source_file", "source_line"]).to_dicts():
            reason = r["reason"] or ""
            if reason.startswith(("response_not_recorded", "missing_field:response_body", "unrecognized_response",
                                  "parser_error")):
                provider = "unknown" if reason.startswith("parser_error") else (
                    (r["detail"] or "unknown").split(" ", 1)[0] or "unknown")
                bucket(provider)["calls"] += 1
                failures.append({"source_file": r["source_file"], "source_line": r["source_line"],
                                 "provider": provider, "reason": reason})
    total = sum(v["calls"] for v in per_provider.values())
    good = sum(v["well_formed"] for v in per_provider.values())
    for v in per_provider.values():
        v["share"] = round(v["well_formed"] / v["calls"], 4) if v["calls"] else None
    reasons = Counter(f["reason"] for f in failures)
    return {
        "chat_calls_2xx": total,
        "well_formed": good,
        "share": round(good / total, 4) if total else None,
        "by_provider": {k: per_provider[k] for k in sorted(per_provider)},
        "failure_reasons": dict(sorted(reasons.items())),
        "failures": failures,
    }


def is_raw_arguments(args: Any) -> bool:
    """Arguments that do not parse as JSON, or only as the ``{"_raw": ...}`` wrapper of unparsed text."""
    if not isinstance(args, str):
        return False
    try:
        v = json.loads(args)
    except ValueError:
        return True
    return isinstance(v, dict) and set(v) == {"_raw"}
