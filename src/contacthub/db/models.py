"""The tables. Every key starts with workspace_id so the data can be distributed by tenant
(Citus) and no query can cross from one workspace into another by accident."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    JSON,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contacthub.db.types import JsonDocument, UTCDateTime, new_id, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _contact_fk(column: str = "contact_id") -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["workspace_id", column], ["contacts.workspace_id", "contacts.id"], ondelete="CASCADE"
    )


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiKey(Base):
    """Only the SHA-256 of a key is kept; the key itself is shown once, when made."""

    __tablename__ = "api_keys"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # may read the workspace through every door, but not change it (a report, a dashboard)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    )


class Contact(Base):
    __tablename__ = "contacts"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16), default="person")
    display_name: Mapped[str | None] = mapped_column(String(300))
    prefix: Mapped[str | None] = mapped_column(String(50))
    first_name: Mapped[str | None] = mapped_column(String(200))
    middle_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    suffix: Mapped[str | None] = mapped_column(String(50))
    nickname: Mapped[str | None] = mapped_column(String(200))
    salutation: Mapped[str | None] = mapped_column(String(200))
    organization_name: Mapped[str | None] = mapped_column(String(300))
    official_name: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(200))
    employer: Mapped[str | None] = mapped_column(String(300))
    occupation: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    social: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    attributes: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    # Door-specific fields with no core meaning (NGP VAN disclosure fields, ...), kept verbatim.
    extra: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    # Lower-cased names, emails and phones, for `q` search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # the names the `name` filter searches, folded (normalize.searchable_names)
    name_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Set on the losing side of a merge: the row stays as a tombstone pointing at the survivor.
    merged_into: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        Index("ix_contacts_ws_kind", "workspace_id", "kind", "id"),
        # tombstones of a survivor (merge re-points them); added with the identity engine
        Index("ix_contacts_merged_into", "workspace_id", "merged_into"),
    )


class ContactPoint(Base):
    """An email, a phone or another identifier (visitor id, external id, ...) of a contact."""

    __tablename__ = "contact_points"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))  # email | phone | identifier
    key: Mapped[str] = mapped_column(String(64))  # "email", "phone", or the identifier's key
    value: Mapped[str] = mapped_column(String(500))  # as given
    normalized: Mapped[str] = mapped_column(String(500))  # lower-cased email, E.164 phone
    type: Mapped[str | None] = mapped_column(String(50))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    properties: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        _contact_fk(),
        Index("ix_points_lookup", "workspace_id", "normalized"),
        Index("ix_points_contact", "workspace_id", "contact_id"),
    )


class Address(Base):
    __tablename__ = "addresses"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    type: Mapped[str | None] = mapped_column(String(50))
    line1: Mapped[str | None] = mapped_column(String(300))
    line2: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(100))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    properties: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (_contact_fk(), Index("ix_addresses_contact", "workspace_id", "contact_id"))


class AttributeDefinition(Base):
    __tablename__ = "attribute_definitions"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))  # string | integer | decimal | datetime | boolean
    cardinality: Mapped[str] = mapped_column(String(8), default="one")  # one | many
    display_name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    pii: Mapped[bool] = mapped_column(Boolean, default=False)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        UniqueConstraint("workspace_id", "key", name="uq_attribute_definitions_key"),
    )


class AttributeValue(Base):
    """One row per (contact, key, value): an index over contact.attributes for filtering."""

    __tablename__ = "attribute_values"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500), primary_key=True)
    __table_args__ = (_contact_fk(), Index("ix_attribute_values_lookup", "workspace_id", "key", "value", "contact_id"))


class ContactList(Base):
    __tablename__ = "lists"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    )


class ListMember(Base):
    __tablename__ = "list_members"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    list_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id", "list_id"], ["lists.workspace_id", "lists.id"], ondelete="CASCADE"),
        _contact_fk(),
        Index("ix_list_members_contact", "workspace_id", "contact_id"),
    )


class DataSource(Base):
    __tablename__ = "data_sources"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    system: Mapped[str] = mapped_column(String(100), default="Import API")
    status: Mapped[str] = mapped_column(String(32), default="idle")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    )


class Account(Base):
    """A company or customer that contacts belong to (ChartMogul customer, Bird account)."""

    __tablename__ = "accounts"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    data_source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    external_id: Mapped[str | None] = mapped_column(String(300))
    name: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    company: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(200))
    zip: Mapped[str | None] = mapped_column(String(50))
    website_url: Mapped[str | None] = mapped_column(String(500))
    attributes: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    extra: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(
            ["workspace_id", "data_source_id"], ["data_sources.workspace_id", "data_sources.id"],
            ondelete="CASCADE",
        ),
        Index("ix_accounts_external", "workspace_id", "data_source_id", "external_id"),
    )


class AccountMember(Base):
    __tablename__ = "account_members"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "account_id"], ["accounts.workspace_id", "accounts.id"], ondelete="CASCADE"
        ),
        _contact_fk(),
        Index("ix_account_members_contact", "workspace_id", "contact_id"),
        Index("ix_account_members_position", "workspace_id", "account_id", "position"),
    )


class Relation(Base):
    """A directed edge between two contacts, from the one that holds to the one held: group_child,
    group_primary (core/groups.py), org_member (core/organizations.py)."""

    __tablename__ = "relations"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    from_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    to_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        _contact_fk("from_id"),
        _contact_fk("to_id"),
        Index("ix_relations_to", "workspace_id", "to_id"),
    )


class Event(Base):
    """Append-only history of every change. No foreign key: it outlives the contact."""

    __tablename__ = "events"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    subject_type: Mapped[str] = mapped_column(String(32))  # contact | list | attribute_definition ...
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(32))  # created | updated | deleted | merged ...
    door: Mapped[str] = mapped_column(String(32))  # native | cli | chartmogul | bird | ngpvan | packagex
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    changes: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    before: Mapped[dict | None] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Its place in the workspace's change feed: numbered when a reader of the feed first finds it
    # committed (core/events.py), so the numbers follow the order changes became visible, which
    # ids made before a transaction commits cannot promise.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    __table_args__ = (
        Index("ix_events_subject", "workspace_id", "subject_id", "id"),
        # The feed's two lookups, each over its own events only: those waiting for a number, in
        # id order (a write adds one entry), and the numbered ones by number (each at most once).
        Index("ix_events_unnumbered", "workspace_id", "id",
              sqlite_where=text("seq IS NULL"), postgresql_where=text("seq IS NULL")),
        Index("ix_events_seq", "workspace_id", "seq", unique=True,
              sqlite_where=text("seq IS NOT NULL"), postgresql_where=text("seq IS NOT NULL")),
    )


class EventSequence(Base):
    """The last number given to an event of the workspace. Its row is held (locked) by whoever
    numbers events until that transaction ends, so numbers are given out one reader at a time."""

    __tablename__ = "event_sequences"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Webhook(Base):
    """An address the workspace's change feed is sent to as it grows (core/webhooks.py)."""

    __tablename__ = "webhooks"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(128))  # signs each delivery (shown once, at creation)
    events: Mapped[list] = mapped_column(JsonDocument, default=lambda: ["*"])  # the changes it is sent
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    delivered_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # the feed's number the receiver has taken
    # the last number of the batch being sent: a retry sends the same batch, under the same message id
    sending_through: Mapped[int | None] = mapped_column(BigInteger)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row; reset by a delivery
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first of those failures
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # after a failure: the backoff
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a deliverer is sending
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    # the answer as written (PostgreSQL's json, not jsonb, which reorders keys): a replay is the same bytes
    body: Mapped[dict | list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportJob(Base):
    """One import of a file: where it came from, how to apply it, and how far it got."""

    __tablename__ = "import_jobs"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    door: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | succeeded | failed
    source_kind: Mapped[str] = mapped_column(String(16))  # data_url | url | upload | path
    source: Mapped[str] = mapped_column(String(2000), default="")  # the URL or file name (never the data)
    format: Mapped[str | None] = mapped_column(String(16))  # csv | xlsx | xls | ods | vcf | jsonl
    options: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    total_rows: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    review: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # what the import tells of how the file was read (bytes that were not UTF-8, replaced)
    notes: Mapped[list | None] = mapped_column(JsonDocument)
    ignored_columns: Mapped[list | None] = mapped_column(JsonDocument)  # the file's headers no field reads
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A running job's worker renews this with every batch; past it, the job is taken again (and
    # resumed after the rows it already wrote): its worker is taken to have died.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        Index("ix_import_jobs_status", "status", "created_at"),
    )


class ImportBlob(Base):
    """The bytes of an uploaded file (or data URL) until its job has run, in chunks."""

    __tablename__ = "import_blobs"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "job_id"], ["import_jobs.workspace_id", "import_jobs.id"], ondelete="CASCADE"
        ),
    )


class ImportRow(Base):
    """The outcome of one data row of an import (index 0 = the first row after the headers)."""

    __tablename__ = "import_rows"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    row_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # created | merged | skipped | invalid | review
    contact_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    errors: Mapped[list | None] = mapped_column(JsonDocument)  # [{"column", "field", "reason"}]
    note: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict | None] = mapped_column(JsonDocument)  # the row as read, kept for rejected rows
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "job_id"], ["import_jobs.workspace_id", "import_jobs.id"], ondelete="CASCADE"
        ),
    )


# ---------------------------------------------------------------- identity (issue 5)

class IdentityKey(Base):
    """A blocking key of a contact: exact (email, phone, identifier) or fuzzy (phonetic name
    codes, birth date, postcode + house number...). `origin_id` is the contact whose data made
    the key: after a merge the loser's keys point at the survivor but keep their origin, so
    unmerge can hand them back and later records still match the loser's spelling."""

    __tablename__ = "identity_keys"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    origin_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # covering, so SQLite prefers it to the primary key for lookups by contact
    __table_args__ = (_contact_fk(), Index("ix_identity_keys_contact", "workspace_id", "contact_id", "origin_id", "key"))


class IdentityProfile(Base):
    """What the matcher compares, per contact and origin: normalized names, birth dates,
    addresses, points. One query loads every candidate's profiles."""

    __tablename__ = "identity_profiles"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    origin_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    profile: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    __table_args__ = (_contact_fk(),)


class IdentityClaim(Base):
    """One owner per exact key: the unique key that makes two concurrent writes of the same new
    person collide, so the loser retries and merges into the winner instead of duplicating it."""

    __tablename__ = "identity_claims"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    __table_args__ = (_contact_fk(), Index("ix_identity_claims_contact", "workspace_id", "contact_id"))


class DuplicateReview(Base):
    """A pair the engine thinks may be one person, waiting for a human: accept merges, reject dismisses."""

    __tablename__ = "duplicate_reviews"
    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the newer contact
    candidate_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the one it may duplicate (survivor on accept)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JsonDocument, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | accepted | rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        UniqueConstraint("workspace_id", "contact_id", "candidate_id", name="uq_duplicate_reviews_pair"),
        Index("ix_duplicate_reviews_status", "workspace_id", "status", "id"),
        Index("ix_duplicate_reviews_candidate", "workspace_id", "candidate_id"),
    )
