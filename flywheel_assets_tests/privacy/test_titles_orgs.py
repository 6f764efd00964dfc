"""Job titles (detectors/titles.py) and organisation names by form (detectors/organisations.py).

Sentences below are written for these tests (no benchmark text); real-text precision is checked on the Open
Assistant conversations and the tau-bench retail demos of ``shared/realdata``.
"""

from __future__ import annotations


import pytest

from flywheel_assets.privacy.detectors.organisations import detect_organisations
from flywheel_assets.privacy.detectors.titles import detect_titles
from flywheel_assets_tests.privacy._helpers import oasst_texts


def _values(text: str, spans) -> list[str]:
    return [text[s.start:s.end] for s in spans]


@pytest.mark.parametrize("text, expected", [
    ("Please forward this to Senior Software Engineer Dana Whitlock.", "Senior Software Engineer"),
    ("She works as a registered nurse in Leeds.", "registered nurse"),
    ("Imani Brooks, senior data analyst at Initech, called twice.", "senior data analyst"),
    ("I am a cutting, punching, and press machine tender.", "cutting, punching, and press machine tender"),
    ("Maria is a dental assistant.", "dental assistant"),
    ("He was promoted to Director of Marketing and Sales last May.", "Director of Marketing and Sales"),
    ("Our lead engineer Thomas will call you back.", "lead engineer"),
    ("As a pediatric nurse, I often work nights.", "pediatric nurse"),
    ("I work as a truck driver.", "truck driver"),
    ("job title: Chief Technology Officer", "Chief Technology Officer"),
    ("My job title is Engineer, civil (contracting).", "Engineer, civil (contracting)"),
    ("Occupation: Teacher, secondary school", "Teacher, secondary school"),
    ("Raj is a software engineer (backend) at a bank.", "software engineer (backend)"),
    ("Contact Priya, the Head Librarian, for access.", "Head Librarian"),
    ("The report went to our Chief accountant yesterday.", "Chief accountant"),
])
def test_titles_found_in_person_and_title_contexts(text, expected):
    assert expected in _values(text, detect_titles(text))
    assert all(s.entity_type == "TITLE" and s.source == "job_title" for s in detect_titles(text))


@pytest.mark.parametrize("text", [
    "If it still fails, contact your system administrator.",
    "The operator is overloaded for this type.",
    "A support engineer will reply within one business day.",
    "As an AI assistant, I cannot browse the web.",
    "Install the device driver first, then reboot.",
    "The driver program crashed on startup.",
    "Use a package manager like apt or brew.",
    "Spawn a worker thread per request.",
    "Open Task Manager and end the process.",
    "Hello, the manager said yes.",
    "Nurses and teachers deserve better pay.",
    "I bought the Canister Vacuum Cleaner and a Tea Kettle.",
    "Why is it harder to find a job as a junior developer?",
    "John Baker and Anna Porter met at noon.",
    "Run the generated code in the Python interpreter.",
    "Online translator tools and a text editor are enough.",
])
def test_titles_not_taken_without_a_person_context(text):
    assert detect_titles(text) == []


@pytest.mark.parametrize("text, expected", [
    ("I joined Acme Robotics last year.", "Acme Robotics"),
    ("She works at Boston Dynamics.", "Boston Dynamics"),
    ("He is an associate at Smith, Jones and Brown.", "Smith, Jones and Brown"),
    ("a partner at Miller & Cohen LLP", "Miller & Cohen"),
    ("I work for DataNexus3 now.", "DataNexus3"),
    ("My brother works at IBM.", "IBM"),
    ("Zentrix is a startup in Berlin.", "Zentrix"),
    ("the invoice from acme corporation arrived", "acme corporation"),
    ("initech inc sent the contract", "initech inc"),
    ("She studied at the University of Toronto.", "University of Toronto"),
    ("Book it at Riverside Clinic.", "Riverside Clinic"),
    ("The letterhead read Whitaker, Gallagher and Moreno.", "Whitaker, Gallagher and Moreno"),
    ("Payment is due to Gallagher-Brandt by Friday.", "Gallagher-Brandt"),
])
def test_organisations_found_by_form_and_cue(text, expected):
    spans = detect_organisations(text)
    assert expected in _values(text, spans)
    assert all(s.entity_type == "ORGANIZATION" and s.source == "org_form" for s in spans)


@pytest.mark.parametrize("text", [
    "Operating Systems and Neural Networks are both on the syllabus.",
    "He works at Google and pushes to GitHub.",
    "It works for Windows and Linux.",
    "Python is a language; Kubernetes is an orchestrator.",
    "I pay with Visa and ship with UPS; data sits in PostgreSQL on AWS, prompts go to OpenAI.",
    "It is a big corporation with a somewhat limited catalogue.",
    "Social Media and AI Solutions are hot topics.",
    "Elevate Your Energy, Elevate Your Life",
    "Microsoft Research and Google Cloud Solutions published it.",
    "Summers are hot in June, July, and August.",
    "They speak French and English at home.",
    "Jean-Paul and Tom & Jerry were on TV.",
])
def test_organisations_ignore_subjects_products_and_public_tech(text):
    assert detect_organisations(text) == []


def test_outputs_are_sorted_disjoint_and_deterministic():
    text = ("Imani Brooks, senior data analyst at Acme Robotics, and Raj, a registered nurse at Riverside Clinic, "
            "met the partners of Miller & Cohen LLP.")
    for fn in (detect_titles, detect_organisations):
        a, b = fn(text), fn(text)
        assert a == b and a == sorted(a)
        assert all(x.end <= y.start for x, y in zip(a, a[1:]))
    assert detect_titles("") == [] and detect_organisations("") == []


def test_cascade_runs_both_detectors_by_default():
    from flywheel_assets.privacy.cascade import Cascade
    from flywheel_assets.privacy.config import PrivacyConfig

    cfg = PrivacyConfig(presidio_ner=False)
    assert cfg.job_titles and cfg.org_heads
    text = "Imani Brooks, senior data analyst at Acme Robotics, called."
    got = {(text[s.start:s.end], s.entity_type) for s in Cascade(cfg).scan(text)}
    assert ("senior data analyst", "TITLE") in got
    assert ("Acme Robotics", "ORGANIZATION") in got
    off = Cascade(PrivacyConfig(presidio_ner=False, job_titles=False, org_heads=False)).scan(text)
    assert not any(s.entity_type in ("TITLE", "ORGANIZATION") for s in off)



def test_few_false_positives_on_real_chat(realdata):
    """634 K chars of real English chat: a handful of spans (job titles in song lyrics and film plots, a few
    institution names), never a bot role, a product or a public tech name."""
    texts = oasst_texts(realdata)
    assert sum(len(t) for t in texts) > 500_000
    titles = [t[s.start:s.end] for t in texts for s in detect_titles(t)]
    orgs = [t[s.start:s.end] for t in texts for s in detect_organisations(t)]
    assert len(titles) <= 20, titles
    # named institutions (Kennedy Space Center, a museum in a travel plan) are real organisations, kept apart
    institutions = [v for v in orgs if v.split()[-1] in ("Center", "Centre", "Museum", "Library", "Gallery")
                    or v.startswith("Museum of")]
    assert len(orgs) - len(institutions) <= 10, orgs
    assert len(institutions) <= 10, institutions
    assert not any(v.casefold() in ("bench press", "little league", "help center") for v in orgs), orgs
    for v in titles:
        assert "assistant" not in v.casefold() or v.casefold().split()[0] in ("dental", "teaching")
    banned = {"github", "openai", "python", "kubernetes", "postgresql", "aws", "visa", "ups", "google", "microsoft"}
    assert not any(w.casefold() in banned for v in orgs for w in v.split())


def test_no_titles_or_orgs_in_retail_agent_demos(realdata):
    """tau-bench retail/airline demos are full of capitalised product names ("Vacuum Cleaner", "Office Chair")."""
    texts = [line for p in sorted((realdata / "tau_bench_demos").glob("*.jsonl"))
             for line in p.read_text(encoding="utf-8").splitlines()]
    assert texts
    assert [t[s.start:s.end] for t in texts for s in detect_titles(t)] == []
    assert [t[s.start:s.end] for t in texts for s in detect_organisations(t)] == []


# --- second wave: one organisation word in an employer / membership context ---------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("She works at Zentrix.", "Zentrix"),
    ("Works at Qorvix as a data analyst.", "Qorvix"),
    ("He joined Zentrix42 in 2019.", "Zentrix42"),                 # digit brand form
    ("A recruiter from Nexora called twice.", "Nexora"),
    ("Meet me at the Zentrix office.", "Zentrix"),
    ("Qorvix's headquarters moved.", "Qorvix"),
    ("Dana is from Zentrix, not from sales.", "Zentrix"),
    ("Velquor, a startup based in Oslo, hired me.", "Velquor"),
])
def test_one_word_organisation_in_employer_context(text, expected):
    assert expected in _values(text, detect_organisations(text))


@pytest.mark.parametrize("text", [
    "I joined the Discord server yesterday.",
    "This quote is from Hamlet.",
    "He is from Paris.",
    "It works for Windows and it works at Scale.",
    "Smith's office called back.",
    "Ask the Paris office.",
    "I work at Google as a contractor.",
    "She is a member of Congress.",
    "He joined LinkedIn and YouTube.",
    "My sister works for Sarah now.",
    "He joined Monday.",
])
def test_one_word_organisation_needs_a_non_word_non_place_non_product(text):
    assert detect_organisations(text) == []


@pytest.mark.parametrize("text, expected", [
    ("i studied at the university of toronto last year", ["university of toronto"]),
    ("the new york university campus", ["new york university"]),
    ("a loan from bank of scotland", ["bank of scotland"]),
    ("the university of life", []),
    ("a university of reading glasses", []),      # "reading" is a place only when capitalised after a cue
    ("she is at a nice university", []),
    ("a community college and my local hospital", []),
])
def test_lower_case_institution_named_after_a_place(text, expected):
    assert _values(text, detect_organisations(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("Tickets for Lincoln Center are sold out.", ["Lincoln Center"]),     # surname + institution head
    ("We toured the Chicago History Museum.", ["Chicago History Museum"]),  # place + institution head
    ("Visit the Help Center or open Control Center.", []),
    ("Do three sets of Bench Press, then join a Little League team.", []),
    ("The Security Council met the Premier League.", []),
])
def test_institution_heads_need_a_name_or_place(text, expected):
    assert _values(text, detect_organisations(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("i work at zentrix as a dev", ["zentrix"]),            # lower case after a person's employer cue
    ("she works for qorvix now.", ["qorvix"]),
    ("i joined zentrix42 last year", ["zentrix42"]),
    ("i work at home", []),
    ("he works at night", []),
    ("it works for pytest", []),                             # no person subject
    ("my wife works at walmart.", []),                       # public company / brand
    ("we work for tips", []),
])
def test_lower_case_employer_word(text, expected):
    assert _values(text, detect_organisations(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("Yesterday Zentrix announced a merger.", ["Zentrix"]),           # news verb after the name
    ("Qorvix has acquired a rival.", ["Qorvix"]),
    ("Nexora is headquartered in Oslo.", ["Nexora"]),
    ("She co-founded Nexora in 2015.", ["Nexora"]),                 # founder cue
    ("She is a data scientist at Zentrix.", ["Zentrix"]),           # role + at
    ("He is a former Velquor employee.", ["Velquor"]),
    ("The Nexora team at the expo was great.", ["Nexora"]),
    ("Zentrix (NASDAQ: ZTX) rose.", ["Zentrix"]),                   # ticker
    ("We signed with Acme, Inc. today.", ["Acme, Inc."]),           # comma before the legal suffix
    ("Fabbrica Rossi S.p.A. bought Nexora K.K. and Qorvix Pty Ltd.",
     ["Fabbrica Rossi S.p.A.", "Nexora K.K.", "Qorvix Pty Ltd."]),  # national suffix forms
    ("Qorvix's shareholders voted.", ["Qorvix"]),
    ("Zentrix is a leading provider of payroll software.", ["Zentrix"]),
    ("She worked at Zentrix, Qorvix and Nexora.", ["Zentrix", "Qorvix", "Nexora"]),  # list siblings
])
def test_more_organisation_cues(text, expected):
    assert _values(text, detect_organisations(text)) == expected


@pytest.mark.parametrize("text", [
    "John announced his plans.",                 # a given name, not a company
    "Microsoft announced a product; Apple (NASDAQ: AAPL) fell.",  # public vendors
    "He founded a company in 1998.",
    "The SRE team met; the QA team and the Python team agreed.",   # functions and products, not employers
    "The team announced it.",
    "Python is one of the most popular languages.",
    "I work at Zentrix and Paris, London and Berlin are lovely.",  # places are no list siblings
])
def test_more_organisation_cues_skip_people_products_and_functions(text):
    vals = _values(text, detect_organisations(text))
    banned = ("John", "Microsoft", "Apple", "SRE", "QA", "Python", "Paris", "London", "Berlin")
    assert not any(v in banned for v in vals)
    assert all(v == "Zentrix" for v in vals)
