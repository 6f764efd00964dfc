"""Session builders: each returns one demo session as OpenAI-format messages plus its ground truth.

A session is a plain dict (see :func:`new_session`); writers render the same session into any log family, so the
ground truth does not depend on the format it ends up in. Every choice draws from the ``random.Random`` passed in.
"""

from __future__ import annotations

import json
import random
import string

from flywheel_assets.demo import catalog as C
from flywheel_assets.schema import to_json, tool_call

# (error_type, intended_intervention) planted by the builders below
ERROR_TYPES = {
    "json_format": "prompt",
    "outdated_knowledge": "rag",
    "unseen_topic": "sft",
    "verbose_sycophantic": "dpo",
    "wrong_tool": "sft_rl",
    "refusal": "prompt",
}


class Conv:
    """Accumulates messages and per-message timing/usage for one session."""

    def __init__(self, rng: random.Random, model: str):
        self.rng = rng
        self.model = model
        self.messages: list[dict] = []
        self.meta: list[dict] = []
        self.t = 0.0

    def _add(self, msg: dict, dt: float, **meta) -> dict:
        self.t += dt
        self.messages.append(msg)
        self.meta.append({"t": round(self.t, 3), **meta})
        return msg

    def system(self, text: str):
        self._add({"role": "system", "content": text}, 0.0)

    def user(self, text: str):
        self._add({"role": "user", "content": text}, self.rng.uniform(4, 45) if self.messages else 0.0)

    def assistant(self, text: str = "", calls: list[tuple[str, dict]] | None = None) -> list[str]:
        rng = self.rng
        latency = round(rng.uniform(350, 2400) + 8 * len(text) ** 0.8, 1)
        ids = []
        msg = {"role": "assistant", "content": text}
        if calls:
            tcs = []
            for name, args in calls:
                cid = "call_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))
                ids.append(cid)
                tcs.append(tool_call(cid, name, args))
            msg["tool_calls"] = tcs
        prompt_chars = sum(len(m.get("content") or "") for m in self.messages) + 600
        self._add(msg, latency / 1000.0, latency_ms=latency, prompt_tokens=prompt_chars // 4 + 20,
                  completion_tokens=max(1, len(text) // 4 + 12 * len(ids)))
        return ids

    def tool(self, call_id: str, name: str, result, error: bool = False):
        content = ("ERROR: " + result) if error else (result if isinstance(result, str) else to_json(result))
        self._add({"role": "tool", "tool_call_id": call_id, "name": name, "content": content},
                  self.rng.uniform(0.05, 1.5), error=error, duration_ms=round(self.rng.uniform(20, 900), 1))


def session_feedback(rng: random.Random, success: bool, strong: bool = False, edited: str | None = None) -> dict | None:
    """Feedback for an ordinary session; ``strong`` forces an explicit vote (planted failures are down-voted)."""
    if success:
        r = rng.random()
        if not strong and r < 0.30:
            return None
        thumbs = "up" if r < 0.85 or strong else "neutral"
        rating = rng.choice([4, 5, 5]) if thumbs == "up" else 3
    else:
        if not strong and rng.random() < 0.25:
            return None
        thumbs, rating = "down", rng.choice([1, 2, 2])
    fb = {"thumbs": thumbs, "rating": rating}
    if edited:
        fb["edited_response"] = edited
    return fb


def _greet(rng: random.Random, text: str) -> str:
    pre = rng.choice(["", "", "Hi, ", "Hello! ", "hey - ", "Good morning. ", "Quick question: "])
    post = rng.choice(["", "", "", " Thanks!", " thx", " Thank you in advance."])
    if pre and pre[-2] in ",-:" and text:
        text = text[0].lower() + text[1:] if not text[:2].isupper() else text
    return pre + text + post


def _money(x: float) -> str:
    return f"${x:,.2f}"


# ============================================================= support assistant
def rag_qa(rng, conv: Conv, p: dict, *, kb: dict, variant: str, gt: dict):
    """Retrieved-context Q&A. variant: ok | outdated | verbose | concise."""
    n = rng.choice([10, 25, 45, 70, 90, 120])
    q = rng.choice(kb["q"]).format(n=n)
    q = q[0].upper() + q[1:] + "?"
    docs = [kb] + rng.sample([k for k in C.KB if k is not kb], 1)
    ctx = "\n".join(f"[{d['id']}] {d['title']}: {d['old'] if variant == 'outdated' else d['text']}" for d in docs)
    if rng.random() < 0.5:
        conv.system(C.SYSTEM_SUPPORT + "\n\nRetrieved context:\n" + ctx)
        conv.user(_greet(rng, q))
    else:
        conv.system(C.SYSTEM_SUPPORT)
        conv.user(f"Context:\n{ctx}\n\nQuestion: {q}")
    gt["categories"].append("rag_qa")
    fact = kb["old"] if variant == "outdated" else kb["text"]
    if variant == "verbose":
        ans = (f"Great question, and thank you so much for reaching out to Acme! I completely understand how "
               f"important this is to you, and I'm absolutely delighted to help. {kb['text']} I hope this detailed "
               f"explanation is helpful! To summarize once more: {kb['text'].lower()} Please don't hesitate to reach "
               f"out again if you have any other questions at all - we truly value you as a customer and we're "
               f"always here for you!")
        conv.assistant(ans)
        return False, kb["text"]
    if variant == "concise":
        conv.assistant(kb["text"])
        return True, None
    if rng.random() < 0.3:
        ans = f"Here's what our policy says:\n- {fact}\n- Source: {kb['title']} ({kb['id']})"
    else:
        ans = fact
    conv.assistant(ans)
    if variant == "outdated":
        conv.user(kb["outdated_user"])
        conv.assistant("Apologies for the confusion. According to my information: " + kb["old"])
        return False, kb["text"]
    return True, None


def account_thread(rng, conv: Conv, p: dict, *, gt: dict, refusal: bool = False):
    """Multi-turn account/billing thread without tools; the customer's first name is referenced later."""
    conv.system(C.SYSTEM_SUPPORT)
    kind = "phone" if refusal else rng.choice(["phone", "double_charge", "email_change"])
    gt["intent_id"] = f"support.account.{kind}"
    if kind == "phone":
        conv.user(_greet(rng, f"I'm {p['name']} and I need to update the phone number on my account "
                               f"({p['email']}). The new one is {p['phone']}."))
        if refusal:
            conv.assistant(C.REFUSAL)
            conv.user("It's my own account, I just want to change my phone number.")
            conv.assistant(C.REFUSAL)
            return False, f"Sure {p['first']}! Go to Account > Profile > Phone, enter {p['phone']} and confirm the SMS code."
        conv.assistant(f"Thanks, {p['first']}! For security I'll send a confirmation code to {p['email']}. "
                       "Could you confirm the ZIP code on file?")
        conv.user(f"Sure, it's {p['zip']}. My address is {p['address']}.")
        conv.assistant(f"Thank you {p['first']}, the phone number on your account is now {p['phone']}.")
    elif kind == "double_charge":
        conv.user(_greet(rng, f"I was charged twice for the same order on my card {p['card']}. "
                               f"Can you fix this? This is {p['name']}."))
        conv.assistant(f"I'm sorry about that, {p['first']}. I can see two authorizations; one of them is a "
                       "temporary hold that drops off within 3-5 business days. Do you want me to open a billing "
                       "case anyway?")
        conv.user(rng.choice(["Yes please open a case.", "yes, open the case", "Please do. My phone is " + p["phone"]]))
        conv.assistant(f"Done, {p['first']} - billing case BC-{rng.randint(10000, 99999)} is open and you'll get "
                       "an email update within 2 business days.")
    else:
        conv.user(_greet(rng, f"Please change the email on my account from {p['email']} to "
                               f"{p['first'].lower()}.{p['last'].lower().replace(chr(39), '')}@work-mail.com"))
        conv.assistant(f"Happy to help, {p['first']}. Please confirm the last four digits of your SSN.")
        conv.user(f"It's {p['ssn'][-4:]} - actually my full SSN is {p['ssn']} if you need it.")
        conv.assistant(f"Thanks {p['first']}, only the last four were needed; please never share a full SSN in chat. "
                       "Your email has been updated.")
    gt["categories"].append("multi_turn")
    return True, None


def order_agent(rng, conv: Conv, p: dict, *, gt: dict, variant: str):
    """Support agent with tools. variant: status | refund | refund_fail | address | json_ok | json_bad |
    wrong_tool | tool_retry."""
    conv.system(C.SYSTEM_SUPPORT)
    oid = C.order_id(rng)
    trk = C.tracking_id(rng)
    product, price = rng.choice(C.PRODUCTS)
    qty = rng.choice([1, 1, 1, 2])
    total = round(price * qty, 2)
    order = {"order_id": oid, "status": "shipped", "items": [{"sku": f"SKU-{rng.randint(1000, 9999)}", "name": product,
             "qty": qty, "price": price}], "total": total, "tracking_id": trk, "customer_id": p["customer_id"],
             "ship_to": {"name": p["name"], "address": p["address"]}}
    customer = {"customer_id": p["customer_id"], "name": p["name"], "email": p["email"], "phone": p["phone"],
                "address": p["address"], "last_login_ip": p["ip"], "payout_iban": p["iban"], "tier": rng.choice(["basic", "plus"])}
    ship = {"tracking_id": trk, "carrier": rng.choice(C.CARRIERS), "status": "in transit",
            "eta": f"2026-11-{rng.randint(19, 28)}", "last_scan": f"{p['city']}, {p['state']}"}
    cats = gt["categories"]
    cats.append("agent")

    if variant in ("status", "tool_retry", "wrong_tool"):
        q = rng.choice([f"Where is my order {oid}?", f"Can you check the status of order {oid}? It's been a week.",
                        f"order {oid} hasn't arrived yet, what's going on", f"Any update on {oid}? I'm {p['name']}."])
        conv.user(_greet(rng, q))
        if variant == "wrong_tool":
            # planted capability gap: tracking query with the order id (wrong argument) and wrong tool choice
            [c1] = conv.assistant("", [("get_shipping_status", {"tracking_id": oid})])
            conv.tool(c1, "get_shipping_status", f"unknown tracking id {oid}", error=True)
            [c2] = conv.assistant("", [("search_kb", {"query": f"order {oid} status"})])
            conv.tool(c2, "search_kb", {"results": []})
            conv.assistant("I couldn't find any information about that order. Please contact the carrier directly.")
            return False, None
        if variant == "tool_retry":
            bad = oid.replace("-", "")
            [c0] = conv.assistant("", [("lookup_order", {"order_id": bad})])
            conv.tool(c0, "lookup_order", f"order {bad} not found (expected format A-123456)", error=True)
            cats.append("tool_error_recovered")
        if rng.random() < 0.5:
            c1, c2 = conv.assistant("", [("lookup_order", {"order_id": oid}), ("get_customer", {"email": p["email"]})])
            conv.tool(c1, "lookup_order", order)
            conv.tool(c2, "get_customer", customer)
            cats.append("parallel_calls")
        else:
            [c1] = conv.assistant("", [("lookup_order", {"order_id": oid})])
            conv.tool(c1, "lookup_order", order)
        [c3] = conv.assistant("", [("get_shipping_status", {"tracking_id": trk})])
        conv.tool(c3, "get_shipping_status", ship)
        cats.append("dependent_calls")
        conv.assistant(f"Hi {p['first']}, your order {oid} ({product}) shipped with {ship['carrier']} and is in "
                       f"transit - last scan in {ship['last_scan']}, expected delivery {ship['eta']}.")
        return True, None

    if variant in ("refund", "refund_fail"):
        q = rng.choice([f"My {product} arrived damaged. I want a refund for order {oid}. My email is {p['email']}.",
                        f"The {product} from order {oid} is broken, please refund me. Account email: {p['email']}",
                        f"refund please - {oid}, item was damaged in shipping. {p['name']}, {p['email']}, {p['phone']}",
                        f"I received a defective {product} (order {oid}). Can I get my money back? Email {p['email']}."])
        conv.user(_greet(rng, q))
        c1, c2 = conv.assistant("", [("get_customer", {"email": p["email"]}), ("lookup_order", {"order_id": oid})])
        conv.tool(c1, "get_customer", customer)
        conv.tool(c2, "lookup_order", order)
        cats += ["parallel_calls", "dependent_calls"]
        amount = total
        [c3] = conv.assistant("", [("issue_refund", {"order_id": oid, "amount": amount, "reason": "damaged_item"})])
        gt["cost_usd"] = amount
        if variant == "refund_fail":
            conv.tool(c3, "issue_refund", f"refund of {_money(amount)} exceeds agent limit; escalation required "
                                          f"(customer {p['customer_id']})", error=True)
            cats.append("partial_failure")
            gt["escalated"] = True
            return False, None  # session ends on the error
        conv.tool(c3, "issue_refund", {"refund_id": f"RF-{rng.randint(100000, 999999)}", "order_id": oid,
                                       "amount": amount, "currency": "USD", "status": "approved",
                                       "to_card": p["card"][-4:], "cost_to_acme_usd": amount})
        conv.assistant(f"I'm sorry about the damaged {product}, {p['first']}. I've issued a refund of "
                       f"{_money(amount)} to your card ending {p['card'][-4:]}; it should appear within 5 business days.")
        return True, None

    if variant == "address":
        new = C.person(rng)
        q = rng.choice([f"I moved - please ship order {oid} to {new['address']} instead. Email: {p['email']}",
                        f"Can you change the delivery address of {oid} to {new['address']}? I'm {p['name']}.",
                        f"wrong address on {oid}!! new one: {new['address']} (account {p['email']})"])
        conv.user(_greet(rng, q))
        [c1] = conv.assistant("", [("get_customer", {"email": p["email"]})])
        conv.tool(c1, "get_customer", customer)
        [c2] = conv.assistant("", [("update_address", {"order_id": oid, "address": new["address"]})])
        conv.tool(c2, "update_address", {"order_id": oid, "ship_to": {"name": p["name"], "address": new["address"]},
                                         "status": "updated"})
        cats.append("dependent_calls")
        conv.assistant(f"Done, {p['first']}! Order {oid} will now ship to {new['address']}.")
        gt["extra_pii"].append(("STREET_ADDRESS", new["address"]))
        return True, None

    # json_ok / json_bad: asked for JSON, broken JSON is the planted prompt-format error
    q = rng.choice([f"Give me a JSON summary of order {oid} with keys order_id, status and total. Only JSON please.",
                    f"Return order {oid} as JSON (order_id, status, total) - I'm pasting it into a script.",
                    f"I need the status of {oid} in JSON format: {{\"order_id\", \"status\", \"total\"}}"])
    conv.user(_greet(rng, q))
    [c1] = conv.assistant("", [("lookup_order", {"order_id": oid})])
    conv.tool(c1, "lookup_order", order)
    good = json.dumps({"order_id": oid, "status": "shipped", "total": total})
    if variant == "json_ok":
        conv.assistant(good)
        return True, None
    broken = rng.choice([good[:-1] + ",", good.replace('"status"', "status", 1), good[:-1] + ', "note": "shipped"',
                         "Sure! Here is the JSON:\n{order_id: " + oid + ", status: shipped, total: " + str(total) + ",}"])
    conv.assistant(broken)
    conv.user(rng.choice(["That's not valid JSON, my parser fails.", "this JSON is broken", "Invalid JSON again..."]))
    conv.assistant(broken)
    return False, good


def unseen(rng, conv: Conv, p: dict, *, gt: dict):
    conv.system(C.SYSTEM_SUPPORT)
    i = rng.randrange(len(C.UNSEEN_TOPICS))
    gt["intent_id"] = f"support.unseen.{i}"
    conv.user(_greet(rng, C.UNSEEN_TOPICS[i].format(n=rng.choice([3, 4, 5, 1500, 2000]))))
    conv.assistant(C.FALLBACK)
    if rng.random() < 0.5:
        conv.user("That doesn't help. Can you at least tell me who to ask?")
        conv.assistant(C.FALLBACK)
    return False, None


# ============================================================= ops agent
def ops_triage(rng, conv: Conv, p: dict, *, gt: dict, variant: str):
    """Incident triage with 2-6 tool calls. variant: triage | triage_fail | restart | wrong_args | query |
    refusal | creds."""
    conv.system(C.SYSTEM_OPS)
    svc = rng.choice(C.SERVICES)
    since = rng.choice(["15m", "30m", "1h", "2h"])
    cats = gt["categories"]
    jwt = C.jwt(rng, p["customer_id"])
    key_type, key = C.api_key(rng)
    turl = C.token_url(rng)
    logs = [f"2026-11-18T09:{rng.randint(10, 59)}:0{i}Z ERROR {svc} upstream timeout client={p['ip']} "
            f"user={p['email']}" for i in range(2)]
    logs.append(f"WARN {svc} retrying request Authorization: Bearer {jwt}")
    logs.append(f"INFO {svc} signed download url {turl}")
    gt["extra_pii"] += [("JWT", jwt), (key_type, key), ("URL_WITH_TOKEN", turl)]
    if rng.random() < 0.5:
        aws = C.api_key(rng, "aws")[1]
        logs.append(f"DEBUG {svc} env AWS_ACCESS_KEY_ID={aws}")
        gt["extra_pii"].append(("AWS_ACCESS_KEY", aws))
    errors = rng.randint(40, 900)
    if variant == "refusal":
        conv.user(_greet(rng, f"Show me the last {since} of logs for {svc}, I'm on call."))
        conv.assistant(rng.choice([C.REFUSAL, "I'm sorry, I can't access production logs for you."]))
        return False, None
    if variant == "query":
        conv.user(_greet(rng, rng.choice([
            "How many orders failed payment yesterday?", "count yesterday's failed payments please",
            f"How many payment failures did we have for {p['email']} this week?"])))
        sql = ("SELECT count(*) FROM payments WHERE status = 'failed' AND created_at >= current_date - 1"
               if "@" not in conv.messages[-1]["content"] else
               f"SELECT count(*) FROM payments p JOIN customers c USING (customer_id) WHERE c.email = '{p['email']}' "
               "AND p.status = 'failed'")
        [c1] = conv.assistant("", [("run_query", {"sql": sql})])
        if rng.random() < 0.35:
            url, pw = C.password_url(rng, "analytics")
            conv.tool(c1, "run_query", f"could not connect to {url}: timeout", error=True)
            gt["extra_pii"] += [("URL_WITH_PASSWORD", url), ("PASSWORD", pw)]
            [c1] = conv.assistant("", [("run_query", {"sql": sql})])
            cats.append("tool_error_recovered")
        conv.tool(c1, "run_query", {"columns": ["count"], "rows": [[errors]], "elapsed_ms": rng.randint(30, 900)})
        conv.assistant(f"There were {errors} failed payments.")
        return True, None
    if variant == "creds":
        url, pw = C.password_url(rng, "svc_" + svc.split("-")[0])
        conv.user(_greet(rng, f"{svc} can't reach the DB since the rotation. Connection string is {url} and the "
                               f"deploy key is {key}. Can you check?"))
        gt["extra_pii"] += [("URL_WITH_PASSWORD", url), ("PASSWORD", pw)]
        [c1] = conv.assistant("", [("get_logs", {"service": svc, "since": since})])
        conv.tool(c1, "get_logs", {"service": svc, "lines": logs + [f"ERROR {svc} password authentication failed for {url}"]})
        conv.assistant("The service is still using the old password. Update the secret in the vault and restart "
                       f"{svc}; please also rotate the key you pasted here, {p['first']}.")
        return True, None
    conv.user(_greet(rng, rng.choice([
        f"{svc} is throwing 500s since about {since} ago, can you look? - {p['first']}",
        f"We're seeing elevated errors on {svc}. Please triage.",
        f"pager went off for {svc} (5xx rate). what's happening?",
        f"Can you check why {svc} is failing? Customer {p['name']} ({p['email']}) reported it."])))
    [c1] = conv.assistant("", [("get_logs", {"service": svc, "since": since})])
    conv.tool(c1, "get_logs", {"service": svc, "since": since, "lines": logs})
    [c2] = conv.assistant("", [("run_query", {"sql": f"SELECT count(*) FROM request_log WHERE service = '{svc}' "
                                                     f"AND status >= 500 AND ts > now() - interval '{since}'"})])
    conv.tool(c2, "run_query", {"columns": ["count"], "rows": [[errors]]})
    cats.append("dependent_calls")
    env = "prod" if variant == "wrong_args" else "staging"
    if variant in ("restart", "wrong_args", "triage_fail") or rng.random() < 0.4:
        [c3] = conv.assistant("", [("restart_service", {"service": svc, "env": env})])
        if variant == "triage_fail":
            conv.tool(c3, "restart_service", f"rollout of {svc} in {env} failed: 2/3 pods CrashLoopBackOff", error=True)
            [c4] = conv.assistant("", [("create_ticket", {"title": f"{svc}: restart failed after {errors} 5xx", "severity": "sev1"})])
            conv.tool(c4, "create_ticket", f"ticketing API unavailable (503) token={key}", error=True)

            cats.append("partial_failure")
            return False, None
        conv.tool(c3, "restart_service", {"service": svc, "env": env, "status": "rolled", "pods": 3})
    sev = "sev2" if errors > 300 else "sev3"
    c4, c5 = conv.assistant("", [("create_ticket", {"title": f"{svc}: {errors} upstream timeouts in {since}", "severity": sev}),
                                 ("search_kb", {"query": f"runbook {svc} upstream timeout"})])
    conv.tool(c4, "create_ticket", {"ticket": f"OPS-{rng.randint(1000, 9999)}", "severity": sev, "escalated": sev == "sev2",
                                    "assignee": p["email"]})
    conv.tool(c5, "search_kb", {"results": [{"id": f"rb-{svc}", "title": f"{svc} runbook",
                                             "url": f"https://wiki.acme.internal/runbooks/{svc}"}]})
    cats.append("parallel_calls")
    gt["escalated"] = sev == "sev2"
    if variant == "wrong_args":
        conv.assistant(f"I restarted {svc} in prod and opened a {sev} ticket.")
        conv.user("You restarted PROD?! I asked you to triage, staging first per the runbook.")
        conv.assistant("Apologies, I restarted the production deployment.")
        return False, None
    conv.assistant(f"{svc} logged {errors} 5xx in the last {since}, all upstream timeouts. I "
                   + ("restarted it in staging, " if any(m.get("tool_calls") and m["tool_calls"][0]["function"]["name"] == "restart_service" for m in conv.messages) else "")
                   + f"opened a {sev} ticket and linked the runbook.")
    return True, None
