"""The residual benchmark's scoring: gold spans are followed into the redacted text, leaks are scored there."""

from benchmarks.residual_benchmark import evaluate, redact_with_map
from flywheel_assets.privacy.detectors.base import Span
from flywheel_assets.privacy.placeholders import format_placeholder


def test_redact_with_map_follows_unmasked_chars():
    text = "Call Ann Lee at ann@x.org now"
    a = text.index("ann@")
    out, pos = redact_with_map(text, [Span(a, a + 9, "EMAIL_ADDRESS", 0.9, "rule"),
                                      Span(a + 2, a + 6, "EMAIL_ADDRESS", 0.9, "rule")])
    assert out == f"Call Ann Lee at {format_placeholder('EMAIL_ADDRESS', 1)} now"
    assert [out[pos[j]] for j in range(5, 12)] == list("Ann Lee")
    assert all(pos[j] == -1 for j in range(a, a + 9)) and out[pos[a + 10]:pos[a + 10] + 3] == "now"


def test_evaluate_counts_leaks_hits_and_false_alarms():
    out = "Call Ann Lee at <EMAIL_1> now, Bob"
    gold = [[("PERSON", [5, 6, 7, 9, 10, 11])]]
    b = out.index("Bob")
    hits = [[Span(5, 12, "PERSON", 0.85, "ner"), Span(b, b + 3, "PERSON", 0.85, "ner")]]
    m = evaluate([out], gold, hits)
    assert m["n_gold"] == 1 and m["recall"] == 1.0 and m["hits"] == 2 and m["false_hits"] == 1
    assert m["precision"] == 6 / 9 and m["per_type"] == {"PERSON": "1/1"}
    assert evaluate([out], gold, [[]])["recall"] == 0.0
