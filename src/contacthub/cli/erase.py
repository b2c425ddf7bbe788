"""`erase`: a person erased on request (core/erasure.py), from the shell."""

import json
import uuid
from typing import Annotated

import typer

from contacthub.cli.common import JsonFlag, app, confirmed, console, database, workspace_actor
from contacthub.core import erasure


@app.command()
def erase(
    contact_id: Annotated[str, typer.Argument(help="The contact's id (a merged-away or deleted one will do).")],
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before erasing.")] = False,
    json_out: JsonFlag = False,
):
    """Erase a person for good (a right-to-erasure request): their contact, the records merged
    into it, and what their history said of them. POST /v1/contacts/{id}/erase does the same."""
    try:
        wanted = uuid.UUID(contact_id)
    except ValueError:
        raise typer.BadParameter("not a contact id", param_hint="CONTACT_ID") from None
    db = database()
    actor = workspace_actor(db, workspace)
    if not yes and not confirmed(f"Erase contact {wanted} and everything kept of them? This cannot be undone"):
        console.print("Aborted: nothing was erased.")
        raise typer.Exit(1)
    with db.write(workspace=actor.workspace_id) as session:
        subject = erasure.erase(session, actor, wanted)
    db.fold_log()  # on SQLite, no copy of the person stays in the write-ahead log either
    if json_out:
        print(json.dumps({"erased": str(subject)}))
    else:
        console.print(f"[green]Erased[/] contact {subject}: its records are gone and its history says only "
                      "what happened.")
