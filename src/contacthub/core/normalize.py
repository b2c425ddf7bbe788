"""One normalization for every door, so an email or phone written through any of them is the
same identity. Errors are ValueError with a message a user can act on."""

import phonenumbers
from email_validator import EmailNotValidError, validate_email


def normalize_email(raw: str) -> str:
    """Syntax check without network; the whole address lower-cased for matching."""
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
