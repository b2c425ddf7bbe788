import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from contacthub.core.normalize import normalize_email, normalize_phone, validated_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Ada@Example.COM", "ada@example.com"), ("  bob@example.org ", "bob@example.org")],
)
def test_emails_are_lowercased_and_trimmed(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["no-at-sign", "thor@gmail", "a@@b.com", "a b@c.com", ""])
def test_malformed_emails_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_email(raw)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        # a country code without its "+" (a spreadsheet's number, Bird's msisdn), or after 00
        ("447911123456", "US", "+447911123456"),
        ("31612345678", "US", "+31612345678"),
        ("0044 7911 123456", "US", "+447911123456"),
        ("12025550100", "US", "+12025550100"),
        ("2025550100", "US", "+12025550100"),  # a valid national number stays national
    ],
)
def test_phones_become_e164(raw, region, expected):
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["12", "not a phone", "+1234567890",
                                 "5550177",  # dialable only inside its area: no E.164 form
                                 "0612345672",  # a Dutch mobile without its +31 is no US number
                                 "3225123456"])  # a mistyped US number, not Belgium's +32 2 512 34 56
def test_impossible_phones_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw, "US")


_local = st.text(alphabet="abcXYZ09.+-_!#'~\"é ", min_size=0, max_size=70)
_domain = st.sampled_from(["example.com", "Mail.Example.ORG", "nodot", "ex..com", "-bad.com", "xn--bcher-kva.example",
                           "bücher.example", "localhost", "a" * 70 + ".com", "example.com.", "[127.0.0.1]"])


@hsettings(max_examples=400, deadline=None)
@given(local=_local, domain=_domain)
def test_the_fast_email_check_answers_like_email_validator(local, domain):
    """normalize_email's regex-and-cached-domain path gives email-validator's answer."""
    raw = f"{local}@{domain}"
    try:
        expected = validated_email(raw)
    except ValueError:
        expected = None
    try:
        got = normalize_email(raw)
    except ValueError:
        got = None
    assert got == expected
