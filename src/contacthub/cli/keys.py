"""`init` and `keys create|list|revoke`: workspaces and their API keys."""

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from contacthub.cli.common import JsonFlag, app, console, database, keys_app, print_key, workspace_actor
from contacthub.core import workspaces
from contacthub.core.errors import DomainError
from contacthub.core.moments import iso_z
from contacthub.repositories import simple as simple_repo


@app.command()
def init(name: Annotated[str, typer.Option(help="Workspace name.")] = "default", json_out: JsonFlag = False):
    """Create a workspace and its first API key (the key is shown once). Another workspace when
    one exists already (`keys create` adds a key to an existing one)."""
    db = database()
    with db.write() as session:
        first = simple_repo.first_workspace(session)
        new = workspaces.create_workspace(session, name)
    print_key(new, json_out, "Workspace created.")
    if first is not None:  # e.g. after `make serve` made one: the keys printed then belong to that one
        console.print(f"[yellow]Note:[/] this is a new, empty workspace; the first one is {first.id}. For a key "
                      "to an existing workspace, use [bold]contacthub keys create[/] (--workspace <id>).",
                      soft_wrap=True)


@keys_app.command("create")
def keys_create(
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
    name: Annotated[str, typer.Option(help="A label for the key, shown by `keys list` (default: none).")] = "",
    read_only: Annotated[bool, typer.Option("--read-only", help="A key that reads through every door but changes "
                                            "nothing (writes answer 403).")] = False,
    json_out: JsonFlag = False,
):
    """Create an API key (shown once)."""
    db = database()
    actor = workspace_actor(db, workspace)
    with db.write() as session:
        new = workspaces.create_key(session, actor.workspace_id, name, read_only=read_only)
    print_key(new, json_out, "Key created.")


@keys_app.command("list")
def keys_list(workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
              json_out: Annotated[bool, typer.Option("--json", help="Print a JSON array for scripts.")] = False):
    """List the keys of a workspace (their prefixes; keys themselves are never stored)."""
    db = database()
    actor = workspace_actor(db, workspace)
    with db.read() as session:
        rows = workspaces.list_keys(session, actor.workspace_id)
    if json_out:
        print(json.dumps([{"key_id": str(k.id), "prefix": k.prefix, "name": k.name, "read_only": k.read_only,
                           "created_at": iso_z(k.created_at),
                           "revoked_at": iso_z(k.revoked_at) if k.revoked_at else None} for k in rows]))
        return
    # the id and prefix are what `keys revoke` takes: never cut short, whatever the terminal's width
    table = Table(Column("id", no_wrap=True, min_width=36), Column("prefix", no_wrap=True, min_width=13),
                  "name", Column("access", no_wrap=True, min_width=10), "created", "revoked",
                  title=f"Keys of workspace {actor.workspace_id}")
    for k in rows:
        table.add_row(str(k.id), k.prefix + "…", k.name, "read-only" if k.read_only else "read-write",
                      k.created_at.strftime("%Y-%m-%d %H:%M"),
                      k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "")
    # in a terminal, as wide as it is; into a pipe or a file, wide enough for every column whole
    Console(width=None if sys.stdout.isatty() else 120).print(table)


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="The key's id or prefix, as `keys list` shows it.")],
                workspace: Annotated[str | None, typer.Option(
                    help="Workspace id: only a key of this workspace is revoked (default: the key's own).")] = None):
    """Revoke a key: a running server refuses it within 5 seconds (it remembers a valid key that long)."""
    db = database()
    within = workspace_actor(db, workspace).workspace_id if workspace else None
    with db.read() as session:
        known = [k for k in simple_repo.keys_by_prefix_or_id(session, key.rstrip("…"))
                 if within is None or k.workspace_id == within]
        already = known[0].revoked_at if len(known) == 1 else None
    if len(known) > 1:
        console.print(f"[red]{len(known)} keys start with {key}:[/] give the key's id (`contacthub keys list`).")
        raise typer.Exit(1)
    if not known:
        where = f" in workspace {within}" if within else ""
        console.print(f"[red]api key {key} not found{where}[/] (`contacthub keys list` shows the keys)")
        raise typer.Exit(1)
    try:
        with db.write() as session:
            row = workspaces.revoke_key(session, str(known[0].id))
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/] (`contacthub keys list` shows the keys)")
        raise typer.Exit(1) from None
    if already:
        console.print(f"Key {row.id} ({row.prefix}…) was already revoked on {already:%Y-%m-%d %H:%M} UTC.")
        return
    # a server remembers a valid key for KEY_CACHE.ttl seconds, and this process cannot make it forget
    console.print(f"Revoked key {row.id} ({row.prefix}…): a running server refuses it within "
                  f"{workspaces.KEY_CACHE.ttl:g} seconds.", soft_wrap=True)
    with db.read() as session:
        writable = [k for k in workspaces.list_keys(session, row.workspace_id) if k.revoked_at is None and not k.read_only]
    if not writable:  # the API keeps this key (409); the shell can always make another, so it may go
        console.print(f"[yellow]Workspace {row.workspace_id} has no key that can write now:[/] "
                      f"`contacthub keys create --workspace {row.workspace_id}` makes one.", soft_wrap=True)
