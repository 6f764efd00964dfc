"""Tiny chat-log drops for Dagster-layer tests."""

import json
from pathlib import Path


def chat_line(session: str, ts: str, question: str, answer: str, thumbs: str | None = None, user="u-1") -> str:
    meta = {"session_id": session, "user_id": user, "timestamp": ts, "model": "acme-chat-v1"}
    if thumbs:
        meta["feedback"] = {"thumbs": thumbs}
    return json.dumps({
        "messages": [
            {"role": "system", "content": "You are Acme's support assistant."},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ],
        "metadata": meta,
    })


def write_day(root: Path, day: str, n: int = 4, name: str = "chatlog_a.jsonl", extra_lines=()) -> Path:
    d = root / day
    d.mkdir(parents=True, exist_ok=True)
    lines = [chat_line(f"{day}-s{i}", f"{day}T10:0{i}:00Z", f"How do I reset my password, attempt {i}?",
                       f"Open the security settings and use the password reset link ({i}).", "up" if i % 2 else "down")
             for i in range(n)]
    lines += list(extra_lines)
    p = d / name
    p.write_text("\n".join(lines) + "\n")
    return p
