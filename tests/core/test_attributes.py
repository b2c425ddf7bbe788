import pytest

from contacthub.core.attributes import coerce_value, index_pairs


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("integer", "42", 42),
        ("integer", 7.0, 7),
        ("decimal", "3.25", 3.25),
        ("decimal", 4, 4),
        ("boolean", "t", True),
        ("boolean", "0", False),
        ("boolean", False, False),
        ("string", 12, "12"),
        ("datetime", "1985-01-22", "1985-01-22"),
        ("datetime", "2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00Z"),
    ],
)
def test_values_are_coerced_to_their_type(kind, raw, expected):
    assert coerce_value(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [("integer", "4.5"), ("integer", True), ("decimal", "abc"), ("boolean", "maybe"), ("datetime", "yesterday"),
     ("string", {"a": 1})],
)
def test_values_that_do_not_fit_are_refused(kind, raw):
    with pytest.raises(ValueError):
        coerce_value(kind, raw)


def test_index_pairs_cover_scalars_and_list_items_but_not_objects():
    pairs = index_pairs({"tier": "gold", "tags": ["a", "b"], "vip": True, "nested": {"x": 1}, "gone": None})
    assert sorted(pairs) == [("tags", "a"), ("tags", "b"), ("tier", "gold"), ("vip", "true")]
