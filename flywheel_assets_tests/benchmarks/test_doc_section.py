"""benchmarks/doc_section.py, the one writer of the benchmark sections in docs/: on copies of the real docs a section
is replaced in place (the rest of the doc byte for byte as it was), a missing one is appended, and sections whose
names share a prefix (lake_workers.py with and without ``sessions=N``) stay apart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.doc_section import markers, replace_section

REPO = Path(__file__).resolve().parents[2]


def _split(doc: str, name: str) -> tuple[str, str, str]:
    """(before the begin marker, the text between the markers, after the end marker)."""
    begin, end = markers(name)
    head, rest = doc.split(begin, 1)
    body, tail = rest.split(end, 1)
    return head, body, tail


@pytest.mark.parametrize("doc_name,section", [("benchmarks.md", "benchmarks/nightly.py"),
                                              ("benchmarks.md", "benchmarks/run.py"),
                                              ("scaling.md", "benchmarks/scaleout.py"),
                                              ("scaling.md", "benchmarks/lake_workers.py")])
def test_rewriting_a_real_section_with_its_own_text_changes_no_byte(tmp_path, doc_name, section):
    doc = tmp_path / doc_name
    shutil.copy(REPO / "docs" / doc_name, doc)
    before = doc.read_text(encoding="utf-8")
    _, body, _ = _split(before, section)
    assert replace_section(doc, section, body) == before
    assert doc.read_text(encoding="utf-8") == before


def test_new_text_replaces_only_its_own_section(tmp_path):
    doc = tmp_path / "scaling.md"
    shutil.copy(REPO / "docs" / "scaling.md", doc)
    before = doc.read_text(encoding="utf-8")
    tagged = "benchmarks/lake_workers.py sessions=400"
    assert markers(tagged)[0] in before  # the real doc has both lake_workers sections
    replace_section(doc, "benchmarks/lake_workers.py", "| new | table |\n")
    after = doc.read_text(encoding="utf-8")
    head0, _, tail0 = _split(before, "benchmarks/lake_workers.py")
    head1, body1, tail1 = _split(after, "benchmarks/lake_workers.py")
    assert (head1, body1, tail1) == (head0, "\n| new | table |\n", tail0)
    assert _split(after, tagged)[1:] == _split(before, tagged)[1:]  # the sessions=400 block (after it) is untouched
    assert after.count(markers("benchmarks/lake_workers.py")[0]) == 1


def test_missing_section_is_appended_and_then_replaced(tmp_path):
    doc = tmp_path / "benchmarks.md"
    shutil.copy(REPO / "docs" / "benchmarks.md", doc)
    before = doc.read_text(encoding="utf-8")
    replace_section(doc, "benchmarks/new_bench.py", "first\n")
    once = doc.read_text(encoding="utf-8")
    begin, end = markers("benchmarks/new_bench.py")
    assert once == before.rstrip("\n") + f"\n\n{begin}\nfirst\n{end}\n"
    replace_section(doc, "benchmarks/new_bench.py", "second")
    assert doc.read_text(encoding="utf-8") == once.replace("\nfirst\n", "\nsecond\n")


def test_missing_file_and_a_lone_marker(tmp_path):
    new = tmp_path / "new.md"
    replace_section(new, "x", "body", new_doc="# title\n")
    assert new.read_text(encoding="utf-8") == "# title\n\n<!-- BEGIN x -->\nbody\n<!-- END x -->\n"
    broken = tmp_path / "broken.md"  # an end marker with no begin marker before it is not a section
    broken.write_text("<!-- END x -->\ntext\n<!-- BEGIN x -->\n", encoding="utf-8")
    replace_section(broken, "x", "body")
    assert broken.read_text(encoding="utf-8").startswith("<!-- END x -->\ntext\n<!-- BEGIN x -->\n\n<!-- BEGIN x -->")
