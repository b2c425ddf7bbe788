"""What the NGP VAN tests share: the contacts path, the door's Basic auth, and a raw POST (a
body may be any text, to test what the door makes of it)."""

import base64
import json

CONTACTS = "/ngpvan/v2/contacts"


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"apiuser:{key}".encode()).decode()


def post(client, body, path=CONTACTS, **kwargs):
    content = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(path, content=content, headers={"Content-Type": "application/json", **kwargs.pop("headers", {})},
                       **kwargs)
