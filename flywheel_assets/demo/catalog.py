"""Static catalog of the Acme demo product: tools (OpenAI function schemas), models, KB, PII pools and generators.

Everything random takes an explicit ``random.Random`` so the generator stays deterministic.
All names, numbers and secrets are synthetic; card numbers are Luhn-valid and IBANs have valid check digits so
detectors that validate checksums fire on them.
"""

from __future__ import annotations

import base64
import json
import random
import string

MODELS_SUPPORT = ("acme-chat-v1", "acme-chat-v2")
MODELS_OPS = ("acme-ops-v1", "acme-ops-v2")


def _tool(name: str, description: str, props: dict, required: list[str]) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": props, "required": required},
        },
    }


S = {"type": "string"}
TOOLS: dict[str, dict] = {
    t["function"]["name"]: t
    for t in [
        _tool("lookup_order", "Look up an order by its id.", {"order_id": {**S, "description": "e.g. A-104233"}}, ["order_id"]),
        _tool("get_customer", "Fetch a customer record by email.", {"email": {**S, "format": "email"}}, ["email"]),
        _tool(
            "issue_refund",
            "Refund (part of) an order.",
            {"order_id": S, "amount": {"type": "number", "minimum": 0}, "reason": S},
            ["order_id", "amount", "reason"],
        ),
        _tool("search_kb", "Search the Acme help-center knowledge base.", {"query": S}, ["query"]),
        _tool("get_shipping_status", "Carrier status for a tracking id.", {"tracking_id": S}, ["tracking_id"]),
        _tool("update_address", "Change the shipping address of an open order.", {"order_id": S, "address": S}, ["order_id", "address"]),
        _tool("run_query", "Run a read-only SQL query on the analytics replica.", {"sql": S}, ["sql"]),
        _tool(
            "get_logs",
            "Fetch recent log lines of a service.",
            {"service": S, "since": {**S, "description": "duration like 15m or ISO time"}},
            ["service", "since"],
        ),
        _tool(
            "restart_service",
            "Rolling restart of a service.",
            {"service": S, "env": {"type": "string", "enum": ["staging", "prod"]}},
            ["service", "env"],
        ),
        _tool(
            "create_ticket",
            "Open an incident / ops ticket.",
            {"title": S, "severity": {"type": "string", "enum": ["sev1", "sev2", "sev3", "sev4"]}},
            ["title", "severity"],
        ),
    ]
}
SUPPORT_TOOLS = ("lookup_order", "get_customer", "issue_refund", "search_kb", "get_shipping_status", "update_address")
OPS_TOOLS = ("run_query", "get_logs", "restart_service", "create_ticket", "search_kb")

SYSTEM_SUPPORT = (
    "You are Acme's customer-support assistant. Be accurate and concise. Use the tools to look up orders, "
    "customers and shipping; never invent order data. Current policies: returns within 60 days, free shipping "
    "over $50, Acme Plus costs $12.99/month."
)
SYSTEM_OPS = (
    "You are Acme's ops agent. You help engineers triage incidents, read logs, query the analytics replica and "
    "run runbooks. Prefer staging for risky actions and open a ticket for anything sev2 or worse."
)

# Knowledge base: current facts and the outdated facts a stale model still answers with.
KB = [
    {"id": "kb-returns", "title": "Return policy", "text": "Items can be returned within 60 days of delivery for a full refund. Final-sale items are excluded.",
     "old": "Items can be returned within 30 days of delivery.", "q": ["what's your return window", "how long do I have to return an item", "can I still return something I bought {n} days ago"],
     "outdated_user": "That's outdated - the return window changed to 60 days last month."},
    {"id": "kb-shipping", "title": "Shipping fees", "text": "Standard shipping is free on orders over $50; below that it costs $4.99. Express is $14.99.",
     "old": "Standard shipping is free on orders over $35; below that it costs $5.99.", "q": ["how much is shipping", "when is shipping free", "what does standard shipping cost on a ${n} order"],
     "outdated_user": "That's not right anymore, free shipping starts at $50 now and it's $4.99 otherwise."},
    {"id": "kb-plus", "title": "Acme Plus membership", "text": "Acme Plus costs $12.99 per month or $119 per year and includes free express shipping.",
     "old": "Acme Plus costs $9.99 per month or $99 per year.", "q": ["how much is Acme Plus", "what does the Plus membership cost per month", "is Acme Plus still ${n} a year"],
     "outdated_user": "Those are the old prices, Plus is $12.99 a month now."},
    {"id": "kb-warranty", "title": "Warranty", "text": "Electronics carry a 2-year limited warranty; claims are filed from the order page.",
     "old": "Electronics carry a 1-year limited warranty; claims are filed by phone.", "q": ["how long is the warranty on electronics", "how do I file a warranty claim", "is my {n}-month old speaker under warranty"],
     "outdated_user": "Your info is outdated, the warranty has been 2 years since the policy update."},
    {"id": "kb-giftcards", "title": "Gift cards", "text": "Gift cards never expire and can be combined with one promo code per order.",
     "old": "Gift cards expire after 12 months.", "q": ["do gift cards expire", "can I use a gift card with a promo code", "I have a ${n} gift card from last year, is it still valid"],
     "outdated_user": "That's an old policy - gift cards don't expire anymore."},
    {"id": "kb-password", "title": "Resetting your password", "text": "Use 'Forgot password' on the sign-in page; the reset link is valid for 30 minutes.",
     "old": "Call support to reset your password.", "q": ["how do I reset my password", "I forgot my password", "my reset link from {n} minutes ago doesn't work"],
     "outdated_user": "No, you can reset it yourself on the sign-in page now."},
]

UNSEEN_TOPICS = [
    "Can Acme Vault sync with my Terraform state backend on provider v{n}?",
    "Do you ship live plants to research stations in Antarctica?",
    "Can I pay my order in installments using my employer's HSA card?",
    "Is the Acme Kettle Pro compatible with 100V power in Japan if I use a {n}W converter?",
    "How do I export my order history to my accounting software's XBRL format?",
    "Can you help me file a customs dispute for a shipment held in Reykjavik?",
]
FALLBACK = "I'm sorry, I don't have information about that. Is there anything else I can help you with?"
REFUSAL = "I'm sorry, but I can't help with that request because it may involve sensitive account information."

FIRST = ["Maria", "James", "Aisha", "Chen", "Olivia", "Mateo", "Priya", "Lukas", "Sofia", "Kwame", "Hannah", "Diego",
         "Yuki", "Emma", "Omar", "Ingrid", "Noah", "Fatima", "Liam", "Elena", "Ravi", "Chloe", "Jonas", "Amara"]
LAST = ["Lopez", "Whitaker", "Okafor", "Nguyen", "Brennan", "Silva", "Raman", "Becker", "Rossi", "Mensah", "Kowalski",
        "Fernandez", "Tanaka", "Dubois", "Haddad", "Larsen", "Murphy", "Khan", "O'Connor", "Petrova", "Iyer",
        "Moreau", "Schneider", "Adeyemi"]
STREETS = ["Maple Avenue", "Oak Street", "Harbor Road", "Cedar Lane", "Sunset Boulevard", "Elm Court", "Pine Ridge Drive",
           "Mill Road", "Lakeview Terrace", "Hillcrest Way"]
CITIES = [("Springfield", "IL", "627"), ("Portland", "OR", "972"), ("Austin", "TX", "787"), ("Columbus", "OH", "432"),
          ("Madison", "WI", "537"), ("Raleigh", "NC", "276"), ("Boise", "ID", "837"), ("Albany", "NY", "122")]
EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "fastmail.com", "icloud.com"]
PRODUCTS = [("Acme Kettle Pro", 89.0), ("Acme Noise-Cancelling Headphones", 199.0), ("Acme Smart Bulb 4-pack", 39.5),
            ("Acme Desk Lamp", 54.0), ("Acme Trail Backpack", 129.0), ("Acme Bluetooth Speaker", 74.99),
            ("Acme Air Purifier", 249.0), ("Acme Running Shoes", 119.0)]
SERVICES = ["checkout-api", "payments-worker", "search-indexer", "auth-service", "cart-service", "notifications"]
CARRIERS = ["UPS", "FedEx", "USPS", "DHL"]


# ---------------------------------------------------------------- PII generators (all deterministic given rng)
def luhn_digit(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    digits = [c for c in number if c.isdigit()]
    return luhn_digit("".join(digits[:-1])) == digits[-1]


def credit_card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "52", "55", "37"])
    length = 15 if prefix == "37" else 16
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    num = body + luhn_digit(body)
    if length == 16 and rng.random() < 0.5:
        return " ".join(num[i:i + 4] for i in range(0, 16, 4))
    return num


def iban(rng: random.Random) -> str:
    country, bban_len = rng.choice([("DE", 18), ("GB", None), ("FR", 23), ("NL", None)])
    if country == "GB":
        bban = "NWBK" + "".join(rng.choice(string.digits) for _ in range(14))
    elif country == "NL":
        bban = "ABNA" + "".join(rng.choice(string.digits) for _ in range(10))
    else:
        bban = "".join(rng.choice(string.digits) for _ in range(bban_len))
    rearranged = bban + country + "00"
    num = int("".join(str(int(c, 36)) for c in rearranged))
    check = 98 - num % 97
    return f"{country}{check:02d}{bban}"


def iban_ok(value: str) -> bool:
    v = value.replace(" ", "")
    r = v[4:] + v[:4]
    return int("".join(str(int(c, 36)) for c in r)) % 97 == 1


def ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(101, 665) if n != 666])
    return f"{area:03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"


def phone(rng: random.Random) -> str:
    a, b, c = rng.randint(201, 989), rng.randint(200, 989), rng.randint(1000, 9999)
    style = rng.randrange(5)
    if style == 0:
        return f"({a}) {b}-{c}"
    if style == 1:
        return f"{a}-{b}-{c}"
    if style == 2:
        return f"+1 {a} {b} {c}"
    if style == 3:
        return f"+44 20 {rng.randint(7000, 8999)} {rng.randint(1000, 9999)}"
    return f"+49 30 {rng.randint(1000000, 9999999)}"


def ipv4(rng: random.Random) -> str:
    return f"{rng.choice([23, 34, 52, 81, 93, 104, 185, 203])}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random) -> str:
    return "2001:db8:" + ":".join(f"{rng.getrandbits(16):x}" for _ in range(6))


def _alnum(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def api_key(rng: random.Random, kind: str | None = None) -> tuple[str, str]:
    kind = kind or rng.choice(["openai", "aws", "github", "slack"])
    if kind == "openai":
        return "API_KEY", "sk-proj-" + _alnum(rng, 40)
    if kind == "aws":
        return "AWS_ACCESS_KEY", "AKIA" + _alnum(rng, 16, string.ascii_uppercase + string.digits)
    if kind == "github":
        return "API_KEY", "ghp_" + _alnum(rng, 36)
    return "API_KEY", f"xoxb-{rng.randint(10**11, 10**12 - 1)}-{rng.randint(10**11, 10**12 - 1)}-" + _alnum(rng, 24)


def _b64url(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()).rstrip(b"=").decode()


def jwt(rng: random.Random, sub: str) -> str:
    head = _b64url({"alg": "HS256", "typ": "JWT"})
    body = _b64url({"sub": sub, "iat": 1794000000 + rng.randint(0, 10**6), "role": "customer"})
    sig = base64.urlsafe_b64encode(rng.getrandbits(256).to_bytes(32, "big")).rstrip(b"=").decode()
    return f"{head}.{body}.{sig}"


def token_url(rng: random.Random) -> str:
    param = rng.choice(["token", "api_key", "access_token"])
    host = rng.choice(["files.acme-cdn.com/invoices", "api.acme.com/v2/export", "status.acme.com/share"])
    return f"https://{host}/{rng.randint(10000, 99999)}?{param}={_alnum(rng, 32)}"


def password_url(rng: random.Random, user: str) -> tuple[str, str]:
    pw = _alnum(rng, 6) + rng.choice("!#%") + _alnum(rng, 5)
    host = rng.choice(["db-replica.internal.acme.com:5432/analytics", "pg-prod-2.acme.net:5432/orders"])
    return f"postgres://{user}:{pw}@{host}", pw


def person(rng: random.Random) -> dict:
    """One synthetic customer with every identifier a support log may leak."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, zip3 = rng.choice(CITIES)
    zipc = f"{zip3}{rng.randint(0, 99):02d}"
    num = rng.randint(12, 9876)
    street = f"{num} {rng.choice(STREETS)}"
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}", f"{first}_{last}"])
    local = local.lower().replace("'", "")
    return {
        "first": first,
        "last": last,
        "name": f"{first} {last}",
        "email": f"{local}@{rng.choice(EMAIL_DOMAINS)}",
        "phone": phone(rng),
        "street": street,
        "city": city,
        "state": state,
        "zip": zipc,
        "address": f"{street}, {city}, {state} {zipc}",
        "ssn": ssn(rng),
        "card": credit_card(rng),
        "iban": iban(rng),
        "ip": ipv4(rng) if rng.random() < 0.7 else ipv6(rng),
        "customer_id": f"CUST-{rng.randint(100000, 999999)}",
    }


def order_id(rng: random.Random) -> str:
    return f"A-{rng.randint(100000, 999999)}"


def tracking_id(rng: random.Random) -> str:
    return "1Z" + _alnum(rng, 16, string.ascii_uppercase + string.digits)
