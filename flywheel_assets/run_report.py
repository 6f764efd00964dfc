"""What a pipeline run tells its user: failed steps and asset checks classified and written as one line each.

A failed check is a *failure* when its spec is blocking and its severity is ERROR; otherwise (non-blocking, or
WARN severity) it is a *warning*: one ``WARN asset:check: reason figures`` line, no effect on the exit code unless
the user asked for ``--strict``. A failure line names the check, the expectation that failed, how many rows, a few
row ids and the warehouse table holding the rejected rows, when the check's metadata carries them (keys
``expectation``, ``failed_rows``, ``row_ids``, ``rejects_table`` or ``rows_table``; a ``details`` JSON with a
``failed`` list of Great Expectations results is read too). A step that crashed is a failure with its error class
and message.

Reads Dagster's ``ExecuteInProcessResult`` duck-typed (``get_asset_check_evaluations``, ``get_step_failure_events``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MAX_IDS = 5
MAX_FIGURES = 300


@dataclass(frozen=True)
class CheckOutcome:
    asset: str
    check: str
    passed: bool
    blocking: bool
    severity: str  # "ERROR" | "WARN"
    description: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.asset}:{self.check}"

    @property
    def is_warning(self) -> bool:
        return not self.passed and (not self.blocking or self.severity == "WARN")

    @property
    def is_failure(self) -> bool:
        return not self.passed and not self.is_warning


@dataclass
class StepReport:
    """Classified outcome of one materialisation (a partition or the global assets)."""

    failures: list[str] = field(default_factory=list)  # failed blocking checks: "asset:check"
    warnings: list[str] = field(default_factory=list)  # failed non-blocking / WARN checks: "asset:check"
    crashed_steps: list[str] = field(default_factory=list)  # steps that raised (not because of a check)
    lines: list[str] = field(default_factory=list)  # one printable line per failure / warning / crash


def _plain(v: Any) -> Any:
    return getattr(v, "value", v)


def outcomes(result) -> list[CheckOutcome]:
    out = []
    for ev in result.get_asset_check_evaluations():
        sev = getattr(ev, "severity", None)
        sev = getattr(sev, "value", sev) or "ERROR"
        out.append(CheckOutcome(
            asset=ev.asset_key.to_user_string(), check=ev.check_name, passed=bool(ev.passed),
            blocking=bool(getattr(ev, "blocking", False)), severity=str(sev),
            description=getattr(ev, "description", None) or "",
            metadata={k: _plain(v) for k, v in (ev.metadata or {}).items()}))
    return out


def _compact(v: Any) -> str:
    s = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str, separators=(",", ":"),
                                                ensure_ascii=False)
    return s if len(s) <= MAX_FIGURES else s[:MAX_FIGURES] + "..."


def _gx_failed(md: dict) -> list[dict]:
    d = md.get("details")
    if isinstance(d, str):
        try:
            d = json.loads(d)
        except ValueError:
            return []
    return [f for f in (d or {}).get("failed", []) if isinstance(f, dict)] if isinstance(d, dict) else []


def _figures(md: dict, skip: set[str]) -> str:
    return " ".join(f"{k}={_compact(v)}" for k, v in sorted(md.items())
                    if k not in skip and v not in (None, "", [], {}))


def format_warning(o: CheckOutcome) -> str:
    reason = o.description or "check not met"
    figs = _figures(o.metadata, set())
    return f"WARN {o.name}: {reason}" + (f" ({figs})" if figs else "")


def format_failure(o: CheckOutcome) -> str:
    md = o.metadata
    parts = [f"FAIL {o.name}: {o.description or 'blocking check failed'}"]
    if md.get("expectation"):
        ids = list(md.get("row_ids") or [])[:MAX_IDS]
        parts.append(f"expectation {md['expectation']}: {md.get('failed_rows', '?')} rows"
                     + (f", e.g. {', '.join(map(str, ids))}" if ids else "")
                     + (f"; rejected rows in table {md['rejects_table']}" if md.get("rejects_table") else "")
                     + (f"; rows in table {md['rows_table']}" if md.get("rows_table") else ""))
    for f in _gx_failed(md)[1 if md.get("expectation") else 0:]:  # the first one is the headline above
        ids = list(f.get("unexpected_ids") or [])[:MAX_IDS]
        parts.append(f"expectation {f.get('dataset', '')}.{f.get('check', '')}: {f.get('unexpected_count', '?')} rows"
                     + (f", e.g. {', '.join(map(str, ids))}" if ids else ""))
    skip = {"expectation", "failed_rows", "row_ids", "rejects_table", "rows_table", "details"}
    figs = _figures(md, skip)
    if figs:
        parts.append(figs)
    return "; ".join(parts)


def step_crashes(result) -> list[tuple[str, str]]:
    """(step key, 'ErrorClass: first line of the message') of steps that raised; a step failed only by a blocking
    check is left out (its check is reported instead)."""
    out = []
    for e in result.get_step_failure_events():
        err = getattr(e.event_specific_data, "error", None)
        if (getattr(err, "cls_name", "") or "") == "DagsterAssetCheckFailedError":
            continue
        while getattr(err, "cause", None) is not None:  # the user code's exception, not Dagster's wrapper
            err = err.cause
        cls = getattr(err, "cls_name", "") or ""
        msg = (getattr(err, "message", "") or "").strip().splitlines()
        out.append((e.step_key, f"{cls}: {msg[-1] if msg else ''}"[:400]))
    return out


def classify(result) -> StepReport:
    rep = StepReport()
    for o in outcomes(result):
        if o.is_failure:
            rep.failures.append(o.name)
            rep.lines.append(format_failure(o))
        elif o.is_warning:
            rep.warnings.append(o.name)
            rep.lines.append(format_warning(o))
    for step, err in step_crashes(result):
        rep.crashed_steps.append(step)
        rep.lines.append(f"FAIL step {step}: {err}")
    return rep


def nothing_to_export(counts: dict) -> str | None:
    """A line saying why the exports are empty (every record quarantined, no usable unit...), or None."""
    events, quarantined = counts.get("normalized_events"), counts.get("quarantined_records", 0)
    if events == 0:
        return (f"nothing to process: every one of the {quarantined} records was quarantined (see table "
                f"quarantined_records for reasons); the exports are empty" if quarantined else
                "nothing to process: no records found; the exports are empty")
    if counts.get("sft_dataset") == 0 and counts.get("dpo_dataset", 0) == 0 and events:
        return (f"no training rows: {events} events accepted, but no unit passed curation and export (see tables "
                f"curated_units, sft_rejects, dpo_rejects for reasons)")
    return None


def exit_code(*, failed: bool, warnings: int, strict: bool) -> int:
    """0 when nothing blocking failed (warnings only count with ``strict``), else 1."""
    return 1 if failed or (strict and warnings) else 0


__all__ = ["CheckOutcome", "StepReport", "outcomes", "classify", "format_warning", "format_failure",
           "step_crashes", "nothing_to_export", "exit_code"]
