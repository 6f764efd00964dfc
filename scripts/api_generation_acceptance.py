"""Share of successful LLM generation calls that api_records accepts, on a recorded-calls JSONL file.

A call counts as a successful generation when its HTTP status is 2xx and its URL path is a text-generation route
(decided here from the path alone, independently of ``api_endpoints.classify_endpoint``): chat / text completions,
Responses, Anthropic messages / complete, Bedrock converse / invoke (and their stream forms), Gemini / Vertex
``:generateContent`` / ``:streamGenerateContent``, Cohere chat / generate, Ollama chat / generate, Hugging Face
inference. Prints accepted vs quarantined (with reasons), the other quarantine reasons, and the Langfuse traces'
ingest summary as a regression guard.

    python scripts/api_generation_acceptance.py [calls.jsonl] [langfuse_dir]
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.pipeline import ingest_paths

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
GENERATION = re.compile(r"(/chat/completions|/completions|/v1/messages|/v1/complete|/responses|/converse|"
                        r"/converse-stream|/invoke|/invoke-with-response-stream|/api/chat|/api/generate|/v1/chat|"
                        r"/v2/chat|/v1/generate|:generatecontent|:streamgeneratecontent|:rawpredict|"
                        r":streamrawpredict)$")


def main(calls: Path, langfuse: Path) -> None:
    rows = [json.loads(ln) for ln in calls.read_text(encoding="utf-8").splitlines() if ln.strip()]
    res = ingest_paths(calls, IngestContext(key=b"measure"))
    reason = dict(zip(res.quarantined["source_line"].to_list(), res.quarantined["reason"].to_list()))
    n_gen = accepted = 0
    why: Counter = Counter()
    other: Counter = Counter()
    for line, r in enumerate(rows, 1):
        url = r.get("uri") or r.get("url") or ""
        parts = urlsplit(url)
        generation = bool(GENERATION.search(parts.path.lower().rstrip("/"))) or "huggingface" in (parts.hostname or "")
        if generation and str(r.get("status", "")).startswith("2"):
            n_gen += 1
            if line in reason:
                why[reason[line]] += 1
            else:
                accepted += 1
        elif line in reason:
            other[reason[line]] += 1
    share = accepted / n_gen if n_gen else float("nan")
    print(f"successful generation calls: {n_gen}, accepted {accepted} ({share:.2%}), quarantined "
          f"{n_gen - accepted}: {dict(why)}")
    print("other quarantined (not 2xx generation calls):", dict(other.most_common()))
    print("summary:", {k: v for k, v in res.summary().items() if k != "by_format"})
    if langfuse.is_dir():
        print("langfuse traces:", ingest_paths(langfuse, IngestContext(key=b"measure")).summary())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REAL / "openllmetry_calls" / "interactions.jsonl",
         Path(sys.argv[2]) if len(sys.argv) > 2 else REAL / "langfuse_framework_traces")
