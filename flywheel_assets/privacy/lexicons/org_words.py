"""Organisation vocabulary of :mod:`flywheel_assets.privacy.detectors.organisations`: head words (``Robotics``,
``Clinic``, ``University of``), the descriptive / subject words that are no company name, nationality and
calendar words, and the public technology / product names a context may wrongly call an employer. General
knowledge of how company names are built; nothing keyed to a benchmark value.
"""

from __future__ import annotations


# Organisation head words (capitalised, after the name). Legal suffixes are rules.org_suffix's.
HEADS = frozenset("""
Robotics Solutions Systems Technology Tech Labs Laboratories Lab Software Networks Media Studios Studio
Pharmaceuticals Pharma Therapeutics Biosciences Bioscience Biotech Biotechnology Genomics Diagnostics Unlimited
Incorporated Corporation Bank Bancorp Bancshares Insurance Assurance University College Academy Hospital Hospitals
Clinic Clinics Institute Agency Logistics Motors Airlines Airways Aviation Aerospace Energy Electric Electronics Foods
Brands Communications Telecom Telecommunications Healthcare Analytics Dynamics Interactive Entertainment Games
Publishing Publishers Records Pictures Films Productions Properties Realty Investments Financial Securities Advisors
Advisers Advisory Construction Builders Manufacturing Supplies Distribution Distributors Trading Imports Exports
Cooperative Automotive Chemicals Materials Mining Petroleum Utilities Shipping Freight Transport Transportation Hotels
Resorts Restaurants Bakery Brewery Brewing Winery Vineyards Farms Outfitters Apparel Boutique Stores Pharmacy Dental
Orthodontics Veterinary Marketing Designs Engineering Architects Accounting Innovations Concepts Creations Worldwide
Semiconductor Semiconductors Microsystems Instruments Devices Robotics Automation Computing Cybernetics Informatics
Consultancy Consultants Staffing Recruitment Realtors Mortgage Lending Credit Savings Trust Bankshares Capital
""".split()) | frozenset("""Association Society Council Club Church Museum Library Center Centre Authority Commission
Committee League Union Federation Fund Hotel Cafe Café Restaurant Pub Gallery Theatre Theater School
""".split())
# heads that also name a field or an activity ("Content Marketing", "Wind Energy", "Data Mining"): the name word
# before them must be a census surname or brand-like (CamelCase, digits)
WEAK_HEADS = frozenset("""
Marketing Engineering Accounting Computing Automation Manufacturing Construction Publishing Trading Shipping Lending
Mining Brewing Staffing Recruitment Energy Media Entertainment Games Designs Supplies Transport Transportation
Distribution Logistics Analytics Informatics Cybernetics Genomics Diagnostics Aviation Aerospace Healthcare
Telecommunications Communications Credit Savings Trust Capital Mortgage Interactive Software Technology Tech Computing
Semiconductor Semiconductors Devices Instruments Concepts Creations Innovations Solutions Systems Networks Electronics
Securities Investments Properties Materials Chemicals Utilities Freight Imports Exports Foods Brands Records Pictures
Films Productions Studio Studios
""".split()) | frozenset("""Association Society Council Club Church Museum Library Center Centre Authority Commission
Committee League Union Federation Fund Hotel Cafe Café Restaurant Pub Gallery Theatre Theater School
""".split())  # institutional heads: the name word must be a surname, brand-like or a place (Lincoln Center)
INSTITUTION_HEADS = frozenset("""Association Society Council Club Church Museum Library Center Centre Authority
Commission Committee League Union Federation Fund Hotel Cafe Café Restaurant Pub Gallery Theatre Theater School
""".split())
# "<Head> of <Name>": University of X, Bank of X
OF_HEADS = ("University", "Institute", "Bank", "College", "Academy", "Hospital", "Museum", "Society", "Ministry",
             "Department", "School", "Church", "Council", "Federation", "Association", "Conservatory")
# capitalised words that describe a subject / product line rather than name a company (heading words)
GENERIC = frozenset("""
operating distributed embedded information management control computer computers computing data neural social mass
public mental global national international local federal state central general united american european british
world new old big small large open free best top great good modern advanced smart digital online cloud mobile web
enterprise business financial legal medical health energy solar renewable clean real virtual artificial complex
dynamic linear nonlinear quantum classical physical chemical biological natural human animal file files storage
database security network networks wireless power electrical electronic mechanical software hardware video audio
music game games gaming media news entertainment creative interactive expert intelligent autonomous recommendation
recommender learning deep machine reinforcement multi multimedia communication communications transport banking
investment insurance life home auto car space defense defence government military police fire emergency school high
middle community private commercial retail wholesale industrial agricultural educational research science
scientific technical technology engineering design production manufacturing supply chain logistics marketing
advertising sales customer support service services product products quality safety environmental water food
fashion sports travel tourism hospitality property construction legacy core base basic standard custom unified
integrated automated scalable various other different multiple many several key main major minor first second third
last next previous early late recent current future past contemporary traditional classic primary secondary
elementary junior senior graduate office home-office undergraduate medicine nursing dental veterinary children
kids women men family
university college city county regional rural urban town village island mountain valley river lake ocean sea
north south east west northern southern eastern western upper lower grand royal imperial ancient medieval
information-technology it ai ml ar vr iot api saas paas iaas crm erp hr pr qa ux ui
embedded control robotic robotics autonomous cyber cybersecurity blockchain crypto fintech edtech biotech
simple easy quick fast slow cheap premium pro plus ultra mega super micro mini nano meta hyper
agile lean scrum devops platform platforms application applications app apps web-based internet
""".split())
EMPLOY_HINTS = ("work", "employ", "join", "hired", "job", "position", "role", "intern", "offer", "company")
# census surnames that are also nationality / language words ("Anglo-French", "English and French")
DEMONYMS = frozenset("""English French German Irish Welsh Dutch Scott Scotch Swiss Roman Greek Spanish Italian
Russian Polish Norman Saxon Dane Finn Swede Turk Moore Jew African American Indian British Britain""".split())
CALENDAR = frozenset("""january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday spring summer autumn winter""".split())
LOWER_STOP = frozenset("""big large small giant huge major multinational public private global international
national local government state federal municipal evil corrupt tech software shell holding parent nonprofit
non-profit profit american british chinese foreign new old same such one own""".split())
# subjects whose "is from X" names a source, not an employer ("this quote is from Hamlet")
SOURCE_SUBJECTS = frozenset("""it this that which these those what quote line song example text data image
picture photo code snippet email message letter""".split())
# venues one joins that are products, not employers ("joined Discord", "joined the Zoom call")
VENUE_NEXT = frozenset("""server servers channel channels call calls meeting meetings chat chats group groups
community communities subreddit forum forums waitlist beta discord network platform app account""".split())
# public technology / product words that a context may wrongly call an employer (general knowledge; extends the
# allow-list for this detector; the shared allow-list (data/allow_list.yaml) is consulted first)
TECH = frozenset("""javascript typescript pytorch tensorflow keras gitlab bitbucket postgresql postgres mysql sqlite
mongodb redis kafka spark hadoop airflow dagster duckdb polars youtube linkedin wordpress powerpoint onedrive
dropbox icloud macbook iphone ipad playstation xbox fastapi numpy scipy matplotlib sklearn huggingface hugging
face stackoverflow stack overflow wikipedia quora medium substack patreon twitch steam roblox minecraft fortnite
vscode intellij pycharm eclipse xcode unix macos ios ipados watchos tvos chromeos windows linux ubuntu debian
fedora centos kubernetes docker terraform ansible jenkins jira confluence notion trello asana figma canva
photoshop illustrator blender unity unreal godot openai chatgpt bard gemini claude copilot llama mistral
netflix spotify paypal stripe venmo shopify etsy ebay alibaba aliexpress walmart costco ikea starbucks mcdonalds
tesla spacex nasa fedex ups usps dhl uber lyft airbnb doordash grubhub instacart zillow yelp tinder bumble
whatsapp telegram signal wechat snapchat pinterest tiktok instagram facebook twitter reddit discord slack zoom
teams skype webex gmail outlook hotmail yahoo bing duckduckgo firefox chrome safari edge opera brave
excel word access sharepoint salesforce hubspot zendesk intercom twilio sendgrid mailchimp heroku vercel netlify
cloudflare digitalocean linode aws azure gcp ibm oracle sap cisco intel amd nvidia qualcomm arm apple google
microsoft amazon meta samsung sony lg huawei xiaomi lenovo dell hp asus acer nintendo sega valve epic
coursera udemy edx khan duolingo leetcode hackerrank kaggle codecademy freecodecamp""".split())
