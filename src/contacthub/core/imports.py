"""Bulk import of contacts from a CSV, spreadsheet, vCard or JSONL file, for every door.

A file is read row by row (memory does not grow with it), each row is mapped from its columns,
validated with the same normalization as every other write (email-validator, phonenumbers), then
resolved against the workspace by exact identifiers (normalized email, phone; a group's name)
under the caller's duplicate policy, in batches of many rows per statement and per transaction.
A bad row never stops the import: it is kept as an `invalid` outcome with its index (0 = the first
data row), the columns at fault and why. Every row's outcome is stored (created, merged, skipped,
invalid, review) on the import job.

Groups: rows of type group are imported first (a first pass over the file), so that rows naming
groups in their Groups column can join them (relation kind "group_child").

The parts, in the order a row meets them: core/import_sources.py reads the file's rows,
core/import_columns.py says which column feeds which field, core/import_rows.py reads a row's
cells into a checked contact, core/import_resolution.py finds what it duplicates, and this
module writes a batch of rows (the options, the counters, the bulk inserts, merges into stored
contacts). The jobs that run a file through it, and own its transactions (one per batch, or one
for the whole file with `overwrite`), are core/import_jobs.py.
"""

import logging
import operator
import uuid
from datetime import timedelta
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy.orm import Session

from contacthub.core import contacts as contact_service
from contacthub.core import identity, identity_index, organizations
from contacthub.core.actor import Actor
from contacthub.core.errors import InvalidInput
from contacthub.core.import_columns import FIELD_TARGETS, is_metadata_target, is_social_target
from contacthub.core.import_documents import escape_unstorable
from contacthub.core.import_resolution import (
    BatchLikeness, Decision, DuplicatePolicy, Pending, another_person, resolve_by_likeness, resolve_row,
)
from contacthub.core.import_rows import EMPTY_DOC, ParsedRow, RowParser, new_hex
from contacthub.core.inputs import (
    MAX_MEMBERSHIPS,
    MAX_POINTS_PER_KIND,
    AccountLink,
    AddressInput,
    ContactInput,
    EmailInput,
    IdentifierInput,
    PhoneInput,
    WriteOptions,
)
from contacthub.db.types import utcnow
from contacthub.repositories import contacts as contact_repo
from contacthub.repositories import groups as groups_repo
from contacthub.repositories import identity as identity_repo
from contacthub.repositories import imports as repo
from contacthub.repositories import simple as simple_repo
from contacthub.settings import Settings

log = logging.getLogger("contacthub.imports")

ROW_STATUSES = ("created", "merged", "skipped", "invalid", "review")
# How a row's note begins to say its contact was written without something it named.
NO_GROUP = "no group named "
LEFT_OUT = "left out, not in this workspace: "
CONTACT_FULL = f"left out, the contact holds {MAX_POINTS_PER_KIND} of a kind already: "
LEFT_OUT_NOTES = (NO_GROUP, LEFT_OUT, CONTACT_FULL)


class ImportOptions(BaseModel):
    """How to apply a file: which column is what, and what to do with a row that matches an
    existing contact (or an earlier row of the same file)."""

    model_config = ConfigDict(extra="forbid")
    # {"file header": "target"}; targets: FIELD_TARGETS, "metadata.<key>[.<key>...]" or
    # "social.<network>"; "ignore" drops a column.
    mapping: dict[str, str] | None = None
    # merge: fill the match's empty fields and add new emails/phones; skip: leave the row out;
    # create: write it as a new contact anyway; review: create it and flag the outcome for review.
    on_duplicate: DuplicatePolicy = "merge"
    # Replace every contact of the workspace by the file's, all or nothing.
    overwrite: bool = False
    # exact: a row matches by email or phone (in the file and in the store). fuzzy: a row with no
    # such match is also scored by the identity engine against the stored contacts (earlier
    # batches of the file included); a likely-same person (a merge-level score) is a match too,
    # and with on_duplicate=review a review-level one. Slower: two index lookups per such row.
    match: Literal["exact", "fuzzy"] = "exact"
    # A group a row names (Groups, Google's labels, Outlook's categories) that is neither in the
    # workspace nor a row of the file is created; without it, the row notes "no group named …".
    create_groups: bool = False
    # A row must name its contact (a name, or first and last name; an organization's name): a
    # row without one is invalid, its fault on `name`. PackageX's: the name is the one property a
    # contact must have.
    require_name: bool = False
    # The kind of every row whose file does not say (no Type column, or its cell blank): a
    # ChartMogul customers export or a company list imports as organizations. None: person.
    kind: Literal["person", "organization", "group"] | None = None

    @field_validator("mapping")
    @classmethod
    def _targets(cls, mapping):
        if mapping is None:
            return mapping
        if len(mapping) > 500:
            raise ValueError("at most 500 mapped columns")
        for header, target in mapping.items():
            if target not in FIELD_TARGETS and not is_metadata_target(target) and not is_social_target(target):
                raise ValueError(
                    f"column {header!r}: unknown target {target!r} (use one of {', '.join(FIELD_TARGETS)}, "
                    "metadata.<key> or social.<network>)"
                )
        return mapping


@dataclass
class SourceSpec:
    """What a door hands over: exactly one of these."""

    data_url: str | None = None
    url: str | None = None
    path: str | None = None
    upload: Iterator[bytes] | None = None  # chunks of an uploaded file
    upload_name: str = "upload"
    upload_type: str = ""
    field: str = "source"  # the door's name for it, used in error messages

    @property
    def kind(self) -> str:
        # by presence, not truthiness: an empty URL is a bad URL (refused as such), not an upload
        return ("data_url" if self.data_url is not None else "url" if self.url is not None
                else "path" if self.path is not None else "upload")

    @property
    def label(self) -> str:
        return self.url or self.path or (self.upload_name if self.kind == "upload" else "data URL")


# ---------------------------------------------------------------- the batch engine

@dataclass
class Counters:
    created: int = 0
    merged: int = 0
    skipped: int = 0
    invalid: int = 0
    review: int = 0

    @property
    def processed(self) -> int:
        return self.created + self.merged + self.skipped + self.invalid + self.review

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "merged": self.merged, "skipped": self.skipped,
                "invalid": self.invalid, "review": self.review}


class _Importer:
    def __init__(self, actor: Actor, job_id: uuid.UUID, options: ImportOptions, headers: list[str],
                 parser: RowParser, settings: Settings):
        self.actor = actor
        self.ws = actor.workspace_id
        self.job_id = job_id
        self.options = options
        self.headers = headers
        self.parser = parser
        self.group_ids: dict[str, uuid.UUID | None] = {}  # lower-cased group name -> id (None: not found)
        self.totals = Counters()
        self.sqlite_cache_mb = settings.import_sqlite_cache_mb
        self.lease_seconds = settings.import_lease_seconds  # each batch renews the job's lease (see claim_next)
        self.analyzed = False  # fresh planner statistics taken (PostgreSQL)
        # Contacts made from the file's exported lines (a JSONL line with its id): the store they
        # come from had resolved its people already, so another of its lines is another contact
        # even when the two share an email (a household's), and is never merged into it.
        self.restored: set[uuid.UUID] = set()
        self.kinds: dict[uuid.UUID, str] = {}  # of the contacts the rows' keys found, or made from lines

    # one batch, in the caller's transaction
    def run_batch(self, session: Session, batch: list[ParsedRow]) -> Counters:
        counts = Counters()
        outcomes: list[list] = []
        valid = []
        for row in batch:
            if row.errors:
                outcomes.append(self._outcome(row, "invalid", None, errors=row.errors, raw=row.raw(self.headers)))
                counts.invalid += 1
            else:
                valid.append(row)
        in_store, ids_held = self._lookup(session, valid)
        # the records of the stored people the rows found by an email or phone (one query a batch)
        found_people = identity_repo.profiles(session, self.ws, list({
            contact_id for (kind, _), contact_id in in_store.items()
            if kind in ("email", "phone") and self.kinds.get(contact_id) == "person"}))
        in_batch: dict[tuple[str, str], Pending | uuid.UUID] = {}
        pending: list[Pending] = []
        merges: dict[uuid.UUID, list[ParsedRow]] = {}
        members: list[tuple[ParsedRow, uuid.UUID]] = []
        reviews: list[tuple[uuid.UUID, uuid.UUID]] = []  # (the row's new contact, the one it may duplicate)
        likeness = BatchLikeness()
        for row in valid:
            exported = row.document is not None and row.given_id is not None
            apart = self.restored if exported else ()
            decision = resolve_row(row, self.options.on_duplicate, in_batch, in_store, apart, self.kinds)
            if decision.action in ("merge", "skip") and another_person(row, decision, found_people):
                decision = Decision("review", decision.target, decision.via)  # created, and the pair queued
            # a group is known by its name only
            profile = row.profile() if self.options.match == "fuzzy" and row.kind != "group" else None
            if decision.via is None and profile is not None:
                decision = resolve_by_likeness(session, self.ws, profile, self.options.on_duplicate, likeness)
                if decision.target_id in apart and decision.target_id != row.given_id:
                    decision = Decision("create")
            note = f"matches contact {decision.target_id} by {decision.via[0]} {decision.via[1]}" if decision.via else None
            if decision.action in ("create", "review"):
                dropped = None
                if row.document is not None:
                    try:
                        new, dropped = self._create_document(session, row, ids_held)
                    except InvalidInput as exc:  # a rule only the store can check (an attribute's definition)
                        errors = [{"column": escape_unstorable(e.field), "field": escape_unstorable(e.field),
                                   "reason": escape_unstorable(e.message)} for e in exc.errors]
                        outcomes.append(self._outcome(row, "invalid", None, errors=errors, raw=row.raw(self.headers)))
                        counts.invalid += 1
                        continue
                else:
                    new = Pending.from_row(row)
                    pending.append(new)
                    if profile is not None:
                        likeness.file(new, profile)
                for key in row.keys():
                    in_batch.setdefault(key, new)
                status = "review" if decision.action == "review" else "created"
                if decision.action == "review":
                    note = f"created; possible duplicate: {note}"
                elif note:
                    note = f"created anyway; {note}"
                if dropped:
                    note = f"{note}; {dropped}" if note else dropped
                contact_id = new if isinstance(new, uuid.UUID) else new.id
                if exported:
                    self.restored.add(contact_id)
                if isinstance(new, uuid.UUID):
                    self.kinds[new] = row.kind
                if decision.action == "review" and decision.target_id is not None:
                    reviews.append((contact_id, decision.target_id))
                outcomes.append(self._outcome(row, status, contact_id, note=note))
                members.append((row, contact_id))
                setattr(counts, status, getattr(counts, status) + 1)
            elif decision.action == "merge":
                dropped = self._only_known(session, row) if row.document is not None else None
                if isinstance(decision.target, Pending):
                    full = decision.target.absorb(row)
                    if full:
                        dropped = "; ".join(filter(None, [dropped, _full_note(full)]))
                    if profile is not None:
                        likeness.file(decision.target, profile)
                else:
                    merges.setdefault(decision.target, []).append(row)
                for key in row.keys():
                    in_batch.setdefault(key, decision.target)
                note = f"merged: {note}; {dropped}" if dropped else f"merged: {note}"
                outcomes.append(self._outcome(row, "merged", decision.target_id, note=note))
                members.append((row, decision.target_id))
                counts.merged += 1
            else:
                outcomes.append(self._outcome(row, "skipped", decision.target_id, note=f"skipped: {note}"))
                counts.skipped += 1
            if row.kind == "group":
                self.group_ids.setdefault(row.name.lower(), outcomes[-1][4])
        left_out = self._merge_into_store(session, merges)
        if left_out:  # a merge that could not take everything says what it left out
            for outcome in outcomes:
                if outcome[2] in left_out and outcome[3] == "merged":
                    outcome[6] = f"{outcome[6]}; {left_out[outcome[2]]}" if outcome[6] else left_out[outcome[2]]
        self._create(session, pending)
        # in the review queue (/v1/duplicates) too, where accepting a pair merges it
        identity.queue_pairs(session, self.ws, reviews)
        notes = self._join_groups(session, members)
        for index, extra in self._join_organizations(session, members).items():
            notes[index] = f"{notes[index]}; {extra}" if index in notes else extra
        if notes:
            for outcome in outcomes:
                extra = notes.get(outcome[2])
                if extra:
                    outcome[6] = f"{outcome[6]}; {extra}" if outcome[6] else extra
        repo.insert_outcomes(session, _OUTCOME_COLUMNS, outcomes)
        repo.add_counts(session, self.ws, self.job_id, {**counts.as_dict(), "processed": counts.processed},
                        lease_until=utcnow() + timedelta(seconds=self.lease_seconds))
        for name, n in counts.as_dict().items():
            setattr(self.totals, name, getattr(self.totals, name) + n)
        return counts

    def _lookup(self, session: Session, rows: list[ParsedRow]) -> tuple[dict[tuple[str, str], uuid.UUID], set]:
        """The stored contacts the rows' keys name, and of the ids JSONL rows give, those a
        contact of the workspace already has (a new contact must not take one)."""
        found: dict[tuple[str, str], uuid.UUID] = {}
        wanted: dict[str, list[str]] = {"email": [], "phone": [], "group": [], "id": [], "identifier": []}
        for r in rows:
            for k, v in r.keys():
                wanted[k].append(v)
        for kind in ("email", "phone"):
            for value, ids in contact_repo.contacts_with_points(session, self.ws, kind, wanted[kind]).items():
                found[(kind, value)] = ids[0]
        names = wanted["group"]
        for name, contact_id in repo.groups_by_name(session, self.ws, names).items():
            found[("group", name)] = contact_id
        # a JSONL row's id (the contact it was exported from, or the survivor it merged into) and
        # identifiers, each compared within its key
        held = contact_service.resolve_ids(session, self.actor, [uuid.UUID(i) for i in dict.fromkeys(wanted["id"])])
        for given, live in held.items():
            if live is not None:
                found[("id", str(given))] = live
        by_key: dict[str, list[str]] = {}
        for pair in wanted["identifier"]:
            key, _, value = pair.partition("=")
            by_key.setdefault(key, []).append(value)
        for key, values in by_key.items():
            for value, ids in contact_repo.contacts_with_points(session, self.ws, "identifier", values, key).items():
                found[("identifier", f"{key}={value}")] = ids[0]
        self.kinds.update(contact_repo.kinds_of(session, self.ws, set(found.values()) - self.kinds.keys()))
        return found, set(held)

    def _create_document(self, session: Session, row: ParsedRow, ids_held: set) -> tuple[uuid.UUID, str | None]:
        """A JSONL row's contact, created whole through the contact service, under the id it was
        exported with when no contact here holds that id (`ids_held`, which the new contact's
        id joins). The lists and accounts it names that
        this workspace does not have are left out (a restore into another workspace still
        brings the contact in); what was left out is answered as the row's note."""
        note = self._only_known(session, row)
        kept = contact_service.Restored(id=row.given_id if row.given_id not in ids_held else None,
                                        created_at=row.given_created_at, updated_at=row.given_updated_at,
                                        address_ids=row.given_address_ids)
        view = contact_service.create(session, self.actor, row.document, WriteOptions(on_duplicate="create"), kept)
        ids_held.add(view.id)
        return view.id, note

    def _only_known(self, session: Session, row: ParsedRow) -> str | None:
        """Leaves out of a JSONL row the lists and accounts this workspace does not have (a
        backup restores into another workspace too), and says what was left out."""
        data = row.document
        dropped = []
        if data.lists:
            known = simple_repo.existing_list_ids(session, self.ws, data.lists)
            dropped += [f"list {i}" for i in data.lists if i not in known]
            data = data.model_copy(update={"lists": [i for i in data.lists if i in known]})
        if data.accounts:
            known = simple_repo.existing_account_ids(session, self.ws, [a.id for a in data.accounts])
            dropped += [f"account {a.id}" for a in data.accounts if a.id not in known]
            data = data.model_copy(update={"accounts": [a for a in data.accounts if a.id in known]})
        row.document = data
        return LEFT_OUT + ", ".join(dropped) if dropped else None

    def _merge_into_store(self, session: Session, merges: dict[uuid.UUID, list[ParsedRow]]) -> dict[int, str]:
        """Fills the existing contacts' empty fields and adds new emails and phones, through the
        contact service (so the change is checked and recorded like any other update). Answers
        a note for each row (by index) whose emails, phones or identifiers were left out."""
        notes: dict[int, str] = {}
        if not merges:
            return notes
        views = {v.id: v for v in contact_service.get_many(session, self.actor, list(merges))}
        for contact_id, rows in merges.items():
            view = views.get(contact_id)
            if view is None:
                continue
            patch, left_out = merge_patch(view, rows)
            if patch is not None:
                contact_service.update(session, self.actor, contact_id, patch,
                                       WriteOptions(on_duplicate="create", strict_phones=False), current=view)
            if left_out:
                notes.update((row.index, _full_note(left_out)) for row in rows)
        return notes

    def _create(self, session: Session, pending: list[Pending]) -> None:
        """Writes the batch's new contacts, table by table, rows given as tuples (the bulk
        path: one statement per table)."""
        # ids as the hex text they are stored as: the same values, without a UUID object each
        ws, now, door, key_id = self.ws.hex, utcnow(), self.actor.door, self.actor.api_key_id
        contacts, points, addresses, attribute_values, history = [], [], [], [], []
        keys, profiles, claims = [], [], []
        for p in pending:
            d = p.derived(self.job_id)
            s = p.scalars
            pid = p.id.hex
            contacts.append((
                ws, pid, p.kind, s.get("display_name"), s.get("prefix"), s.get("first_name"), s.get("middle_name"),
                s.get("last_name"), s.get("suffix"), s.get("nickname"), s.get("salutation"), s.get("organization_name"),
                s.get("official_name"), s.get("title"), s.get("employer"), s.get("occupation"), s.get("birth_date"),
                s.get("notes"),
                d.social_json, d.attributes_json, EMPTY_DOC, d.search_text, d.name_text, now, now,
            ))
            for kind, values in (("email", p.emails), ("phone", p.phones)):
                for i, (value, normalized, point_type) in enumerate(values):
                    points.append((ws, new_hex(), pid, kind, kind, value, normalized, point_type, i == 0, i,
                                   EMPTY_DOC, now))
            for i, a in enumerate(p.addresses):
                addresses.append((ws, new_hex(), pid, a.get("type"), a.get("line1"), a.get("line2"), a.get("city"),
                                  a.get("region"), a.get("postal_code"), a.get("country"), i == 0, i, EMPTY_DOC, now))
            for key, value in d.attribute_pairs:
                attribute_values.append((ws, pid, key, value))
            history.append((ws, new_hex(), "contact", pid, "created", door, key_id, d.event_json, now))
            # filed in the identity index like any other new contact, so later writes and dedupe see them
            for key in d.blocking_keys:
                keys.append((ws, key, pid, pid))
            profiles.append((ws, pid, pid, d.profile_json))
            for key in d.exact_keys:
                claims.append((ws, key, pid))
        repo.insert_created(session, {"contacts": (_CONTACT_COLUMNS, contacts)})
        if not self.analyzed and len(contacts) >= 100:
            self.analyzed = True
            # before the rows that point at the contacts: PostgreSQL plans its foreign-key checks
            # with these statistics (planned on an empty table, each check would scan it)
            repo.refresh_statistics(session)
        repo.insert_created(session, {
            "points": (_POINT_COLUMNS, points),
            "addresses": (_ADDRESS_COLUMNS, addresses), "attribute_values": (_ATTRIBUTE_COLUMNS, attribute_values),
            "events": (_EVENT_COLUMNS, history),
        })
        keys.sort(key=_second)  # in key order: the inserts walk each B-tree's pages in order
        claims.sort(key=_second)
        identity_index.file_new_in_bulk(session, keys, profiles, claims)

    def _join_groups(self, session: Session, members: list[tuple[ParsedRow, uuid.UUID]]) -> dict[int, str]:
        """Rows naming groups join them; an unknown group name is created (create_groups) or
        noted on the row."""
        notes: dict[int, str] = {}
        wanted = {g.lower() for row, _ in members for g in (*row.groups, *row.primary_in)} - set(self.group_ids)
        if wanted:
            found = repo.groups_by_name(session, self.ws, wanted)
            for name in wanted:
                self.group_ids[name] = found.get(name)
            if self.options.create_groups:
                self._create_groups(session, members, sorted(n for n in wanted if self.group_ids[n] is None))
        pairs, primary = [], []
        for row, contact_id in members:
            unknown = []
            # a group's primary contact is one of its children too
            leads = {n.lower() for n in row.primary_in}
            for name in _named_once([*row.groups, *row.primary_in]):
                group_id = self.group_ids.get(name.lower())
                if group_id is None:
                    unknown.append(name)
                elif group_id != contact_id:
                    pairs.append((group_id, contact_id))
                    if name.lower() in leads:
                        primary.append((group_id, contact_id))
            if unknown:
                notes[row.index] = NO_GROUP + ", ".join(repr(n) for n in unknown)
        groups_repo.add_relations(session, self.ws, "group_child", pairs, utcnow())
        groups_repo.add_relations(session, self.ws, "group_primary", primary, utcnow())
        return notes

    def _join_organizations(self, session: Session, members: list[tuple[ParsedRow, uuid.UUID]]) -> dict[int, str]:
        """JSONL rows naming the organizations they are members of (by id) join them; one this
        workspace does not have is noted on the row (organizations' lines come first)."""
        wanted = list(dict.fromkeys(o for row, _ in members for o in row.organizations))
        if not wanted:
            return {}
        live = contact_service.resolve_ids(session, self.actor, wanted)
        kinds = {v.id: v.kind for v in contact_service.get_many(session, self.actor, [i for i in live.values() if i])}
        notes: dict[int, str] = {}
        pairs = []
        for row, contact_id in members:
            unknown = []
            for given in row.organizations:
                organization = live.get(given)
                if organization is None or kinds.get(organization) != "organization":
                    unknown.append(str(given))
                elif organization != contact_id:
                    pairs.append((organization, contact_id))
            if unknown:
                notes[row.index] = LEFT_OUT + "organization " + ", ".join(unknown)
        groups_repo.add_relations(session, self.ws, organizations.MEMBER, pairs, utcnow())
        return notes

    def _create_groups(self, session: Session, members: list[tuple[ParsedRow, uuid.UUID]], names: list[str]) -> None:
        """New groups for these lower-cased names, each as the first row to name it spelled it."""
        spelled: dict[str, str] = {}
        for row, _ in members:
            for name in (*row.groups, *row.primary_in):
                spelled.setdefault(name.lower(), name)
        for name in names:
            group = contact_service.create(session, self.actor, ContactInput(kind="group", display_name=spelled[name]),
                                           WriteOptions(on_duplicate="create"))
            self.group_ids[name] = group.id

    def _outcome(self, row: ParsedRow, status: str, contact_id, errors=None, note=None, raw=None) -> list:
        """A row of import_rows, its columns in the order of _OUTCOME_COLUMNS."""
        return [self.ws, self.job_id, row.index, status, contact_id, errors, note, raw]


def _named_once(names: list[str]) -> list[str]:
    """Group names, each once whatever its case (the first spelling kept)."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _full_note(values: list[str]) -> str:
    """A merged row's note naming the emails, phones or identifiers a full contact could not take."""
    return CONTACT_FULL + ", ".join(values[:10]) + (f" and {len(values) - 10} more" if len(values) > 10 else "")


def merge_patch(view, rows: list[ParsedRow]) -> tuple[ContactInput | None, list[str]]:
    """The update that fills `view`'s empty fields from the rows and adds their new emails,
    phones and identifiers (None when the rows add nothing), and the ones it leaves out: past
    the MAX_POINTS_PER_KIND a contact holds. A JSONL row also brings its points' properties (the
    keys a point lacks), its lists and accounts, and the `extra` keys the contact lacks."""
    data: dict[str, Any] = {}
    left_out: list[str] = []
    for row in rows:
        for name, value in row.scalars.items():
            if getattr(view, name) in (None, "") and name not in data:
                data[name] = value
    for group, existing, model, value_name in (("emails", view.emails, EmailInput, "address"),
                                               ("phones", view.phones, PhoneInput, "number"),
                                               ("identifiers", view.identifiers, IdentifierInput, "value")):
        points = _merged_points(group, existing, model, value_name, rows)
        if points is not None:
            data[group] = points[:MAX_POINTS_PER_KIND]
            left_out += [getattr(p, value_name) for p in points[MAX_POINTS_PER_KIND:]]
    if not view.addresses:
        row = next((r for r in rows if r.addresses), None)
        if row is not None:
            data["addresses"] = (row.document.addresses if row.document is not None
                                 else [AddressInput(**a) for a in row.addresses])
    # the keys the contact lacks (each a patch at one level: the contact's other keys stay)
    for name, stored, values_of in (("attributes", view.attributes, operator.attrgetter("metadata")),
                                    ("social", view.social, operator.attrgetter("social")),
                                    ("extra", view.extra, _extra_of)):
        added: dict[str, Any] = {}
        for row in rows:
            for key, value in values_of(row).items():
                if stored.get(key) is None and key not in added:
                    added[key] = value
        if added:
            data[name] = added
    documents = [r.document for r in rows if r.document is not None]
    lists = list(dict.fromkeys([*view.list_ids, *(i for d in documents for i in d.lists or [])]))
    # (a contact may belong to more than an update names when the lists' own endpoints added
    # it: then it stays as it is rather than lose any)
    if len(view.list_ids) < len(lists) and len(view.list_ids) < MAX_MEMBERSHIPS:
        data["lists"] = lists[:MAX_MEMBERSHIPS]
    accounts = {a.id: AccountLink(id=a.id, position=a.position) for a in view.accounts}
    for link in (a for d in documents for a in d.accounts or []):
        accounts.setdefault(link.id, link)
    if len(view.accounts) < len(accounts) and len(view.accounts) < MAX_MEMBERSHIPS:
        data["accounts"] = list(accounts.values())[:MAX_MEMBERSHIPS]
    return (ContactInput(**data) if data else None), left_out


def _merged_points(group: str, existing, model, value_name: str, rows: list[ParsedRow]) -> list | None:
    """The contact's emails, phones or identifiers with the rows' new ones after them, each
    point given the properties a JSONL row has for it that it lacks; None when nothing changes."""
    kind = group[:-1]
    points, changed = [], False
    for p in existing:
        properties = dict(p.properties)
        for row in rows:
            for name, value in row.point_properties.get((kind, _point_key(p)), {}).items():
                if name not in properties:
                    properties[name] = value
                    changed = True
        fields = {value_name: p.value, "properties": properties}
        if kind == "identifier":
            fields["key"] = p.key
        else:
            fields.update(type=p.type, primary=p.primary)
        points.append(model(**fields))
    known = {_point_key(p) for p in existing}
    for row in rows:
        if kind == "identifier":
            given = [(f"{key}={value}", {"key": key, "value": value}) for key, value in row.identifiers]
        else:
            given = [(normalized, {value_name: value, "type": point_type})
                     for value, normalized, point_type in getattr(row, group)]
        for point_key, fields in given:
            if point_key not in known:
                known.add(point_key)
                points.append(model(**fields, properties=row.point_properties.get((kind, point_key), {})))
                changed = True
    return points if changed else None


def _point_key(point) -> str:
    """How a stored point is known among a row's: an identifier within its key."""
    return f"{point.key}={point.value}" if point.kind == "identifier" else point.normalized


def _extra_of(row: ParsedRow) -> dict[str, Any]:
    return {k: v for k, v in (row.document.extra or {}).items() if v is not None} if row.document else {}


_second = operator.itemgetter(1)
_CONTACT_COLUMNS = ("workspace_id", "id", "kind", "display_name", "prefix", "first_name", "middle_name", "last_name",
                    "suffix", "nickname", "salutation", "organization_name", "official_name", "title", "employer",
                    "occupation", "birth_date", "notes", "social", "attributes", "extra", "search_text", "name_text",
                    "created_at", "updated_at")
_POINT_COLUMNS = ("workspace_id", "id", "contact_id", "kind", "key", "value", "normalized", "type", "is_primary",
                  "position", "properties", "created_at")
_ADDRESS_COLUMNS = ("workspace_id", "id", "contact_id", "type", "line1", "line2", "city", "region", "postal_code",
                    "country", "is_primary", "position", "properties", "created_at")
_ATTRIBUTE_COLUMNS = ("workspace_id", "contact_id", "key", "value")
_OUTCOME_COLUMNS = ("workspace_id", "job_id", "row_index", "status", "contact_id", "errors", "note", "raw")
_EVENT_COLUMNS = ("workspace_id", "id", "subject_type", "subject_id", "action", "door", "api_key_id", "changes",
                  "created_at")
