"""core/accounts: the membership rules, whichever door asks."""

import uuid

import pytest

from contacthub.core import accounts, contacts
from contacthub.core.errors import InvalidInput, NotFound
from contacthub.core.inputs import ContactInput, EmailInput, WriteOptions
from contacthub.repositories.accounts import MemberFilter

OPTIONS = WriteOptions(on_duplicate="create")


@pytest.fixture
def account(db, actor):
    with db.write() as session:
        source = accounts.create_data_source(session, actor, accounts.DataSourceInput(name="Billing"))
        return accounts.create_account(session, actor, accounts.AccountInput(data_source_id=source.id, external_id="a1"))


def _member(session, actor, account, position=None, email=None, **fields):
    data = ContactInput(emails=[EmailInput(address=email)] if email else None, **fields) if email else ContactInput(**fields)
    return accounts.create_member(session, actor, data, account_id=account.id, data_source_id=None,
                                  position=position, options=OPTIONS)


def test_positions(db, actor, account):
    with db.write() as session:
        a = _member(session, actor, account)
        b = _member(session, actor, account)
        c = _member(session, actor, account, position=2)
        far = _member(session, actor, account, position=50)
        assert (a.position, b.position, c.position, far.position) == (1, 2, 2, 50)
        page = accounts.list_members(session, actor, MemberFilter(account_id=account.id), None, 10)
        assert {m.contact.id: m.position for m in page.items} == {
            a.contact.id: 1, b.contact.id: 3, c.contact.id: 2, far.contact.id: 50}
        with pytest.raises(InvalidInput):
            _member(session, actor, account, position=0)


def test_email_unique_per_account_only(db, actor, account):
    with db.write() as session:
        _member(session, actor, account, email="ada@example.com")
        with pytest.raises(InvalidInput) as caught:
            _member(session, actor, account, email="Ada@Example.com")
        assert caught.value.errors[0].field == "emails[0].address"
        other = accounts.create_account(session, actor, accounts.AccountInput(
            data_source_id=account.data_source_id, external_id="a2"))
        assert _member(session, actor, other, email="ada@example.com").account.id == other.id


def test_member_data_source_and_external_id_are_identifiers(db, actor, account):
    with db.write() as session:
        member = accounts.create_member(session, actor, ContactInput(first_name="Ada"), account_id=None,
                                        data_source_id=account.data_source_id, external_id="e1", options=OPTIONS)
        assert member.account is None and member.data_source_id == account.data_source_id
        view = contacts.get(session, actor, member.contact.id)
        assert {(p.key, p.value) for p in view.identifiers} == {("data_source", str(account.data_source_id)), ("external_id", "e1")}
        updated = accounts.update_member(session, actor, member.contact.id, ContactInput(), external_id=None)
        assert updated.external_id is None and updated.data_source_id == account.data_source_id


def test_merged_ids_are_not_live(db, actor, account):
    with db.write() as session:
        a, b = _member(session, actor, account), _member(session, actor, account)
        accounts.merge_members(session, actor, a.contact.id, b.contact.id)
        assert contacts.get(session, actor, b.contact.id).id == a.contact.id  # the core still resolves it
        with pytest.raises(NotFound):
            accounts.get_member(session, actor, b.contact.id)


def test_unknown_account_and_source(db, actor):
    with db.write() as session:
        with pytest.raises(NotFound):
            accounts.create_member(session, actor, ContactInput(), account_id=uuid.uuid4(), data_source_id=None)
        with pytest.raises(InvalidInput):
            accounts.create_member(session, actor, ContactInput(), account_id=None, data_source_id=uuid.uuid4())


def test_an_account_named_twice_in_a_write_is_one_membership(db, actor, account):
    """Was an IntegrityError (a 500 at every door) on both engines; lists already worked so."""
    from contacthub.core.inputs import AccountLink

    with db.write() as session:
        view = contacts.create(session, actor, ContactInput(display_name="Twice", accounts=[
            AccountLink(id=account.id, position=3), AccountLink(id=account.id, position=7)]), OPTIONS)
        assert [(a.id, a.position) for a in view.accounts] == [(account.id, 3)]
        again = contacts.update(session, actor, view.id, ContactInput(accounts=[
            AccountLink(id=account.id), AccountLink(id=account.id, position=2)]), OPTIONS)
        # the first names no position: the contact keeps its place
        assert [(a.id, a.position) for a in again.accounts] == [(account.id, 3)]


def test_an_account_named_without_a_position_keeps_or_appends_the_contact(db, actor, account):
    """Any door: writing back accounts without positions moves no one; joining goes last."""
    from contacthub.core.inputs import AccountLink

    with db.write() as session:
        first = contacts.create(session, actor, ContactInput(display_name="First", accounts=[
            AccountLink(id=account.id, position=5)]), OPTIONS)
        second = contacts.create(session, actor, ContactInput(display_name="Second", accounts=[
            AccountLink(id=account.id)]), OPTIONS)
        assert [a.position for a in second.accounts] == [6]
        again = contacts.update(session, actor, first.id, ContactInput(accounts=[AccountLink(id=account.id)]), OPTIONS)
        assert [a.position for a in again.accounts] == [5]
