"""The key ring of the keyed hash chains (see gridflow.hashchain), from the settings.

The current key is the setting `CHAIN_KEY` (`GRIDFLOW_CHAIN_KEY`), or else a random key created on first use in the instance
folder (`chain.key`, owner-only) and reused; `CHAIN_RETIRED_KEYS` (comma-separated) lists keys that still
verify older entries after a rotation.  Keys never enter the database; entries name their key by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from gridflow.hashchain import KeyRing
from gridflow.instance import secret_file

KEY_FILE = "chain.key"


def chain_keys(config: Mapping) -> KeyRing:
    """The key ring for these settings (read once per process: every write uses it)."""
    current = config.get("CHAIN_KEY") or _instance_key(str(config["INSTANCE_PATH"]))
    retired = config.get("CHAIN_RETIRED_KEYS") or ()
    if isinstance(retired, str):  # as the environment gives it: comma-separated
        retired = [k.strip() for k in retired.split(",")]
    return _ring(current, tuple(k for k in retired if k))


@lru_cache(maxsize=8)
def _instance_key(folder: str) -> str:
    return secret_file(folder, KEY_FILE)


@lru_cache(maxsize=8)
def _ring(current: str, retired: tuple[str, ...]) -> KeyRing:
    return KeyRing.from_secrets(current, retired)
