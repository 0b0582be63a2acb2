"""Settings from the environment: every one as GRIDFLOW_<NAME>, typed, wrong values named at start."""

from __future__ import annotations

import json
import stat

import pytest

from gridflow import settings
from gridflow.settings import Config, SettingsError, load

SAMPLES = {str: "some text", int: 7, float: 0.5, bool: True}


def _sample(name: str):
    """A valid value for the setting other than its default, and how the environment spells it."""
    default = getattr(Config, name)
    kind = settings._declared_type(Config, name)
    origin = getattr(kind, "__origin__", kind)
    if name in settings.CHOICES:
        value = settings.CHOICES[name][-1]
    elif origin is tuple:
        value = default
    elif name == "WARN_SHARE":
        value = 0.75
    elif origin in SAMPLES:
        value = SAMPLES[origin] if default is None or default == SAMPLES[origin] or origin is bool else default * 2
        value = (not default) if origin is bool else value
    else:
        pytest.fail(f"no sample for setting {name} of type {kind}")
    text = json.dumps(value) if origin is tuple else str(value).lower() if origin is bool else str(value)
    return value, text


@pytest.mark.parametrize("name", settings.setting_names())
def test_every_setting_can_be_set_from_the_environment_with_the_prefix(name, tmp_path):
    value, text = _sample(name)
    env = {f"GRIDFLOW_{name}": text, "GRIDFLOW_INSTANCE": str(tmp_path)}
    if name == "INSTANCE_PATH":
        value = str(tmp_path / "elsewhere")
        env = {"GRIDFLOW_INSTANCE_PATH": value}
    loaded, notes = load(env, {"TESTING": True})
    assert loaded[name] == value and notes == []


def test_wrong_values_are_all_named_at_start(tmp_path):
    with pytest.raises(SettingsError) as caught:
        load({"GRIDFLOW_WARN_SHARE": "eighty", "GRIDFLOW_SWEEP_INTERVAL_SECONDS": "soon", "GRIDFLOW_TESTING": "maybe"})
    assert caught.value.problems == [
        "GRIDFLOW_SWEEP_INTERVAL_SECONDS='soon' is not a number",
        "GRIDFLOW_TESTING='maybe' is not true or false",
        "GRIDFLOW_WARN_SHARE='eighty' is not a number",
    ]


def test_values_of_the_right_type_but_out_of_range_are_named(tmp_path):
    with pytest.raises(SettingsError, match=r"WARN_SHARE=1.5 must lie between 0 and 1"):
        load({"GRIDFLOW_WARN_SHARE": "1.5", "GRIDFLOW_INSTANCE": str(tmp_path)})
    with pytest.raises(SettingsError, match=r"OFFICE_HOURS=.* must be \[hour, minute\] pairs"):
        load({"GRIDFLOW_OFFICE_HOURS": "[[13, 30], [9, 0]]", "GRIDFLOW_INSTANCE": str(tmp_path)})
    with pytest.raises(SettingsError, match="is not a JSON array"):
        load({"GRIDFLOW_OFFICE_HOURS": '{"from": 9}', "GRIDFLOW_INSTANCE": str(tmp_path)})


def test_office_hours_come_as_json_and_are_kept_as_tuples(tmp_path):
    loaded, _ = load({"GRIDFLOW_OFFICE_HOURS": "[[8, 30], [12, 0]]", "GRIDFLOW_INSTANCE": str(tmp_path)})
    assert loaded["OFFICE_HOURS"] == ((8, 30), (12, 0))


def test_unprefixed_database_url_and_secret_key_keep_working_and_the_prefixed_ones_win(tmp_path):
    env = {"DATABASE_URL": "sqlite:///old.db", "SECRET_KEY": "s" * 32, "GRIDFLOW_INSTANCE": str(tmp_path)}
    loaded, _ = load(env)
    assert (loaded["DATABASE_URL"], loaded["SECRET_KEY"]) == ("sqlite:///old.db", "s" * 32)
    loaded, _ = load(env | {"GRIDFLOW_DATABASE_URL": "sqlite:///new.db", "GRIDFLOW_SECRET_KEY": "n" * 32})
    assert (loaded["DATABASE_URL"], loaded["SECRET_KEY"]) == ("sqlite:///new.db", "n" * 32)


def test_settings_once_read_unprefixed_are_refused_with_their_new_name(tmp_path):
    with pytest.raises(SettingsError, match="WARN_SHARE is no longer read: set GRIDFLOW_WARN_SHARE"):
        load({"WARN_SHARE": "0.7", "GRIDFLOW_INSTANCE": str(tmp_path)})


def test_an_unknown_prefixed_variable_is_reported_with_the_likely_setting(tmp_path):
    _, notes = load({"GRIDFLOW_WARN_SHAER": "0.7", "GRIDFLOW_INSTANCE": str(tmp_path), "GRIDFLOW_TEST_X": "1"})
    assert notes == ["GRIDFLOW_WARN_SHAER is not a setting and is ignored (did you mean GRIDFLOW_WARN_SHARE?)"]


def test_the_instance_folder_defaults_to_instance_under_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loaded, _ = load({})
    assert loaded["INSTANCE_PATH"] == str(tmp_path / "instance")
    assert loaded["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'gridflow.db'}"
    assert loaded["SCHEDULER_LOCK"] == str(tmp_path / "instance" / "scheduler.lock")


def test_the_instance_folder_holds_the_database_the_lock_and_the_key(tmp_path):
    folder = tmp_path / "var"
    loaded, _ = load({"GRIDFLOW_INSTANCE": str(folder)})
    assert loaded["DATABASE_URL"] == f"sqlite:///{folder / 'gridflow.db'}"
    assert loaded["SCHEDULER_LOCK"] == str(folder / "scheduler.lock")
    key = folder / settings.SECRET_FILE
    assert key.read_text().strip() == loaded["SECRET_KEY"] and len(loaded["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert load({"GRIDFLOW_INSTANCE": str(folder)})[0]["SECRET_KEY"] == loaded["SECRET_KEY"]  # created once


def test_the_development_secret_key_is_refused_outside_debug_and_testing(tmp_path):
    env = {"SECRET_KEY": settings.DEV_SECRET, "GRIDFLOW_INSTANCE": str(tmp_path)}
    with pytest.raises(SettingsError, match="published development default"):
        load(env)
    assert load(env, {"TESTING": True})[0]["SECRET_KEY"] == settings.DEV_SECRET
    assert load(env | {"FLASK_DEBUG": "1"})[0]["SECRET_KEY"] == settings.DEV_SECRET


def test_a_key_file_readable_by_others_stops_the_start_with_its_name(tmp_path):
    load({"GRIDFLOW_INSTANCE": str(tmp_path)})
    (tmp_path / settings.SECRET_FILE).chmod(0o644)
    with pytest.raises(SettingsError, match="chmod 600"):
        load({"GRIDFLOW_INSTANCE": str(tmp_path)})
