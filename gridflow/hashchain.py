"""A keyed hash chain over an append-only sequence of entries (a case's timeline, the audit log).

Each entry's hash is an HMAC-SHA256 under a secret key kept outside the database, over the previous
entry's hash and the entry's content as canonical JSON: changing, removing or reordering an entry
breaks every hash from it on, and without the key no one can compute them again.  The entry keeps the
id of the key it was hashed with, so keys can be rotated (retired keys still verify).

The end of the chain (its length and last hash) is kept beside the entries and sealed with the key:
the anchor.  Deleting the last entries, or a whole chain, is then seen too (the anchor counts them);
a forger would need the key to seal a shorter chain.

Pure: no Flask, no database.  Entries are any objects with `seq` (1, 2, …), `prev_hash`, `hash` and
`key_id`; the caller says what of an entry its hash covers (`content`).

    ring = KeyRing.from_secrets(current_secret, retired_secrets)   # or gridflow.chainkeys.chain_keys(config)
    link = ring.link(tail, content)          # tail: the stored Anchor (EMPTY at first); content: a dict
    # store the entry with link.seq, link.prev_hash, link.hash, link.key_id; then, in the same
    # transaction, the new anchor: ring.seal(scope, link.seq, link.hash)  (scope: "case:42", "audit", …)
    check = ring.verify(scope, entries_in_seq_order, content_of_entry, stored_anchor)
    # ChainCheck(valid, broken_at=seq of the first bad or missing entry, reason)
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of the first entry
LEGACY_KEY_ID = "sha256"  # plain SHA-256 from before chains were keyed: named, never accepted as a key
_KEY_ID_SALT = b"gridflow chain key id\x00"


def canonical_json(value: Any) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 as is, dates and the like as str()."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def key_id_of(secret: str) -> str:
    """A short name for a key that reveals nothing of it (a salted SHA-256 fingerprint)."""
    return "k" + hashlib.sha256(_KEY_ID_SALT + secret.encode("utf-8")).hexdigest()[:12]


def legacy_hash(prev_hash: str, content: Mapping) -> str:
    """The unkeyed hash of entries written before chains were keyed (for migrating them)."""
    return hashlib.sha256((prev_hash + canonical_json(content)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Anchor:
    """The end of a chain: how many entries, the last one's hash, and the seal over both
    ("<key id>:<hmac>"; None for a chain never sealed)."""

    length: int
    head: str
    seal: str | None = None


EMPTY = Anchor(0, GENESIS)


@dataclass(frozen=True)
class Link:
    """What a new entry stores to join the chain."""

    seq: int
    prev_hash: str
    key_id: str
    hash: str


@dataclass(frozen=True)
class ChainCheck:
    valid: bool
    broken_at: int | None = None  # seq of the first entry that does not check out (or is missing)
    reason: str | None = None


class UnknownKey(LookupError):
    pass


@dataclass(frozen=True)
class KeyRing:
    """The current key (new entries) and the retired ones (verification only), by key id."""

    current_id: str
    secrets: Mapping[str, bytes]

    @classmethod
    def from_secrets(cls, current: str, retired: Iterable[str] = ()) -> KeyRing:
        if not current:
            raise ValueError("a chain key cannot be empty")
        keys = {key_id_of(s): s.encode("utf-8") for s in (*retired, current) if s}
        return cls(key_id_of(current), keys)

    def _mac(self, key_id: str, message: str) -> str:
        secret = self.secrets.get(key_id)
        if secret is None:
            raise UnknownKey(key_id)
        return hmac.digest(secret, message.encode("utf-8"), "sha256").hex()  # one-shot: the fast path

    def entry_hash(self, key_id: str, prev_hash: str, content: Mapping) -> str:
        return self._mac(key_id, prev_hash + canonical_json(content))

    def link(self, tail: Anchor, content: Mapping) -> Link:
        """The next entry after `tail`: its seq, previous hash and keyed hash (current key)."""
        return Link(tail.length + 1, tail.head, self.current_id, self.entry_hash(self.current_id, tail.head, content))

    def _seal_message(self, scope: str, length: int, head: str) -> str:
        # Starts with "anchor", never with a 64-digit hash as entry messages do: no seal is an entry's hash.
        return "anchor" + canonical_json({"scope": scope, "length": length, "head": head})

    def seal(self, scope: str, length: int, head: str) -> Anchor:
        mac = self._mac(self.current_id, self._seal_message(scope, length, head))
        return Anchor(length, head, f"{self.current_id}:{mac}")

    def anchor(self, scope: str, last: Link) -> Anchor:
        """The sealed anchor of a chain whose last entry is `last`."""
        return self.seal(scope, last.seq, last.hash)

    def seal_holds(self, scope: str, anchor: Anchor) -> bool:
        key_id, _, mac = (anchor.seal or "").partition(":")
        try:
            expected = self._mac(key_id, self._seal_message(scope, anchor.length, anchor.head))
        except UnknownKey:
            return False
        return hmac.compare_digest(expected, mac)

    def verify(
        self, scope: str, entries: Iterable, content: Callable[[Any], Mapping], anchor: Anchor | None
    ) -> ChainCheck:
        """Check every entry (in seq order) and the anchor; the first entry that fails is named."""
        prev, length = GENESIS, 0
        for expected, entry in enumerate(entries, start=1):
            if entry.seq != expected:
                return ChainCheck(False, expected, f"entry {expected} is missing (next stored: {entry.seq})")
            if entry.prev_hash != prev:
                return ChainCheck(False, expected, "previous hash does not match")
            try:
                ok = hmac.compare_digest(self.entry_hash(entry.key_id, prev, content(entry)), entry.hash)
            except UnknownKey:
                return ChainCheck(False, expected, f"hashed with key {entry.key_id!r}, which is not in the key ring")
            if not ok:
                return ChainCheck(False, expected, "content does not match its hash")
            prev, length = entry.hash, expected
        # The anchor: the entries checked out, are they all there is (and nothing is missing at the end)?
        if anchor is None or not self.seal_holds(scope, anchor):
            return ChainCheck(False, length + 1, "the anchor (length and head) does not match its seal")
        if anchor.length > length:
            return ChainCheck(False, length + 1, f"entries {length + 1}–{anchor.length} are missing")
        if anchor.length < length:
            return ChainCheck(False, anchor.length + 1, f"entries after {anchor.length} are not anchored")
        if anchor.head != prev:
            return ChainCheck(False, length, "the last entry is not the anchored head")
        return ChainCheck(True)
