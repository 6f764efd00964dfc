"""Address vocabulary: the letter classes and word shapes of street names, and the street-type, unit, region and
guard word lists of the address rules (:mod:`flywheel_assets.privacy.detectors.addresses`), with the word sets
derived from them. Written from the UPU address formats and national conventions; no data package.
"""

from __future__ import annotations

import re

# -- character classes -------------------------------------------------------------------------------------------
# upper-case letters of Latin-1, Latin Extended-A/B (Polish, Czech, Hungarian, Turkish, Romanian, Baltic) and Greek
_UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper()) + "Α-ΩΆΈΉΊΌΎΏ" + "А-ЯЁЄІЇЎҐ"
UP = "[" + _UPPER + "]"
LET = r"[^\W\d_]"
LOW = r"[^\W\d_" + _UPPER + r"]"  # a letter that is not upper case (RTX 3070 is no town)
# a capitalised word (hyphens / apostrophes inside: Karl-Marx-Allee, D'Azeglio) or an ordinal (5th, 42nd, 2e)
NAMEW = r"(?:" + UP + r"(?:" + LET + r"|['’\-](?=" + LET + r"))*\.?|\d{1,3}(?:st|nd|rd|th)\b)"
ANYW = r"(?:" + LET + r"(?:" + LET + r"|['’\-](?=" + LET + r"))*\.?|\d{1,3}(?:st|nd|rd|th)\b)"
# lower-case particles inside street names (de la, dos, della, van der, am, of the, y ...)
CONN = (r"(?:d['’]|(?:de(?:l|ls|i|s)?|du|da|do|dos|das|di|della|delle|dello|degli|dei|la|le|les|los|las|el|l['’]|"
        r"von|van|der|den|het|op|an|am|im|zum|zur|auf|of|the|y|e|i|et|al|alla|sul|sur|sous|en|na|nad|pod|u|"
        r"tou|tis|ton)\s+)")
NUM = r"\d{1,5}(?:[ \t]?[A-Za-z](?![\w]))?(?:[ \t]?[\-/][ \t]?\d{1,5}[A-Za-z]?)?(?:[ \t]?(?:bis|ter)\b)?"
HOUSE_NO = (r"(?:(?i:n[º°o]\.?|no\.?|nr\.?|núm\.?|num\.?|n\.|numero|número|#|д\.|дом)[ \t]*:?[ \t]*)?" + NUM)
NUM_END = r"(?![\w%€$£:]|[.,]\d|[ \t]*[%€$£]|[ \t]*(?i:kg|km|mb|gb|ms|px|min|h|pm|am)\b)"

MONTH_DAY = ("january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|"
              "apr|jun|jul|aug|sep|sept|oct|nov|dec|monday|tuesday|wednesday|thursday|friday|saturday|sunday")

# -- 1. number + name + (English) street suffix --------------------------------------------------------------------
STREET_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|square|sq|terrace|"
    r"terr|parkway|pkwy|circle|cir|highway|hwy|trail|trl|loop|alley|row|crescent|close|grove|gardens|hill|"
    r"park|walk|mews|plaza|expressway|freeway|turnpike|pike|crossing|path|ridge|run|view|point|heights|estate|"
    r"wharf|quay|green|rise|vale|manor|bend|cove|creek|glen|harbor|harbour|hollow|island|knoll|landing|meadow|"
    r"mill|pass|port|ranch|shore|springs|station|summit|valley|village|ville|vista|wood|woods|esplanade|"
    r"promenade|causeway|circus|broadway|corner|junction)"
)
# street words that are rarely anything else: a lower-case or name-less street, or a street without a number
STRONG_SUFFIX = frozenset("""street st avenue ave road rd boulevard blvd lane ln drive parkway pkwy highway hwy
terrace terr crescent expressway freeway turnpike""".split())
# words that make "<number> ... <suffix>" a quantity or a sentence, not a street
MEASURE = frozenset("""minute minutes min mins hour hours hr hrs day days week weeks month months year years yr
second seconds sec secs mile miles km kilometer kilometers kilometre kilometres meter meters metre metres m ft
foot feet yard yards blocks step steps lap laps mph kph percent times time points player players
people person persons man men car cars bus buses story storey stories floor floors bedroom
room rooms star stars bit bits page pages inch inches gb mb tb kb x""".split())
FUNCTION_WORDS = frozenset("""the a an and or but of to in on at by for with from into as is are was were be been it its
this that these those followed seem seems like than then so if not no yes we you they he she i my our your their
his her them us me can will would should could may might must do does did has have had per each every more most
less least about over under between after before during since until via also just only very""".split())
NOT_NAME_START = frozenset("""the a an this that these those my our your his her their its on in at one another
either which for while each every any some no both all what whatever whichever such same other draw use using
take taking make new old big small long short""".split())


# -- 2. street-type word + name + house number (Romance, Slavic, Romanian, Greek) ----------------------------------
# unambiguous in English text: the name after them may be lower case
PRE_TYPE_STRONG = (
    r"rue|avenue|boulevard|chemin|impasse|allée|quai|faubourg|calle|avenida|avda\.|paseo|carretera|ctra\.|"
    r"travesía|glorieta|callejón|rambla|rúa|rua|travessa|estrada|praça|praceta|alameda|rodovia|ladeira|viale|"
    r"piazza|piazzale|corso|vicolo|lungomare|lungotevere|contrada|ulica|ul\.|aleja|aleje|osiedle|os\.|plac|"
    r"strada|bulevardul|b-dul|calea|șoseaua|şoseaua|aleea|piața|splaiul|intrarea|odos|odós|leoforos|leof\.|"
    r"οδός|λεωφόρος|λεωφ\.|bulevar|ulitsa|ul\.|prospekt|náměstí|námestie|trg|"
    # Catalan; Greek abbreviations (Λεωφόρος, Οδός, Πλατεία); Russian / Ukrainian / Bulgarian (ул. Ленина 5)
    r"carrer|passeig|avinguda|plaça|travessera|λ\.|οδ\.|πλ\.|πλατεία|улица|ул\.|проспект|просп\.|пр-т|"
    r"переулок|пер\.|бульвар|бул\.|б-р|шоссе|площадь|пл\.|набережная|наб\.|вулиця|вул\.|проспект|пр\."
)
# ambiguous in English text (place, via, court, av.): the name after them must be capitalised
PRE_TYPE_WEAK = (
    r"place|pl\.|av\.|ave\.|bd|bld|blvd\.?|ch\.|imp\.|route|rte\.?|passage|cours|square|voie|sentier|cité|"
    r"résidence|plaza|pza\.|camino|ronda|pasaje|carrera|cra\.|diagonal|transversal|jirón|"
    r"c/|r\.|estr\.|largo|pç\.|(?<!et )al\.|rod\.|via|v\.le|p\.za|p\.le|c\.so|strada|borgo|salita|vico|"
    r"rondo|skwer|str\.|bd\.|sos\.|șos\.|şos\.|plateia|pr\.|cesta|(?-i:Tv\.|Lg\.|Trav\.|Pje\.|Psje\.|"
    r"Avda|Av|Rr\.|Rruga|Bul\.|Ul\.)|pje\.|psje\.|trav\.|rruga|sokak|vulytsia|vul\.|ulitsa"
)

CONN_WORDS = frozenset("""de del dels dei des du da do dos das di della delle dello degli la le les los las el von van
der den het op an am im zum zur auf of the y e i et al alla sul sur sous en na nad pod u""".split())
# weak street-type words that are everyday words in English: capitalised, or after a house number (12 place X)
CAP_TYPES = frozenset("""via route place square passage plaza camino carrera largo cours voie borgo strada diagonal
salita vico rondo skwer cesta plateia ronda pasaje transversal sentier""".split())
NUM_WORDS = frozenset(w.casefold() for w in ("Order|Version|Port|Page|Step|Error|Code|Item|Ticket|Issue|Line|Room|"
                                               "Build|Release|Total|Year|Id|Number|Invoice|Case|Chapter|Section|"
                                               "Table|Figure|Model|Status|Batch|Run|Epoch|Job|Task|Level|Price|"
                                               "Amount|Count|Request|Sku|Product|Part|Account|Tokens|Python|"
                                               "Java|Node|Ubuntu|Windows|Android|Ios|Gpt|Llama|Claude|Gemini|"
                                               "Docker|Api|Http|Https|Tls|Ssl|Usb|Bluetooth|Wifi|Phase|Season|"
                                               "Episode|Volume|Vol|Option|Round|Stage|Lesson|Unit|Week|Day|"
                                               "Tier|Plan|Rank|Grade|Class|Group|Team|Slide|Question").split("|"))


# -- 3. name + street word + house number (Germanic, Nordic, Hungarian, Baltic, Turkish, Czech) --------------------
# glued to the name (Hauptstraße, Prinsengracht, Drottninggatan, Mannerheimintie); needs >= 3 letters before it
GLUED = (r"stra(?:ss|ß)e|strasse|str\.|gasse|weg|allee|platz|damm|ufer|steig|pfad|markt|chaussee|straat|laan|"
         r"plein|plaats|"
         r"gracht|(?<!c)kade|dijk|singel|steeg|(?<!bri)(?<!rene)gade|vej|stræde|gatan|gata|gaten|vägen|väg|"
         r"veien|vegen|veg|gränd|torget|plassen|katu|kuja|polku|tori|kaari|rinne|aukio|väylä|raitti|plads|torv|"
         r"vænge|vænget|stræde|stien|løkka|stigen|platsen|stieg|twiete|zeile|graben|kamp|straatweg|burgwal|"
         r"ntie|stræti|vegur|stígur|braut|plass|bakke|stig|kaia|brygge|kaj|kaai|markt|steeg|hofje|"
         r"gässchen|stiege|zeile|lände|promenade(?=[ \t]*\d)")
# glued endings that also end English words: only in a capitalised name (Kirkegate 5, Kaiserring 3, Lindenhof 2)
GLUED_CAP = r"(?<![aiu])(?<!dele)gate|(?<![aeiouy])ring|hof|(?<=[a-zäö]{5})tie|backen|bakken|haven"
# separate words after a capitalised name (Andrássy út, Brīvības iela, Karl Johans gate, Atatürk Caddesi)
POST_TYPE = (r"straße|strasse|str\.|gasse|weg|allee|platz|damm|ufer|chaussee|straat|laan|plein|gracht|kade|"
             r"dijk|(?-i:(?<=s )gate)|gata|gatan|vej|gade|väg|vägen|veien|vegen|allé|plass|torg|katu|utca|u\.|"
             r"út|útja|tér|tere|körút|krt\.|köz|sétány|rakpart|fasor|náměstí|"
             r"nám\.|třída|tř\.|nábřeží|ulice|"
             r"ulica|námestie|"
             r"sokak|sokağı|sk\.|sok\.|cadde|caddesi|cd\.|cad\.|bulvarı|blv\.|mahallesi|mah\.|mh\.|iela|gatvė|g\.|"
             r"prospektas|pr\.|tänav|tn|maantee|mnt\.?|puiestee|pst\.|trg|cesta|ulitsa|odos|markt|singel|plass|"
             r"stræti|gränd|torget|torv|plads|bulvar|bulvarı|bulevar|bulevardi|sokağı|caddesi|bulv\.|prospekt|"
             r"shosse|naberezhnaya|pereulok|per\.|ploshchad|ulitsa|vulytsia|vul\.|"
             # Norwegian / Icelandic short forms, Basque (kalea = street, etorbidea = avenue, enparantza = square)
             r"vei|veg|vegur|kalea|etorbidea|enparantza|bidea|pasealekua")

# street words after a name that are no English word: the name before them may be lower case (typed quickly:
# "pernilles vei 115", "kossuth lajos utca 12")
POST_TYPE_STRONG = (r"straße|strasse|gasse|allee|chaussee|straat|gracht|utca|körút|iela|gatvė|tänav|maantee|"
                    r"puiestee|caddesi|cadde|sokak|sokağı|ulica|ulice|náměstí|třída|nábřeží|námestie|vej|veien|vegen|"
                    r"vei|gatan|gata|vägen|gade|kalea|etorbidea|enparantza|bidea|prospektas|vulytsia|ulitsa")
# words that make "<number> <type> <name> <number>" a sentence in lower case ("2 via email 3 times", "1 route to
# prod 2"): channels, tools, software, everyday nouns of chat
LOWER_NOT_NAME = frozenset("""email e-mail mail sms text phone call chat slack teams zoom api ssh http https ftp
post dm message messages link links app web website browser git github pip npm docker python cli terminal shell cron
webhook webhooks queue server servers client proxy vpn usb bluetooth wifi cable the this that it them which what
who how where when is are was be paypal venmo stripe zelle card cash cheque check wire bank transfer ups fedex dhl usps
courier train bus plane flight car ferry""".split())
NOT_LOCALITY = frozenset("""noon midnight tonight today tomorrow yesterday morning evening night afternoon week
weekend dinner lunch breakfast home work school office least most about around approximately roughly only just
exactly nearly almost over under up down back then now also number no gate gates terminal platform pier dock exit
track level zone area section hall lot bay stop stand booth table""".split())


NOT_LOC = (r"(?!(?i:" + "|".join(sorted(FUNCTION_WORDS | NOT_NAME_START | NOT_LOCALITY, key=lambda w: (-len(w), w)))
            + r")\b)")
# a locality / building word before a number-first street, after an address cue or at a line start ("sent to
# Eyrarodda 6 Mahler Street", "Rosemount 12 Elm Road")
STRONG_SUFFIX_ALT = "|".join(sorted(STRONG_SUFFIX, key=lambda w: (-len(w), w)))


TAIL_WORDS_NOT = frozenset("""upstairs downstairs left right next door floor entrance building lobby back front
side corner please done ok okay now later asap soon yet already too as well""".split())


# -- 4. units -------------------------------------------------------------------------------------------------------
UNIT_WORDS = (r"apt|apartment|appt|app\.|apto|appartement|suite|ste|unit|flat|floor|fl|room|rm|bldg|building|"
              r"wohnung|whg|dpto|depto|departamento|piso|étage|etage|lokal|p\.?\s?o\.?\s?box|postfach|apartado|"
              r"caixa postal|casella postale")
US_STATES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
             "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
             "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
             "North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|"
             "South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|"
             "District of Columbia|Puerto Rico")
US_STATE_CODES = (r"(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|"
                  r"S[CD]|T[NX]|UT|V[TA]|W[AVIY]|PR)")


NOT_PLACE = frozenset(("no number id code version release build port page step item order ticket invoice total "
                        "thanks please call regards best cheers hello hi dear phone tel fax mobile pin otp "
                        + MONTH_DAY.replace("|", " ")).split())
NUMBER_WORDS_ALT = ("order|version|port|page|step|error|code|item|ticket|issue|line|room|build|release|total|"
                     "year|id|no|number|invoice|case|chapter|section|table|figure|model|status|batch|run|epoch|job|"
                     "task|attempt|retry|level|price|amount|count|request|sku|product|part|account|tokens|steps|"
                     "python|version|season|episode|volume|vol|round|stage|phase|top|gate|terminal|platform")
# European country prefixes used before postcodes (CEPT): D-10115, F-75001, CH-8001, A-1010
CC = r"(?:D|F|A|B|E|I|L|P|S|N|H|CH|NL|DK|SE|NO|FI|FIN|PL|CZ|SK|HU|RO|BG|GR|LT|LV|EE|SI|HR|IS|AT|BE|DE|ES|FR|IT|LU|PT)"

NUMBER_WORDS = ("Order|Version|Port|Page|Step|Error|Code|Item|Ticket|Issue|Line|Room|Build|Release|Total|Year|Id|"
                 "No|Number|Invoice|Case|Chapter|Section|Table|Figure|Model|Status|Batch|Run|Epoch|Job|Task|"
                 "Attempt|Retry|Level|Floor|Price|Amount|Count|Request|Sku|Product|Part|Unit|Account|Tokens|Steps")
# unit designators inside a postal block (a line of their own, before or after the street: "Apt. 4", "Suite 200")
BLOCK_UNITS = (r"apt|apartment|appt|app|apto|suite|ste|unit|flat|floor|fl|room|rm|bldg|building|wohnung|whg|piso|"
                r"dpto|depto|lokal")
# empty fields of a form / table export, not words
EMPTY_FIELD = frozenset({"none", "null", "n/a"})


def _words_of(alternation: str) -> frozenset[str]:
    """The literal words of a street-type alternation (lookarounds and escapes dropped)."""
    plain = alternation.replace("(?-i:(?<=s )gate)", "gate").replace("stra(?:ss|ß)e", "strasse")
    plain = re.sub(r"\(\?[-<!=a-z]*:?[^)]*\)", "", plain)
    out = set()
    for w in plain.replace("\\", "").split("|"):
        if w.endswith(".?"):
            out.update((w[:-2].casefold(), w[:-1].casefold()))
        elif w:
            out.add(w.casefold())
    return frozenset(out)


PRE_WORDS = _words_of(PRE_TYPE_STRONG + "|" + PRE_TYPE_WEAK) | frozenset(
    "tv. lg. trav. pje. psje. avda av rr. rruga bul. ul.".split())  # the case-sensitive (?-i:...) ones
POST_WORDS = _words_of(POST_TYPE)
GLUED_ENDS = tuple(sorted(_words_of(GLUED + "|" + GLUED_CAP) | {"tie", "gate", "ring", "gade", "kade"}))
SUFFIX_WORDS = _words_of(STREET_SUFFIX[3:-1])
# street words written out (no abbreviation: "str" / "pl" are also code and counters)
STREET_WORDS = frozenset(w for w in PRE_WORDS | POST_WORDS | SUFFIX_WORDS if "." not in w and len(w) > 2)


POST_STRONG_WORDS = _words_of(POST_TYPE_STRONG)


CROSS_WORDS = frozenset("corner intersection junction crossroad crossroads esquina angle coin incrocio ecke".split())
