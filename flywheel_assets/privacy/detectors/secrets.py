"""Secret families seen in LLM-app logs: cloud, VCS, LLM-provider and chat-app keys, JWTs, bearer/basic auth,
private-key blocks, passwords in URLs and in key=value pairs, token-carrying URL parameters.

Every rule is a vendor's published key format (prefix + charset + length) or a generic structure; entity type
``SECRET``. Only the secret part is marked (``password=<SECRET_1>`` keeps the key name).
"""

from __future__ import annotations

import re

from .base import Rule, Span, run_rules

_I = re.IGNORECASE


def _r(name, pattern, score=0.95, group=0, flags=0):
    return Rule(name, "SECRET", re.compile(pattern, flags), score, group)


SECRET_RULES: list[Rule] = [
    _r("private_key_block", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*"
                            r"PRIVATE KEY(?: BLOCK)?-----"),
    _r("aws_access_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b"),
    _r("aws_secret_key", r"(?:aws_?secret_?access_?key|aws_?secret)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})\b",
       group=1, flags=_I),
    _r("gcp_api_key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    _r("gcp_oauth_token", r"\bya29\.[0-9A-Za-z_\-]{20,}"),
    _r("azure_conn_key", r"(?:AccountKey|SharedAccessKey|SharedAccessSignature)=([A-Za-z0-9+/=%]{20,})", group=1),
    _r("github_token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b"),
    _r("github_pat", r"\bgithub_pat_[A-Za-z0-9_]{50,255}\b"),
    _r("gitlab_token", r"\bgl(?:pat|dt|rt|ptt|cbt|oas|soat)-[A-Za-z0-9_\-]{20,}\b"),
    _r("bitbucket_token", r"\bATBB[A-Za-z0-9_=\-]{28,}\b"),
    _r("openai_key", r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}(?:T3BlbkFJ[A-Za-z0-9_\-]+)?"),
    _r("anthropic_key", r"\bsk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_\-]{20,}"),
    _r("huggingface_token", r"\bhf_[A-Za-z0-9]{30,}\b"),
    _r("groq_key", r"\bgsk_[A-Za-z0-9]{40,}\b"),
    _r("replicate_token", r"\br8_[A-Za-z0-9]{30,}\b"),
    _r("xai_key", r"\bxai-[A-Za-z0-9]{40,}\b"),
    _r("langfuse_key", r"\b(?:sk|pk)-lf-[0-9a-f\-]{20,}\b"),
    _r("stripe_key", r"\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{16,}\b"),
    _r("slack_token", r"\bxox[abposre]-[A-Za-z0-9\-]{10,}"),
    _r("slack_webhook", r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_\-]{20,}"),
    _r("discord_webhook", r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{30,}"),
    _r("discord_bot_token", r"\b[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40}\b"),
    _r("telegram_bot_token", r"\b\d{8,10}:AA[A-Za-z0-9_\-]{33}\b"),
    _r("twilio_key", r"\bSK[0-9a-fA-F]{32}\b", score=0.8),
    _r("sendgrid_key", r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b"),
    _r("mailgun_key", r"\bkey-[0-9a-f]{32}\b"),
    _r("npm_token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    _r("pypi_token", r"\bpypi-AgE[A-Za-z0-9_\-]{50,}"),
    _r("shopify_token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),
    _r("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
    _r("bearer_token", r"\bbearer\s+([A-Za-z0-9._~+/\-]{12,}=*)", group=1, flags=_I),
    _r("basic_auth", r"\bauthorization[\"']?\s*[:=]\s*[\"']?basic\s+([A-Za-z0-9+/]{8,}=*)", group=1, flags=_I),
    _r("url_credentials", r"\b[a-z][a-z0-9+.\-]{1,15}://[^\s:/@\"'<>]{1,64}:([^\s@/\"'<>]{1,128})@", group=1,
       flags=_I),
    _r("url_token_param", r"[?&#](?:access_token|id_token|refresh_token|token|api_?key|apikey|key|sig|signature|"
                          r"x-amz-signature|password|passwd|pwd|secret|client_secret|auth|code|session|sessionid)"
                          r"=([^&\s#\"'<>]{6,})", group=1, flags=_I),
    _r("kv_secret", r"\b(?:[A-Za-z0-9]+[_\-])*(?:password|passwd|passphrase|pwd|secret|api[_\-]?key|apikey|"
                    r"access[_\-]?key|secret[_\-]?key|private[_\-]?key|client[_\-]?secret|auth[_\-]?token|"
                    r"access[_\-]?token|refresh[_\-]?token|token|credentials?)[\"']?\s*(?:=|:|=>)\s*[\"']?"
                    r"((?!<[A-Z_]+_\d+>)[^\s\"',;&}{]{4,})", score=0.85, group=1, flags=_I),
    _r("password_is", r"\b(?:password|passcode|pin)\s+(?:is|was)\s*:?\s+[\"']?([^\s\"',;]{4,})", score=0.8,
       group=1, flags=_I),
]


def detect_secrets(text: str) -> list[Span]:
    return run_rules(SECRET_RULES, text)
