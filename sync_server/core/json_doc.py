"""A JSON document serialised once and stored as it is. Pure.

A push writes hundreds of payloads and feed records: dumping a model to Python objects
and then to JSON would walk it twice, so the core hands the storage layer bytes already
serialised (by pydantic-core, in Rust) and the storage layer stores them untouched.
"""

from __future__ import annotations

from pydantic import BaseModel


class RawJson(bytes):
    """A JSON document already serialised (``model_dump_json``), stored as it is."""


def model_json(model: BaseModel) -> RawJson:
    """``model.model_dump_json()`` as UTF-8 bytes, without the round trip through ``str``."""
    return RawJson(model.__pydantic_serializer__.to_json(model))
