"""The identity engine: profiles, blocking keys, scores and reasons, and resolution against a real store."""

from datetime import date

import pytest

from contacthub.core import contacts, identity, merge
from contacthub.core.identity_rules import (
    blocking_keys,
    build_profile,
    compare,
    exact_keys,
    names_clash,
    same_by_nickname,
    soundex,
)
from contacthub.core.inputs import ContactInput


def person(**kw):
    return build_profile(kind="person", **kw)


def test_soundex_and_nicknames():
    assert soundex("robert") == soundex("rupert") == "r163"
    assert soundex("ashcraft") == "a261"
    assert soundex("tymczak") == "t522"
    assert same_by_nickname("bob", "robert") and same_by_nickname("bill", "william")
    assert not same_by_nickname("bob", "william")


def test_a_person_known_by_one_name_line_is_read_as_first_and_last():
    for line, names in (("Ada Lovelace", ("ada", "lovelace")), ("Dr. Ada King Lovelace PhD", ("ada", "lovelace")),
                        ("Madonna", ("", "")), ("Lovelace, Ada", ("", "")), (None, ("", ""))):
        profile = person(display=line)
        assert (profile["first"], profile["last"]) == names, line
    assert person(first="Ada", display="Countess Lovelace")["last"] == ""  # parts given: the line is not read
    assert build_profile(kind="organization", display="Acme Ltd")["org"] == "acme ltd"
    household = compare(person(display="Gamora Quill", emails=["quills@example.com"]),
                        person(display="Peter Quill", emails=["quills@example.com"]))
    assert names_clash(household.reasons)


def test_blocking_keys_cover_exact_and_fuzzy_evidence():
    p = person(first="Robert", last="Smith", birth=date(1970, 1, 2), emails=["bob.smith@example.com"],
               phones=["+12025550100"], ids=[("crm", "42")],
               addresses=[("12 High Street", None, "Springfield", "62701", "IL")])
    keys = blocking_keys(p)
    assert {"e:bob.smith@example.com", "p:+12025550100", "i:crm=42"} <= set(keys)
    assert set(exact_keys(p)) == {"e:bob.smith@example.com", "p:+12025550100", "i:crm=42"}
    assert "b:1970-01-02" in keys and "a:62701:12" in keys and "el:bobsmith" in keys
    assert f"fl:r{soundex('smith')}" in keys
    # Bob files under Robert's codes too, so the two meet
    assert set(blocking_keys(person(first="Bob", last="Smith"))) & set(blocking_keys(person(first="Robert", last="Smyth")))


def test_score_rewards_agreement_and_explains_it():
    a = person(first="Bob", last="Smith", birth=date(1970, 1, 2), addresses=[("12 High St", None, "Springfield", "62701", "IL")])
    b = person(first="Robert", last="Smyth", birth=date(1970, 1, 2), addresses=[("12 High St", None, "Springfield", "62701", "IL")])
    score = compare(a, b)
    outcomes = {r["field"]: r["outcome"] for r in score.reasons}
    assert outcomes == {"first_name": "nickname", "last_name": "similar", "birth_date": "exact", "address": "agrees"}
    assert score.total > 20
    other = person(first="Alice", last="Jones", birth=date(1981, 5, 6), addresses=[("9 Low Rd", None, "Shelbyville", "11111", "KY")])
    assert compare(a, other).total < 0


def test_swapped_names_and_near_birth_dates_still_agree():
    a = person(first="Lydia", last="Mccarthy", birth=date(1975, 12, 20))
    b = person(first="Mccarthy", last="Lydia", birth=date(1975, 12, 2))
    score = compare(a, b)
    assert "swapped" in score.reasons[0]["outcome"]
    assert {r["field"]: r["outcome"] for r in score.reasons}["birth_date"] == "near"
    assert score.total > 6


def test_household_members_are_not_one_person():
    home = [("12 High St", None, "Springfield", "62701", "IL")]
    a = person(first="Homer", last="Simpson", birth=date(1956, 5, 12), addresses=home)
    b = person(first="Marge", last="Simpson", birth=date(1958, 3, 19), addresses=home)
    score = compare(a, b)
    assert identity.Match(None, score.total, score.reasons, exact=False).decision != "merge"


def _decision(a, b, exact: bool = True) -> str:
    score = compare(a, b)
    return identity.Match(None, score.total, score.reasons, exact=exact).decision


@pytest.mark.parametrize("first_a,first_b", [("Louis", "Louise"), ("Joseph", "Josephine"),
                                             ("Patrick", "Patricia"), ("Alexander", "Alexandra"),
                                             ("Daniel", "Danielle")])
def test_a_mans_name_and_the_womans_made_from_it_are_two_people(first_a, first_b):
    """Louis and Louise Smith sharing a household email merged (their names "similar")."""
    home = dict(last="Smith", emails=["smiths@example.com"], addresses=[("9 Elm St", None, "Springfield", "62701", "IL")])
    assert _decision(person(first=first_a, **home), person(first=first_b, **home)) == "review"
    assert _decision(person(first="Jon", **home), person(first="John", **home)) == "merge"  # a typo still merges


def test_a_generation_on_one_side_only_is_reviewed_not_merged():
    """John Smith and John Smith Jr. sharing a home and a phone merged: a suffix counted only
    when both names had one. The same birth date says it is one man, his suffix written once."""
    home = dict(last="Smith", phones=["+12025550100"], addresses=[("1 Oak Ave", None, "Springfield", "62701", "IL")])
    assert _decision(person(first="John", **home), person(first="John", suffix="Jr.", **home)) == "review"
    same_day = dict(birth=date(1965, 2, 3), **home)
    assert _decision(person(first="John", **same_day), person(first="John", suffix="Jr.", **same_day)) == "merge"
    assert _decision(person(first="John", suffix="PhD", **home), person(first="John", **home)) == "merge"  # no generation


@pytest.mark.parametrize("one,other", [(("Иван", "Петров"), ("Мария", "Петрова")), (("伟", "王"), ("芳", "王")),
                                       (("Νίκος", "Παπαδόπουλος"), ("Ελένη", "Παπαδοπούλου"))])
def test_names_in_another_script_are_compared_as_names(one, other):
    """Names with no Latin letter folded to nothing: a household of Иван and Мария sharing a
    phone and a home merged (no names to clash). They are compared as Latin names are."""
    home = dict(phones=["+74951234567"], addresses=[("ул. Ленина 1", None, "Москва", "101000", "RU")])
    assert _decision(person(first=one[0], last=one[1], **home), person(first=other[0], last=other[1], **home)) == "review"
    assert _decision(person(first=one[0], last=one[1], **home), person(first=one[0], last=one[1], **home)) == "merge"


@pytest.mark.parametrize("first_a,first_b,last", [("小明", "小红", "王"), ("민수", "민준", "김"), ("花子", "桃子", "山田")])
def test_siblings_whose_syllabic_names_are_one_character_apart_are_two_people(first_a, first_b, last):
    """王小明 and 王小红 sharing the family phone merged: one character apart was "similar", as a
    typo in a Latin name is, where each character here is a syllable of another name."""
    home = dict(last=last, phones=["+8613800138000"])
    assert _decision(person(first=first_a, **home), person(first=first_b, **home)) == "review"
    assert _decision(person(first=first_a, **home), person(first=first_a, **home)) == "merge"


def test_an_emails_local_part_alone_is_no_evidence_beyond_the_name():
    """David Lee at two companies (david.lee@acme, david.lee@globex) merged on the name plus +3."""
    a = person(first="David", last="Lee", emails=["david.lee@acme.com"], employer="Acme")
    b = person(first="David", last="Lee", emails=["david.lee@globex.com"], employer="Globex")
    assert _decision(a, b, exact=False) == "review"


def test_resolution_merges_creates_and_reviews(db, actor):
    ada = ContactInput(first_name="Ada", last_name="Lovelace", birth_date=date(1815, 12, 10), emails=[{"address": "ada@example.com"}])
    with db.write() as s:
        first = identity.write(s, actor, ada, "merge")
    assert first.created
    again = ContactInput(first_name="Ada", last_name="Lovelace", birth_date=date(1815, 12, 10), phones=[{"number": "+442079460958"}])
    with db.write() as s:
        second = identity.write(s, actor, again, "merge")
    assert not second.created and second.merged_into == first.contact.id
    assert [p.normalized for p in second.contact.phones] == ["+442079460958"]
    assert {r["field"] for r in second.match.reasons} >= {"first_name", "last_name", "birth_date"}
    # a name alone is not enough to merge: review queues it instead
    namesake = ContactInput(first_name="Ada", last_name="Lovelace")
    with db.write() as s:
        third = identity.write(s, actor, namesake, "merge")
    assert third.created and [m.contact_id for m in third.reviews] == [first.contact.id]
    with db.read() as s:
        assert contacts.count(s, actor) == 2
        ranked = identity.match(s, actor, ContactInput(first_name="Ada", last_name="Lovelace", birth_date=date(1815, 12, 10)))
    assert ranked[0][0].id == first.contact.id and ranked[0][1].decision == "merge"


def test_another_first_name_on_a_shared_email_is_reviewed_not_merged(db, actor):
    """A household shares an email; an office shares info@. Neither is one person, and a
    nameless record the contact absorbed must not let another name in either."""
    def write(policy="merge", **fields):
        with db.write() as s:
            return identity.write(s, actor, ContactInput(**fields), policy)

    peter = write(first_name="Peter", last_name="Quill", emails=[{"address": "pq@example.com"}])
    gamora = write(first_name="Gamora", last_name="Quill", emails=[{"address": "pq@example.com"}])
    assert gamora.created and [m.contact_id for m in gamora.reviews] == [peter.contact.id]
    assert gamora.reviews[0].decision == "review"

    grace = write(first_name="Grace", last_name="Hopper", emails=[{"address": "gh@example.com"}])
    nameless = write(emails=[{"address": "gh@example.com"}])
    assert nameless.merged_into == grace.contact.id
    zack = write(first_name="Zack", last_name="Mortimer", emails=[{"address": "gh@example.com"}])
    assert zack.created and zack.merged_into is None
    nickname = write(first_name="Gracie", last_name="Hopper", emails=[{"address": "gh@example.com"}])
    assert nickname.merged_into == grace.contact.id  # a near spelling is no other person

    acme = write(kind="organization", organization_name="Acme", emails=[{"address": "info@acme.example"}])
    globex = write(kind="organization", organization_name="Globex", emails=[{"address": "info@acme.example"}])
    assert globex.created and globex.reviews[0].contact_id == acme.contact.id
    with db.read() as s:
        assert contacts.get(s, actor, grace.contact.id).first_name == "Grace"
        assert contacts.get(s, actor, acme.contact.id).organization_name == "Acme"

    # the same birth date says a first name keyed in wrong is a slip, not another person
    keyed = write(first_name="Katherine", last_name="Ng", birth_date=date(1990, 4, 2), emails=[{"address": "kn@example.com"}])
    slip = write(first_name="Bella", last_name="Ng", birth_date=date(1990, 4, 2), emails=[{"address": "kn@example.com"}])
    assert slip.merged_into == keyed.contact.id
    # an identifier another system gave both says they are one, whatever the names say
    crm = write(first_name="Bob", last_name="Smith", identifiers=[{"key": "crm", "value": "c-1"}])
    renamed = write(first_name="Alice", last_name="Smith", identifiers=[{"key": "crm", "value": "c-1"}])
    assert renamed.merged_into == crm.contact.id


def test_a_key_many_contacts_share_is_looked_at_only_so_far(db, actor, monkeypatch):
    """A blocking key shared by more contacts than BLOCK_LIMIT (a common initial and surname)
    contributes only that many candidates, so its cost stays flat as the block grows; a contact
    sharing a rarer key, or an exact one, is still found beyond it."""
    from contacthub.repositories import identity as identity_repo

    monkeypatch.setattr(identity, "BLOCK_LIMIT", 3)
    with db.write() as s:
        smiths = [identity.write(s, actor, ContactInput(first_name=f"J{n}", last_name="Smith"), "create").contact
                  for n in range(8)]
        last = identity.write(s, actor, ContactInput(
            first_name="John", last_name="Smith", birth_date=date(1970, 1, 2), emails=[{"address": "js@example.com"}],
            addresses=[{"line1": "12 High Street", "city": "Springfield", "postal_code": "62701"}]), "create").contact
    common = f"fl:j{soundex('smith')}"
    with db.read() as s:
        assert len(identity_repo.candidates(s, actor.workspace_id, [common], 100, per_key=3)) == 3
        assert len(identity_repo.candidates(s, actor.workspace_id, [common], 100, per_key=50)) == 9
        # the ninth Smith, past the limit of the common key, by a rarer key (the birth date) ...
        by_birth = identity.match(s, actor, ContactInput(first_name="John", last_name="Smith", birth_date=date(1970, 1, 2)))
        # ... and by an exact one (the email) alone
        by_email = identity.match(s, actor, ContactInput(first_name="Jo", last_name="Smith", emails=[{"address": "js@example.com"}]))
    assert smiths and by_birth[0][0].id == last.id and by_email[0][0].id == last.id


def test_index_follows_updates_deletes_merges_and_unmerges(db, actor):
    with db.write() as s:
        a = contacts.create(s, actor, ContactInput(first_name="Grace", last_name="Hopper", emails=[{"address": "grace@navy.mil"}]))
        b = contacts.create(s, actor, ContactInput(first_name="Grace", last_name="Hopper", emails=[{"address": "gh@yale.edu"}]),
                            )
    probe = ContactInput(emails=[{"address": "gh@yale.edu"}])
    with db.read() as s:
        assert [m.contact_id for m in identity.rank(s, actor.workspace_id, identity.profile_of_input(probe))][:1] == [b.id]
    with db.write() as s:
        merge.merge(s, actor, a.id, b.id)
    with db.read() as s:
        assert identity.rank(s, actor.workspace_id, identity.profile_of_input(probe))[0].contact_id == a.id
    with db.write() as s:
        merge.unmerge(s, actor, a.id, b.id)
    with db.read() as s:
        assert identity.rank(s, actor.workspace_id, identity.profile_of_input(probe))[0].contact_id == b.id
    with db.write() as s:
        contacts.update(s, actor, b.id, ContactInput(emails=[{"address": "hopper@cobol.org"}]))
    with db.read() as s:
        assert all(m.contact_id != b.id or not m.exact for m in identity.rank(s, actor.workspace_id, identity.profile_of_input(probe)))
    # a change the identity profile does not hold (notes, a title) leaves the contact filed as it was
    cobol = ContactInput(emails=[{"address": "hopper@cobol.org"}])
    with db.write() as s:
        contacts.update(s, actor, b.id, ContactInput(notes="Rear admiral", title="Programmer"))
    with db.read() as s:
        found = identity.rank(s, actor.workspace_id, identity.profile_of_input(cobol))[0]
    assert (found.contact_id, found.exact) == (b.id, True)
    with db.write() as s:
        contacts.delete(s, actor, b.id)
    with db.read() as s:
        assert b.id not in {m.contact_id for m in identity.rank(
            s, actor.workspace_id, identity.profile_of_input(ContactInput(emails=[{"address": "hopper@cobol.org"}])))}


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)
_profiles = st.builds(
    lambda f, l, d, pc: person(first=f, last=l, birth=d, addresses=[(f"{len(f)} {l} street", None, "town", pc, "nsw")]),
    _names, _names, st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.from_regex(r"[0-9]{4}", fullmatch=True),
)


@settings(max_examples=200, deadline=None)
@given(_profiles, _profiles)
def test_scores_are_symmetric_and_a_record_matches_itself(a, b):
    assert compare(a, b).total == compare(b, a).total
    itself = compare(a, a)
    assert identity.Match(None, itself.total, itself.reasons, exact=False).decision == "merge"
    assert set(blocking_keys(a)) & set(blocking_keys(a))


def test_a_record_matching_two_people_joins_only_the_one_it_is(db, actor):
    def write(policy="merge", **fields):
        with db.write() as s:
            return identity.write(s, actor, ContactInput(**fields), policy)

    john = write("create", first_name="John", last_name="Baker", emails=[{"address": "john@x.example"}],
                 phones=[{"number": "+12125550171"}])
    mary = write("create", first_name="Mary", last_name="Baker", emails=[{"address": "mary@x.example"}],
                 phones=[{"number": "+12125550172"}])
    both = write(emails=[{"address": "john@x.example"}], phones=[{"number": "+12125550172"}])
    assert both.merged_into == john.contact.id
    with db.read() as s:
        assert contacts.get(s, actor, mary.contact.id).id == mary.contact.id  # Mary is not folded into John
        queued = identity.reviews_page(s, actor, "open", None, 10)
    assert {(r.contact_id, r.candidate_id) for r in queued} == {(mary.contact.id, john.contact.id)}


def test_a_stronger_review_candidate_does_not_hide_the_contact_to_merge_into(db, actor):
    def write(policy="merge", **fields):
        with db.write() as s:
            return identity.write(s, actor, ContactInput(**fields), policy)

    home = dict(addresses=[{"line1": "12 High St", "city": "Springfield", "postal_code": "62701"}],
                phones=[{"number": "+12175550100"}])
    john = write("create", first_name="John", last_name="Baker", birth_date=date(1960, 1, 2),
                 emails=[{"address": "bakers@x.example"}], **home)
    mary = write("create", first_name="Mary", last_name="Baker", emails=[{"address": "mary@x.example"}])
    again = write(first_name="Mary", last_name="Baker", emails=[{"address": "bakers@x.example"}, {"address": "mary@x.example"}],
                  **home)
    assert again.merged_into == mary.contact.id
    with db.read() as s:
        ranked = identity.match(s, actor, ContactInput(first_name="Mary", last_name="Baker",
                                                       emails=[{"address": "mary@x.example"}]))
    assert ranked[0][0].id == mary.contact.id and john.contact.id != mary.contact.id


def test_the_holder_of_a_record_s_phone_is_found_among_any_number_of_namesakes(db, actor):
    """Six John Smiths known by their emails and one known by his phone alone: a record with
    that phone merges into him, however many namesakes score as well as he does."""
    def write(policy="merge", **fields):
        with db.write() as s:
            return identity.write(s, actor, ContactInput(**fields), policy)

    for i in range(6):
        write("create", first_name="John", last_name="Smith", emails=[{"address": f"john{i}@smith.example"}])
    holder = write("create", display_name="John Smith", phones=[{"number": "+14155550199"}])  # as Bird writes him
    again = write(first_name="John", last_name="Smith", phones=[{"number": "+1 415 555 0199"}])
    assert again.merged_into == holder.contact.id, (again.created, again.reviews)


def test_father_and_son_of_one_name_are_two_people(db, actor):
    def write(policy="merge", **fields):
        with db.write() as s:
            return identity.write(s, actor, ContactInput(**fields), policy)

    home = dict(phones=[{"number": "+12815550100"}], addresses=[{"line1": "9 Ring Rd", "city": "Houston"}])
    senior = write("create", first_name="George", last_name="Foreman", suffix="Sr.", birth_date=date(1949, 1, 10), **home)
    junior = write(first_name="George", last_name="Foreman", suffix="Jr", birth_date=date(1975, 3, 3), **home)
    assert junior.created and junior.reviews[0].contact_id == senior.contact.id
    hank = write("create", first_name="Hank", last_name="Williams", suffix="Sr", **home)
    son = write(first_name="Hank", last_name="Williams", suffix="Junior", **home)
    assert son.created and hank.contact.id in [m.contact_id for m in son.reviews]
    again = write(first_name="Hank", last_name="Williams", suffix="Jr.", **home)
    assert again.merged_into == son.contact.id  # the same generation is the same person
    degree = write(first_name="George", last_name="Foreman", suffix="PhD", birth_date=date(1949, 1, 10), **home)
    assert degree.merged_into == senior.contact.id  # a degree says nothing of the generation
