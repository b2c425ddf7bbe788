"""Which column of an import file feeds which field of a contact.

Headers are understood as other products' exports write them (Google Contacts, Outlook,
HubSpot, Mailchimp, LinkedIn, our own `contacthub export`) with no mapping needed; a caller's
mapping wins over them. More emails and phones come in numbered columns; several addresses come
in blocks of columns (a row takes one block whole). What a row's cells then become is
core/import_rows.py.
"""

import re
from dataclasses import dataclass

from contacthub.core.errors import FieldError, InvalidInput

FIELD_TARGETS = (
    "name", "first_name", "last_name", "middle_name", "prefix", "suffix", "nickname", "birth_date", "email", "phone",
    "address", "address_line2", "city", "region", "postal_code", "country", "address_type", "type", "groups", "notes",
    "title", "employer", "organization", "occupation", "salutation", "official_name", "ignore",
)
# Headers understood without a mapping, compared lower-cased without spaces, "_" or "-".
HEADER_ALIASES = {
    "name": "name", "fullname": "name", "contactname": "name",
    "firstname": "first_name", "givenname": "first_name", "lastname": "last_name", "surname": "last_name",
    "familyname": "last_name", "middlename": "middle_name", "additionalname": "middle_name",
    "prefix": "prefix", "nameprefix": "prefix", "suffix": "suffix", "namesuffix": "suffix", "nickname": "nickname",
    "birthday": "birth_date", "birthdate": "birth_date", "dateofbirth": "birth_date", "dob": "birth_date",
    "email": "email", "emailaddress": "email", "mail": "email",
    "phone": "phone", "phonenumber": "phone", "mobile": "phone", "telephone": "phone",
    "address": "address", "addressline1": "address", "street": "address",
    "addressline2": "address_line2", "unit": "address_line2",
    "city": "city", "state": "region", "region": "region", "province": "region",
    "zip": "postal_code", "zipcode": "postal_code", "postalcode": "postal_code", "postcode": "postal_code",
    "country": "country", "type": "type", "group": "groups", "groups": "groups", "notes": "notes", "note": "notes",
    "title": "title", "jobtitle": "title", "position": "title", "employer": "employer", "company": "employer",
    "organization": "organization", "organisation": "organization",
    # as hand-made sheets and form tools name them
    "mobilenumber": "phone", "cell": "phone", "tel": "phone", "phone#": "phone", "primaryemail": "email",
    "address1": "address", "address2": "address_line2", "zip/postalcode": "postal_code", "zip5": "postal_code",
    "province/state": "region", "company/organization": "employer",
    # the columns `contacthub export --format csv` writes under their own names
    "displayname": "name", "kind": "type", "line1": "address", "line2": "address_line2", "addresstype": "address_type",
    "organizationname": "organization", "occupation": "occupation", "salutation": "salutation",
    "officialname": "official_name",
    # other products' CSV exports, as they come (more emails and phones: _numbered_alias).
    # Google Contacts (its addresses: _address_block): the first organization is the person's employer
    "organization1name": "employer", "organization1title": "title", "organizationtitle": "title",
    "groupmembership": "groups", "labels": "groups",
    # Outlook (its addresses: _address_block)
    "categories": "groups",
    # HubSpot, Mailchimp and the like
    "companyname": "employer", "streetaddress": "address", "state/region": "region",
    "state/province": "region", "country/region": "country", "additionalemailaddresses": "email",
    # Mailchimp's TAGS (and a sheet's Tags): names, as Google's labels and Outlook's categories are
    "tags": "groups",
    # MessageBird: the phone number in international form
    "msisdn": "phone",
    # a web page has no field of its own: kept as the attribute `website` (Google's `Website 1 -
    # Value`, Outlook's `Web Page`, a vCard's URL), not dropped
    "website": "metadata.website", "webpage": "metadata.website", "website1value": "metadata.website",
    "url": "metadata.website",
    # social profiles (any other network: a `social.<network>` column or mapping)
    "linkedin": "social.linkedin", "linkedinurl": "social.linkedin", "linkedinprofile": "social.linkedin",
    "twitter": "social.twitter", "twitterhandle": "social.twitter", "facebook": "social.facebook",
    "instagram": "social.instagram", "github": "social.github",
}
# Headers that mean something else in a file that also has another one: {(that other, header): target}.
ALIASES_BESIDE = {
    ("jobtitle", "title"): "prefix",  # Outlook: its Title is the name's (Mr., Dr.), its Job Title the job
    ("connectedon", "url"): "social.linkedin",  # LinkedIn's Connections.csv: the connection's profile
    ("organizationtitle", "organizationname"): "employer",  # Google's: a person's organization, as in its older files
}
ADDRESS_TARGETS = {"address": "line1", "address_line2": "line2", "city": "city", "region": "region",
                   "postal_code": "postal_code", "country": "country", "address_type": "type"}


def is_metadata_target(target: str) -> bool:
    return target.startswith("metadata.") and all(part for part in target[9:].split("."))


_SOCIAL_TARGET = re.compile(r"social\.[a-z0-9_\-]{1,50}")


def is_social_target(target: str) -> bool:
    """`social.<network>`: a social profile (the contact's `social`, keyed by the network's name)."""
    return _SOCIAL_TARGET.fullmatch(target) is not None


# More email and phone columns: `Email 2`, `phone_3` (as `contacthub export` writes them), `Email Address 2`,
# Google's `E-mail 1 - Value` / `Phone 2 - Value`, Outlook's `E-mail 2 Address`, `Mobile Phone`,
# `Business Phone 2`, `Business Fax`, HubSpot's `Mobile Phone Number`, `Work Email`. Not their
# `… - Type` / `… - Label` columns: those give the type of the values beside them (_types_column).
_MORE_POINTS = re.compile(
    r"(?:home|business|work|personal|other)?(?P<email>e?mail)(?:address)?\d{0,2}(?:value|address)?"
    r"|(?:home|business|work|mobile|cell|primary|other|main)?(?P<phone>phone|fax)(?:number)?\d{0,2}(?:value)?"
)

# The type of an email, phone or address, from a header (`Mobile Phone`, Outlook's `Business Street`)
# or a type cell (Google's `Phone 1 - Type`, a vCard's TYPE): the first word that names one. Words that say
# nothing of the kind (a vCard's INTERNET, VOICE, pref; Outlook's SMTP) are passed over; any
# other label (Google's custom ones) is kept as written.
TYPE_WORDS = {"mobile": "mobile", "cell": "mobile", "iphone": "mobile", "home": "home", "personal": "home",
               "work": "work", "business": "work", "other": "other", "main": "main", "primary": "main",
               "fax": "fax", "pager": "pager", "homefax": "fax", "workfax": "fax", "otherfax": "fax"}
_NOT_A_TYPE = {"", "internet", "smtp", "pref", "voice", "x400", "x.400", "text", "msg", "video", "uri",
               "postal", "parcel", "dom", "intl"}
_HEADER_TYPES = ("fax", "pager", "mobile", "cell", "home", "personal", "work", "business", "other", "main", "primary")
_EMAIL_HEADER_TYPES = ("home", "personal", "work", "business", "other")


def _header_type(key: str, target: str) -> str | None:
    """The type a column's header names (Outlook's `Business Fax` is a fax before it is work's;
    a `Primary Email` is just the file's email, no main one: emails have no such type)."""
    words = _HEADER_TYPES if target == "phone" else _EMAIL_HEADER_TYPES
    return next((TYPE_WORDS[word] for word in words if word in key), None)


def point_type(text: str) -> str | None:
    """The type `text` names: the first of its comma-separated words that is a type we know
    (vCard's `work,pref`), else the words that name no type left out, together: a label of the
    user's own, as they wrote it ("Bureau, 2ème", which a comma does not cut). None for none."""
    # Google marks the preferred type "* Work"
    words = [w.strip().removeprefix("*").strip() for w in text.split(",")]
    words = [w for w in words if w and w.lower() not in _NOT_A_TYPE]
    known = next((TYPE_WORDS[w.lower()] for w in words if w.lower() in TYPE_WORDS), None)
    if known is not None:
        return known
    label = ", ".join(words)
    return label if label and len(label) <= 50 and "\x00" not in label else None  # (NUL: unstorable)


def _numbered_alias(key: str) -> str:
    """The header of one more email or phone column (see _MORE_POINTS); anything else is ignored."""
    match = _MORE_POINTS.fullmatch(key)
    if match is None:
        return "ignore"
    return "email" if match.group("email") else "phone"


# Files with several addresses per contact, each a block of columns: Google's `Address 2 - City`,
# Outlook's `Home City` / `Business City` / `Other City`, our CSV export's `address_2_line1`. A row takes, whole, the first block (in
# column order) with a street or a city, else the first holding anything (a country alone, as some
# exports fill in everywhere): parts of two blocks would make an address nobody has.
_ADDRESS_BLOCK = re.compile(
    r"(?:address(?P<number>\d{1,2})|(?P<place>business|home|other))"
    r"(?P<part>street|street2|extendedaddress|line1|line2|city|state|region|postalcode|country|country/region|type"
    r"|label)"
)
_BLOCK_PARTS = {
    "street": "address", "street2": "address_line2", "extendedaddress": "address_line2", "line1": "address",
    "line2": "address_line2", "city": "city",
    "state": "region", "region": "region", "postalcode": "postal_code", "country": "country", "country/region": "country",
    "type": "address_type", "label": "address_type",
}


_BLOCK_NAME = re.compile(r"address(?P<number>\d{1,2})|(?P<place>business|home|other)")


def _block_named_by(key: str) -> str:
    """The address block a header's first word names (`Business …`, `Address 2 …`), or none."""
    match = _BLOCK_NAME.match(key)
    return (match.group("number") or match.group("place")) if match else ""


def _address_block(key: str) -> tuple[str, str] | None:
    """(target, block) of a column of one address block (see _ADDRESS_BLOCK), else None."""
    match = _ADDRESS_BLOCK.fullmatch(key)
    if match is None:
        return None
    return _BLOCK_PARTS[match.group("part")], match.group("number") or match.group("place")


def _norm_header(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())

@dataclass
class Column:
    index: int
    header: str
    target: str  # a FIELD_TARGETS entry, metadata.<path>, social.<network>, or document (a JSONL line)
    block: str = ""  # which of the file's address blocks an address column belongs to (see _address_block)
    point_type: str | None = None  # an email or phone column's type, from its header (`Mobile Phone`)
    types_at: int | None = None  # the column holding its values' types (Google's `Phone 1 - Type`)


def plan_columns(headers: list[str], mapping: dict[str, str] | None) -> list[Column]:
    """Which column feeds which field. The caller's mapping wins over the known headers;
    other columns are ignored."""
    given = {_norm_header(k): v for k, v in (mapping or {}).items()}
    present = {_norm_header(h) for h in headers}
    aliases = {**HEADER_ALIASES, **{key: target for (beside, key), target in ALIASES_BESIDE.items() if beside in present}}
    missing = [k for k in (mapping or {}) if _norm_header(k) not in present]
    if missing:
        named = [h for h in headers if h.strip()]
        shown = ", ".join(named[:20]) + (f" and {len(named) - 20} more" if len(named) > 20 else "")
        raise InvalidInput([FieldError(f"mapping.{k}", f"no such column in the file (its columns: {shown})")
                            for k in missing])
    columns = []
    for i, header in enumerate(headers):
        key = _norm_header(header)
        block = ""
        if key in given:
            target = given[key]
            if target in ADDRESS_TARGETS:
                block = _block_named_by(key)  # `Business Street 3` mapped joins the Business address
        elif header.strip().lower().startswith("metadata.") and is_metadata_target("metadata." + header.strip()[9:].strip()):
            target = "metadata." + header.strip()[9:].strip()
        elif is_social_target(header.strip().lower()):
            target = header.strip().lower()
        elif key in aliases:
            target = aliases[key]
        elif in_block := _address_block(key):
            target, block = in_block
        else:
            target = _numbered_alias(key)
        if target != "ignore":
            columns.append(Column(i, header.strip(), target, block))
    _check_no_clash(columns)
    keys = [_norm_header(h) for h in headers]
    for col in columns:
        if col.target in ("email", "phone"):
            col.point_type = _header_type(keys[col.index], col.target)
            col.types_at = _types_column(keys, keys[col.index])
    if not any(c.target in ("name", "first_name", "last_name", "email", "phone") for c in columns):
        # what was read, so a wrong delimiter or a missing header row shows at once
        seen = ", ".join(repr(h[:40]) for h in headers[:5]) + (", …" if len(headers) > 5 else "")
        raise InvalidInput(FieldError(
            "columns", "no column names a contact: expected Name (or First Name and Last Name), Email or Phone"
            + (f" (the header row read: {seen})" if headers else " (the file has no header row)")
        ))
    return columns


def ignored_headers(headers: list[str], columns: list[Column]) -> list[str]:
    """The named columns of the file no field reads (see plan_columns), in the file's order: not
    those giving the types of the emails or phones beside them (Google's `Phone 1 - Label`)."""
    read = {c.index for c in columns} | {c.types_at for c in columns}
    return [h for i, h in enumerate(headers) if h and i not in read]


def _check_no_clash(columns: list[Column]) -> None:
    """`metadata.a` beside `metadata.a.b` (a value and keys under one name): one would overwrite
    the other in every row, so the import is refused, naming them. (Two columns filling one
    field that holds one value, as a file's `Company` and `Company Name` both do, are read in
    column order, the first that holds something kept: see core/import_rows.py, RowParser.parse.)"""
    attributes = [c for c in columns if c.target.startswith("metadata.")]
    faults = [FieldError("columns", f"{outer.header!r} and {inner.header!r}: {outer.target} cannot be a value "
                                    f"and hold {inner.target} too")
              for outer in attributes for inner in attributes if inner.target.startswith(outer.target + ".")]
    if faults:
        raise InvalidInput(faults)


def _types_column(keys: list[str], key: str) -> int | None:
    """Where the types of an email or phone column's values are: Google's `E-mail 1 - Label`
    (`- Type` in its older files) beside `E-mail 1 - Value`, a vCard's `Phone - Type` beside
    `Phone` (see core/vcards.py)."""
    stem = key.removesuffix("value").removesuffix("address")
    return next((i for i, other in enumerate(keys) if other in (stem + "type", stem + "label")), None)
