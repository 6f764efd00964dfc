"""Configuration of the feedback stage (analytics, failure clustering, triage, preference pairs, length balance).

Every field has a documented default; the lead composes :class:`FeedbackConfig` into ``FlywheelConfig``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ClusteringConfig(BaseModel):
    k_min: int = Field(2, description="smallest k tried for k-means over failure embeddings")
    k_max: int = Field(8, description="largest k tried (capped at n_failures - 1)")
    min_units: int = Field(4, description="below this many failed units everything goes into one cluster")
    seed: int = Field(0, description="k-means random_state (deterministic output)")
    n_examples: int = Field(5, description="example unit ids listed per cluster")
    include_unknown_with_signals: bool = Field(
        True, description="also cluster units with outcome 'unknown' when an error signal fires (tool ERROR, "
        "invalid JSON, complaint); units with failure/down/low rating are always included")
    signal_first: bool = Field(True, description="partition failures by their primary error signal first, then "
                               "split each partition by k-means (False: one k-means over all failures)")
    min_cluster_size: int = Field(10, description="signal-first: a partition is split into at most size // this "
                                  "clusters (partitions below 2x this are never split)")
    max_sub_clusters: int = Field(3, description="signal-first: at most this many clusters per error type (topical "
                                  "sub-groups, e.g. refusals on account vs ops requests)")
    split_min_silhouette: float = Field(0.25, description="signal-first: a partition is split only when the best "
                                        "k's silhouette reaches this")
    low_rating: float = Field(0.2, description="feedback_rating <= this (on a 0..1 scale; 1..5 stars are "
                              "rescaled, so only 1 star counts) is a negative signal. Kept low on purpose: a rank-"
                              "derived rating (OASST 1/(1+rank)) of a third-best sibling is not a failure")


class TriageConfig(BaseModel):
    budget_days: float = Field(10.0, description="engineering days available this cycle; interventions are "
                               "ranked by urgency and flagged over_budget once the running total exceeds it")
    volume_at_scale: int = Field(20, description="a capability gap with at least this many units is 'at volume'")
    rollback_min_delta: float = Field(0.15, description="another model counts as a rollback candidate when its "
                                      "success rate on the cluster's intents is at least this much higher")
    rollback_min_units: int = Field(3, description="minimum units of the other model on those intents")
    cost_weight: float = Field(1.0, description="weight of the cost term (refunds, escalations) in urgency")


class PairsConfig(BaseModel):
    sources: list[str] = Field(default_factory=lambda: ["thumbs", "edit", "outcome", "concise", "comparison"],
                               description="pair sources to mine; add 'synthetic' to enable governed negatives")
    reject_only_reasons: list[str] = Field(
        default_factory=lambda: ["invalid_json", "unexpected_refusal", "truncated_answer", "flagged_wrong"],
        description="curation filter reasons that say the *answer* is bad: such units are unfit as SFT targets "
        "but are exactly the rejected side DPO needs, so pairs may use them as rejected (or as the original of "
        "an edit pair), never as chosen")
    use_rank: bool = Field(True, description="also pair siblings by human rank (rank 0 = best) within a prompt "
                           "group (OpenAssistant-style); emitted with pair_source 'thumbs', signal 'rank'")
    use_rating: bool = Field(True, description="pair answers whose ratings differ by >= rating_margin")
    rating_margin: float = Field(0.25, description="min rating difference on the 0..1 scale for a rating pair")
    max_pairs_per_prompt: int = Field(6, description="cap on pairs from one prompt group (avoids one hot prompt "
                                      "dominating)")
    outcome_threshold: float = Field(0.7, description="multi-turn outcome pairs: combined intent similarity (whole "
                                     "user side, opening request, identifying values, embeddings; see "
                                     "feedback/intent.py) a failed run's best successful run must reach")
    outcome_margin: float = Field(0.2, description="multi-turn outcome pairs: the best successful run must beat the "
                                  "best rival (a success that is not a near-copy of it) by this much, else the "
                                  "failure is skipped as ambiguous")
    outcome_same_as: float = Field(0.9, description="two successful runs at least this similar (or at least as "
                                   "similar to each other as the best one is to the failure) count as one intent "
                                   "group (not rivals) in the ambiguity test")
    outcome_mutual_k: int = Field(3, description="multi-turn outcome pairs: the failed run must be among its best "
                                  "successful run's k most similar failed runs (a hub success is no one's intent)")
    intent_threshold: float = Field(0.75, description="cosine similarity of first user requests above which two "
                                    "units share an intent (outcome pairs)")
    intent_fuzzy_threshold: float = Field(90.0, description="rapidfuzz token_set_ratio above which two first "
                                          "requests are near-duplicates regardless of embeddings")
    paraphrase_weight: float = Field(0.7, description="weight multiplier for outcome pairs matched by paraphrase "
                                     "(not an exact shared prompt)")
    rank_weight: float = Field(0.8, description="weight multiplier for pairs from rank alone")
    concise_min_ratio: float = Field(1.8, description="verbose/concise length ratio for a 'concise' pair")
    synthetic_max_share: float = Field(0.1, description="synthetic pairs are capped at this share of all pairs")
    synthetic_weight: float = Field(0.5, description="weight of synthetic pairs")
    seed: int = Field(0, description="seed for synthetic corruption choices")
    embedding_backend: str = Field("auto", description="auto | minilm | tfidf (see flywheel_assets.embeddings)")


class LengthBalanceConfig(BaseModel):
    max_ratio: float = Field(3.0, description="chosen/rejected length ratio (or its inverse) above which a pair "
                             "is extreme")
    drop_ratio: float = Field(6.0, description="ratio above which the pair is dropped instead of down-weighted")
    source_drop_ratio: dict[str, float] = Field(
        default_factory=lambda: {"concise": 8.0, "comparison": 12.0, "outcome": 12.0},
        description="per-source drop ratio overriding drop_ratio: a 'concise' pair prefers the shorter answer on "
        "purpose (verbose filler answers run 5-8x the concise one; on the demo drop the planted concise/verbose "
        "pairs are 6.1-7.5x and were all dropped at 6); a 'comparison' pair is a user's explicit pick between two "
        "answers (a one-line answer beside a full one is common there). They are still down-weighted above "
        "max_ratio and rebalanced. An 'outcome' pair compares one agent block with one agent block (cut at the next "
        "user turn, feedback/divergence.py), so like is compared with like; a failed run that loops or retries "
        "inside that block is the signal, so it is dropped only above 12x")
    mode: str = Field("downweight", description="downweight | drop: what to do with extreme (non-dropped) pairs")
    target_longer_share: float = Field(0.5, description="target share of pairs whose chosen is longer; the "
                                       "majority side is down-weighted towards it")
    min_balance_factor: float = Field(0.25, description="the majority side's weights are never scaled below this "
                                      "factor when rebalancing longer-wins vs shorter-wins")
    tolerance: float = Field(0.15, description="check_length_ratio fails when the longer-wins share deviates "
                             "from 0.5 by more than this (weighted) or any kept pair exceeds drop_ratio")
    min_pairs_for_share_check: int = Field(20, description="check_length_ratio only tests the longer-wins share "
                                           "when at least this many pairs differ in length")
    allow_empty_rejected_sources: list[str] = Field(
        default_factory=lambda: ["outcome"], description="pair sources where an empty rejected answer is real "
        "product behaviour and may be kept (outcome: a failed run that stopped answering, signal 'outcome_empty')")


class FeedbackConfig(BaseModel):
    clustering: ClusteringConfig = Field(default_factory=ClusteringConfig)
    triage: TriageConfig = Field(default_factory=TriageConfig)
    pairs: PairsConfig = Field(default_factory=PairsConfig)
    length: LengthBalanceConfig = Field(default_factory=LengthBalanceConfig)
    embedding_backend: str = Field("auto", description="embeddings for failure clustering: auto | minilm | tfidf")
    min_group_for_rate: int = Field(3, description="analytics hides satisfaction rates of groups smaller than "
                                    "this (shown as n only)")
