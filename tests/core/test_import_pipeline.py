"""The fast paths of the bulk import, on both engines: rows parsed in a child process give the
same outcomes, contacts, history and identity filing as rows parsed inline; the bulk writer
stores what every other write path stores; the garbage collector comes back after an import."""

import gc
import uuid

import pytest
from sqlalchemy import select

from contacthub.core import contacts, identity, import_columns, import_jobs, import_rows
from contacthub.core.import_pipeline import gc_paused
from contacthub.core.imports import ImportOptions, SourceSpec
from contacthub.core.inputs import ContactInput
from contacthub.db.models import Event, IdentityClaim, IdentityKey, IdentityProfile
from contacthub.repositories.contacts import ContactFilter
from contacthub.settings import Settings

# Groups (a Type column: two passes), in-file duplicates across batches, invalid rows,
# metadata, addresses, a broken quote, a blank line.
FILE = (
    "Name,Type,Groups,Email,Phone,Address,Address Line2,metadata.source,metadata.score\n"
    "Ada Lovelace,,Team,ada@example.com,+44 20 7946 0958,12 High St,Apt 1,csv,7\n"
    "Team,group,,,,,,,\n"
    "Bad Email,,,not-an-email,,,,csv,1\n"
    "Grace Hopper,,Team;Nobody,grace@navy.mil,+1 202 555 0100,1 Navy Yard,,csv,9\n"
    "\n"
    "Ada Again,,,ADA@example.com,+1 415 555 0199,,,other,3\n"
    "Bad Phone,,,bad@example.com,12,,,,\n"
    "Alan Turing,,Team,alan@example.org,,Bletchley Park,,csv,\n"
    "Grace H,,,,+1 (202) 555-0100,,,,\n"
    'Broken,"unclosed\n'
)


def _import(db, actor, tmp_path, database_url, parallel: bool, content: str = FILE, batch_size: int = 2, **options):
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_text(content)
    settings = Settings(database_url=database_url, import_batch_size=batch_size,
                        import_parallel_min_rows=1 if parallel else 0)
    return import_jobs.import_now(db, actor, SourceSpec(path=str(path)), ImportOptions(**options), settings)


def _snapshot(db, actor, job):
    """What a user sees of an import: each row's outcome (ids replaced by the row that created
    the contact), and each live contact with its emails, phones, address, metadata and groups."""
    with db.read() as session:
        rows = import_jobs.row_outcomes(session, actor, job.id, None, -1, 1000)
        views = contacts.list_page(session, actor, ContactFilter(), None, 200).items
    creator = {r.contact_id: r.row_index for r in rows if r.status == "created"}

    def named(text):
        for contact_id, index in creator.items():
            text = text.replace(str(contact_id), f"<row {index}>")
        return text

    outcomes = [(r.row_index, r.status, creator.get(r.contact_id), r.errors, named(r.note or ""), r.raw) for r in rows]
    people = sorted(
        (v.kind, v.computed_display_name, tuple(e.normalized for e in v.emails), tuple(p.normalized for p in v.phones),
         tuple((a.line1, a.line2) for a in v.addresses), tuple(sorted(v.attributes.items())))
        for v in views
    )
    return outcomes, people


@pytest.mark.parametrize("policy", ["merge", "review"])
def test_a_child_parser_gives_the_same_import_as_inline_parsing(db, actor, tmp_path, database_url, policy):
    inline = _import(db, actor, tmp_path, database_url, parallel=False, on_duplicate=policy, overwrite=True)
    expected = _snapshot(db, actor, inline)
    parallel = _import(db, actor, tmp_path, database_url, parallel=True, on_duplicate=policy, overwrite=True)
    assert parallel.status == "succeeded", parallel.error
    assert _snapshot(db, actor, parallel) == expected
    assert (parallel.created, parallel.merged, parallel.invalid, parallel.review) == (
        inline.created, inline.merged, inline.invalid, inline.review)
    outcomes = expected[0]
    assert [o[1] for o in outcomes if o[0] in (2, 6, 9)] == ["invalid"] * 3
    assert len(outcomes) == 9  # the blank line has no outcome


@pytest.mark.parametrize("parallel", [False, True])
def test_notes_above_the_header_row_change_nothing(db, actor, tmp_path, database_url, parallel):
    """The same file with a preamble (as LinkedIn's exports have) gives the same rows, indexes
    and contacts, inline or in the child, through both passes of a file with a Type column."""
    plain = _import(db, actor, tmp_path, database_url, parallel=False, overwrite=True)
    expected = _snapshot(db, actor, plain)
    noted = _import(db, actor, tmp_path, database_url, parallel=parallel, overwrite=True,
                    content='Notes:\n"Exported for you, with care, by a CRM"\n\n' + FILE)
    assert noted.status == "succeeded", noted.error
    assert _snapshot(db, actor, noted) == expected
    assert noted.total_rows == plain.total_rows


def test_imported_contacts_have_their_history_and_identity_filing(db, actor, tmp_path, database_url):
    job = _import(db, actor, tmp_path, database_url, parallel=True, batch_size=100)  # one batch
    with db.read() as session:
        rows = {r.row_index: r for r in import_jobs.row_outcomes(session, actor, job.id, None, -1, 1000)}
        ada = rows[0].contact_id
        assert rows[5].status == "merged" and rows[5].contact_id == ada  # same email, other case
        events = session.scalars(select(Event).where(Event.workspace_id == actor.workspace_id,
                                                     Event.subject_id == ada)).all()
        created = [e for e in events if e.action == "created"]
        assert len(created) == 1
        assert created[0].changes["import_id"] == str(job.id) and created[0].changes["row"] == 0
        # the later row of the same batch was merged in before the contact was written
        assert created[0].changes["phones"] == ["+442079460958", "+14155550199"]
        assert created[0].changes["attributes"] == {"source": "csv", "score": "7"}
        keys = set(session.scalars(select(IdentityKey.key).where(
            IdentityKey.workspace_id == actor.workspace_id, IdentityKey.contact_id == ada)))
        assert {"e:ada@example.com", "p:+442079460958", "p:+14155550199"} <= keys
        claims = set(session.scalars(select(IdentityClaim.key).where(
            IdentityClaim.workspace_id == actor.workspace_id, IdentityClaim.contact_id == ada)))
        assert claims == {"e:ada@example.com", "p:+442079460958", "p:+14155550199"}
        profile = session.scalar(select(IdentityProfile.profile).where(
            IdentityProfile.workspace_id == actor.workspace_id, IdentityProfile.contact_id == ada))
        assert profile["emails"] == ["ada@example.com"] and (profile["first"], profile["last"]) == ("ada", "lovelace") and profile["kind"] == "person"
        assert identity.index_missing(session, actor, None, 10) == []
        found = identity.match(session, actor, ContactInput(first_name="Grace", last_name="Hopper",
                                                            emails=[{"address": "grace@navy.mil"}]))
        assert found and found[0][0].id == rows[3].contact_id
        view = contacts.get(session, actor, ada)
        assert view.attributes == {"source": "csv", "score": "7"}
        assert [p.normalized for p in view.phones] == ["+442079460958", "+14155550199"]
        assert view.phones[0].primary and not view.phones[1].primary


def test_a_claim_already_held_is_left_to_its_holder(db, actor, tmp_path, database_url):
    """A key claimed by a stored contact that the file's lookup does not find (here: a phone
    known only to the identity index) does not fail the bulk insert of the claims."""
    with db.write() as session:
        other = contacts.create(session, actor, ContactInput(first_name="Zed"))
        session.add(IdentityClaim(workspace_id=actor.workspace_id, key="p:+12025550100", contact_id=other.id))
    job = _import(db, actor, tmp_path, database_url, parallel=False, content="Name,Phone\nGrace,+1 202 555 0100\n")
    assert job.status == "succeeded" and job.created == 1
    with db.read() as session:
        holder = session.scalar(select(IdentityClaim.contact_id).where(
            IdentityClaim.workspace_id == actor.workspace_id, IdentityClaim.key == "p:+12025550100"))
    assert holder == other.id


def test_a_fault_in_the_child_fails_the_job_and_writes_nothing(db, actor, tmp_path, database_url):
    path = tmp_path / "vanishing.csv"
    path.write_text("Name,Email\nAda,ada@example.com\n")
    settings = Settings(database_url=database_url, import_parallel_min_rows=1)
    source = import_jobs.open_source(SourceSpec(path=str(path)), settings)
    with db.write() as session:
        job = import_jobs.create_job(session, actor, SourceSpec(path=str(path)), ImportOptions(), settings,
                                     status="running")
    real_open_rows = import_jobs.open_rows

    def open_then_vanish(src):
        reader = real_open_rows(src)  # the parent reads the headers...
        path.unlink()  # ...and the file is gone before the child opens it
        return reader

    import_jobs.open_rows = open_then_vanish
    try:
        finished = import_jobs.run_job(db, actor.workspace_id, job.id, source, settings)
    finally:
        import_jobs.open_rows = real_open_rows
    assert finished.status == "failed" and "nothing was lost" in finished.error
    with db.read() as session:
        assert contacts.list_page(session, actor, ContactFilter(), None, 10).items == []
        assert import_jobs.row_outcomes(session, actor, job.id, None, -1, 10) == []


def test_the_child_reports_a_source_fault_as_the_job_error(tmp_path):
    from contacthub.core.import_pipeline import parsed_batches
    from contacthub.core.import_sources import local_file, open_rows

    path = tmp_path / "x.csv"
    path.write_text("Name,Email\nAda,ada@example.com\n")
    source = local_file(path)
    reader = open_rows(source)
    parser = import_rows.RowParser(import_columns.plan_columns(reader.headers, None), "US", {})
    path.unlink()
    with pytest.raises(RuntimeError, match="parser failed"):
        list(parsed_batches(source, reader, parser, 10, parallel=True))


def _stop_the_parser_on_the_first_batch(signum):
    """A progress callback that stops the job's parser process as a signal to the whole process
    group would (a service manager stopping the service), while its parent keeps running."""
    import multiprocessing
    import os

    def progress(done, position, counts):
        for child in multiprocessing.active_children():
            if child.name == "contacthub-import-parser" and child.is_alive():
                os.kill(child.pid, signum)
                child.join(5)
    return progress


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_parser_stopped_by_a_signal_leaves_the_job_to_resume_not_failed(db, actor, tmp_path, database_url,
                                                                          overwrite):
    """SIGTERM reaching the parser process (with its whole process group) interrupts the job: its
    committed batches are kept and the next worker resumes it, rather than the job failing "the
    import failed unexpectedly". An overwrite, all or nothing, ends failed with nothing changed,
    as after Ctrl-C."""
    import signal

    path = tmp_path / "big.csv"
    path.write_text("Name,Email\n" + "".join(f"P{i} Q,u{i}@example.com\n" for i in range(3000)))
    settings = Settings(database_url=database_url, import_batch_size=100, import_parallel_min_rows=1)
    job = import_jobs.import_now(db, actor, SourceSpec(path=str(path)), ImportOptions(overwrite=overwrite), settings,
                                 progress=_stop_the_parser_on_the_first_batch(signal.SIGTERM))
    if job.status == "succeeded":  # (a machine busy enough that the parser was done before the signal)
        pytest.skip("the parser had read the whole file before it was stopped")
    with db.read() as session:
        stored = contacts.list_page(session, actor, ContactFilter(), None, 200).items
    if overwrite:
        assert (job.status, job.error) == ("failed", "interrupted before its end; nothing was changed")
        assert stored == []
        return
    assert (job.status, job.error) == ("running", None) and 0 < job.processed < 3000
    assert len(stored) == job.processed
    assert import_jobs.work_once(db, "next", settings).status == "succeeded"
    with db.read() as session:
        finished = import_jobs.get_job(session, actor, job.id)
    assert (finished.processed, finished.created) == (3000, 3000)


def test_an_import_pauses_only_full_collections_even_nested():
    """While an import runs, the oldest generation waits, but young cycles (a server's requests
    served meanwhile) are still freed; everything is as before once the last import ends."""
    import weakref

    class Node:
        pass

    before = gc.get_threshold()
    with gc_paused():
        with gc_paused():
            assert gc.get_threshold()[2] > 10**9 and gc.get_threshold()[:2] == before[:2]
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        keep = [[] for _ in range(20 * before[0])]  # enough allocations for young collections
        assert gone() is None and keep
        assert gc.get_threshold()[2] > 10**9  # the outer import still runs
    assert gc.get_threshold() == before and gc.isenabled()


def test_typed_metadata_is_checked_the_same_in_the_child(db, actor, tmp_path, database_url):
    from contacthub.core.attributes import DefinitionInput, create_definition

    with db.write() as session:
        create_definition(session, actor, DefinitionInput(key="score", type="integer"))
        create_definition(session, actor, DefinitionInput(key="vip", type="boolean"))
    content = "Name,Email,metadata.score,metadata.vip\nAda,ada@example.com,7,yes\nBob,bob@example.com,lots,no\n"
    seen = []
    for parallel in (False, True):
        job = _import(db, actor, tmp_path, database_url, parallel=parallel, content=content, overwrite=True)
        assert job.status == "succeeded", job.error
        seen.append(_snapshot(db, actor, job))
    assert seen[0] == seen[1]
    outcomes, people = seen[1]
    assert outcomes[1][1] == "invalid" and outcomes[1][3][0]["column"] == "metadata.score"
    with db.read() as session:
        ada = contacts.list_page(session, actor, ContactFilter(), None, 10).items[0]
    assert ada.attributes == {"score": 7, "vip": True}


def test_a_vcard_file_parsed_in_the_child(db, actor, tmp_path, database_url):
    from tests.core.test_vcard_imports import ANDROID, IPHONE

    inline = _import(db, actor, tmp_path, database_url, parallel=False, content=IPHONE + ANDROID, overwrite=True)
    assert (inline.format, inline.created, inline.invalid) == ("vcf", 4, 0)
    expected = _snapshot(db, actor, inline)
    child = _import(db, actor, tmp_path, database_url, parallel=True, content=IPHONE + ANDROID, overwrite=True)
    assert child.status == "succeeded", child.error
    assert _snapshot(db, actor, child) == expected


# JSONL: a group line after its members (groups still go first), an id, duplicates across
# batches, bad lines, a blank line.
JSONL_FILE = "\n".join([
    '{"id": "0b1c3a52-6a55-4c3b-9a57-3f4b8e7a1c01", "first_name": "Ada", "emails": [{"address": "ada@example.com"}], '
    '"groups": ["Team"], "attributes": {"score": 7}}',
    '{"first_name": "Bad", "emails": [{"address": "nope"}]}',
    '{"first_name": "Grace", "phones": [{"number": "+1 202 555 0100"}], "groups": ["Team", "Nobody"]}',
    '',
    '{"last_name": "Lovelace", "emails": [{"address": "ADA@example.com"}], "identifiers": [{"key": "crm", "value": "1"}]}',
    '{"kind": "group", "display_name": "Team"}',
    'garbage',
    '{"first_name": "Grace", "nickname": "Amazing", "phones": [{"number": "+1 (202) 555-0100"}]}',
]) + "\n"


@pytest.mark.parametrize("policy", ["merge", "review"])
def test_a_child_parser_gives_the_same_jsonl_import_as_inline_parsing(db, actor, tmp_path, database_url, policy):
    inline = _import(db, actor, tmp_path, database_url, parallel=False, content=JSONL_FILE, on_duplicate=policy,
                     overwrite=True)
    assert (inline.status, inline.format, inline.invalid) == ("succeeded", "jsonl", 2), inline.error
    expected = _snapshot(db, actor, inline)
    parallel = _import(db, actor, tmp_path, database_url, parallel=True, content=JSONL_FILE, on_duplicate=policy,
                       overwrite=True)
    assert parallel.status == "succeeded", parallel.error
    assert _snapshot(db, actor, parallel) == expected
    if policy == "merge":
        assert (inline.created, inline.merged) == (3, 2)
        with db.read() as session:
            ada = contacts.get(session, actor, uuid.UUID("0b1c3a52-6a55-4c3b-9a57-3f4b8e7a1c01"))
        assert (ada.first_name, ada.last_name, [i.value for i in ada.identifiers]) == ("Ada", "Lovelace", ["1"])
