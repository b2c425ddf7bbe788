"""One normalization for every door, so an email or phone written through any of them is the
same identity. Errors are ValueError with a message a user can act on."""

import functools
import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# A plain ASCII local part (RFC 5322 dot-atom): the usual address, checked here by a regex.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


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
    """E.164. A number without a country code is read as one of default_region."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid_phone(raw: str, default_region: str) -> bool:
    try:
        normalize_phone(raw, default_region)
    except ValueError:
        return False
    return True


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
