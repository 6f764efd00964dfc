"""Dataset card (``DIR/README.md``): YAML header in the Hugging Face format + a human summary.

No timestamps or host details: the same export gives a byte-identical card.
"""

from __future__ import annotations

from collections import Counter

import polars as pl
import yaml

SPLITS = ("train", "validation", "test")


def _counts(frame: pl.DataFrame | None) -> dict[str, int]:
    if frame is None or frame.height == 0 or "split" not in frame.columns:
        return {s: 0 for s in SPLITS}
    c = Counter(frame["split"].to_list())
    return {s: int(c.get(s, 0)) for s in SPLITS}


def _mix(frame: pl.DataFrame | None, col: str) -> dict[str, dict[str, int]]:
    if frame is None or frame.height == 0 or col not in frame.columns:
        return {}
    out: dict[str, dict[str, int]] = {}
    for s in SPLITS:
        vals = frame.filter(pl.col("split") == s)[col].to_list()
        out[s] = dict(sorted(Counter("null" if v is None else str(v) for v in vals).items()))
    return out


def _md_table(mix: dict[str, dict[str, int]], title: str) -> list[str]:
    if not mix:
        return []
    keys = sorted({k for d in mix.values() for k in d})
    lines = [f"| {title} | " + " | ".join(SPLITS) + " |", "|---|" + "---|" * len(SPLITS)]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(str(mix.get(s, {}).get(k, 0)) for s in SPLITS) + " |")
    return lines + [""]


def dataset_card(sft: pl.DataFrame | None, dpo: pl.DataFrame | None, shards: dict | None = None,
                 card_info: dict | None = None) -> str:
    """Markdown card with YAML front matter (configs/data_files, features, counts, mixes)."""
    info = dict(card_info or {})
    name = info.get("dataset_name", "flywheel-export")
    sft_counts, dpo_counts = _counts(sft), _counts(dpo)
    configs = []
    for task, counts in (("sft", sft_counts), ("dpo", dpo_counts)):
        configs.append({"config_name": task, "data_files": [
            {"split": s, "path": f"{task}/{s}.jsonl"} for s in SPLITS]})
    header = {
        "pretty_name": name,
        "license": info.get("license", "other"),
        "language": info.get("language", ["en"]),
        "task_categories": ["text-generation"],
        "tags": ["sft", "dpo", "tool-calling", "chatml", "pii-redacted", "flywheel"],
        "configs": configs,
        "flywheel": {
            "schema_version": info.get("schema_version", "1.0"),
            "message_keys": ["role", "content", "name", "tool_calls", "tool_call_id"],
            "tool_call_arguments": "canonical JSON string (sorted keys, compact)",
            "tools": "canonical JSON string of OpenAI function schemas",
            "counts": {"sft": sft_counts, "dpo": dpo_counts},
            "placeholder_format": "<TYPE_N>",
        },
    }
    extra = {k: v for k, v in info.items() if k not in ("dataset_name", "license", "language", "schema_version")}
    if extra:
        header["flywheel"]["run"] = extra
    lines = ["---", yaml.safe_dump(header, sort_keys=True, allow_unicode=True, width=120).rstrip(), "---", "",
             f"# {name}", "",
             "Training data exported by flywheel from production LLM-application logs: SFT rows in the TRL "
             "conversational format (`messages` + `tools`) and DPO rows (`prompt`/`chosen`/`rejected` + `tools`).", "",
             "## Counts", "", "| task | " + " | ".join(SPLITS) + " |", "|---|---|---|---|",
             "| sft | " + " | ".join(str(sft_counts[s]) for s in SPLITS) + " |",
             "| dpo | " + " | ".join(str(dpo_counts[s]) for s in SPLITS) + " |", "",
             "## Schema", "",
             "Every message has exactly the keys `role, content, name, tool_calls, tool_call_id` (null when unused). "
             "Assistant tool calls are `{\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}` "
             "where `arguments` is a canonical JSON string; `tool` messages carry `name` and `tool_call_id`. "
             "`tools` is a JSON string (TRL parses it). Lineage columns: `unit_id`/`pair_id`, `session_id`, "
             "`group_id`, `split`, `complexity_bucket`, `phase`, `sampling_weight`.", "",
             "## PII handling", "",
             "Only redacted text reaches the export: personal data was replaced by consistent placeholders "
             "`<TYPE_N>` (e.g. `<PERSON_1>`, `<EMAIL_ADDRESS_2>`) keyed per session; user ids are HMAC "
             "pseudonyms and are not exported. Every export is validated with Great Expectations for raw e-mail, "
             "phone, card, SSN and API-key patterns and for malformed placeholders.", "",
             "## Splits", "",
             "Group-level and deterministic: units sharing a session, a near-duplicate cluster or an intent group, "
             "and preference pairs built from them, always land in the same split; by default a group that feeds a "
             "DPO pair is DPO-only, so SFT and DPO prompts never overlap. Validation and test are stratified by "
             "complexity bucket and tool mix to mirror production.", ""]
    lines += ["## Complexity mix (SFT)", ""] + _md_table(_mix(sft, "complexity_bucket"), "bucket")
    lines += ["## Tool mix (SFT)", ""] + _md_table(_mix(sft, "tool_mix"), "tools")
    lines += ["## DPO pair sources", ""] + _md_table(_mix(dpo, "pair_source"), "source")
    if shards:
        lines += ["## Training shards", ""]
        for strat, man in sorted(shards.get("manifests", {}).items()):
            parts = ", ".join(f"{s['name']}={s['n_rows']}" for s in man.get("shards", []))
            lines.append(f"- `{strat}`: {parts}")
        lines.append("")
    lines += ["## Limitations", "",
              "Logs reflect the production model's behaviour and user population; placeholders replace names, so "
              "a model trained on this data learns to emit placeholders where the original text had personal data.",
              ""]
    return "\n".join(lines)
