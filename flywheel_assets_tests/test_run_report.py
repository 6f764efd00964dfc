"""run_report: failed checks classified by the Dagster result (blocking + severity) and written one line each."""

from __future__ import annotations

import dagster as dg

from flywheel_assets.run_report import classify, exit_code


@dg.asset(check_specs=[dg.AssetCheckSpec("targets_met", asset="report_a"),
                       dg.AssetCheckSpec("rows_ok", asset="report_a", blocking=True),
                       dg.AssetCheckSpec("fine", asset="report_a", blocking=True)])
def report_a():
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(check_name="targets_met", passed=False, severity=dg.AssetCheckSeverity.WARN,
                              description="2 coverage target(s) missed",
                              metadata={"targets_missed": ["tool:refund units 0<5", "language:de units 0<3"]})
    yield dg.AssetCheckResult(check_name="rows_ok", passed=False, description="too many rejects",
                              metadata={"expectation": "placeholders", "failed_rows": 7,
                                        "row_ids": ["u1", "u2", "u3", "u4", "u5", "u6"], "rejects_table": "sft_rejects",
                                        "reject_rate": 0.07})
    yield dg.AssetCheckResult(check_name="fine", passed=True)


@dg.asset(deps=[report_a])
def report_b():
    return None


@dg.asset
def report_crash():
    raise ValueError("no such column: kept")


def _run(*assets):
    return dg.materialize(list(assets), raise_on_error=False, instance=dg.DagsterInstance.ephemeral())


def test_warning_failure_and_crash_lines():
    rep = classify(_run(report_a, report_b, report_crash))
    assert rep.warnings == ["report_a:targets_met"] and rep.failures == ["report_a:rows_ok"]
    assert rep.crashed_steps == ["report_crash"]  # report_a failed by its blocking check, not reported as a crash
    warn, fail, crash = rep.lines
    assert warn.startswith("WARN report_a:targets_met: 2 coverage target(s) missed (") and "tool:refund" in warn
    assert fail.startswith("FAIL report_a:rows_ok: too many rejects")
    assert "expectation placeholders: 7 rows, e.g. u1, u2, u3, u4, u5;" in fail and "u6" not in fail
    assert "rejected rows in table sft_rejects" in fail and "reject_rate=0.07" in fail
    assert crash.startswith("FAIL step report_crash: ValueError") and "no such column: kept" in crash


def test_warnings_alone_keep_exit_code_zero_unless_strict():
    @dg.asset(check_specs=[dg.AssetCheckSpec("soft", asset="only_warn")])
    def only_warn():
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(check_name="soft", passed=False)  # non-blocking spec: a warning at ERROR too

    res = _run(only_warn)
    rep = classify(res)
    assert res.success and rep.warnings == ["only_warn:soft"] and not rep.failures
    assert rep.lines == ["WARN only_warn:soft: check not met"]
    assert exit_code(failed=False, warnings=1, strict=False) == 0
    assert exit_code(failed=False, warnings=1, strict=True) == 1
    assert exit_code(failed=True, warnings=0, strict=False) == 1


def test_gx_details_listed_once():
    from flywheel_assets.run_report import CheckOutcome, format_failure

    md = {"expectation": "sft.no_raw_pii (ExpectColumnValuesToBeInSet)", "failed_rows": 3, "row_ids": ["a", "b"],
          "rows_table": "sft_dataset", "details": {"failed": [
              {"dataset": "sft", "check": "no_raw_pii", "unexpected_count": 3, "unexpected_ids": ["a", "b"]},
              {"dataset": "sft", "check": "unique_ids", "unexpected_count": 2, "unexpected_ids": ["c"]}]}}
    line = format_failure(CheckOutcome("sft_dataset", "sft_gx_validation", False, True, "ERROR", "2 failed", md))
    assert line.count("no_raw_pii") == 1 and "expectation sft.unique_ids: 2 rows, e.g. c" in line
    assert "rows in table sft_dataset" in line and "rejected rows" not in line
