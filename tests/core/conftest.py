import pytest

from contacthub.core.actor import Actor


@pytest.fixture
def actor(workspace) -> Actor:
    """The fresh workspace's key, writing as the CLI does (the core never asks which door)."""
    return Actor(workspace.workspace_id, workspace.key_id, "cli")
