"""The one writer of a benchmark's result section in a markdown doc: the block between ``<!-- BEGIN name -->`` and
``<!-- END name -->`` is replaced when both markers are there, appended at the end otherwise, and everything
outside the block is kept as it was. Every benchmark script that writes into docs/ goes through it.
"""

from __future__ import annotations

from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    """The begin and end marker lines of the section called ``name`` (by convention the writing script's path)."""
    return f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"


def section_block(name: str, text: str) -> str:
    """``text`` between the markers of ``name``, one newline after the end marker."""
    begin, end = markers(name)
    return f"{begin}\n{text.strip(chr(10))}\n{end}\n"


def replace_section(path: str | Path, name: str, text: str, new_doc: str = "") -> str:
    """Write ``text`` as the section ``name`` of the markdown file ``path`` and return the file's new content.

    The section is replaced in place when the file holds both markers (the begin marker before the end marker),
    else appended after a blank line. A missing file starts as ``new_doc`` (e.g. a title line)."""
    path = Path(path)
    begin, end = markers(name)
    block = section_block(name, text)
    doc = path.read_text(encoding="utf-8") if path.exists() else new_doc
    i = doc.find(begin)
    j = doc.find(end, i + len(begin)) if i >= 0 else -1
    if j >= 0:
        doc = doc[:i] + block.rstrip("\n") + doc[j + len(end):]
    else:
        doc = (doc.rstrip("\n") + "\n\n" if doc.strip() else "") + block
    path.write_text(doc, encoding="utf-8")
    return doc
