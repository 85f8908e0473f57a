"""A long-lived PDF render process (started by `portal.pdf`'s pool, never by hand).

It sets up Django (for the static-file finders the fetcher uses), imports WeasyPrint and
renders one small document to warm its font caches, then limits its own address space to
the megabytes given as its argument and answers requests on stdin, one at a time: a
length-prefixed JSON object (html, variant, options) in, a header (status, pages, length)
and the PDF (or the error's name) out. After any failure it exits; the pool starts another.
"""

from __future__ import annotations

import json
import os
import resource
import sys

# Loads the fonts the portal's PDFs use (serif text, sans headings, bold and italic).
WARM_UP = (
    '<html lang="en"><head><title>Warm-up</title>'
    '<link rel="stylesheet" href="portal-static:standards/pdf.css"></head>'
    "<body><h1>PDF</h1><p>Text, <strong>bold</strong> and <em>italic</em>.</p>"
    "<table><tr><th>A</th><td>1</td></tr></table></body></html>"
)


def _read(stream, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def main() -> None:
    memory_mb = int(sys.argv[1])
    # The protocol owns the real stdout; anything printed goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    stdin = sys.stdin.buffer

    import django

    django.setup()
    from portal.pdf import _HEADER, _REQUEST, render_document

    render_document(WARM_UP, "pdf/ua-1", {})
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    out.write(b"R")
    out.flush()
    while True:
        head = _read(stdin, _REQUEST.size)
        if head is None:
            return
        payload = _read(stdin, _REQUEST.unpack(head)[0])
        if payload is None:
            return
        try:
            job = json.loads(payload)
            result = render_document(job["html"], job["variant"], job["options"])
        except BaseException as error:  # noqa: BLE001 - reported to the pool, then exit
            message = type(error).__name__.encode()
            try:
                out.write(_HEADER.pack(b"E", 0, len(message)) + message)
                out.flush()
            finally:
                os._exit(1)
        out.write(_HEADER.pack(b"K", result.pages, len(result.content)) + result.content)
        out.flush()


if __name__ == "__main__":
    main()
