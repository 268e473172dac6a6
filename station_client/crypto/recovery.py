"""The recovery key: 160 random bits shown once at enrolment as 8 groups of 4 base32
characters (``ABCD-EFGH-…``). It opens its own wrap of the data key, so the station's
data survives the loss of every staff password. Typing is forgiving: case, spaces,
full-width characters and the digits 0, 1 and 8 typed for the letters O, I and B are folded.
"""

from __future__ import annotations

import base64
import os

from schema.normalize import compact_code
from station_client.crypto.keys import WrongCredential

GROUPS = 8
GROUP_LEN = 4
_RAW_BYTES = GROUPS * GROUP_LEN * 5 // 8  # 20 bytes = 32 base32 characters
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def generate_recovery_key() -> str:
    text = base64.b32encode(os.urandom(_RAW_BYTES)).decode("ascii")
    return "-".join(text[i : i + GROUP_LEN] for i in range(0, len(text), GROUP_LEN))


def recovery_key_bytes(text: str) -> bytes:
    """The 20 key bytes of a typed recovery key; WrongCredential if it cannot be one."""
    compact = compact_code(text).translate(_LOOKALIKES)
    try:
        raw = base64.b32decode(compact)
    except ValueError:
        raw = b""
    if len(raw) != _RAW_BYTES:
        raise WrongCredential(
            "恢复密钥格式不正确：应为 8 组、每组 4 个字母或数字（共 32 位），请对照注册时打印的恢复密钥重新输入。"
        )
    return raw
