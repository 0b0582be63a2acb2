"""Passwords: the one rule (pages, API, CLI), hashing (Argon2), and checking a password in the same
time whether or not the account exists.

A password is taken as typed, never trimmed: spaces count.  It never travels on a command line
(`gridflow user add|passwd` read it from standard input or a prompt).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from gridflow.errors import N_, Invalid

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200

# Production cost parameters (argon2-cffi defaults); the test suite swaps in a cheap hasher.
_hasher = PasswordHasher()
_dummy: dict[tuple, str] = {}  # the hasher's cost parameters -> a hash made with them


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed in `password_hash`.  Without a hash (no such user, or a
    disabled one) the password is checked against a dummy hash of the same cost, so that the answer
    takes as long as for an existing account: the time tells nothing about which names exist."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, InvalidHashError, UnicodeEncodeError):
        return False


def _dummy_hash() -> str:
    key = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism, _hasher.hash_len, _hasher.salt_len)
    if key not in _dummy:
        _dummy[key] = _hasher.hash("no such account: a dummy to spend the same time")
    return _dummy[key]


def storable(text: str) -> bool:
    """Text the database can hold and compare, and Argon2 can hash: no NUL (PostgreSQL refuses it),
    no lone surrogate (no encoding has one)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def check_password_rule(username: str, password: str, field: str = "password") -> None:
    """The one password rule (pages, API, CLI): at least PASSWORD_MIN_LENGTH characters and not the
    user name.  A password is taken as typed, never trimmed: spaces count."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise Invalid(
            N_("The password must be at least %(min)d characters long"),
            field=field,
            params={"min": PASSWORD_MIN_LENGTH},
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise Invalid(
            N_("The password must be at most %(max)d characters long"),
            field=field,
            params={"max": PASSWORD_MAX_LENGTH},
        )
    if not storable(password):
        raise Invalid(N_("The password holds characters that cannot be stored"), field=field)
    if password.strip().casefold() == username.strip().casefold():
        raise Invalid(N_("The password must not be the user name"), field=field)
