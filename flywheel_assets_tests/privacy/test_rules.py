"""Rule detectors: every secret family, checksums (Luhn, IBAN), obfuscated emails, IPv6, MAC, phones, addresses,
and the false-positive traps of logs (timestamps, versions, order ids, product codes)."""

from __future__ import annotations

import pytest

from flywheel_assets.privacy.cascade import resolve_overlaps
from flywheel_assets.privacy.detectors.rules import detect_rules, iban_ok, luhn_ok
from flywheel_assets.privacy.detectors.secrets import detect_secrets


def found(text: str, entity_type: str | None = None) -> list[str]:
    spans = resolve_overlaps(detect_rules(text))
    return [text[s.start:s.end] for s in spans if entity_type is None or s.entity_type == entity_type]


SECRETS = {
    "aws access key": ("aws_access_key_id=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    "aws secret": ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    "gcp api key": ("key AIzaSyD3x4mpl3K3yV4lu3F0rT3st1ngPurp0s3 ok", "AIzaSyD3x4mpl3K3yV4lu3F0rT3st1ngPurp0s3"),
    "github": ("token ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ used", "ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"),
    "github pat": ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
                   "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"),
    "gitlab": ("glpat-abcdefghij1234567890", "glpat-abcdefghij1234567890"),
    "openai": ("OPENAI_API_KEY sk-proj-abcDEF1234567890ghiJKL0987654321 set", "sk-proj-abcDEF1234567890ghiJKL0987654321"),
    "anthropic": ("sk-ant-api03-" + "a" * 30 + "B1c2D3e4F5" + " end", "sk-ant-api03-" + "a" * 30 + "B1c2D3e4F5"),
    "huggingface": ("hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
    "slack": ("xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx", "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx"),
    "slack webhook": ("post to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX now",
                      "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    "stripe": ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    "telegram": ("bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 x", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"),
    "sendgrid": ("SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ",
                 "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"),
    "npm": ("npm_abcdefghijklmnopqrstuvwxyz0123456789", "npm_abcdefghijklmnopqrstuvwxyz0123456789"),
    "jwt": ("Cookie: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
    "bearer": ("Authorization: Bearer abc123DEF456ghi789JKL", "abc123DEF456ghi789JKL"),
    "private key": ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234\n-----END RSA PRIVATE KEY-----",
                    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234\n-----END RSA PRIVATE KEY-----"),
    "password in url": ("postgres://admin:s3cr3tPass@db.internal:5432/app", "s3cr3tPass"),
    "token in url": ("GET https://api.example.com/v1/items?limit=5&access_token=ya1b2c3d4e5f6g7 HTTP/1.1",
                     "ya1b2c3d4e5f6g7"),
    "key=value password": ("login ok user=bob password=hunter2secret retry=3", "hunter2secret"),
    "json-ish secret": ('{"client_secret": "Qm9vbS1zZWNyZXQtdmFsdWU"}', "Qm9vbS1zZWNyZXQtdmFsdWU"),
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_secret_families(name):
    text, secret = SECRETS[name]
    spans = detect_secrets(text)
    assert any(s.entity_type == "SECRET" and text[s.start:s.end] == secret for s in spans), (name, spans)


def test_secret_rules_keep_key_names_and_ignore_token_counts():
    text = "usage: prompt_tokens=512 max_tokens: 1024 total_tokens=2048"
    assert detect_secrets(text) == []
    spans = detect_secrets("password=hunter2secret")
    assert [("password=hunter2secret"[s.start:s.end]) for s in spans] == ["hunter2secret"]


def test_luhn_and_cards():
    assert luhn_ok("4024 0071 7736 2919")
    assert not luhn_ok("4024 0071 7736 2910")
    assert found("card 4024-0071-7736-2919 please", "CREDIT_CARD") == ["4024-0071-7736-2919"]
    assert found("card 4024007177362910 please", "CREDIT_CARD") == []  # checksum fails


def test_iban_checksum():
    assert iban_ok("GB82 WEST 1234 5698 7654 32")
    assert not iban_ok("GB83 WEST 1234 5698 7654 32")
    assert found("send to DE89370400440532013000 today", "IBAN_CODE") == ["DE89370400440532013000"]


def test_obfuscated_email_and_plain_email():
    assert found("write to jane.doe at example dot com please", "EMAIL_ADDRESS") == ["jane.doe at example dot com"]
    assert found("or john [at] corp [dot] io", "EMAIL_ADDRESS") == ["john [at] corp [dot] io"]
    assert found("mail: First.Last+tag@sub.example.co.uk.", "EMAIL_ADDRESS") == ["First.Last+tag@sub.example.co.uk"]


def test_ip_and_mac():
    assert found("from 192.168.10.24 and fe80::1ff:fe23:4567:890a", "IP_ADDRESS") == [
        "192.168.10.24", "fe80::1ff:fe23:4567:890a"]
    assert found("client 2001:db8:85a3::8a2e:370:7334 connected", "IP_ADDRESS") == ["2001:db8:85a3::8a2e:370:7334"]
    assert found("nic 00:1A:2B:3C:4D:5E up", "MAC_ADDRESS") == ["00:1A:2B:3C:4D:5E"]
    assert found("at 12:30:45 the job ran", "IP_ADDRESS") == []
    assert found("bad 999.12.1.1 address", "IP_ADDRESS") == []


def test_phones_international_and_local():
    assert found("call +1 (415) 555-0134 now", "PHONE_NUMBER") == ["+1 (415) 555-0134"]
    assert found("tel +44 20 7946 0958.", "PHONE_NUMBER") == ["+44 20 7946 0958"]
    assert found("my number is (020) 7946-0958", "PHONE_NUMBER") == ["(020) 7946-0958"]
    assert found("mobile 06-12-34-56-78 ok", "PHONE_NUMBER") == ["06-12-34-56-78"]


def test_ssn_addresses_titles_dates():
    assert found("SSN 536-90-4399.", "US_SSN") == ["536-90-4399"]
    assert found("ssn: 536904399", "US_SSN") == ["536904399"]
    assert "1600 Pennsylvania Avenue" in " ".join(found("visit 1600 Pennsylvania Avenue NW", "STREET_ADDRESS"))
    assert found("ship to Hauptstraße 5 in Berlin", "STREET_ADDRESS") == ["Hauptstraße 5"]
    assert found("Suite 418", "STREET_ADDRESS") == ["Suite 418"]
    assert found("Sacramento, CA 95814", "STREET_ADDRESS") == ["CA 95814"]
    assert found("London SW1A 1AA", "STREET_ADDRESS") == ["SW1A 1AA"]
    assert found("Dr. Elena Marquez will see you", "PERSON") == ["Dr. Elena Marquez"]
    assert found("born on March 3rd, 1987 in", "DATE_TIME") == ["March 3rd, 1987"]


def test_names_and_firms_never_span_lines():
    # a label's value may start on the next line, but the name stops at its line's end (a prompt's
    # "Function Name: Wikipedia\nDescription: ..." has no person "Wikipedia Description")
    assert found("Name:\nJohn Smith\nEmail follows", "PERSON") == ["John Smith"]
    assert found("Function Name: Wikipedia\nDescription: search", "PERSON") == ["Wikipedia"]
    assert found("Dr. Elena Marquez\nCardiology", "PERSON") == ["Dr. Elena Marquez"]
    assert found("Thanks\nAcme Holdings", "ORGANIZATION") == ["Acme Holdings"]


@pytest.mark.parametrize("text", [
    "2024-05-01T12:30:45.123Z INFO request_id=7f3a9c latency_ms=1532 status=200",
    "upgraded numpy 1.26.4 -> 2.0.1 on python 3.11.7",
    "order ORD-99120 contains SKU-4411-B x2, total 129.99 USD",
    "build 20240501 finished in 00:03:12 with 0 errors",
    "GET /api/v2/users/12345/orders?page=2 200 15ms",
])
def test_log_lines_are_not_pii(text):
    assert found(text) == [], found(text)


@pytest.mark.parametrize("text, value", [
    ("Date: 2019-03-04 10:11:12 Name: (see file)", "2019-03-04 10:11:12"),
    ("when: 2019-03-04 10:11 where: the clinic", "2019-03-04 10:11"),
    ("Your appointment on 2024-06-03 14:30 is confirmed", "2024-06-03 14:30"),
    ('{"visit": "2024-05-16T09:00:00Z", "status": "ok"}', "2024-05-16T09:00:00Z"),
])
def test_labelled_event_datetimes_are_masked(text, value):
    """A date-time labelled as a person's event is a linkage key; the same format unlabelled (log lines, created_at,
    update:) stays."""
    from flywheel_assets.privacy.cascade import Cascade
    cascade = Cascade()
    assert [text[s.start:s.end] for s in cascade.scan(text) if s.entity_type == "DATE_TIME"] == [value]
    for kept in ("2024-05-01 12:00:01 INFO started worker", '{"created_at": "2024-05-16T09:00:00Z"}',
                 "update: 2024-06-03 14:30 deployed", '{"date": "2024-05-16"}'):
        assert not [s for s in cascade.scan(kept) if s.entity_type == "DATE_TIME"], kept
