"""Virus scanning through ClamAV's clamd (INSTREAM), when it is configured.

Set CLAMD_SOCKET (a Unix socket path) or CLAMD_HOST and CLAMD_PORT. Without either, files
are not scanned and the portal says so in /healthz/ and in the admin. When it is configured
but cannot be reached, uploads are refused rather than stored unscanned.
"""

from __future__ import annotations

import socket
import struct

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    pass


def is_configured() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""))


def _connect() -> socket.socket:
    timeout = getattr(settings, "CLAMD_TIMEOUT", 30)
    try:
        if getattr(settings, "CLAMD_SOCKET", ""):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(settings.CLAMD_SOCKET)
        else:
            sock = socket.create_connection(
                (settings.CLAMD_HOST, int(getattr(settings, "CLAMD_PORT", 3310))), timeout=timeout
            )
    except OSError as error:
        raise ScannerUnavailable(str(error)) from error
    return sock


def _command(sock: socket.socket, command: bytes) -> bytes:
    sock.sendall(b"z" + command + b"\0")


def _reply(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0"):
        part = sock.recv(4096)
        if not part:
            break
        data += part
    return data.rstrip(b"\0").decode("utf-8", "replace")


def scan_bytes(data: bytes) -> str | None:
    """The name of what clamd found in `data`, or None when it is clean."""
    with _connect() as sock:
        try:
            _command(sock, b"INSTREAM")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                sock.sendall(struct.pack(">I", len(chunk)) + chunk)
            sock.sendall(struct.pack(">I", 0))
            reply = _reply(sock)
        except OSError as error:
            raise ScannerUnavailable(str(error)) from error
    if reply.endswith("FOUND"):
        return reply.split(":", 1)[-1].rsplit(" ", 1)[0].strip()
    if reply.endswith("OK"):
        return None
    raise ScannerUnavailable(reply[:200])


def status() -> str:
    if not is_configured():
        return "not configured"
    try:
        with _connect() as sock:
            _command(sock, b"PING")
            if _reply(sock) == "PONG":
                return "ok"
    except (OSError, ScannerUnavailable):
        pass
    raise ScannerUnavailable("clamd does not answer")
