"""The grammar of APA-like author-year citations in Dutch and English: patterns and word lists.

Surnames may carry particles ("van den Broek", "Van der Kolk", "in 't Hout", "aan het Rot"),
hyphens ("Keulen-de Vos", a stray space as in "Roemen- van Haaren"), accents and apostrophes
("Leirvåg", "O'Brien"), initials ("J. A. Spaans"), or be an organisation ("National Research
Council", "World Health Organization [WHO]"). Whitespace between words may hold line breaks.
"""

from __future__ import annotations

import regex

# Particles that start or sit inside a surname. A preposition that can also be one ("in", "op",
# "uit") counts only before an article ("in 't Hout", "op de Beek"), never on its own.
_PARTICLE = r"""(?=[AaIiOoUuBbVvTtDdLlEeZzS'’])(?:
    (?:[Aa]an|[Ii]n|[Oo]p|[Uu]it|[Bb]ij|[Vv]oor|[Oo]ver|[Tt]ot|[Oo]nder)\s+(?:de|den|der|het|['’]t)
  | (?:[Vv]an|[Vv]on|[Vv]om|[Dd]e|[Dd]en|[Dd]er|[Dd]es|[Dd]u|[Dd]a|[Dd]i|[Dd]el|[Dd]ella|[Dd]os|[Dd]as|[Dd]o
     |[Tt]e|[Tt]en|[Tt]er|[Ll]a|[Ll]e|[Ll]es|[Ee]l|[Aa]l|[Zz]u|[Zz]um|[Zz]ur|[Aa]f|[Aa]v|St\.|['’]t|['’]s)
)(?![\p{L}\p{M}])"""

# Lower-case words that join the words of an organisation's name ("Department of Health").
# "voor de" is a particle, never the connector "voor" and a particle: a name is read in one way only.
_CONNECTOR = r"(?:of|for|on|the|voor(?!\s+(?:de|den|der|het|['’]t)(?![\p{L}\p{M}]))|für|und\s+für)(?![\p{L}\p{M}])"

# A capitalised name word: "Leirvåg", "O'Brien", "d'Ancona", "Werner-Seidler", "Keulen-de", "IntHout",
# and a word hyphenated at a line end in PDF text ("Busschbach" printed as "Bussch-" and "bach").
# Atomic: a word is read to its end, once ("Bussch-" and "bach" is one word, not a word, a hyphen and a word).
_CAPWORD = r"""(?>(?:[dDlL]['’])?\p{Lu}(?:[\p{L}\p{M}]|['’](?=\p{L}))*
    (?:-(?:[ \t]*\r?\n\s*)?(?:[\p{L}\p{M}]|['’](?=\p{L}))+)*)"""

_INITIALS = r"(?:\p{Lu}\p{Ll}?\.[\s\-]*+){1,4}"

# A name word. A capitalised particle ("Van", "De") before another word of the name is a particle
# only, never a name word too: "Van Dam" is read in one way, and "Le Van" still ends in a name word.
_NAME_WORD = rf"""(?!{_PARTICLE}\s+(?:\p{{Lu}}(?!\p{{Ll}}?\.)|[dDlL]['’]\p{{Lu}}|(?:{_PARTICLE}|{_CONNECTOR})\s))
    {_CAPWORD}"""

# Every whitespace run is read whole (possessive) where what follows cannot start with whitespace,
# and no two branches match the same text: the name is matched in one way, in linear time.
_SURNAME = rf"""(?:{_PARTICLE}\s++)*{_NAME_WORD}
    (?:(?:\s++(?:-\s*+)?|-\s++)(?:(?:{_PARTICLE}|{_CONNECTOR})\s++)*{_NAME_WORD})*
    (?:\s*+\[[^\]\n]{{1,40}}\])?"""

# "ea" without its full stops is a common Dutch slip for "e.a."; no surname is written in lower case.
_ETAL = r"""(?:et\.?\s*al(?:ii|ia)?\.?|e\.\s?a\.?|ea(?![\p{L}\p{M}.])|c\.\s?s\.?
    |and\s+colleagues|and\s+others|en\s+collega['’]s)(?![\p{L}\p{M}])"""

# ", ", ", & ", " & ", ", and ", " and ", " en ": each in one way only.
_SEPARATOR = r"""(?:\s*+(?:,\s*+(?:&\s*+|(?:and|en|und)\s++)?|&\s*+)|\s++(?:and|en|und)\s++)"""

# Initials after a surname, with or without a comma, as in a reference list: "(Jansen, M., 2008)",
# "(Jansen M., 2008)" tell two authors named Jansen apart; they are not a name of their own and
# stay out of the surname.
_TRAILING_INITIALS = (r"(?:(?:\s*+,\s*+|[ \t]++)(?P<trailing>\p{Lu}\p{Ll}?\."
                      r"(?:(?:[ \t]?-[ \t]?|[ \t]{1,2})?\p{Lu}\p{Ll}?\.){0,3})(?![\p{L}\p{M}]))")

AUTHORS = regex.compile(rf"""
    (?P<author>(?:{_INITIALS})?{_SURNAME}){_TRAILING_INITIALS}?
    (?:{_SEPARATOR}(?P<author>(?:{_INITIALS})?{_SURNAME}){_TRAILING_INITIALS}?){{0,40}}
    (?:\s*+,?\s*+(?P<etal>{_ETAL}))?
""", regex.VERBOSE)

# No date, or not yet published: n.d., z.d., Z.D., s.d., o.J., in press, ter perse, in druk.
_UNDATED = r"""(?:(?i:n\.\s?d|z\.\s?[dj]|s\.\s?d)\.?|o\.\s?J\.?
    |(?i:in\s+press|ter\s+perse|in\s+druk|forthcoming|in\s+voorbereiding|te\s+verschijnen))"""

# A year as printed: 2017, 2017a, 1890/1950, n.d., z.d., in press, ter perse.
_YEAR = rf"""(?:(?:1[6-9]\d\d|20\d\d)(?:\s*/\s*(?:1[6-9]\d\d|20\d\d))?[a-z]?
    |{_UNDATED}(?:-[a-z])?)(?![\p{{L}}\p{{M}}\d])"""

YEAR_TOKEN = regex.compile(rf"""
    (?P<year>(?:1[6-9]\d\d|20\d\d)(?:\s*/\s*(?:1[6-9]\d\d|20\d\d))?|{_UNDATED})
    -?(?P<suffix>[a-z])?""", regex.VERBOSE)

_YEARS = rf"(?P<y>{_YEAR})(?:(?:\s*,\s*|\s+(?:en|and|&)\s+)(?P<y>{_YEAR}|[a-z](?![\p{{L}}\p{{M}}\d])))*"

_MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
           "|january|february|march|may|june|july|august|october")

# A page or other locator after the year: "p. 12", "pp. 3-4", "blz. 12", ": 45".
LOCATOR = rf"""(?:\s*,\s*(?P<loc>(?i:pp?\.?|p\.\s?p\.|pag\.?|blz\.?|bl\.|ch\.|chap\.|chapter|hfst\.|hoofdstuk
    |para\.|par\.|§|sect?\.|section|fig\.|figure|figuur|table|tabel|tab\.|vol\.|deel|nr\.|no\.|slide|min\.)
    \s*[\dIVXLivxl][^;()]*?)
    |\s*,\s*(?P<loc>\d{{1,2}}\s+(?i:{_MONTHS})|(?i:{_MONTHS})\s+\d{{1,2}})
    |\s*:\s*(?P<loc>\d+(?:\s*[-–—]\s*\d+)?))"""

# Lower-case words after the year: "(see Smith, 2010, for a review)", "(Zwart, 1997, scholierenonderzoek 1996)".
_TAIL = r"(?:\s*,\s*(?P<tail>\p{Ll}[\p{L}\p{M}\d'’.\- ]{0,60}?))?"

# One ';'-part of a parenthesis: anything, then the year list, an optional locator and tail.
PART = regex.compile(rf"(?P<head>.*?)(?P<years>{_YEARS}){LOCATOR}?{_TAIL}\s*", regex.VERBOSE | regex.DOTALL)

# The content of "(2014)" in "Koch et al. (2014)".
YEARS_ONLY = regex.compile(rf"\s*(?P<years>{_YEARS}){LOCATOR}?\s*", regex.VERBOSE)

# A work cited by its title or an organisation by its name, with lower-case words: "Trimbos
# instituut", "Maak je sterk tegen armoede op school | Netwerk tegen Armoede"; checked by the caller.
TITLE_AUTHOR = regex.compile(r"""(?P<author>\p{Lu}[^\s\d,;()\[\]]*(?:\s+[^\s\d,;()\[\]]+){0,15}
    (?:\s*\[[^\]\n]{1,40}\])?)(?<![.:?!])(?P<etal>(?!))?""", regex.VERBOSE)

PARTICLE_START = rf"(?:{_PARTICLE}\s)"

# A first author's initials, before the surname ("M. Jansen") or after it and a comma ("Jansen, M.").
LEADING_INITIALS = regex.compile(_INITIALS)
TRAILING_INITIALS = regex.compile(_TRAILING_INITIALS)

# Where an author list can start: a capital, or a particle word.
NARRATIVE_START = regex.compile(rf"(?<![\p{{L}}\p{{M}}\d'’\-.])(?:(?=\p{{Lu}})|(?={_PARTICLE}\s))", regex.VERBOSE)

# ", as cited in" and its Dutch forms split a part into two citations.
CITED_IN = regex.compile(r",\s*(?=(?:as\s+)?cited\s+in\s|(?:zoals\s+)?geciteerd\s+in\s|aangehaald\s+in\s)")

# Signal words that may stand before a citation inside the parenthesis.
SIGNALS = frozenset(phrase.strip() for phrase in """
e.g.|e.g.,|e.g|eg|i.e.|cf.|cf|see|see also|see e.g.|see, e.g.,|for example|for example,|for instance|
for a review see|for a review, see|for reviews see|reviewed in|based on|adapted from|as cited in|cited in|
in|from|after|following|compare|but see|also|as in|according to|as described by|as described in|such as|
including|bijv.|bijv.,|bijvoorbeeld|bv.|bv|b.v.|zie|zie ook|zie bijv.|vgl.|vergelijk|o.a.|onder andere|
onder meer|zoals|zoals beschreven door|zoals beschreven in|gebaseerd op|naar|volgens|uit|geciteerd in|
aangehaald in|zoals geciteerd in|ontleend aan|bewerkt naar|vrij naar|voor een overzicht zie|
voor een overzicht, zie|bron|bron:|bronnen|bronnen:|source|source:|sources|sources:|
for a review|for reviews|for an overview""".replace("\n", "").split("|"))

# Lower-cased particle words, skipped when a name is checked against STOPWORDS.
PARTICLE_WORDS = frozenset("""van von vom de den der des du da di del della dos das do te ten ter la le les el al
zu zum zur af av st. 't ’t 's ’s""".split())
PREPOSITION_PARTICLES = frozenset("aan in op uit bij voor over tot onder".split())
ARTICLES = frozenset("de den der het 't ’t".split())

# Capitalised words that open sentences, months and the like: never a surname.
STOPWORDS = frozenset("""
a an and as at also although according after all another because before both but by during each
earlier either even every few for from further furthermore hence here however if in into it its
later like many meanwhile moreover most much neither no nor not of on once one only or other our
over recent recently several since so some such than that the their then there therefore these they
this those though thus to under unlike until we when where whereas which while who why with within
yet you your i my he she his her study studies research review trial table figure chapter section
appendix see note eg ie cf vs
de het een en dit deze die dat daar daarom daarnaast dan dus door eerder echter er hier hoewel hun
in is maar met na naar niet nog of ook op over recente recent sinds tevens toch tot uit uiteraard
volgens voor vooral wanneer want wat we wij zo zoals zowel zij ze zie bij als alle andere beide
bovendien eveneens evenals ik je jij u uw onderzoek studie tabel figuur hoofdstuk bijlage noot
bijvoorbeeld bijv bv vgl onder andere verder welke waarbij waarin waarvoor terwijl
january february march april may june july august september october november december
januari februari maart mei juni juli augustus oktober
monday tuesday wednesday thursday friday saturday sunday
maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
""".split())

# Words that never name an author or a work even inside a parenthesis before ", 2019", where the
# common words above may ("Few, 2013", "Long, 2010"): articles, prepositions and pronouns that
# open a phrase, and the names of parts of a text, months and days.
NEVER_NAMES = frozenset("""
a an the de het een in op bij voor naar van met uit over tot sinds na volgens zoals door om als
of and en or to for from with by on at as per since during after before
dit deze die dat this these that those it its he she we they wij zij hij ik je jij u
zie see cf vgl bijv bv eg ie ook also bron bronnen source sources
tabel table figuur figure fig hoofdstuk chapter hfst bijlage appendix noot note sectie section paragraaf
pagina page blz deel part versie version
january february march april may june july august september october november december
januari februari maart mei juni juli augustus oktober
monday tuesday wednesday thursday friday saturday sunday
maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
""".split())

# Where a name breaks into words: spaces and hyphens ("Keulen-de Vos" -> Keulen, de, Vos).
WORD_BREAK = regex.compile(r"[\s\-]+")
