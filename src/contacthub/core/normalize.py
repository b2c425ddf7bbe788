"""One normalization for every door, so an email or phone written through any of them is the
same identity. Errors are ValueError with a message a user can act on."""

import functools
import re
import unicodedata
from datetime import date, time

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# A plain ASCII local part (RFC 5322 dot-atom): the usual address, checked here by a regex.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


# Letters that are their own letter in Unicode, not a base letter and a mark, so taking the
# marks off leaves them as they are: as those who type without them write them; and the
# apostrophes a phone's keyboard types for the one people mean (O’Brien is O'Brien).
_BASE_LETTERS = str.maketrans({"ı": "i", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ŧ": "t",
                               "æ": "ae", "œ": "oe", "þ": "th", "ŋ": "n", "\u2019": "'", "\u2018": "'",
                               "\u02bc": "'"})
# The letters whose marks are accents, left off by those who type without them: Latin, Greek,
# Cyrillic, Armenian, Hebrew (niqqud) and Arabic (harakat). Elsewhere a mark makes another
# letter or sound (a Thai tone, a Devanagari virama, a Tamil pulli, the kana's voicing: ご is
# not こ) and is kept.
_ACCENTED = re.compile("[\u0000-\u058f\u0590-\u06ff\u0750-\u077f\u08a0-\u08ff\u1e00-\u1fff]")


def searchable(*parts: str | None) -> str:
    """What a contact's text search (`q`) compares: its parts joined, case and accents folded,
    so "emile" finds "Émile", "STRASSE" finds "Straße" and "isik" finds "Işık". A searched text
    is folded the same way; folding folded text changes nothing, and the folded text holds no
    capital A-Z, which SQLite's LIKE would match in any case and PostgreSQL's in its own."""
    text = " ".join(p for p in parts if p)
    if text.isascii():
        return text.lower()
    # decomposed before and after the case is folded: a letter's compatibility form may be a
    # capital (𝐉 is J) and a folded one may decompose anew (ϓ); then folded once more, and
    # composed again (a Hangul syllable is one letter, not its jamo: 이 must not find 임)
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept, accented = [], True
    for c in text:
        if unicodedata.combining(c):
            if accented:
                continue
        elif unicodedata.category(c) == "Cf":
            continue  # the invisible: a right-to-left mark, a Persian zero-width non-joiner
        else:
            accented = _ACCENTED.match(c) is not None
        kept.append(c)
    return unicodedata.normalize("NFC", "".join(kept).translate(_BASE_LETTERS).casefold())


# Han, kana and Hangul (its syllables, or the jamo a decomposed one is written in): scripts whose
# every character is a syllable (or a word), that write a name with no space between its parts,
# the family name first (王小明 is 王 小明).
SYLLABIC = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                      "\uac00-\ud7af\uf900-\ufaff]")
# Between the names of searchable_names: no searched name holds it, so none is found across two.
NAME_SEPARATOR = "\x1f"


def searchable_names(display: str | None, first: str | None, middle: str | None, last: str | None,
                     nickname: str | None, organization: str | None) -> str:
    """What the `name` filter searches (stored as a contact's name_text): each of its names,
    folded as `q`'s text is, so "muller" finds Müller: the display name, first, last, nickname
    and organization's name; first and last together, with the middle name too, and the family
    name first, as registers list names; and in a script that writes names unspaced, the family
    and given name run together (王小明), which in others would find "zoe" in Acugigozo Ethan."""
    display, first, middle, last, nickname, organization = (
        searchable(name) for name in (display, first, middle, last, nickname, organization))
    names = [display, first, last, nickname, organization, " ".join(p for p in (first, middle, last) if p)]
    if first and last:
        names += [f"{first} {last}", f"{last} {first}"]
        if SYLLABIC.search(first + last):
            names.append(last + first)
    return NAME_SEPARATOR.join(dict.fromkeys(name for name in names if name))


_DIALED = re.compile(r"\+?[\d\s().\-\u2212/]*\d[\d\s().\-\u2212/]*")


def searched(text: str) -> str:
    """A text search (`q`, PackageX's `search`) in the form it is compared in (see searchable).
    One written as a phone is dialled, `(650) 253-0000` or `650 253`, and phones are kept as
    E.164 in the searched text: it is searched by its digits, `6502530000`, `650253`, without
    the zeros a national or international prefix puts first (`020 7946 0958` in +442079460958).
    Its digits as its writer's keyboard typed them: full-width (`０３−１２３４`), Devanagari, Arabic-Indic."""
    dialled = unicodedata.normalize("NFKC", text).strip()
    if _DIALED.fullmatch(dialled):
        digits = "".join(str(unicodedata.decimal(c)) for c in dialled if c.isdecimal())
        if len(digits.lstrip("0")) >= 3:
            return digits.lstrip("0")
    return searchable(text)


def normalize_email(raw: str) -> str:
    """Syntax check without network; the whole address lower-cased for matching.

    The same answer as email-validator's, faster: a plain local part is checked by a regex and
    the domain's check (the costly part: IDNA, length, label rules) is remembered per domain;
    anything else (quoted or non-ASCII local parts, odd lengths) goes to email-validator whole."""
    text = raw.strip()
    local, at, domain = text.rpartition("@")
    if at and local and len(local) <= 64 and len(text) <= 254 and _DOT_ATOM.match(local):
        return f"{local}@{_checked_domain(domain)}".lower()
    return validated_email(raw)


@functools.lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> str:
    return validated_email("x@" + domain).rpartition("@")[2]


def validated_email(raw: str) -> str:
    """email-validator's check and normalization of the whole address, lower-cased."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return result.normalized.lower()


def normalize_phone(raw: str, default_region: str) -> str:
    """E.164. A number without a country code is read as one of default_region; one that is no
    number of it but is a valid number with a "+" in place of its 00, or put before it (from 11
    digits: see _international_without_plus), is that."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException:
        number = None
    national = not text.startswith("+")
    if national and (number is None or not phonenumbers.is_valid_number(number)):
        number = _international_without_plus(text) or number
    if number is None:
        raise ValueError("not a phone number")
    # A number dialable only inside its area (555-0177) has no E.164 form; one read in the
    # default region must be a real number of it (0612345672 is Dutch, not American).
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValueError("not a possible phone number for its country")
    if national and not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a phone number of {default_region}: give it with its country code, as +<country> <number>")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_DIAL_MARKS = re.compile(r"[\s().\-]")


def _international_without_plus(text: str) -> phonenumbers.PhoneNumber | None:
    """447911123456 is +44 7911 123456 without its "+" (a spreadsheet took it for a number;
    Bird's msisdn is written so), 0044 7911 123456 the same dialled from Europe: the number,
    if it is a valid one. Without the 00, only from 11 digits: a national number mistyped
    (3225123456 for a US one) is not taken for a foreign one of its length (+32 2 512 34 56)."""
    digits = _DIAL_MARKS.sub("", text)
    if not digits.isdigit() or digits.startswith("0") and not digits.startswith("00"):
        return None
    if not digits.startswith("00") and len(digits) < 11:
        return None
    try:
        number = phonenumbers.parse("+" + digits.removeprefix("00"), None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def phone_extension(raw: str) -> str | None:
    """The extension a phone was written with (`+1 650-253-0000 ext. 123`: "123"), which its
    E.164 form leaves out; None for most numbers, known without parsing them (no letter, `#`
    or `;` in them)."""
    if not any(c.isalpha() or c in "#;" for c in raw):
        return None
    try:  # (a number without its country code needs a region to be read; any reads its extension)
        return phonenumbers.parse(raw.strip(), None if raw.strip().startswith("+") else "US").extension or None
    except phonenumbers.NumberParseException:
        return None


def with_extension(number: str, extension: str | None) -> str:
    """A number as stored, its extension written after it (the E.164 form leaves it out)."""
    return f"{number.strip()} ext. {extension}" if extension and not phone_extension(number) else number


# What the store files a value under when it is no valid email or phone: a door may keep such
# values unchecked (CSV imports, lax vendor fields), and they must still match themselves.

def loose_email(raw: str) -> str:
    return raw.strip().lower()


def loose_phone(raw: str) -> str:
    digits = "".join(ch for ch in raw if ch.isdigit())
    return f"+{digits}" if raw.strip().startswith("+") else digits


def matching_email(raw: str) -> str:
    """The form an email is filed and matched under, valid or not."""
    try:
        return normalize_email(raw)
    except ValueError:
        return loose_email(raw)


def matching_phone(raw: str, default_region: str) -> str:
    """The form a phone is filed and matched under, valid or not."""
    try:
        return normalize_phone(raw, default_region)
    except ValueError:
        return loose_phone(raw)


# Regions that write a date with its month first (3/4/1990 is March 4th); elsewhere the day comes
# first. A part above 12 settles it either way.
_MONTH_FIRST = {"US", "PH", "FM", "MH", "PW", "GU", "AS", "MP", "VI", "PR", "UM"}
_ISO_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})([T ][\d:.+\-Z]*)?")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
_WRITTEN_DATE = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})")
_WRITTEN_DAY = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\.?")  # no year: Mailchimp's birthdays (07/14), 14.07.
# what exports write for "no date" (Outlook: 0/0/00)
_NO_DATE = re.compile(r"0{1,2}[/.\-]0{1,2}[/.\-]0{2,4}|0000-?00-?00")


def is_time_of_day(text: str) -> bool:
    """Whether a date's time part (after its T) is a time of day (`00:00:00Z`, `1230+01:00`)."""
    try:
        time.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class DateWithoutYear(ValueError):
    """A day of the year, as a birthday may be written (vCard's --12-10, Mailchimp's 12/10): no
    date to store. `iso` is the day as ISO 8601 writes one without its year (--12-10)."""

    def __init__(self, month: int, day: int):
        super().__init__("a date without its year")
        self.iso = f"--{month:02d}-{day:02d}"


def read_date(raw: str, default_region: str) -> date | None:
    """A date as files write it: ISO (1815-12-10, 18151210, with a time or not), or day, month
    and year with `/`, `.` or `-` (a 2-digit year is this century's if not later than this
    year, else the last's), the month first where default_region writes it so (US), and always
    after a dot (10.12.1815). None for a file's way of saying "no date" (0/0/00). A date with no
    year (vCard's --12-10; 12/10 or 10.12. read as above) is a DateWithoutYear, anything else a
    ValueError."""
    text = raw.strip()
    if _NO_DATE.fullmatch(text):
        return None
    if no_year := _NO_YEAR.fullmatch(text):
        raise _without_year(int(no_year[1]), int(no_year[2]))
    if iso := _ISO_DATE.fullmatch(text):
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
        if iso[4] and not is_time_of_day(iso[4][1:]):
            raise ValueError("not a date (write it as YYYY-MM-DD)")
    elif written := _WRITTEN_DATE.fullmatch(text):
        first, separator, second, year = int(written[1]), written[2], int(written[3]), int(written[4])
        if len(written[4]) == 2:
            this_year = date.today().year
            year += this_year // 100 * 100 if year <= this_year % 100 else this_year // 100 * 100 - 100
        month, day = (first, second) if _month_first(first, second, separator, default_region) else (second, first)
    elif written := _WRITTEN_DAY.fullmatch(text):
        first, separator, second = int(written[1]), written[2], int(written[3])
        month_first = _month_first(first, second, separator, default_region)
        raise _without_year(*((first, second) if month_first else (second, first)))
    else:
        raise ValueError("not a date (write it as YYYY-MM-DD)")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("not a date (write it as YYYY-MM-DD)") from None


def _month_first(first: int, second: int, separator: str, default_region: str) -> bool:
    """Whether a written date's first number is its month (see read_date)."""
    return second > 12 or (first <= 12 and separator != "." and default_region.upper() in _MONTH_FIRST)


def _without_year(month: int, day: int) -> DateWithoutYear:
    """The day of the year, checked (February 29th is one)."""
    try:
        date(2000, month, day)
    except ValueError:
        raise ValueError("not a date (write it as YYYY-MM-DD)") from None
    return DateWithoutYear(month, day)
