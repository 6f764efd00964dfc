"""Model backends (detectors/model_backends.py): a Hugging Face token-classification checkpoint and a GLiNER model
named by local path in the config; their spans join the cascade's. The models are tiny, built here (no hub)."""

from __future__ import annotations

import os

import pytest

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.config import ModelBackendConfig, PrivacyConfig
from flywheel_assets.privacy.detectors.model_backends import HFTokenClassificationBackend, build_backends

_ONLY_MODEL = dict(rules=False, presidio_ner=False, name_lexicon=False, gazetteer=False, person_cues=False,
                   job_titles=False, org_heads=False, contact_blocks=False, propagate=False, min_score=0.0)


def _tiny_token_classifier(path, favour: str):
    """A 1-layer BERT token classifier whose classifier bias makes every token ``favour`` (O / B-PER / I-PER)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    torch = pytest.importorskip("torch")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertForTokenClassification, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(["Alice Smith lives in Paris and works at Acme."] * 4, trainers.WordPieceTrainer(
        vocab_size=120, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]")
    labels = ["O", "B-PER", "I-PER"]
    torch.manual_seed(0)
    model = BertForTokenClassification(BertConfig(
        vocab_size=fast.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=128, num_labels=3, id2label=dict(enumerate(labels)),
        label2id={k: i for i, k in enumerate(labels)}))
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([10.0 if k == favour else 0.0 for k in labels]))
    fast.save_pretrained(path)
    model.save_pretrained(path)
    return str(path)


def test_hf_token_classification_checkpoint_by_path(tmp_path):
    text = "Alice Smith lives in Paris."
    person_dir = _tiny_token_classifier(tmp_path / "per", "I-PER")
    cfg = PrivacyConfig(**_ONLY_MODEL, model_backends=[{"kind": "hf_token_classification", "path": person_dir}])
    spans = Cascade(cfg).scan(text)
    assert spans and all(s.entity_type == "PERSON" and s.source == "hf_ner" for s in spans)
    assert sum(s.end - s.start for s in spans) >= len("Alice Smith lives in Paris")  # every token tagged
    # a model that tags nothing adds nothing
    o_dir = _tiny_token_classifier(tmp_path / "o", "O")
    cfg = PrivacyConfig(**_ONLY_MODEL, model_backends=[{"kind": "hf_token_classification", "path": o_dir}])
    assert Cascade(cfg).scan(text) == []


def test_backend_spans_merge_with_rules_and_spacy(tmp_path):
    text = "Write to Alice at alice@example.org please."
    backend = HFTokenClassificationBackend(lambda chunk: [
        {"entity_group": "PER", "start": chunk.index("Alice"), "end": chunk.index("Alice") + 5, "score": 0.9}])
    spans = Cascade(PrivacyConfig(), backends=[backend]).scan(text)
    got = {(text[s.start:s.end], s.entity_type) for s in spans}
    assert ("Alice", "PERSON") in got and ("alice@example.org", "EMAIL_ADDRESS") in got


def test_label_mapping_and_bad_paths(tmp_path):
    b = HFTokenClassificationBackend(lambda chunk: [], label_map={"PATIENT_NAME": "PERSON"})
    assert b.type_of("B-PATIENT_NAME") == "PERSON" and b.type_of("I-EMAIL") == "EMAIL_ADDRESS"
    assert b.type_of("B-ORG") == "ORGANIZATION" and b.type_of("CUSTOM") == "CUSTOM"
    with pytest.raises(FileNotFoundError):
        build_backends([ModelBackendConfig(kind="hf_token_classification", path=str(tmp_path / "missing"))])
    with pytest.raises(ValueError):
        ModelBackendConfig(kind="spacy", path=str(tmp_path))
