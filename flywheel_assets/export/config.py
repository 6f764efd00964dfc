"""Export stage configuration (composed into ``FlywheelConfig.export`` by the lead)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ExportConfig(BaseModel):
    """How curated units and preference pairs become training files.

    Every field has a default; nothing here reads the environment.
    """

    seed: int = Field(0, description="Seed mixed into every split hash; change it to draw a different split.")
    split_fractions: dict[str, float] = Field(
        default_factory=lambda: {"train": 0.8, "validation": 0.1, "test": 0.1},
        description="Target share of rows per split (normalised to sum 1).",
    )
    stratify: bool = Field(
        True,
        description="Key each group's split hash by its stratum (the anchor unit's complexity bucket, tool mix, unit "
        "type), so every stratum draws each split with the configured probability. "
        "Either way the split is a hash threshold per group: it never changes as days are added.",
    )
    split_assignment: Literal["stable", "balanced"] = Field(
        "stable", description="stable: each group's split is a keyed hash threshold (a pure function of the group: "
        "it never changes as days are added, and incremental = from-scratch). balanced: systematic stratified "
        "sample over all groups (exact shares, eval sets mirror production more closely, but groups move between "
        "splits as data grows; for one-off exports).",
    )
    eval_max_group_size: int = Field(
        50, description="A group with more rows than this (its kept units, or its preference pairs, whichever is "
        "more) always goes to train: one intent's many runs would otherwise make up most of an eval split. A group "
        "that grows past the cap moves from its eval split to train once (never back); 0 = no cap.",
    )
    stratify_by: list[str] = Field(
        default_factory=lambda: ["complexity_bucket", "tool_mix", "unit_type"],
        description="Dimensions of a stratum (a group votes with its units' majority); tool_mix is derived.",
    )
    group_columns: list[str] = Field(
        default_factory=lambda: ["dup_cluster_id", "intent_group", "intent_id", "group_id"],
        description="Unit columns whose values tie units into one leakage group (missing columns are skipped). "
        "session_id always ties units too.",
    )
    sft_dpo_overlap: Literal["disjoint", "shared"] = Field(
        "disjoint",
        description="disjoint: a group that feeds any preference pair is used for DPO only (its units leave SFT), "
        "so SFT and DPO prompts never overlap at group level. shared: both tasks may use the group, always in the "
        "same split.",
    )
    sft_exclude_negative: bool = Field(
        True, description="Drop units with outcome=failure or thumbs=down (unless they carry an edited_response)."
    )
    use_edited_response: bool = Field(
        True, description="When a unit has the user's corrected answer, it replaces the final assistant content."
    )
    synthetic_weight: float = Field(1.0, description="Sampling weight multiplier for is_synthetic rows.")
    phase_order: list[str] = Field(
        default_factory=lambda: ["simple", "moderate", "complex", "expert"],
        description="Complexity buckets in curriculum order (phase 1 = first). Defaults to curate.complexity BUCKETS; "
        "synonyms easy/low, medium, hard/high are mapped; unknown buckets fall back to complexity_score terciles.",
    )
    staged_cumulative: bool = Field(
        True, description="Staged manifest: phase k contains buckets 1..k (replay) instead of bucket k only."
    )
    model_aware_signal: Literal["pass_rate", "loss"] = Field(
        "pass_rate", description="What the per-bucket file holds: pass rate (weight 1-p) or eval loss (weight loss)."
    )
    model_aware_floor: float = Field(0.05, description="Minimum per-bucket weight so no bucket is starved.")
    max_reject_rate: float = Field(
        0.02, description="Blocking check on the export: at most this share of the rows reaching the row-level "
        "expectations (message keys, role order, tool-call JSON, placeholder grammar) may be rejected to "
        "sft_rejects / dpo_rejects; one bad row is left out, a broken export stops the run.",
    )
    reject_rate_min_rows: int = Field(
        5, description="The reject-rate check blocks only from this many rejected rows on: in a small drop one or "
        "two malformed rows are left out, never the whole export.",
    )
    student_context: int = Field(2048, description="Student context length in tokens: longer rows are flagged.")
    chat_template_path: str | None = Field(
        None, description="Use this Jinja file instead of the built-in ChatML template (templates/chatml_tools.jinja)."
    )
    license: str = Field("other", description="Licence written into the dataset card.")
    dataset_name: str = Field("flywheel-export", description="Name used in the dataset card.")
