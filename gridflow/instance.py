"""The instance folder: what one installation keeps beside its code (SQLite database, keys, uploads).

Secrets that must survive restarts but are not configured (the token-signing key, the timeline
chain key) are created once here, readable by the owner only, and reused.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path


def secret_file(folder: str | os.PathLike, name: str, nbytes: int = 32) -> str:
    """The secret kept in `folder/name`, created (random, mode 0600) if missing.  Safe against several
    processes starting at once: the key is written to a file of its own and then linked into place,
    which fails if another process got there first (its key is then read and used)."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(nbytes) + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return _read(path)


def _read(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} is readable by others: chmod 600 {path}")
    value = path.read_text().strip()
    if not value:  # truncated by hand or by a full disk: refuse to run keyless
        raise RuntimeError(f"{path} is empty: restore it from backup (or remove it to have a new key made)")
    return value
