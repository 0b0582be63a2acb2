"""The keyed hash chain (pure): what it catches, and key rotation."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from gridflow.hashchain import EMPTY, LEGACY_KEY_ID, Anchor, ChainCheck, KeyRing, key_id_of, legacy_hash

RING = KeyRing.from_secrets("the-current-key")
SCOPE = "case:7"


@dataclass(frozen=True)
class Entry:
    seq: int
    text: str
    prev_hash: str = ""
    hash: str = ""
    key_id: str = ""


def content(e: Entry) -> dict:
    return {"seq": e.seq, "text": e.text}


def build(texts, ring: KeyRing = RING, scope: str = SCOPE) -> tuple[list[Entry], Anchor]:
    entries, tail = [], EMPTY
    for seq, text in enumerate(texts, start=1):
        link = ring.link(tail, content(Entry(seq, text)))
        entries.append(Entry(link.seq, text, link.prev_hash, link.hash, link.key_id))
        tail = ring.anchor(scope, link)
    return entries, tail


ENTRIES, ANCHOR = build(["report", "file", "claim", "escalate", "claim", "resolve"])


def check(entries, anchor=ANCHOR, ring=RING, scope=SCOPE) -> ChainCheck:
    return ring.verify(scope, entries, content, anchor)


def test_an_intact_chain_verifies_and_names_its_key():
    assert check(ENTRIES) == ChainCheck(True)
    assert {e.key_id for e in ENTRIES} == {key_id_of("the-current-key")} and "the-current-key" not in ENTRIES[0].key_id
    assert ANCHOR.length == 6 and ANCHOR.head == ENTRIES[-1].hash


def test_an_edited_entry_is_named():
    edited = [*ENTRIES[:2], replace(ENTRIES[2], text="nothing happened"), *ENTRIES[3:]]
    assert check(edited) == ChainCheck(False, 3, "content does not match its hash")


@pytest.mark.parametrize("missing", [[2], [6], [5, 6], [1, 2, 3, 4, 5, 6]])
def test_deleted_entries_are_named_even_the_last_ones(missing):
    kept = [e for e in ENTRIES if e.seq not in missing]
    result = check(kept)
    assert not result.valid and result.broken_at == missing[0], result


def test_reordered_entries_are_named():
    swapped = [ENTRIES[0], replace(ENTRIES[2], seq=2), replace(ENTRIES[1], seq=3), *ENTRIES[3:]]
    assert check(swapped).broken_at == 2


def test_a_chain_rewritten_with_another_key_is_refused_at_its_first_entry():
    forged_ring = KeyRing.from_secrets("a-guessed-key")
    forged, forged_anchor = build(["report", "file", "claim", "escalate", "claim", "resolve"], forged_ring)
    result = check(forged, forged_anchor)
    assert result.broken_at == 1 and "not in the key ring" in result.reason
    # …and a forger who keeps the key id but not the key gets no further.
    same_id = [replace(e, key_id=RING.current_id) for e in forged]
    assert check(same_id, forged_anchor) == ChainCheck(False, 1, "content does not match its hash")


def test_unkeyed_hashes_are_never_accepted():
    prev, legacy = "0" * 64, []
    for e in ENTRIES:
        h = legacy_hash(prev, content(e))
        legacy.append(replace(e, prev_hash=prev, hash=h, key_id=LEGACY_KEY_ID))
        prev = h
    assert check(legacy).broken_at == 1


def test_truncation_with_a_rewritten_anchor_needs_the_key():
    kept = ENTRIES[:4]
    unsealed = Anchor(4, kept[-1].hash, ANCHOR.seal)  # the old seal does not fit the shorter chain
    assert check(kept, unsealed) == ChainCheck(False, 5, "the anchor (length and head) does not match its seal")
    forged = KeyRing.from_secrets("a-guessed-key").seal(SCOPE, 4, kept[-1].hash)
    assert not check(kept, forged).valid
    assert not check(ENTRIES, None).valid  # no anchor at all


def test_an_anchor_belongs_to_its_own_chain():
    other_entries, other_anchor = build(["report", "file"], scope="case:8")
    assert not check(other_entries, other_anchor).valid  # case 8's chain passed off as case 7's


def test_entries_beyond_the_anchor_are_named():
    longer, _ = build(["report", "file", "claim", "escalate", "claim", "resolve", "verify"])
    assert check(longer) == ChainCheck(False, 7, "entries after 6 are not anchored")


def test_after_a_rotation_old_entries_verify_with_the_retired_key():
    old_ring = KeyRing.from_secrets("old-key")
    old_entries, old_anchor = build(["report", "file"], old_ring)
    rotated = KeyRing.from_secrets("new-key", retired=["old-key"])
    link = rotated.link(old_anchor, content(Entry(3, "claim")))
    entries = [*old_entries, Entry(3, "claim", link.prev_hash, link.hash, link.key_id)]
    anchor = rotated.anchor(SCOPE, link)
    assert entries[0].key_id != entries[2].key_id
    assert check(entries, anchor, rotated) == ChainCheck(True)
    assert check(entries, anchor, KeyRing.from_secrets("new-key")).broken_at == 1  # old key dropped


def test_an_empty_key_is_refused():
    with pytest.raises(ValueError):
        KeyRing.from_secrets("")
