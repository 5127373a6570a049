from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_float, env_int, env_list, env_path, env_paths


def test_integer_below_its_minimum_is_refused(monkeypatch):
    monkeypatch.setenv("WORKERS", "0")

    with pytest.raises(ImproperlyConfigured, match=r"^WORKERS must be at least 1, got 0\.$"):
        env_int("WORKERS", 2, minimum=1)


def test_blank_values_mean_the_default(monkeypatch):
    for name in ("A_BOOL", "AN_INT", "A_FLOAT", "A_LIST"):
        monkeypatch.setenv(name, "  ")

    assert (env_bool("A_BOOL", True), env_int("AN_INT", 7), env_float("A_FLOAT", 0.5)) == (
        True,
        7,
        0.5,
    )
    assert env_list("A_LIST", "x,y") == ["x", "y"]


def test_float_must_be_a_number(monkeypatch):
    monkeypatch.setenv("TIMEOUT", "soon")

    with pytest.raises(ImproperlyConfigured, match=r"^TIMEOUT must be a number, got 'soon'\.$"):
        env_float("TIMEOUT", 1.0)


def test_paths_are_split_like_path_and_resolved(monkeypatch, tmp_path):
    monkeypatch.setenv("ROOTS", f"{tmp_path}/a::{tmp_path}/b/../c")
    monkeypatch.setenv("ONE", "~")

    assert env_paths("ROOTS") == [tmp_path / "a", tmp_path / "c"]
    assert env_path("ONE", Path("/x")) == Path.home()
    assert env_path("UNSET_PATH", Path("/x")) == Path("/x")
