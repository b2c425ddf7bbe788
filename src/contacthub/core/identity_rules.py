"""The identity engine's pure rules: what a contact looks like to the matcher (its profile), the
blocking keys that find candidates through an index, and the Fellegi-Sunter style score of a
pair with the reasons for it. No database here; core/identity.py does the lookups.

Weights are log2 likelihood ratios, log2(m/u) for an agreement and log2((1-m)/(1-u)) for a
disagreement, rounded to the values below: m = how often the field agrees for the same person,
u = how often it agrees by chance for two different people. A missing field weighs nothing.
Fields that travel together (the parts of an address) are scored as one field with levels,
since adding them up as if independent would merge whole households.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz.distance import JaroWinkler, Levenshtein

from contacthub.core.normalize import SYLLABIC
from contacthub.core.views import ContactView

# Decisions, on the log2 scale of the weights below.
MERGE_AT = 10.0  # a match this strong, with evidence beyond the name, is the same person
REVIEW_AT = 6.0  # worth a human look (a name alone, however well it agrees, lands here)
# Names agree by chance more than their weights say for common names: a merge needs one of these too.
CORROBORATING = frozenset({"birth_date", "address", "email", "phone", "identifier", "employer", "organization_name"})

WEIGHTS: dict[str, dict[str, float]] = {
    "first_name": {"exact": 6.0, "nickname": 5.0, "similar": 4.5, "close": 1.5, "initial": 1.0, "differs": -5.0},
    "last_name": {"exact": 7.0, "similar": 5.0, "close": 1.5, "initial": 0.5, "differs": -6.0},
    "organization_name": {"exact": 10.0, "similar": 7.0, "close": 1.0, "differs": -6.0},
    "birth_date": {"exact": 10.0, "near": 3.5, "differs": -7.0},
    "email": {"exact": 15.0, "local_part": 3.0, "differs": -1.0},
    "phone": {"exact": 13.0, "differs": -1.0},
    "identifier": {"exact": 16.0, "differs": -12.0},
    "employer": {"exact": 2.0, "similar": 1.5, "differs": -0.5},
    "kind": {"differs": -30.0},
    "suffix": {"differs": -8.0, "one_side": -2.0},  # Sr. and Jr.: a generation apart; Jr. and none: maybe
}
# Address parts; the address weight is their sum for the best-agreeing pair of addresses.
ADDRESS_WEIGHTS: dict[str, dict[str, float]] = {
    "postcode": {"exact": 4.0, "near": 1.0, "differs": -2.0},
    "number": {"exact": 3.0, "differs": -2.5},
    "street": {"exact": 4.0, "similar": 3.0, "differs": -2.0},
    "line2": {"similar": 2.0, "differs": -1.0},
    "city": {"exact": 3.0, "similar": 2.0, "differs": -1.5},
    "region": {"exact": 0.5, "differs": -1.0},
}

# ---------------------------------------------------------------- names

_NICKNAME_GROUPS = [
    "robert bob bobby rob robbie bert", "william bill billy will willie liam", "richard rick ricky dick rich",
    "james jim jimmy jamie", "john jack johnny jon", "jonathan jon jonny", "elizabeth liz beth betty lizzie eliza betsy",
    "margaret maggie meg peggy marge madge", "katherine catherine kathryn kate katie kathy cathy kat",
    "michael mike mikey mick", "thomas tom tommy", "charles charlie chuck chas", "edward ed eddie ted ned",
    "joseph joe joey", "daniel dan danny", "david dave davey", "anthony tony", "christopher chris kit",
    "matthew matt", "andrew andy drew", "alexander alex alec sandy", "alexandra alex lexi sandra",
    "patricia pat patty trish", "patrick pat paddy", "samuel sam sammy", "samantha sam sammy",
    "benjamin ben benny", "nicholas nick nicky", "steven stephen steve", "jennifer jen jenny",
    "susan sue susie", "deborah debbie deb", "rebecca becky becca", "victoria vicky tori",
    "frederick fred freddie", "henry harry hank", "lawrence larry", "gregory greg", "jeffrey jeff",
    "timothy tim", "kenneth ken kenny", "donald don donny", "ronald ron ronnie", "gerald gerry jerry",
    "raymond ray", "peter pete", "douglas doug", "philip phillip phil", "walter walt", "albert al bert",
    "alfred alf al", "abigail abby", "jacqueline jackie", "dorothy dot dotty", "theodore ted theo",
    "zachary zach", "joshua josh", "nathaniel nathan nate", "isabelle isabella izzy bella",
    "madeline madeleine maddie", "virginia ginny", "christine christina chris tina", "eleanor ellen ellie nell",
    "josephine jo josie", "barbara barb babs", "judith judy", "pamela pam", "cynthia cindy",
    "melissa missy mel", "kimberly kim", "stephanie steph", "leonard leo len lenny", "vincent vince vinny",
]
_NICKNAMES: dict[str, set[str]] = {}
for _i, _group in enumerate(_NICKNAME_GROUPS):
    for _name in _group.split():
        _NICKNAMES.setdefault(_name, set()).add(_group.split()[0])


def name_forms(name: str) -> set[str]:
    """The name and the formal names it is short for: bob -> {bob, robert}."""
    return {name} | _NICKNAMES.get(name, set())


def same_by_nickname(a: str, b: str) -> bool:
    return bool(name_forms(a) & name_forms(b))


# Words around a name written on one line that are not the person's first or last name.
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"})
_AFTER_NAMES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"})


def names_in_line(display: str | None) -> tuple[str | None, str | None]:
    """The first and last name of a person known only by one line of name (PackageX's `name`,
    Bird's `displayName`): "Dr. Ada King Lovelace" -> ("Ada", "Lovelace"), so a household's
    "Peter Quill" and "Gamora Quill" clash on their first names as the same people typed in
    parts do. One word ("Madonna", a company kept as a person) or a "Last, First" line says
    too little to tell the parts apart: (None, None), as before it was read."""
    if not display or "," in display:
        return None, None
    words = [w for w in display.split() if fold(w) not in _TITLES]
    while words and fold(words[-1]) in _AFTER_NAMES:
        words.pop()
    if len(words) < 2:
        return None, None
    return words[0], words[-1]


def fold(text: str | None) -> str:
    """Lower case, accents off, letters and digits only: "O'Brien-Smith" -> "obriensmith". A
    name with no Latin letter (Мария, 王芳, Ελένη) keeps its own, folded the same way: made ASCII
    it was no name at all, and two people of one household sharing a phone merged unopposed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode().lower())
    if plain or not any(c.isalpha() for c in decomposed):
        return plain
    return "".join(c for c in decomposed.casefold() if c.isalnum() and not unicodedata.combining(c))


def fold_words(text: str | None) -> str:
    if not text:
        return ""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", plain).split())


_SOUNDEX = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"),
            "l": "4", **dict.fromkeys("mn", "5"), "r": "6"}


def soundex(name: str) -> str:
    """American Soundex of a folded name: robert -> r163."""
    letters = [c for c in name if c.isalpha()]
    if not letters:
        return ""
    code, last = letters[0], _SOUNDEX.get(letters[0], "")
    for c in letters[1:]:
        digit = _SOUNDEX.get(c, "")
        if digit and digit != last:
            code += digit
            if len(code) == 4:
                break
        if c not in "hw":
            last = digit
    return code.ljust(4, "0")


# ---------------------------------------------------------------- profiles

def _split_street(line1: str) -> tuple[str, str]:
    """"12b High Street" -> ("12", "high street")."""
    words = fold_words(line1).split()
    number = next((re.match(r"\d+", w).group() for w in words if re.match(r"\d+", w)), "")
    street = " ".join(w for w in words if not re.match(r"\d", w))
    return number, street


# Identifiers that many contacts hold alike, so they say nothing of who someone is: ChartMogul's
# data source, kept on each of its contacts (core/accounts.py files it under this key).
DATA_SOURCE_KEY = "data_source"
SHARED_IDENTIFIER_KEYS = frozenset({DATA_SOURCE_KEY})


def profile_of(view: ContactView) -> dict[str, Any]:
    """What the matcher keeps of a stored contact, JSON-ready."""
    return build_profile(
        kind=view.kind, first=view.first_name, middle=view.middle_name, last=view.last_name, nick=view.nickname,
        suffix=view.suffix, org=view.organization_name, display=view.display_name,
        birth=view.birth_date, emails=[p.normalized for p in view.emails], phones=[p.normalized for p in view.phones],
        ids=[(p.key, p.normalized) for p in view.identifiers],
        addresses=[(a.line1, a.line2, a.city, a.postal_code, a.region) for a in view.addresses],
        employer=view.employer,
    )


def build_profile(*, kind: str, first=None, middle=None, last=None, nick=None, org=None, birth: date | None = None,
                  emails=(), phones=(), ids=(), addresses=(), employer=None, suffix=None,
                  display=None) -> dict[str, Any]:
    """The matcher's view of a contact. `display` is the name it shows: an organization's or a
    group's name when it has no organization name, and a person's first and last names when
    it has neither (see names_in_line)."""
    kind = kind or "person"
    if kind != "person":
        org = org or display
    elif not first and not last:
        first, last = names_in_line(display)
    entries = []
    for line1, line2, city, postcode, region in addresses:
        number, street = _split_street(line1 or "")
        entry = {"number": number, "street": street, "line2": fold_words(line2), "city": fold_words(city),
                 "postcode": fold(postcode), "region": fold(region)}
        if any(entry.values()):
            entries.append(entry)
    return {
        "kind": kind,
        "first": fold(first),
        "middle": fold(middle),
        "last": fold(last),
        "nick": fold(nick),
        "generation": generation(suffix),
        "org": fold_words(org),
        "birth": birth.isoformat() if birth else "",
        "emails": sorted(set(emails)),
        "phones": sorted(set(phones)),
        "ids": sorted({f"{k}={v}" for k, v in ids if k not in SHARED_IDENTIFIER_KEYS}),
        "addresses": entries,
        "employer": fold_words(employer),
    }


_GENERATIONS = {"jr": "jr", "junior": "jr", "sr": "sr", "senior": "sr", "i": "i", "ii": "ii", "iii": "iii",
                "iv": "iv", "v": "v", "2nd": "ii", "3rd": "iii", "4th": "iv"}


def generation(suffix: str | None) -> str:
    """The generation a name suffix says (Sr., Jr., II, III…), folded; "" for none or another
    suffix (a degree, PhD, says nothing of who someone is)."""
    return _GENERATIONS.get(fold(suffix), "") if suffix else ""


def exact_keys(profile: dict[str, Any]) -> list[str]:
    """Keys that name one person: an email, a phone, an identifier."""
    return [_fit(k) for k in ([f"e:{e}" for e in profile["emails"]] + [f"p:{p}" for p in profile["phones"]]
                              + [f"i:{i}" for i in profile["ids"]])]


MAX_KEY = 200  # the index's key column


def _fit(key: str) -> str:
    """A key the index can hold: one longer than its column (a long identifier value, a long
    email) keeps its start and ends with a digest of the whole, so it stays exact."""
    if len(key) <= MAX_KEY:
        return key
    return key[:150] + "~" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def blocking_keys(profile: dict[str, Any]) -> list[str]:
    """Every key under which this profile is filed: the exact ones and the fuzzy ones."""
    keys = set(exact_keys(profile))
    for email in profile["emails"]:
        local = re.sub(r"[.+].*$", "", email.split("@")[0]) if "+" in email else email.split("@")[0].replace(".", "")
        if len(local) >= 4:
            keys.add(f"el:{local}")
    first, last, birth = profile["first"], profile["last"], profile["birth"]
    firsts = set()
    for f in (first, profile["nick"]):
        if f:
            firsts |= name_forms(f)
    last_code = soundex(last) if last else ""
    for f in firsts:
        if last_code:
            keys.add("n:" + "".join(sorted((soundex(f), last_code))))
            keys.add(f"fl:{f[0]}{last_code}")
            keys.add(f"fl:{last[0]}{soundex(f)}")  # first and last given the other way round
    if birth:
        keys.add(f"b:{birth}")
    for a in profile["addresses"]:
        if a["postcode"] and a["number"]:
            keys.add(f"a:{a['postcode']}:{a['number']}")
        if a["postcode"] and last_code:
            keys.add(f"al:{a['postcode']}:{last_code}")
        for line in (a["street"], a["line2"]):
            words = [w for w in line.split() if len(w) > 2]
            if a["postcode"] and words:
                keys.add(f"as:{a['postcode']}:{soundex(words[0])}")
        if a["postcode"] and first:
            keys.add(f"af:{a['postcode']}:{soundex(first)}")
    if profile["org"]:
        keys.add(f"o:{profile['org'][:150]}")
    return sorted(k[:200] for k in keys)


# ---------------------------------------------------------------- scoring

@dataclass
class Score:
    total: float = 0.0
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, outcome: str, weight: float, similarity: float | None = None) -> None:
        self.total += weight
        reason = {"field": name, "outcome": outcome, "weight": round(weight, 2)}
        if similarity is not None:
            reason["similarity"] = round(similarity, 3)
        self.reasons.append(reason)


# A man's given name and a woman's made from it (Louis and Louise, Patrick and Patricia,
# Alexander and Alexandra): alike as strings, two people of one family as often as not.
_MASCULINE_ENDINGS = ("", "o", "us", "er", "k")
_FEMININE_ENDINGS = ("a", "e", "ia", "ra", "ine", "le", "elle", "ette", "ina")


def _masculine_and_feminine(a: str, b: str) -> bool:
    for man, woman in ((a, b), (b, a)):
        for f in _FEMININE_ENDINGS:
            if woman.endswith(f) and len(woman) - len(f) >= 4:
                stem = woman[:-len(f)]
                if any(man == stem + m for m in _MASCULINE_ENDINGS):
                    return True
    return False


def _name_level(a: str, b: str, allow_nickname: bool) -> tuple[str, float]:
    if a == b:
        return "exact", 1.0
    if allow_nickname and same_by_nickname(a, b):
        return "nickname", 1.0
    if len(a) == 1 or len(b) == 1:
        return ("initial", 1.0) if a[0] == b[0] else ("differs", 0.0)
    if SYLLABIC.search(a) and SYLLABIC.search(b):
        # each character a syllable: 小明 and 小红, 민수 and 민준, one character apart, are two
        # siblings' names, not a typo of one
        return "differs", 0.0
    similarity = JaroWinkler.similarity(a, b)
    if allow_nickname and _masculine_and_feminine(a, b):  # first names only
        return "differs", similarity
    if similarity >= 0.92 or Levenshtein.distance(a, b) <= 1 or (len(a) > 3 and len(b) > 3 and (a in b or b in a)):
        return "similar", similarity
    if similarity >= 0.82:
        return "close", similarity
    return "differs", similarity


def _names(a: dict, b: dict, score: Score) -> None:
    weights_f, weights_l = WEIGHTS["first_name"], WEIGHTS["last_name"]
    a_first = a["first"] or a["nick"]
    b_first = b["first"] or b["nick"]
    straight = []
    if a_first and b_first:
        level, sim = max((_name_level(x, y, True) for x in {a_first, a["nick"]} - {""} for y in {b_first, b["nick"]} - {""}),
                         key=lambda r: weights_f[r[0]])
        straight.append(("first_name", level, weights_f[level], sim))
    if a["last"] and b["last"]:
        level, sim = _name_level(a["last"], b["last"], False)
        straight.append(("last_name", level, weights_l[level], sim))
    # the same two names given the other way round
    if a_first and a["last"] and b_first and b["last"]:
        pair = [_name_level(a_first, b["last"], True), _name_level(a["last"], b_first, True)]
        # the better of the two agreements takes the last name's weight, whichever side it came from
        order = ("exact", "nickname", "similar", "close", "initial", "differs")
        (l2, s2), (l1, s1) = sorted(pair, key=lambda r: (order.index(r[0]), -r[1]))
        crossed = [("first_name", l1, weights_f.get(l1, weights_f["similar"]) - 1.0, s1),
                   ("last_name", l2, weights_l.get(l2, weights_l["similar"]) - 1.0, s2)]
        if sum(c[2] for c in crossed) > sum(s[2] for s in straight):
            straight = [(n, f"{lvl} (swapped)", w, s) for n, lvl, w, s in crossed]
    for name, level, weight, sim in straight:
        score.add(name, level, weight, sim)


def _birth(a: str, b: str, score: Score) -> None:
    if not a or not b:
        return
    if a == b:
        score.add("birth_date", "exact", WEIGHTS["birth_date"]["exact"])
        return
    (ya, ma, da), (yb, mb, db) = a.split("-"), b.split("-")
    same_parts = (ya == yb) + (ma == mb) + (da == db)
    swapped = ya == yb and ma == db and da == mb
    digits_off = Levenshtein.distance(a.replace("-", ""), b.replace("-", ""))
    if same_parts == 2 or swapped or digits_off <= 1 or (ya == yb and Levenshtein.distance(ma + da, mb + db) <= 2 and same_parts == 1):
        score.add("birth_date", "near", WEIGHTS["birth_date"]["near"])
    else:
        score.add("birth_date", "differs", WEIGHTS["birth_date"]["differs"])


def _address_pair(a: dict, b: dict) -> tuple[float, list[dict]]:
    total, parts = 0.0, []

    def part(name, level, sim=None):
        nonlocal total
        weight = ADDRESS_WEIGHTS[name][level]
        total += weight
        parts.append({"part": name, "outcome": level, "weight": weight})

    if a["postcode"] and b["postcode"]:
        if a["postcode"] == b["postcode"]:
            part("postcode", "exact")
        elif Levenshtein.distance(a["postcode"], b["postcode"]) <= 1:
            part("postcode", "near")
        else:
            part("postcode", "differs")
    if a["number"] and b["number"]:
        part("number", "exact" if a["number"] == b["number"] else "differs")
    # the street and the second line are compared either way round (forms swap them)
    lines_a = [x for x in (a["street"], a.get("line2", "")) if x]
    lines_b = [x for x in (b["street"], b.get("line2", "")) if x]
    if lines_a and lines_b:
        sims = sorted((_line_similarity(x, y) for x in lines_a for y in lines_b), reverse=True)
        part("street", "exact" if sims[0] == 1.0 else "similar" if sims[0] >= 0.88 else "differs")
        if len(lines_a) == 2 and len(lines_b) == 2:
            straight = min(_line_similarity(lines_a[0], lines_b[0]), _line_similarity(lines_a[1], lines_b[1]))
            crossed = min(_line_similarity(lines_a[0], lines_b[1]), _line_similarity(lines_a[1], lines_b[0]))
            part("line2", "similar" if max(straight, crossed) >= 0.88 else "differs")
    if a["city"] and b["city"]:
        if a["city"] == b["city"]:
            part("city", "exact")
        else:
            part("city", "similar" if JaroWinkler.similarity(a["city"], b["city"]) >= 0.88 else "differs")
    if a["region"] and b["region"]:
        part("region", "exact" if a["region"] == b["region"] else "differs")
    return total, parts


def _line_similarity(x: str, y: str) -> float:
    if x == y:
        return 1.0
    return max(JaroWinkler.similarity(x, y), JaroWinkler.similarity(x.replace(" ", ""), y.replace(" ", "")))


def _addresses(a: list[dict], b: list[dict], score: Score) -> None:
    if not a or not b:
        return
    best = max((_address_pair(x, y) for x in a for y in b), key=lambda r: r[0])
    if best[1]:
        score.total += best[0]
        score.reasons.append({"field": "address", "outcome": "agrees" if best[0] > 0 else "differs",
                              "weight": round(best[0], 2), "parts": best[1]})


def compare(a: dict[str, Any], b: dict[str, Any]) -> Score:
    """How strongly two profiles look like one person, and why."""
    score = Score()
    if a["kind"] != b["kind"] and "person" in (a["kind"], b["kind"]):
        score.add("kind", "differs", WEIGHTS["kind"]["differs"])
    if a["kind"] == "person":
        _names(a, b, score)
        mine, theirs = a.get("generation"), b.get("generation")  # profiles stored before lack it
        if mine and theirs and mine != theirs:  # father and son share a name, a phone, a home
            score.add("suffix", "differs", WEIGHTS["suffix"]["differs"])
        elif mine is not None and theirs is not None and bool(mine) != bool(theirs):
            # "John Smith Jr." and "John Smith": the son and his father, or one man written twice
            score.add("suffix", "one_side", WEIGHTS["suffix"]["one_side"])
    if a["org"] and b["org"] and a["kind"] != "person":
        level, sim = _name_level(a["org"].replace(" ", ""), b["org"].replace(" ", ""), False)
        score.add("organization_name", level, WEIGHTS["organization_name"].get(level, 0.0), sim)
    _birth(a["birth"], b["birth"], score)
    for name, mine, theirs in (("email", a["emails"], b["emails"]), ("phone", a["phones"], b["phones"])):
        if mine and theirs:
            shared = set(mine) & set(theirs)
            if shared:
                score.add(name, "exact", WEIGHTS[name]["exact"])
            elif name == "email" and {m.split("@")[0] for m in mine} & {t.split("@")[0] for t in theirs}:
                score.add(name, "local_part", WEIGHTS[name]["local_part"])
            else:
                score.add(name, "differs", WEIGHTS[name]["differs"])
    if a["ids"] and b["ids"]:
        mine = dict(i.split("=", 1) for i in a["ids"])
        theirs = dict(i.split("=", 1) for i in b["ids"])
        common = set(mine) & set(theirs)
        if any(mine[k] == theirs[k] for k in common):
            score.add("identifier", "exact", WEIGHTS["identifier"]["exact"])
        elif common:
            score.add("identifier", "differs", WEIGHTS["identifier"]["differs"])
    _addresses(a["addresses"], b["addresses"], score)
    if a["employer"] and b["employer"]:
        if a["employer"] == b["employer"]:
            score.add("employer", "exact", WEIGHTS["employer"]["exact"])
        else:
            sim = JaroWinkler.similarity(a["employer"], b["employer"])
            score.add("employer", "similar" if sim >= 0.9 else "differs",
                      WEIGHTS["employer"]["similar" if sim >= 0.9 else "differs"], sim)
    return score


def corroborated(reasons: list[dict[str, Any]], total: float = 0.0) -> bool:
    """Evidence beyond the name agrees, and the person-defining fields do not clash twice (two
    people of one household share a last name and an address, not a first name and a birthday).
    An email's local part alone is no such evidence: it is mostly the name again (david.lee@ at
    two companies)."""
    clashes = sum(1 for r in reasons if r["field"] in ("first_name", "birth_date") and r["weight"] < 0)
    return (clashes < 2 or total >= MERGE_AT + 6) and any(
        r["field"] in CORROBORATING and r["weight"] > 0 and r["outcome"] != "local_part" for r in reasons)


# The names that say who someone is: two records whose first names (or two organizations whose
# names) differ outright are two people however much else they share. A household shares an
# email, a phone and a last name; an office shares info@. A last name may change (marriage).
DEFINING_NAMES = ("first_name", "organization_name", "suffix")


def names_clash(reasons: list[dict[str, Any]]) -> bool:
    """The pair's defining names differ, and nothing personal says they are one (an identifier
    another system gave both, or the same birth date: a household shares contact points, not
    birthdays, while a record keyed in twice may garble the first name): then it is never
    merged unasked, only reviewed (see identity.Match.decision). So too when one of the two names
    a generation the other does not (John Smith Jr. beside John Smith). (Birth dates that differ
    are no such clash: keyed-in records garble them too often; FEBRL's lost 4 % recall.)"""
    said_one = any(r["field"] == "identifier" and r["outcome"] == "exact" for r in reasons)
    same_birth = any(r["field"] == "birth_date" and r["outcome"] == "exact" for r in reasons)
    clash = any((r["field"] in DEFINING_NAMES and r["outcome"] == "differs") or
                (r["field"], r["outcome"]) == ("suffix", "one_side") for r in reasons)
    return clash and not said_one and not same_birth


def compare_cluster(incoming: dict[str, Any], profiles: list[dict[str, Any]]) -> Score:
    """A contact that absorbed others is compared through each of the records it is made of;
    the best of them speaks for it, but not over the contact's own name (profiles[0], what it
    is now): a nameless record it absorbed must not let another person's name in."""
    scores = [compare(incoming, p) for p in profiles]
    best = max(scores, key=lambda s: s.total)
    if best is not scores[0]:
        clashes = [r for r in scores[0].reasons if r["field"] in DEFINING_NAMES and r["outcome"] == "differs"
                   and not any(b["field"] == r["field"] for b in best.reasons)]
        if clashes:
            best = Score(best.total + sum(r["weight"] for r in clashes), best.reasons + clashes)
    return best

