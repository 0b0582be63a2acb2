import stat

import pytest

from gridflow.instance import secret_file


def test_a_secret_is_created_once_owner_only_and_reused(tmp_path):
    first = secret_file(tmp_path / "inst", "key")
    assert len(first) == 64
    assert stat.S_IMODE((tmp_path / "inst" / "key").stat().st_mode) == 0o600
    assert secret_file(tmp_path / "inst", "key") == first


def test_a_secret_readable_by_others_is_refused(tmp_path):
    secret_file(tmp_path, "key")
    (tmp_path / "key").chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        secret_file(tmp_path, "key")
