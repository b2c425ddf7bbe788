"""Who is asking: the workspace, the key, and the door. Services record it in events and use
the workspace to scope every query; they never branch on the door."""

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    workspace_id: uuid.UUID
    api_key_id: uuid.UUID | None
    door: str  # native | cli | chartmogul | bird | ngpvan | packagex | webhook
