"""`flywheel run` (runner._execute): a partition whose blocking check fails stops the global assets."""

from flywheel_assets import warehouse
from flywheel_assets.runner import RunSummary, failed_partitions, run_pipeline

from .defs._landing import chat_line, write_day

DAY1, DAY2 = "2026-11-18", "2026-11-19"


def _config(tmp_path, leak_ips: bool):
    cfg = tmp_path / ("leaky.yaml" if leak_ips else "fixed.yaml")
    # rules-only redaction keeps the test fast; with IP_ADDRESS in skip_types the redactor leaves IP addresses in
    # place, which the independent residual scan (stock Presidio, counts IP_ADDRESS) must catch on day 2
    skip = "[NRP, IP_ADDRESS]" if leak_ips else "[NRP]"
    cfg.write_text(f"privacy:\n  presidio_ner: false\n  allow_list: [Acme]\n  skip_types: {skip}\n"
                   "curate:\n  coverage:\n    min_per_bucket: 0\n")
    return cfg


def test_failed_partition_check_stops_global_assets(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_PII_KEY", "test-key")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    logs = tmp_path / "landing"
    write_day(logs, DAY1, n=4)
    write_day(logs, DAY2, n=1, extra_lines=[
        chat_line(f"{DAY2}-ip{i}", f"{DAY2}T11:0{i}:00Z", f"My server at 198.51.100.{20 + i} cannot reach "
                  f"203.0.113.{40 + i}, why?", "Check the firewall rules between the two hosts.") for i in range(3)])
    db, out = tmp_path / "w.duckdb", tmp_path / "out"
    lines: list[str] = []
    summary = run_pipeline(logs, warehouse=db, out_dir=out, config_path=_config(tmp_path, leak_ips=True),
                           echo=lines.append)
    assert summary.exit_code == 1 and not summary.ok
    assert any(c.startswith(f"{DAY2}:") and "pii_residual_rate_under_threshold" in c for c in summary.checks_failed), \
        summary.checks_failed
    assert not any(c.startswith(f"{DAY1}:") for c in summary.checks_failed + summary.failed)
    assert failed_partitions(summary) == [DAY2]
    # the global assets did not run on the partial data: no pairs, no exports, and the output says why
    assert DAY2 in summary.skipped["global"] and "global" not in summary.failed
    assert any("global assets: NOT RUN" in x and DAY2 in x for x in lines), lines
    assert not (out / "sft" / "train.jsonl").exists()
    with warehouse.connect(db, read_only=True) as con:
        assert not warehouse.table_exists(con, "sft_dataset")
    assert lines[-1].endswith("-> FAILED")

    # once the partition passes, the same drop runs the global assets and writes the exports
    lines.clear()
    summary = run_pipeline(logs, warehouse=db, out_dir=out, config_path=_config(tmp_path, leak_ips=False),
                           echo=lines.append)
    assert summary.ok, summary.messages
    assert "global" not in summary.skipped and (out / "sft" / "train.jsonl").exists()


def test_warnings_do_not_stop_global_assets():
    s = RunSummary(partitions=[DAY1, DAY2], warnings=[f"{DAY1}:coverage_report:coverage_targets_met"])
    assert failed_partitions(s) == []
    s = RunSummary(failed=["global", DAY1], checks_failed=[f"{DAY2}:normalized_events:counts_reconcile"])
    assert failed_partitions(s) == [DAY1, DAY2]
