"""The word lists around place names (general knowledge, no data package): the connectors inside a name, the
calendar, role, brand and technology words a place name may also be, the words before / after a place that make
it an organisation or a person, the place cues (prepositions, directions, motion verbs), US / CA region codes,
and the places whose lower-case name is an everyday noun; plus the token and gap patterns of a place name.
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"[^\W\d_]+(?:['’](?![sS]\b)[^\W\d_]+)*")
GAP_OK = re.compile(r"(?:[ \t]{1,2}|[ \t]?[\-‐–][ \t]?|\.[ \t]?|['’])")
CONNECTORS = frozenset("""of the de la del der den des di da do dos das du le les los las upon on en sur am an
and y e i et im in al el bei ob unter ad""".split())
MONTHS_DAYS = frozenset("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue
tues wed thu thur thurs fri sat sun""".split())
ROLES = frozenset("""user assistant agent system tool bot human customer admin support""".split())
# product / vendor / technology names that are also the name of a place in the gazetteer (general knowledge)
BRANDS = frozenset("""batman google apple microsoft meta facebook twitter instagram youtube linkedin amazon java
python toyota hitachi nokia fuji santander mazda bosch jaguar mercedes
dodge chevrolet cadillac tesla subaru kia suzuki sony sharp canon nikon casio ricoh toshiba panasonic
samsung lenovo dell cisco oracle salesforce adobe alexa siri cortana chrome safari opera firefox edge
windows android linux ubuntu debian fedora redhat arch mint gentoo docker kubernetes rust ruby perl julia scala
kotlin dart swift go lua elixir erlang haskell unity unreal django flask rails spring react angular vue node deno
bun jupyter pandas numpy excel word outlook teams slack zoom discord telegram signal whatsapp viber tiktok uber
lyft airbnb netflix spotify hulu disney marvel nintendo sega atari corona heineken budweiser fanta sprite mars
bounty twix snickers kitkat nestle danone evian vittel perrier visa maestro discover diners
""".split())
# a capitalised word right after a place that makes it an organisation / product name
ORG_NEXT = frozenset("""university college institute school academy bank banks times post tribune herald
journal chronicle gazette airlines airline airways air dynamics instruments motors tech technologies technology inc
incorporated corp corporation co company ltd llc plc gmbh group fc united city's rangers athletic athletics
giants jets knicks lakers bulls celtics yankees mets dodgers cowboys packers patriots raiders steelers broncos
seahawks capitals warriors rockets spurs suns heat magic nets kings clippers pistons hawks hornets pelicans
grizzlies nuggets timberwolves thunder blazers jazz pacers cavaliers bucks raptors wizards symphony philharmonic
orchestra opera ballet energy electric power insurance partners capital ventures holdings labs studios records
pictures press review police""".split())
ORG_PREV = frozenset("""university college institute bank""".split())
PERSON_PREV = frozenset("""mr mrs ms miss dr prof sir dame lady lord saint st""".split()) - {"saint", "st"}
CUE_PREV = frozenset("""in from near at visit visiting visited visits outside around across via toward towards into
throughout nearby within based located born living lives live moved headquartered""".split())
CUE_DIRECTION = frozenset("""north south east west northern southern eastern western central downtown
northeast northwest southeast southwest greater rural suburban coastal inner""".split())
MOTION = frozenset("""move moved moving moves relocate relocated relocating fly flew flying flight flights travel
travelled traveled travelling traveling trip trips go goes going went gone drive drove driving ship shipped
shipping ships deliver delivered delivering return returned returning came come coming back way welcome route
train trains bus road head headed heading transferred transfer commute commuting emigrated immigrated""".split())
# two-letter state / province codes for "City, ST"
US_CA = frozenset("""AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM
NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR AB BC MB NB NL NS NT NU ON PE QC SK YT""".split())
# countries / regions whose lower-case name is an everyday noun (general knowledge): "turkey", "china", "jersey"
COMMON_NOUN_PLACES = frozenset("""turkey china chile guinea jersey guernsey panama morocco japan java wales man chad
jordan georgia niger india bermuda champagne burgundy cognac bordeaux madeira victoria lapland cayenne sherry
phoenix mecca lima havana
""".split())


TECH = frozenset("""linux unix ubuntu debian kubernetes docker python javascript typescript golang java rust
github gitlab vscode vim emacs jupyter pytorch tensorflow numpy pandas django flask nodejs npm wasm webassembly
postgres postgresql mysql sqlite mongodb redis kafka spark hadoop azure aws gcp openai chatgpt gpt llm llama
huggingface transformers bert android ios macos windows excel powershell bash zsh unicode ascii json yaml xml html
css markdown latex wordpress shopify chromium firefox blockchain ethereum bitcoin solana minecraft roblox fortnite
""".split())
