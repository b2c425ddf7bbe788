"""Requests the server sends out are bounded as a whole: a server answering a byte at a time
(each read well within httpx's timeout) no longer holds an import or a webhook sender for as
long as it likes."""

import http.server
import threading
import time

import pytest

from contacthub.core import import_sources, webhook_delivery
from contacthub.core.errors import InvalidInput
from contacthub.settings import Settings


@pytest.fixture
def trickling_server():
    """Answers every request with its status line one byte every 0.2 s (never finishing in time)."""
    class Trickle(http.server.BaseHTTPRequestHandler):
        def answer(self):
            try:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass  # the client hung up: what the test wants

        def do_GET(self):
            self.answer()

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.answer()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_download_whose_headers_trickle_ends_at_its_timeout(trickling_server):
    started = time.monotonic()
    with pytest.raises(InvalidInput, match="did not answer within 1 seconds"):
        import_sources.fetch_url(f"{trickling_server}/slow.csv", max_bytes=10_000, timeout=1.0, max_redirects=0,
                                 allow_private=True)
    assert time.monotonic() - started < 2


def test_a_webhook_receiver_whose_answer_trickles_fails_the_delivery_at_its_timeout(trickling_server):
    delivery = webhook_delivery.Delivery(f"{trickling_server}/hooks", "whsec_" + "A" * 32, "msg_1", b"{}")
    started = time.monotonic()
    error = webhook_delivery.send(delivery, Settings(webhook_allow_private_urls=True, webhook_timeout_seconds=1))
    assert error == "no answer within 1 seconds"
    assert time.monotonic() - started < 2
