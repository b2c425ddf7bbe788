"""How a valid import row meets the contacts already there: by its exact identifiers (an
email, a phone, a group's name, an exported line's id) and, with match=fuzzy, by the identity
engine's likeness score; then what the caller's duplicate policy makes of a match (Decision).
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from contacthub.core import identity
from contacthub.core.identity_rules import blocking_keys, compare_cluster, names_clash
from contacthub.core.import_rows import Derived, ParsedRow, derive, new_id
from contacthub.core.inputs import MAX_POINTS_PER_KIND

DuplicatePolicy = Literal["merge", "skip", "create", "review"]


@dataclass
class Pending:
    """A contact this batch will create."""

    id: uuid.UUID
    row: ParsedRow
    kind: str
    scalars: dict[str, Any]
    emails: list[tuple[str, str, str | None]]
    phones: list[tuple[str, str, str | None]]
    addresses: list[dict[str, str]]
    metadata: dict[str, Any]
    social: dict[str, str]
    absorbed: bool = False  # a later row was merged in: `row.derived` no longer describes it

    @classmethod
    def from_row(cls, row: ParsedRow) -> "Pending":
        return cls(new_id(), row, row.kind, dict(row.scalars), list(row.emails), list(row.phones),
                   [dict(a) for a in row.addresses], dict(row.metadata), dict(row.social))

    def absorb(self, row: ParsedRow) -> list[str]:
        """Merge a later duplicate row in: its values fill what is still empty. Answers the
        emails and phones it leaves out, past the MAX_POINTS_PER_KIND a contact holds."""
        for name, value in row.scalars.items():
            self.scalars.setdefault(name, value)
        left_out = []
        for mine, theirs in ((self.emails, row.emails), (self.phones, row.phones)):
            new = [e for e in theirs if e[1] not in {x[1] for x in mine}]
            room = max(MAX_POINTS_PER_KIND - len(mine), 0)
            mine += new[:room]
            left_out += [e[0] for e in new[room:]]
        if not self.addresses and row.addresses:
            self.addresses = [dict(a) for a in row.addresses]
        for mine, theirs in ((self.metadata, row.metadata), (self.social, row.social)):
            for key, value in theirs.items():
                mine.setdefault(key, value)
        self.absorbed = True
        return left_out

    def derived(self, job_id: uuid.UUID) -> Derived:
        if self.row.derived is not None and not self.absorbed:
            return self.row.derived
        return derive(self, job_id, self.row.index)


@dataclass
class Decision:
    action: Literal["create", "merge", "skip", "review"]
    target: "Pending | uuid.UUID | None" = None
    via: tuple[str, str] | None = None

    @property
    def target_id(self) -> uuid.UUID | None:
        return _id_of(self.target) if self.target is not None else None


def resolve_row(
    row: ParsedRow, policy: DuplicatePolicy, in_batch: dict[tuple[str, str], "Pending | uuid.UUID"],
    in_store: dict[tuple[str, str], uuid.UUID], apart: Collection[uuid.UUID] = (),
    kinds: dict[uuid.UUID, str] | None = None,
) -> Decision:
    """What to do with one valid row by its exact keys: the single place where a row meets the
    existing contacts by identifier. `in_batch` holds the identifiers of the rows already resolved
    in this batch (to a contact about to be created, or to an existing one); `in_store` those
    found in the workspace, including the rows of earlier batches of the same file; the row is
    never the contact of an id in `apart`, but for its own. `kinds`: the stored contacts' kinds,
    since a person is never an organization or group (their shared email or phone is the
    office's, as the identity engine has it), but by the id a JSONL line gives."""
    may_be = _MAY_BE[row.kind]
    for key in row.keys():
        for target in (in_batch.get(key), in_store.get(key)):  # the batch's own first
            if target is None:
                continue
            target_id = _id_of(target)
            if target_id in apart and target_id != row.given_id:
                continue
            kind = target.kind if isinstance(target, Pending) else (kinds or {}).get(target_id)
            if key[0] != "id" and kind is not None and kind not in may_be:
                continue
            return _by_policy(policy, target, key)
    return Decision("create")


# the stored kinds a row of each kind may be (identity.same_kinds, made once, not per row)
_MAY_BE = {kind: identity.same_kinds({"kind": kind}) for kind in ("person", "organization", "group")}


def another_person(row: ParsedRow, decision: Decision, stored: dict[uuid.UUID, list[dict[str, Any]]]) -> bool:
    """A person row that found a person by a shared email or phone whose first name differs
    outright, with nothing personal saying they are one (the engine's names_clash): a
    household's phone, an office's switchboard, not the same person; an import does not fold
    them together unasked, as no other write does."""
    if row.kind != "person" or row.derived is None or decision.via is None or decision.via[0] not in ("email", "phone"):
        return False  # (a JSONL line has no profile made for it: a backup's people were resolved already)
    target = decision.target
    if isinstance(target, Pending):
        theirs = [target.row.profile()] if target.row.derived is not None else None
    else:
        theirs = stored.get(target)
    return bool(theirs) and names_clash(compare_cluster(row.profile(), theirs).reasons)


def _id_of(target: "Pending | uuid.UUID") -> uuid.UUID:
    return target.id if isinstance(target, Pending) else target


class BatchLikeness:
    """The contacts a batch is about to create, filed by their blocking keys, so that with
    match=fuzzy a row is also compared with the rows before it in the same batch (the stored
    contacts, earlier batches included, are the identity index's)."""

    def __init__(self) -> None:
        self.by_key: dict[str, dict[uuid.UUID, Pending]] = {}
        self.records: dict[uuid.UUID, list[dict[str, Any]]] = {}  # the profiles each is made of

    def file(self, target: Pending, profile: dict[str, Any]) -> None:
        """`target` is (or now also absorbs) the record `profile`."""
        self.records.setdefault(target.id, []).append(profile)
        for key in blocking_keys(profile):
            self.by_key.setdefault(key, {})[target.id] = target

    def best(self, profile: dict[str, Any]) -> tuple[identity.Match, Pending] | None:
        kinds = identity.same_kinds(profile)
        candidates = {i: p for key in blocking_keys(profile) for i, p in self.by_key.get(key, {}).items()
                      if p.kind in kinds}
        scored = []
        for contact_id, pending in candidates.items():
            score = compare_cluster(profile, self.records[contact_id])
            scored.append((identity.Match(contact_id, round(score.total, 2), score.reasons, False), pending))
        return max(scored, key=lambda pair: pair[0].score, default=None)


def resolve_by_likeness(session: Session, workspace_id: uuid.UUID, profile: dict[str, Any], policy: DuplicatePolicy,
                        batch: BatchLikeness) -> Decision:
    """What to do with a row that matched nobody exactly (match=fuzzy): the best-scoring of the
    stored contacts (by the identity engine) and of the batch's own new ones, when it is likely
    the same person."""
    stored = identity.rank(session, workspace_id, profile, limit=1)
    best: tuple[identity.Match, Pending | uuid.UUID] | None = (stored[0], stored[0].contact_id) if stored else None
    in_batch = batch.best(profile)
    if in_batch is not None and (best is None or in_batch[0].score > best[0].score):
        best = in_batch
    if best is None:
        return Decision("create")
    match, target = best
    if match.decision == "distinct" or (match.decision == "review" and policy != "review"):
        return Decision("create")
    return _by_policy(policy, target, ("likeness score", f"{match.score:g}"))


def _by_policy(policy: DuplicatePolicy, target, via: tuple[str, str]) -> Decision:
    if policy == "merge":
        return Decision("merge", target, via)
    if policy == "skip":
        return Decision("skip", target, via)
    if policy == "review":
        return Decision("review", target, via)
    return Decision("create", target, via)  # policy create: written anyway, the match noted
