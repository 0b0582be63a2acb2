"""Process-level hazards."""

from __future__ import annotations

import subprocess
import sys


def test_no_module_brings_a_second_native_proj_next_to_spatialite():
    """pyproj's bundled PROJ and SpatiaLite's system PROJ share a soname; SQLite loads extensions
    RTLD_GLOBAL, so pyproj's calls would bind to the wrong library and corrupt the heap."""
    code = (
        "import sys, wsgi, gridflow.health, gridflow.backup, gridflow.cases.act, gridflow.demo, gridflow.scheduler, bench.spatial;"
        "sys.exit('pyproj' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_the_console_script_works_from_any_folder(tmp_path):
    from pathlib import Path

    script = Path(sys.executable).parent / "gridflow"
    result = subprocess.run(
        [str(script), "workflow", "--format", "table"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert result.returncode == 0, result.stderr
    assert "escalate" in result.stdout


def test_a_bad_setting_is_named_not_a_traceback(tmp_path):
    from pathlib import Path

    script = Path(sys.executable).parent / "gridflow"
    result = subprocess.run(
        [str(script), "workflow"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "GRIDFLOW_WARN_SHARE": "eighty", "GRIDFLOW_LOG_FORMAT": "xml"},
    )
    assert result.returncode != 0
    assert "GRIDFLOW_WARN_SHARE='eighty' is not a number" in result.stderr
    assert "GRIDFLOW_LOG_FORMAT='xml' must be one of text, json" in result.stderr
    assert "Traceback" not in result.stderr
