"""CurateConfig: every knob of the curation stage, with documented defaults (see docs/curation.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DedupConfig(BaseModel):
    enabled: bool = True
    near_dup: bool = True  # MinHash + LSH near-duplicate detection on top of the exact content hash
    num_perm: int = 128  # MinHash permutations
    shingle_words: int = 4  # word n-gram size of a shingle
    lsh_threshold: float = 0.5  # estimated Jaccard at which LSH proposes a candidate pair
    verify_ratio: float = 90.0  # rapidfuzz ratio (0-100) a candidate pair must reach to be merged
    # ... and at most this many word-level edits (tokens: words, numbers and ids verbatim, one token per redaction
    # placeholder; Levenshtein over token lists, on head and tail separately for long texts). A near-duplicate is
    # "the same conversation with a tiny edit" (typo, whitespace, one changed number or word); template siblings
    # whose ids/amounts/names differ in several places are distinct requests and are left to diversity weighting.
    # Measured on the demo drop (docs/curation.md): 2 finds 95 % of the planted pairs; the ratio alone (90) merged
    # 1,359 of 2,192 units into template chains. -1 switches the token check off (ratio only).
    max_token_edits: int = 2
    fold_numbers: bool = False  # True: digit runs compare equal (template siblings that differ only in numbers merge)
    verify_chars: int = 4000  # longer texts: rapidfuzz compares the first and the last verify_chars/2 characters
    max_shingle_df: float = 0.3  # drop shingles present in more than this share of units (boilerplate) ...
    df_min_units: int = 20  # ... only once there are at least this many units (small sets: no DF pruning)
    max_candidates: int = 50  # candidates verified per unit (bounds cost inside very large clusters)
    seed: int = 1
    lsh_backend: str = "numpy"  # numpy (vectorised banding, datasketch's b/r) | datasketch (MinHashLSH, ~10x slower)


class FilterConfig(BaseModel):
    enabled: bool = True
    min_answer_chars: int = 1  # a final answer shorter than this (after strip) is "empty_answer"
    refusal_patterns: list[str] = Field(default_factory=lambda: [
        r"\bI(?:'m| am) (?:sorry|afraid),? (?:but )?I (?:can(?:no|')t|won't|am unable to|'m unable to)",
        r"\bI (?:can(?:no|')t|won't|am not able to) (?:help|assist|provide|comply|do that)",
        r"\bas an AI(?: language model)?,? I (?:can(?:no|')t|don't|do not|am unable)",
        r"\bI(?:'m| am) (?:unable|not able) to (?:help|assist|comply|provide)",
    ])
    # a refusal is *expected* (kept) when the user request mentions one of these
    expected_refusal_keywords: list[str] = Field(default_factory=lambda: [
        "weapon", "bomb", "explosive", "malware", "ransomware", "hack into", "steal", "suicide", "kill",
        "self-harm", "drugs", "credit card numbers", "password of", "social security number",
    ])
    json_request_patterns: list[str] = Field(default_factory=lambda: [
        r"\b(?:in|as|valid|return|respond with|output|reply with|only)\s+(?:a\s+)?json\b",
        r"\bjson (?:format|object|only|output)\b",
    ])
    wrong_feedback_keywords: list[str] = Field(default_factory=lambda: [
        "wrong", "incorrect", "outdated", "out of date", "hallucinat", "inaccurate", "not true", "false information",
    ])
    # off-topic: a unit is off-topic when topic_keywords is non-empty and its text holds none of them, or when
    # domain_examples is non-empty and its embedding is farther than min_domain_similarity from their centroid
    topic_keywords: list[str] = Field(default_factory=list)
    domain_examples: list[str] = Field(default_factory=list)
    min_domain_similarity: float = 0.2
    embedding_backend: str = "auto"  # auto | minilm | tfidf
    # chars of parsed.embedding_text embedded for off-topic; kept equal to diversity.text_chars so the diversity step
    # reuses the off-topic vectors from the embedding cache instead of encoding the same units again
    embed_text_chars: int = 1000


class MetadataConfig(BaseModel):
    # domain lexicon: domain -> keywords (word prefixes, lower case); the highest count wins, "general" when none
    domain_keywords: dict[str, list[str]] = Field(default_factory=lambda: {
        "travel": ["flight", "airline", "airport", "hotel", "booking", "reservation", "trip", "travel", "baggage",
                   "passenger", "itinerary", "cabin"],
        "retail": ["order", "product", "shipping", "refund", "return", "purchase", "cart", "item", "exchange",
                   "delivery", "store", "price"],
        "finance": ["bank", "loan", "invest", "stock", "credit", "payment", "account balance", "tax", "currency",
                    "crypto", "invoice", "mortgage"],
        "health": ["doctor", "symptom", "medic", "health", "disease", "hospital", "patient", "diet", "fitness"],
        "software": ["code", "python", "javascript", "function", "bug", "api", "database", "sql", "compile",
                     "deploy", "error message", "docker"],
        "entertainment": ["movie", "music", "song", "game", "film", "artist", "album", "show", "podcast"],
        "sports": ["football", "soccer", "basketball", "match", "team", "player", "league", "score"],
        "food": ["recipe", "cook", "restaurant", "food", "meal", "ingredient", "cuisine"],
        "weather": ["weather", "forecast", "temperature", "rain", "climate"],
        "education": ["learn", "course", "student", "school", "exam", "university", "homework"],
    })
    language_min_chars: int = 12  # shorter user text -> language "und"
    rating_success_min: float = 4.0  # ratings on a 1-5 scale; ratings <= 1 are read as a 0-1 scale (>= 0.5)
    rating_failure_max: float = 2.0
    reward_success_min: float = 0.5
    reward_failure_max: float = 0.0


class DiversityConfig(BaseModel):
    enabled: bool = True
    n_clusters: int | None = None  # None -> round(sqrt(n_kept / 2)), clipped to [1, max_clusters]
    max_clusters: int = 64
    max_cluster_share: float = 0.25  # no semantic cluster may carry more than this share of the total weight
    embedding_backend: str = "auto"  # auto | minilm | tfidf
    # MiniLM on CPU costs ~10-35 ms per *new* unit; above this many kept units "auto" switches to TF-IDF + SVD.
    # Kept at 20000 after the embedding cache (docs/benchmarks.md "Embedding cache"): MiniLM vectors are cached by
    # content (in-process, and on disk with FLYWHEEL_EMBEDDING_CACHE), so a re-run pays only for units it has not
    # seen, while TF-IDF is fitted on the whole corpus and can never be cached: it costs its full price every run.
    # Lower it only for one-off cold runs on large backfills (trade-off: TF-IDF clusters by wording, not meaning).
    auto_tfidf_above: int = 20000
    text_chars: int = 1000
    seed: int = 0


class CoverageConfig(BaseModel):
    min_per_bucket: int = 1  # every complexity bucket needs at least this many kept units
    min_per_tool: int = 1  # every tool declared in the kept units' schemas needs this many kept units using it
    min_per_domain: int = 0  # per observed domain (0 = off)
    required_domains: list[str] = Field(default_factory=list)  # checked with max(1, min_per_domain)
    min_per_language: int = 1
    required_languages: list[str] = Field(default_factory=lambda: ["en"])


class BiasConfig(BaseModel):
    max_language_share: float = 1.0  # violation when one language holds more than this share (1.0 = off)
    min_units: int = 20  # below this many kept units the ratio checks are skipped (too little evidence)
    # demographic term groups per category; a category is violated when the most/least mentioned group ratio
    # exceeds max_group_ratio (with at least min_term_mentions mentions in the category)
    demographic_terms: dict[str, dict[str, list[str]]] = Field(default_factory=lambda: {
        "gender": {
            "male": ["he", "him", "his", "man", "men", "male", "boy", "father", "husband", "mr"],
            "female": ["she", "her", "hers", "woman", "women", "female", "girl", "mother", "wife", "mrs", "ms"],
        },
        "age": {
            # bare "old"/"senior" are left out: in product logs they mean old prices/policies and job levels
            "young": ["young people", "young person", "teen", "teenager", "youth", "child", "kid"],
            "old": ["elderly", "old people", "old person", "senior citizen", "retired", "pensioner", "aged"],
        },
    })
    max_group_ratio: float = 4.0
    min_term_mentions: int = 20
    sensitive_topics: dict[str, list[str]] = Field(default_factory=lambda: {
        "health": ["diagnosis", "cancer", "hiv", "pregnan", "depress", "mental health", "disabilit"],
        "religion": ["religio", "church", "mosque", "synagogue", "muslim", "christian", "jewish", "hindu"],
        "politics": ["election", "democrat", "republican", "political", "vote for", "party leader"],
        "sexuality": ["sexual orientation", "gay", "lesbian", "transgender"],
        "violence": ["kill", "weapon", "attack", "shoot", "violence"],
    })
    max_topic_share: float = 0.2  # violation when more than this share of kept units touches a sensitive topic


class SyntheticConfig(BaseModel):
    enabled: bool = False  # off by default: synthetic rows only when explicitly enabled
    max_share: float = 0.1  # synthetic rows <= this share of the kept real units
    variants_per_seed: int = 1
    seed: int = 0
    # governed: seeds come from under-covered complexity buckets / domains first (below this many kept units)
    target_per_stratum: int = 50


class CurateConfig(BaseModel):
    # complexity bucket thresholds on complexity_score: simple < t0 <= moderate < t1 <= complex < t2 <= expert
    # (pass to complexity.complexity_tags(units, thresholds=cfg.complexity_thresholds))
    complexity_thresholds: tuple[float, float, float] = (3.0, 7.0, 14.0)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    filters: FilterConfig = Field(default_factory=FilterConfig)
    metadata: MetadataConfig = Field(default_factory=MetadataConfig)
    diversity: DiversityConfig = Field(default_factory=DiversityConfig)
    coverage: CoverageConfig = Field(default_factory=CoverageConfig)
    bias: BiasConfig = Field(default_factory=BiasConfig)
    synthetic: SyntheticConfig = Field(default_factory=SyntheticConfig)
