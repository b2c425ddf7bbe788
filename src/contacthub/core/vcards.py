"""vCard files (.vcf): read as rows of an import (what iCloud, macOS and Android Contacts,
Outlook and Google Contacts export), and written by `contacthub export --format vcf`.

Each card becomes one row of cells under fixed headers (HEADERS) that the import's column plan
already knows, so a card is validated, matched and written exactly as a CSV row is, and a card
that cannot be used is an invalid row showing its values under those headers.

Versions 2.1, 3.0 and 4.0: folded lines, quoted-printable values (2.1, in their CHARSET),
escaped characters, property groups (`item1.EMAIL`), bare 2.1 types (`TEL;CELL`), `tel:` URIs,
preferred values first (`TYPE=pref`, `PREF=1`). Only the properties below are decoded; the rest
are passed over undecoded, and so is a photo embedded in the card (one given by its URL is kept).

Written here rather than with vobject: vobject decodes every property of a card, photos
included, and a single malformed photo ends its reading of the whole file, where an import must
keep every other card.
"""

import quopri
import re
from collections.abc import Iterable, Iterator

from contacthub.core.moments import basic_z
from contacthub.core.normalize import is_time_of_day
from contacthub.core.views import ContactView

ADDRESS_BLOCKS = 3  # a row takes the first with a street or a city (see import_columns._address_block)
_ADDRESS_PARTS = ("Street", "Extended Address", "City", "Region", "Postal Code", "Country", "Type")
# X-SOCIALPROFILE's networks (Apple's, the de facto standard) kept as the contact's social profiles
SOCIAL_NETWORKS = ("linkedin", "twitter", "facebook", "instagram", "github")
# Instant messaging services (IMPP, and the older X-AIM, X-SKYPE and the like), kept as social
# profiles too, under these names: service -> (how X-SERVICE-TYPE names it, its URI scheme)
IM_SERVICES = {"skype": ("Skype", "skype"), "xmpp": ("Jabber", "xmpp"), "googletalk": ("GoogleTalk", "xmpp"),
               "aim": ("AIM", "aim"), "icq": ("ICQ", "aim"), "msn": ("MSN", "msnim"), "yahoo": ("Yahoo", "ymsgr"),
               "qq": ("QQ", "x-apple"), "gadugadu": ("GaduGadu", "x-apple"), "sip": ("SIP", "sip")}
# what the cards call them (X-SERVICE-TYPE, a URI's scheme, an X- property) -> the service
_IM_NAMES = {"jabber": "xmpp", "gtalk": "googletalk", "google": "googletalk",
             "msnim": "msn", "ymsgr": "yahoo", "gadu-gadu": "gadugadu", "gadu": "gadugadu",
             "skypeusername": "skype", **{name: name for name in IM_SERVICES}}
_IM_PROPERTIES = {"X-AIM", "X-ICQ", "X-JABBER", "X-MSN", "X-YAHOO", "X-SKYPE", "X-SKYPE-USERNAME", "X-GOOGLE-TALK",
                  "X-QQ", "X-GADUGADU"}
HEADERS = [
    "Type", "Name", "Prefix", "First Name", "Middle Name", "Last Name", "Suffix", "Nickname", "Birthday",
    "Email", "Email - Type", "Phone", "Phone - Type", "Company", "Organization", "Title", "Occupation", "Notes", "Groups",
    *(f"Address {n} - {part}" for n in range(1, ADDRESS_BLOCKS + 1) for part in _ADDRESS_PARTS),
    *(f"social.{network}" for network in (*SOCIAL_NETWORKS, *IM_SERVICES)),
    "metadata.website", "metadata.anniversary", "metadata.photo",
]
_COLUMN = {header: i for i, header in enumerate(HEADERS)}
MULTI_VALUE = " ::: "  # several emails, phones or groups in one cell, as import_rows.RowParser reads them


def groups_cell(names: list[str]) -> str:
    """Group names in one cell, as the import reads them back whole: joined by " ::: " (a cell
    without it is cut at `,` `;` `|` too, as other exports write lists), and a lone name that holds
    one of those marked as one with a trailing " ::: "."""
    cell = MULTI_VALUE.join(names)
    return cell + MULTI_VALUE if len(names) == 1 and re.search(r"[,;|]", cell) else cell

# The properties a row is made of; the card's kind is told by KIND (4.0) or Apple's own.
_WANTED = {"FN", "N", "NICKNAME", "BDAY", "EMAIL", "TEL", "ADR", "ORG", "TITLE", "ROLE", "NOTE", "CATEGORIES", "KIND",
           "X-ADDRESSBOOKSERVER-KIND", "X-ABSHOWAS", "X-SOCIALPROFILE", "X-ABLABEL", "URL", "IMPP", *_IM_PROPERTIES,
           "ANNIVERSARY", "X-ANNIVERSARY", "X-ABDATE", "PHOTO"}


# A group card names its members by their UID: vCard 4's MEMBER, Apple's (iCloud, macOS)
# X-ADDRESSBOOKSERVER-MEMBER, each `urn:uuid:<the member's UID>`.
_MEMBERS = ("MEMBER", "X-ADDRESSBOOKSERVER-MEMBER")


def card_rows(lines: Iterable[str], memberships: dict[str, list[str]] | None = None) -> Iterator[list[str]]:
    """The cells (in HEADERS order) of each card of a vCard file's text lines. A card whose END
    is missing ends where the next begins, or with the file; lines outside cards are ignored.
    `memberships` (see group_memberships) adds the groups whose cards list a card as a member
    to the groups its CATEGORIES name."""
    for card in _cards(lines, _WANTED | {"UID"} if memberships else _WANTED):
        cells = _cells(card)
        uid = next((_uid(value) for name, _, value in card if name == "UID"), None)
        joined = (memberships or {}).get(uid) if uid else None
        if joined:
            cell = cells[_COLUMN["Groups"]]
            cells[_COLUMN["Groups"]] = MULTI_VALUE.join([cell, *joined] if cell else joined)
        yield cells


def group_memberships(lines: Iterable[str]) -> dict[str, list[str]]:
    """A member's UID -> the names (FN) of the group cards that list it (a first pass over the
    file: a group card may come before or after its members)."""
    memberships: dict[str, list[str]] = {}
    for card in _cards(lines, {"FN", *_MEMBERS}):
        name = next((_unescape(value).strip() for key, _, value in card if key == "FN"), "")
        if not name:
            continue
        for key, _, value in card:
            if key in _MEMBERS and _uid(value):
                memberships.setdefault(_uid(value), []).append(name)
    return memberships


def scan_cards(chunks: Iterable[bytes]) -> tuple[int, bool]:
    """How many cards a file holds, and whether a group card lists members, from its bytes (an
    estimate for progress: a BEGIN:VCARD or MEMBER cut by a chunk's edge is missed)."""
    total, members = 0, False
    for chunk in chunks:
        upper = chunk.upper()
        total += upper.count(b"BEGIN:VCARD")
        members = members or b"MEMBER" in upper
    return total, members


def _cards(lines: Iterable[str], wanted: set[str]) -> Iterator[list[tuple[str, dict[str, list[str]], str]]]:
    """The `wanted` properties of each card, as (name, parameters, value)."""
    card: list[tuple[str, dict[str, list[str]], str]] | None = None
    for line in _logical_lines(lines):
        name = _name_of(line)
        if name in ("BEGIN", "END"):
            if line.partition(":")[2].strip().upper() != "VCARD":
                continue
            if card is not None:
                yield card
            card = [] if name == "BEGIN" else None
        elif card is not None and name in wanted:
            parsed = _content_line(line)
            if parsed is not None:
                card.append(parsed)
    if card is not None:
        yield card


def _uid(value: str) -> str:
    """A UID as members name it: without `urn:uuid:`, in lower case."""
    value = value.strip().lower()
    return value.removeprefix("urn:uuid:").strip()


# ---------------------------------------------------------------- content lines

def _logical_lines(lines: Iterable[str]) -> Iterator[str]:
    """Unfolded lines: a line starting with a space or tab continues the one before (RFC 6350
    3.2); a quoted-printable value ending in "=" continues on the next line (vCard 2.1)."""
    current: str | None = None
    for raw in lines:
        line = raw.rstrip("\r\n")
        if current is not None:
            if current.endswith("=") and _is_quoted_printable(current):
                current = current[:-1] + line
                continue
            if line[:1] in (" ", "\t"):
                current += line[1:]
                continue
            yield current
        current = line
    if current is not None:
        yield current


_NAME = re.compile(r"[^;:]*")


def _name_of(line: str) -> str:
    """The property's name, upper-cased and without its group (`item1.EMAIL` is EMAIL)."""
    return _NAME.match(line).group().rpartition(".")[2].strip().upper()


def _is_quoted_printable(line: str) -> bool:
    return "QUOTED-PRINTABLE" in line.partition(":")[0].upper()


def _content_line(line: str) -> tuple[str, dict[str, list[str]], str] | None:
    """(name, parameters, value with quoted-printable decoded) of `group.NAME;PARAM=a,b:value`;
    None for a line with no value. Parameter names are upper-cased, their values lower-cased;
    a bare 2.1 parameter (`TEL;CELL`) is a TYPE; the group (`item1`) is the parameter GROUP."""
    at = line.find(":")
    if at < 0:
        return None
    if '"' in line[:at]:  # a quoted parameter value may hold a ":"
        quoted = False
        for at, ch in enumerate(line):
            if ch == '"':
                quoted = not quoted
            elif ch == ":" and not quoted:
                break
        else:
            return None
    head, value = line[:at], line[at + 1:]
    parts = _split(head, ";", quotes=True)
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        key, has_value, values = part.partition("=")
        if not has_value:
            key, values = "TYPE", key
        params.setdefault(key.strip().upper(), []).extend(
            v.strip().strip('"').lower() for v in _split(values, ",", quotes=True))
    if "quoted-printable" in params.get("ENCODING", []) + params.get("TYPE", []):
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        data = quopri.decodestring(value.encode("latin-1", "replace"))
        try:
            value = data.decode(charset, "replace")
        except LookupError:  # a charset Python does not know
            value = data.decode("utf-8", "replace")
        value = value.replace("\r\n", "\n")  # an encoded line break, as the other versions escape it
    group, _, name = parts[0].rpartition(".")
    if group:
        params["GROUP"] = [group.strip().lower()]
    return name.strip().upper(), params, value


def _split(text: str, separator: str, quotes: bool = False) -> list[str]:
    """`text` cut at each separator that is neither escaped by a backslash nor (with quotes) inside
    double quotes; escapes are kept (parameters) unless the parts are values (see _components)."""
    if "\\" not in text and not (quotes and '"' in text):
        return text.split(separator)
    parts, start, quoted, escaped = [], 0, False, False
    for at, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quotes and ch == '"':
            quoted = not quoted
        elif ch == separator and not quoted:
            parts.append(text[start:at])
            start = at + 1
    parts.append(text[start:])
    return parts


def _unescape(text: str) -> str:
    """A text value as written: `\\n` is a line break, `\\,` `\\;` `\\\\` the character itself."""
    if "\\" not in text:
        return text.strip()
    out, escaped = [], False
    for ch in text:
        if escaped:
            out.append("\n" if ch in "nN" else ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(ch)
    return "".join(out).strip()


def _components(value: str, separator: str = ";") -> list[str]:
    """The parts of a structured value (N, ADR, ORG: `;`) or a list (CATEGORIES: `,`)."""
    return [_unescape(part) for part in _split(value, separator)]


# ---------------------------------------------------------------- one card

def _preferred_first(values: list[tuple[dict[str, list[str]], str]]) -> list[tuple[dict[str, list[str]], str]]:
    """The (parameters, value) of a property, the ones marked preferred (TYPE=pref, PREF=n)
    first, else in card order."""
    if len(values) < 2:
        return values

    def rank(item: tuple[int, tuple[dict[str, list[str]], str]]) -> tuple[int, int]:
        at, (params, _) = item
        if "pref" in params.get("TYPE", []):
            return 0, at
        pref = (params.get("PREF") or [""])[0]
        return (int(pref) if pref.isdigit() else 101), at
    return [pair for _, pair in sorted(enumerate(values), key=rank)]


def _cells(properties: list[tuple[str, dict[str, list[str]], str]]) -> list[str]:
    """One card's row: its properties' values under HEADERS."""
    by_name: dict[str, list[tuple[dict[str, list[str]], str]]] = {}
    for name, params, value in properties:
        by_name.setdefault(name, []).append((params, value))
    # Apple's labels (`item1.EMAIL:…` with `item1.X-ABLabel:_$!<Other>!$_`, or a label of the
    # user's own): the first of their property's TYPE words
    labels = {params["GROUP"][0]: _label(value) for params, value in by_name.get("X-ABLABEL", []) if "GROUP" in params}

    def types(params: dict[str, list[str]]) -> str:
        label = labels.get((params.get("GROUP") or [""])[0])
        return ",".join(([label] if label else []) + params.get("TYPE", []))

    def first_raw(name: str) -> str:  # still escaped: a structured value's parts are cut first
        values = _preferred_first(by_name.get(name, []))
        return values[0][1] if values else ""

    def first(name: str) -> str:
        return _unescape(first_raw(name))

    cells = [""] * len(HEADERS)

    def put(header: str, value: str) -> None:
        cells[_COLUMN[header]] = value

    kind = (first("KIND") or first("X-ADDRESSBOOKSERVER-KIND")).lower()
    organization = _components(first_raw("ORG"))[0]
    if kind == "group":
        put("Type", "group")
    elif kind in ("org", "organization") or first("X-ABSHOWAS").upper() == "COMPANY":
        put("Type", "organization")
        put("Organization", organization)
    else:
        put("Company", organization)
    put("Name", first("FN") or (organization if cells[_COLUMN["Type"]] == "organization" else ""))
    family, given, middle, prefix, suffix = (_components(first_raw("N")) + [""] * 5)[:5]
    for header, value in (("Prefix", prefix), ("First Name", given), ("Middle Name", middle), ("Last Name", family),
                          ("Suffix", suffix)):
        put(header, value)
    put("Nickname", _components(first_raw("NICKNAME"), ",")[0])  # the first of a list
    put("Birthday", next((_dated(params, value) for params, value in _preferred_first(by_name.get("BDAY", []))), ""))
    for header, name, read in (("Email", "EMAIL", lambda v: _unescape(v).removeprefix("mailto:")),
                               ("Phone", "TEL", lambda v: _phone(_unescape(v)))):
        points = [(params, read(value)) for params, value in _preferred_first(by_name.get(name, []))]
        points = [(params, value) for params, value in points if value]
        put(header, MULTI_VALUE.join(value for _, value in points))
        # each value's TYPE words, in turn (import_columns.point_type picks the one that names a type)
        put(f"{header} - Type", MULTI_VALUE.join(types(params) for params, _ in points))
    put("Title", first("TITLE"))
    put("Occupation", first("ROLE"))  # vCard's role or occupation
    put("Notes", first("NOTE"))
    put("metadata.website", first("URL"))
    categories = [c for params_value in by_name.get("CATEGORIES", []) for c in _components(params_value[1], ",")]
    put("Groups", groups_cell([c for c in categories if c]))
    for params, value in by_name.get("X-SOCIALPROFILE", []):
        network = next((t for t in params.get("TYPE", []) if t in SOCIAL_NETWORKS), None)
        if network and not cells[_COLUMN[f"social.{network}"]]:
            put(f"social.{network}", _unescape(value))
    for name, params, value in _preferred_first_of(properties, {"IMPP", *_IM_PROPERTIES}):
        service, handle = _im_handle(name, params, _unescape(value))
        if service and handle and not cells[_COLUMN[f"social.{service}"]]:
            put(f"social.{service}", handle)
    # an anniversary: vCard 4's, Android's and Evolution's, or an Apple date labelled so
    anniversaries = by_name.get("ANNIVERSARY", []) + by_name.get("X-ANNIVERSARY", [])
    anniversaries += [(params, value) for params, value in by_name.get("X-ABDATE", [])
                      if labels.get((params.get("GROUP") or [""])[0]) == "anniversary"]
    if anniversaries:
        put("metadata.anniversary", _dated(*anniversaries[0]))
    put("metadata.photo", next((url for url in map(_photo_url, by_name.get("PHOTO", [])) if url), ""))
    for n, (params, value) in enumerate(_preferred_first(by_name.get("ADR", []))[:ADDRESS_BLOCKS], start=1):
        for part, text in zip(_ADDRESS_PARTS, (*_address(value), types(params))):
            put(f"Address {n} - {part}", text)
    return cells


def _preferred_first_of(properties: list[tuple[str, dict[str, list[str]], str]], names: set[str]):
    """(name, parameters, value) of the properties of any of `names`, the preferred first."""
    found = [(params, (name, value)) for name, params, value in properties if name in names]
    return [(name, params, value) for params, (name, value) in _preferred_first(found)]


def _im_handle(name: str, params: dict[str, list[str]], value: str) -> tuple[str | None, str]:
    """(service, handle) of an IMPP (`IMPP;X-SERVICE-TYPE=Skype:skype:ada`) or an older X-AIM,
    X-SKYPE… property; the service None when it is none of IM_SERVICES."""
    scheme, colon, rest = value.partition(":")
    if name != "IMPP":
        return _IM_NAMES.get(name.removeprefix("X-").lower().replace("-", "")), value
    handle = rest if colon and " " not in scheme else value
    # (AIM's `aim:goim?screenname=ada`; another URI's query, `?call` and such, is no part of the name)
    handle = handle.removeprefix("//").removeprefix("goim?screenname=").partition("?")[0]
    named = (params.get("X-SERVICE-TYPE") or [""])[0]
    service = _IM_NAMES.get(named) or _IM_NAMES.get(named.replace(" ", "")) or _IM_NAMES.get(scheme.lower())
    return service, handle.strip()


_PHOTO_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def _photo_url(item: tuple[dict[str, list[str]], str]) -> str:
    """A PHOTO's URL (`PHOTO;VALUE=uri:https://…`, or 4.0's bare URI); "" for a photo embedded in
    the card, which is passed over (it is no text a contact keeps)."""
    value = item[1].strip()
    return value if _PHOTO_URL.fullmatch(value) and len(value) <= 2000 else ""


_VCARD_DATE = re.compile(r"(\d{4}|--)-?(\d{2})-?(\d{2})(T.*)?")


def _date(value: str) -> str:
    """A vCard date as ISO text (`19900615` and `1990-06-15T00:00:00Z` as 1990-06-15, a date with
    no year as --06-15); anything else as written."""
    match = _VCARD_DATE.fullmatch(value.strip())
    if match is None or (match.group(4) and not is_time_of_day(match.group(4)[1:])):
        return value  # (a time that is none, T99:99, leaves the value to be refused as no date)
    year, month, day = match.groups()[:3]
    return f"{year}-{month}-{day}" if year != "--" else f"--{month}-{day}"


def _dated(params: dict[str, list[str]], value: str) -> str:
    """A date property's value (_date); one Apple marks X-APPLE-OMIT-YEAR (iPhone's birthday with
    no year: 1604-05-17 with X-APPLE-OMIT-YEAR=1604) has no year: --05-17, not a birth in 1604."""
    text = _date(_unescape(value))
    omitted = (params.get("X-APPLE-OMIT-YEAR") or [""])[0]
    if omitted and text.startswith(omitted + "-"):
        return "--" + text[len(omitted) + 1:]
    return text


def _label(value: str) -> str:
    """An X-ABLabel as a type word: Apple's own `_$!<HomeFAX>!$_` as `homefax`, others as written
    (commas too: import_columns.point_type takes words that name no type together, as one label)."""
    text = _unescape(value)
    if text.startswith("_$!<") and text.endswith(">!$_"):
        text = text[4:-4].lower()
    return text.strip()


def _phone(value: str) -> str:
    """A number as given; a 4.0 `tel:` URI as the number it names (`;ext=` as an extension)."""
    if value.lower().startswith("tel:"):
        number, _, extension = value[4:].partition(";ext=")
        value = number.split(";")[0] + (f" ext. {extension.split(';')[0]}" if extension else "")
    return value


def _address(value: str) -> tuple[str, str, str, str, str, str]:
    """(street, extended address, city, region, postal code, country) of an ADR value (post
    office box; extended address; street; locality; region; postal code; country). A street
    of several lines keeps its first as the street, the rest joins the extended address."""
    box, extended, street, city, region, code, country = (_components(value) + [""] * 7)[:7]
    lines = [line.strip() for line in street.splitlines() if line.strip()]
    street = lines[0] if lines else (f"PO Box {box}" if box.isdigit() else box)
    extended = ", ".join(part for part in (*lines[1:], extended) if part)
    return street, extended, city, region, code, country


# ---------------------------------------------------------------- writing

# A point's or address's type as vCard 3.0 names it (other types are left out, not invented).
_PHONE_TYPES = {"mobile": "CELL", "cell": "CELL", "home": "HOME", "work": "WORK", "fax": "FAX", "pager": "PAGER",
                "main": "VOICE", "voice": "VOICE"}
_PLACE_TYPES = {"home": "HOME", "work": "WORK"}


def write_card(view: ContactView, groups: list[str]) -> str:
    """A contact as a vCard 3.0 (the version phones and address books all read), its lines
    ending in CRLF and folded at 75 octets. Preferred (primary) emails, phones and addresses
    come first and say so; a type vCard has a word for is a TYPE, another one (`other`, a label
    of the user's own) an Apple label (`item1.TEL` with `item1.X-ABLabel`); social profiles are Apple's X-SOCIALPROFILE; `groups` (the names of
    the groups holding it) are its CATEGORIES; the profiles of IM_SERVICES are IMPP; the attributes
    website, anniversary and photo (a URL) are URL, X-ANNIVERSARY and PHOTO. card_rows reads it
    back to the same names, birth date, title, employer, notes, emails, phones, addresses, groups,
    those attributes and the profiles of SOCIAL_NETWORKS and IM_SERVICES."""
    organization = view.kind == "organization"
    lines = ["BEGIN:VCARD", "VERSION:3.0", "PRODID:-//contacthub//EN", f"UID:urn:uuid:{view.id}",
             "FN:" + _escape(view.computed_display_name or ""),
             "N:" + ";".join(_escape(part or "") for part in (
                 view.last_name, view.first_name, view.middle_name, view.prefix, view.suffix))]
    if organization:
        lines.append("X-ABShowAs:COMPANY")  # Apple's mark of a company card
    elif view.kind == "group":
        lines.append("X-ADDRESSBOOKSERVER-KIND:group")  # Apple's, as CardDAV servers write a group
    for name, value in (("NICKNAME", view.nickname),
                        ("ORG", (view.organization_name or view.display_name) if organization else view.employer),
                        ("TITLE", view.title), ("ROLE", view.occupation), ("NOTE", view.notes)):
        if value:
            lines.append(f"{name}:{_escape(value)}")
    birthday = view.birth_date.isoformat() if view.birth_date else view.attributes.get("birthday")
    if isinstance(birthday, str) and birthday:  # (a birthday with no year is kept as that attribute)
        lines.append(f"BDAY:{_escape(birthday)}")
    labelled = 0  # Apple's item groups, for the types vCard has no word for

    def typed(name: str, kind: str | None, known: dict[str, str], preferred: bool, value: str,
              always: str | None = None, otherwise: str | None = None) -> None:
        nonlocal labelled
        word = known.get((kind or "").lower())
        label = kind if kind and word is None else None  # `other`, or a label of the user's own
        if label:  # as Apple writes it: `item1.TEL:…` and `item1.X-ABLabel:…`
            labelled += 1
            name = f"item{labelled}.{name}"
        lines.append(f"{name}{_types(always, word or (None if kind else otherwise), preferred=preferred)}:{value}")
        if label:
            lines.append(f"item{labelled}.X-ABLabel:{_escape(label)}")

    for email in sorted(view.emails, key=lambda p: not p.primary):
        typed("EMAIL", email.type, _PLACE_TYPES, email.primary, _escape(email.value), always="INTERNET")
    for phone in sorted(view.phones, key=lambda p: not p.primary):
        typed("TEL", phone.type, _PHONE_TYPES, phone.primary, _escape(phone.value), otherwise="VOICE")
    for a in sorted(view.addresses, key=lambda a: not a.primary):
        parts = ("", a.line2, a.line1, a.city, a.region, a.postal_code, a.country)  # box; extended; street; …
        typed("ADR", a.type, _PLACE_TYPES, a.primary, ";".join(_escape(part or "") for part in parts))
    for name, key in (("URL", "website"), ("X-ANNIVERSARY", "anniversary"), ("PHOTO;VALUE=uri", "photo")):
        value = view.attributes.get(key)
        if isinstance(value, str) and value and (key != "photo" or _PHOTO_URL.fullmatch(value)):
            lines.append(f"{name}:{_escape(value)}")
    for network, profile in view.social.items():
        if profile and network in IM_SERVICES:
            service, scheme = IM_SERVICES[network]
            lines.append(f"IMPP;X-SERVICE-TYPE={service}:{scheme}:{_escape(profile)}")
        elif profile and network.isalnum():
            lines.append(f"X-SOCIALPROFILE;TYPE={network}:{_escape(profile)}")
    if groups:
        lines.append("CATEGORIES:" + ",".join(_escape(g) for g in groups))
    lines.append("REV:" + basic_z(view.updated_at))
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _types(*types: str | None, preferred: bool) -> str:
    """The `;TYPE=…` of a property (nothing when it has none); a preferred value says `pref`."""
    named = [t for t in types if t] + (["pref"] if preferred else [])
    return f";TYPE={','.join(named)}" if named else ""


def _escape(text: str) -> str:
    """A text value as vCard writes it (RFC 2426 5: backslash, comma, semicolon, line break)."""
    return (text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str, width: int = 75) -> str:
    """Lines of at most `width` octets, each further one starting with a space; a character's
    UTF-8 bytes are never split."""
    if len(line.encode()) <= width:
        return line
    out, current, size = [], [], 0
    for ch in line:
        n = len(ch.encode())
        if size + n > width:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += n
    out.append("".join(current))
    return "\r\n".join(out)
