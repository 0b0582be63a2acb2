"""The Chinese catalogue is current: every message in the code and templates is translated.

Extraction is the same as `pybabel extract -F babel.cfg -k _l` (README, "Translations"); a message
added without updating the catalogue, or left fuzzy, fails here with its text.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "gridflow" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def extracted_messages() -> dict[str, str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = dict(DEFAULT_KEYWORDS, _l=None)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT / "gridflow", method_map, options_map, keywords=keywords
    ):
        found[message if isinstance(message, str) else message[0]] = f"{filename}:{lineno}"
    return found


def test_every_message_of_the_code_and_templates_has_a_chinese_translation():
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    extracted = extracted_messages()
    assert len(extracted) > 50  # extraction found the templates and the code
    missing = []
    for msgid, where in extracted.items():
        entry = catalogue.get(msgid)
        strings = [entry.string] if entry is not None and isinstance(entry.string, str) else (entry and entry.string)
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated (see README, Translations):\n" + "\n".join(missing)
