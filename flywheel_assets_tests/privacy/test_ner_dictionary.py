"""spaCy NER through Presidio, GLiNER on a tiny locally built model, org dictionaries and allow-lists."""

from __future__ import annotations

import os

import pytest

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.detectors.dictionary import DATA_DIR, AllowList, Dictionary
from flywheel_assets.privacy.detectors.presidio_ner import detect_ner_batch, nlp_engine


_ONLY_MODEL = dict(rules=False, presidio_ner=False, name_lexicon=False, gazetteer=False, person_cues=False,
                   job_titles=False, org_heads=False)

def test_presidio_spacy_engine_and_ner_batch():
    engine = nlp_engine()
    assert type(engine).__name__ == "SpacyNlpEngine"
    texts = ["Angela Merkel met Emmanuel Macron in Berlin.", "no capitals here at all", ""]
    out = detect_ner_batch(texts)
    got = {(texts[0][s.start:s.end], s.entity_type) for s in out[0]}
    assert ("Angela Merkel", "PERSON") in got and ("Berlin", "LOCATION") in got
    assert out[1] == [] and out[2] == []


def test_dictionary_and_allow_list(tmp_path):
    d = tmp_path / "org.yaml"
    d.write_text("PROJECT_CODENAME: [Nightjar, Project Bluefin]\nHOSTNAME: [db-prod-eu.internal]\n"
                 "PERSON: [Priya Raman]\n", encoding="utf-8")
    dic = Dictionary.from_paths([str(d)])
    text = "Nightjar ships Friday; PROJECT  bluefin uses db-prod-eu.internal, ask priya raman. nightjars fly."
    got = sorted((text[s.start:s.end], s.entity_type) for s in dic.find(text))
    assert got == [("Nightjar", "PROJECT_CODENAME"), ("PROJECT  bluefin", "PROJECT_CODENAME"),
                   ("db-prod-eu.internal", "HOSTNAME"), ("priya raman", "PERSON")]
    # through the cascade: dictionary terms redacted, allow-listed product names kept
    casc = Cascade(PrivacyConfig(dictionaries=[str(d)], presidio_ner=False, allow_list=["Nightjar"]))
    spans = casc.scan(text)
    kinds = {text[s.start:s.end]: s.entity_type for s in spans}
    assert "Nightjar" not in kinds and kinds.get("db-prod-eu.internal") == "HOSTNAME"
    assert (DATA_DIR / "allow_list.yaml").exists()


def test_default_allow_list_keeps_product_names():
    allow = AllowList.from_config([], True)
    casc = Cascade(PrivacyConfig())
    text = "Compare OpenAI GPT-4o with Anthropic Claude for Maria Gonzalez."
    spans = casc.scan(text)
    masked = [text[s.start:s.end] for s in spans]
    assert "Maria Gonzalez" in masked
    assert not any(w in m for m in masked for w in ("OpenAI", "Anthropic", "Claude"))
    assert "openai" in allow.terms


def _tiny_gliner(tmp_path):
    """A tiny random GLiNER over a locally built BERT backbone and locally trained tokenizer (no hub)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    torch = pytest.importorskip("torch")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    from gliner import GLiNER, GLiNERConfig

    backbone = tmp_path / "tiny_backbone"
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    corpus = ["Alice Smith lives in Paris and works at Acme.", "person location organization email"] * 4
    tok.train_from_iterator(corpus, trainers.WordPieceTrainer(
        vocab_size=200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]")
    fast.save_pretrained(backbone)
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=fast.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=256)).save_pretrained(backbone)
    model = GLiNER.from_config(GLiNERConfig(model_name=str(backbone), hidden_size=32, max_width=4),
                               backbone_from_pretrained=False)
    model.eval()
    return model


def test_gliner_tiny_model_spans_flow_through_cascade(tmp_path):
    from flywheel_assets.privacy.detectors.gliner_ner import detect_gliner_batch

    model = _tiny_gliner(tmp_path)
    text = "Alice Smith lives in Paris."
    raw = detect_gliner_batch([text], model, ["person", "location"], threshold=0.0)[0]
    assert raw and all(s.source == "gliner" and 0 <= s.start < s.end <= len(text) for s in raw)
    assert {s.entity_type for s in raw} <= {"PERSON", "LOCATION"}
    # every other detector off: whatever the cascade masks comes from GLiNER
    cfg = PrivacyConfig(**_ONLY_MODEL, gliner_threshold=0.0, min_score=0.0,
                        gliner_labels=["person", "location"], propagate=False)
    spans = Cascade(cfg, gliner_model=model).scan(text)
    assert spans and all(s.source == "gliner" for s in spans)
    # off when no model dir is configured
    assert Cascade(PrivacyConfig(**_ONLY_MODEL)).scan(text) == []


def test_gliner_names_stop_at_a_line_break_addresses_do_not():
    # GLiNER's own output over a signature: a name span running into the next line is cut there (as spaCy's are);
    # a street address keeps its lines. The model is a stand-in that returns fixed predictions.
    from flywheel_assets.privacy.detectors.gliner_ner import detect_gliner_batch

    text = "Jane Doe\nSales Manager\n12 Harbour Road\nLeith"
    addr = text.index("12 Harbour")

    class Fixed:
        def predict_entities(self, chunk, labels, threshold=0.5):
            return [{"start": 0, "end": text.index("Manager") + 7, "label": "person", "score": 0.9},
                    {"start": addr, "end": len(text), "label": "street address", "score": 0.9}]

    got = [(s.entity_type, text[s.start:s.end]) for s in detect_gliner_batch([text], Fixed(), ["person"])[0]]
    assert got == [("PERSON", "Jane Doe"), ("STREET_ADDRESS", "12 Harbour Road\nLeith")]
