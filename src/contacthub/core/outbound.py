"""Requests the server sends out on a user's word (an import's web URL, a webhook): the URL is
checked first, so the server never becomes a proxy into its own network."""

import ipaddress
import socket
import threading

import httpx

from contacthub.core.errors import FieldError, InvalidInput


def check_url(url: str, allow_private: bool, field: str, purpose: str) -> str | None:
    """http(s) only; a host that resolves to a private, loopback, link-local or otherwise
    non-public address is refused unless allowed. Answers the checked address to connect to
    (None when private targets are allowed, or the host is an address already). `purpose`
    finishes the refusals' sentences: "only http and https URLs can {purpose}"."""
    try:
        parsed = httpx.URL(url)
    except Exception:
        raise _refused("not a valid URL", field) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise _refused(f"only http and https URLs can {purpose}", field)
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise _refused(f"port {parsed.port} is no TCP port (1 to 65535)", field)
    if allow_private:
        return None
    try:
        infos = socket.getaddrinfo(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError):
        raise _refused(f"the host {parsed.host} cannot be resolved", field) from None
    addresses = [info[4][0].split("%")[0] for info in infos]
    for address in addresses:
        if not _public(ipaddress.ip_address(address)):
            raise _refused(f"the host {parsed.host} is a private or local address; it cannot {purpose}", field)
    return addresses[0] if addresses else None


# IPv6 prefixes that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052, 8215)
# Prefixes whose last 32 bits a translator turns into an IPv4 address: NAT64 (well-known and
# local-use) and SIIT's IPv4-translated ::ffff:0:a.b.c.d.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"),
          ipaddress.ip_network("::ffff:0:0:0/96"))


def _public(ip) -> bool:
    """A public unicast address, and so is any IPv4 address it carries: a gateway turns an IPv6
    form of 127.0.0.1 (NAT64, SIIT, 6to4, Teredo, IPv4-compatible) back into our own network."""
    if not ip.is_global or ip.is_multicast:
        return False
    if ip.version == 6:
        carried = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
        if any(ip in net for net in _NAT64) or int(ip) >> 32 == 0:  # NAT64, or ::a.b.c.d
            carried.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return all(_public(v4) for v4 in carried if v4 is not None)
    return True


def pinned(url: str, address: str | None) -> tuple[httpx.URL, dict[str, str], dict]:
    """The request to send: to the address that was checked, not to whatever the name resolves
    to a moment later (a DNS rebinding answer could point it into our own network). The Host
    header and the TLS server name stay the URL's own, so virtual hosts and certificates work."""
    parsed = httpx.URL(url)
    if address is None or address == parsed.host:
        return parsed, {}, {}
    return parsed.copy_with(host=address), {"Host": parsed.netloc.decode("ascii")}, {"sni_hostname": parsed.host}


def _refused(message: str, field: str) -> InvalidInput:
    return InvalidInput(FieldError(field, message), message)


class Deadline:
    """A bound on a whole exchange with a server, its answer's status line and headers included:
    httpx's timeout bounds each read, which a server sending a byte a second never passes. Once
    `seconds` have passed every connection made under it is cut, so the read blocked on it
    fails at once, and `passed` says why. Pass `extensions(...)` with each request."""

    def __init__(self, seconds: float):
        self.passed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> "Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def extensions(self, more: dict) -> dict:
        return {**more, "trace": self._trace}

    def _trace(self, event: str, info: dict) -> None:  # httpx's trace extension: each connection made
        if event.endswith("connect_tcp.complete") and "return_value" in info:
            sock = info["return_value"].get_extra_info("socket")
            with self._lock:
                self._sockets.append(sock)
                late = self.passed
            if late:
                _shut(sock)

    def _cut(self) -> None:
        with self._lock:
            self.passed = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket | None) -> None:
    try:
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked on it (close() would not)
    except OSError:
        pass  # closed already
