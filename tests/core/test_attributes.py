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


def test_a_definition_made_in_a_transaction_rules_the_creates_after_it(db, workspace):
    """Definitions are read once per transaction; one created, changed or deleted in it is seen
    by the next create all the same."""
    import pytest

    from contacthub.core import attributes, contacts
    from contacthub.core.actor import Actor
    from contacthub.core.errors import InvalidInput
    from contacthub.core.inputs import ContactInput

    actor = Actor(workspace.workspace_id, workspace.key_id, "native")
    with db.write() as session:
        loose = contacts.create(session, actor, ContactInput(first_name="A", attributes={"age": "old"}))
        assert loose.attributes == {"age": "old"}  # no definition yet: kept as given
        attributes.create_definition(session, actor, attributes.DefinitionInput(key="age", type="integer"))
        with pytest.raises(InvalidInput, match="attributes.age"):
            contacts.create(session, actor, ContactInput(first_name="B", attributes={"age": "old"}))
        typed = contacts.create(session, actor, ContactInput(first_name="C", attributes={"age": "42"}))
        assert typed.attributes == {"age": 42}
        attributes.delete_definition(session, actor, "age")
        again = contacts.create(session, actor, ContactInput(first_name="D", attributes={"age": "old"}))
        assert again.attributes == {"age": "old"}
