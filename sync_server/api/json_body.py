"""Reading a request body as JSON, with every way it can fail answered as ``request_invalid``.

Python's ``json`` recurses once per nested array or object: a body of a thousand ``[``
raises ``RecursionError``, which is not a ``ValueError`` and would otherwise escape as a
500. A body nested that deep is not JSON any station sends; it is refused as 400 (the
request cannot be read at all), while JSON that reads but says the wrong thing stays 422.
"""

from __future__ import annotations

import json
from typing import Any

from sync_server.errors import ApiError


def load_json(data: bytes) -> Any:
    """The parsed body; ApiError ``request_invalid`` when it is not JSON or nested too deep."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ApiError("request_invalid", detail={"reason": "json_too_deep"}, status=400) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(
            "request_invalid", detail={"reason": "json_invalid", "error": str(exc)[:200]}
        ) from None
