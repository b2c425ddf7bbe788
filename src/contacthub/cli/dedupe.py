"""`dedupe`: duplicates already stored in a workspace, reported, merged or queued for review."""

import json
import uuid
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from contacthub.cli.common import JsonFlag, app, console, database, progress_bar, workspace_actor
from contacthub.core import contacts
from contacthub.core.actor import Actor
from contacthub.db.engine import Database


@app.command()
def dedupe(
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
    do_merge: Annotated[bool, typer.Option("--merge", help="Merge each likely duplicate into the older contact "
                                           "(default: only report).")] = False,
    review: Annotated[bool, typer.Option("--review", help="Queue the pairs found (those not merged) for review "
                                         "in /v1/duplicates (default: only report).")] = False,
    after: Annotated[str | None, typer.Option(help="Start after this contact id (an interrupted run "
                                              "prints the last one it finished).")] = None,
    json_out: JsonFlag = False,
):
    """Find duplicates already stored in a workspace (and merge them with --merge)."""
    from contacthub.core import identity

    start = _contact_id(after)
    db = database()
    actor = workspace_actor(db, workspace)
    with db.read() as session:
        total = contacts.count(session, actor)
    stats = {"scanned": 0, "duplicates": 0, "merged": 0, "review": 0, "indexed": 0}
    pairs = []
    # contacts written by a path that skipped the identity index are filed first
    stats["indexed"] = identity.index_all_missing(db, actor)
    if stats["indexed"] and not json_out:
        console.print(f"Filed {stats['indexed']} contacts that were not in the identity index yet.")
    with _dedupe_interrupted(stats, total, do_merge, review), progress_bar(disabled=json_out) as progress:
        task = progress.add_task("Deduplicating", total=total)
        for contact_id in identity.iter_all(db.read, actor, after=start):
            # looked at in a read (most contacts have no duplicate): only one that has takes the
            # write lock, and only to merge or queue, so the API's writes seldom wait for a dedupe
            with db.read() as session:
                found, merged, queued = identity.dedupe_contact(session, actor, contact_id, False, False)
            if found and (do_merge or review):
                with db.write(workspace=actor.workspace_id) as session:
                    found, merged, queued = identity.dedupe_contact(session, actor, contact_id, do_merge, review)
            stats["last"] = str(contact_id)
            stats["scanned"] += 1
            stats["duplicates"] += bool(found)
            stats["merged"] += merged
            stats["review"] += queued
            pairs += [{"contact_id": str(contact_id), "duplicate_of": str(m.contact_id), "score": m.score,
                       "decision": m.decision, "why": _why(m.reasons)} for m in found]
            progress.advance(task)
    if json_out:
        print(json.dumps({**stats, "pairs": pairs}))
        return
    # the pair in one column (whole ids, even at 80 columns: the API's merge takes them)
    table = Table(Column("contact, and the older one it duplicates", no_wrap=True, min_width=38),
                  Column("score", justify="right"), "decision", "why", title="Duplicates found", show_lines=True)
    names = _names(db, actor, [uuid.UUID(i) for p in pairs[:50] for i in (p["contact_id"], p["duplicate_of"])])
    for p in pairs[:50]:
        pair = (f"{names.get(p['contact_id'], '')}\n[dim]{p['contact_id']}[/]\n"
                f"↳ {names.get(p['duplicate_of'], '')}\n[dim]{p['duplicate_of']}[/]")
        table.add_row(pair, f"{p['score']:.1f}", p["decision"], p["why"])
    if pairs:
        Console().print(table)
        if len(pairs) > 50:
            console.print(f"… and {len(pairs) - 50:,} more pairs ([bold]--json[/] lists them all).")
    summary = Table("contacts scanned", "with duplicates", "merged", "queued for review", title="Summary")
    summary.add_row(str(stats["scanned"]), str(stats["duplicates"]), str(stats["merged"]), str(stats["review"]))
    Console().print(summary)
    if pairs and not do_merge:
        console.print("Run again with [bold]--merge[/] to merge them, or [bold]--review[/] to queue them.")


def _contact_id(text: str | None) -> uuid.UUID | None:
    if text is None:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise typer.BadParameter("not a contact id", param_hint="--after") from None


def _why(reasons: list[dict]) -> str:
    """A match's reasons in a few words: what is the same, what is alike (Jon and John, a
    nickname, an initial), what differs."""
    agree = [r for r in reasons if r.get("weight", 0) > 0]
    same = [r["field"] for r in agree if r.get("outcome") in ("exact", "agrees")]
    alike = [r["field"] for r in agree if r.get("outcome") not in ("exact", "agrees")]
    differ = [r["field"] for r in reasons if r.get("weight", 0) < 0]
    parts = [f"same {', '.join(same)}"] if same else []
    if alike:
        parts.append(f"similar {', '.join(alike)}")
    if differ:
        parts.append(f"{', '.join(differ)} {'differs' if len(differ) == 1 else 'differ'}")
    return "; ".join(parts)


def _names(db: Database, actor: Actor, ids: list[uuid.UUID]) -> dict[str, str]:
    """Display names for a table (a merged-away contact shows its survivor's name)."""
    from contacthub.core.errors import NotFound

    names = {}
    with db.read() as session:
        found = {v.id: v for v in contacts.get_many(session, actor, list(dict.fromkeys(ids)))}
        for contact_id in dict.fromkeys(ids):
            view = found.get(contact_id)
            try:
                if view is None or view.merged_into is not None:  # gone, or merged: follow it
                    view = contacts.get(session, actor, contact_id)
                names[str(contact_id)] = view.computed_display_name or ""
            except NotFound:
                names[str(contact_id)] = "(deleted)"
    return names


@contextmanager
def _dedupe_interrupted(stats: dict, total: int, do_merge: bool, review: bool):
    """Ctrl-C during dedupe: each contact is its own transaction, so what is done stays done."""
    try:
        yield
    except KeyboardInterrupt:
        kept = " (the merges and queued pairs so far are kept)" if do_merge or review else ""
        go_on = f"run it again with --after {stats['last']} to go on" if "last" in stats else "run it again"
        console.print(f"[yellow]Dedupe interrupted[/] after {stats['scanned']:,} of {total:,} contacts{kept}; "
                      f"{go_on}.", soft_wrap=True)
        raise typer.Exit(130) from None
