"""Hostile ways of sending an answer, shared by the fake registries: one byte every
`drip` seconds, or half the body and then a connection reset."""

from __future__ import annotations

import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler


def send_hostile(handler: BaseHTTPRequestHandler, raw: bytes, body_length: int, kind: str,
                 drip: float, stopping: threading.Event) -> None:
    """Send `raw` (status line, headers and body) the `kind` way: "drip" or a reset."""
    handler.close_connection = True
    try:
        if kind == "drip":
            for i in range(len(raw)):
                if stopping.wait(drip):
                    return
                handler.wfile.write(raw[i:i + 1])
                handler.wfile.flush()
        else:
            handler.wfile.write(raw[: len(raw) - body_length // 2])
            handler.wfile.flush()
            time.sleep(0.05)
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
            handler.connection.close()
    except OSError:
        pass
