import pytest

from contacthub.core.normalize import normalize_email, normalize_phone


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
    ],
)
def test_phones_become_e164(raw, region, expected):
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["12", "not a phone", "+1234567890"])
def test_impossible_phones_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw, "US")
