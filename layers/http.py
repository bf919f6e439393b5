"""The one way importers reach a web service (the police.uk API, the ONS boundary service), injectable so
tests hand in recorded responses and never touch the network."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

# ---- services ---------------------------------------------------------------------------------------------


def http_request(url: str, form: dict[str, str] | None = None, *, timeout: float = 60) -> tuple[int, bytes]:
    """GET ``url`` (or POST ``form``) -> (HTTP status, body); ConnectionError when it cannot be reached.

    Importers take this as an injectable argument, so tests hand in recorded responses instead.
    """
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"User-Agent": "kirklees-hotspots"})
    host = urllib.parse.urlsplit(url).netloc
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ConnectionError(
            f"could not reach {host} ({getattr(exc, 'reason', exc)}); are you offline?"
        ) from None
