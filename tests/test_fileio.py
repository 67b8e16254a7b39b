"""Atomic writes and the format-checked JSON descriptions model folders rely on."""

import json

import pytest

from tsdesk.core.fileio import atomic_target, atomic_write_text, read_format_json
from tsdesk.errors import UserError


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "a.txt"
    atomic_write_text(path, "old")
    with pytest.raises(RuntimeError):
        with atomic_target(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_read_format_json_checks_format_and_version(tmp_path):
    path = tmp_path / "m" / "meta.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"format": "x", "version": 1, "k": 2}))
    assert read_format_json(path, "x", 1, "thing")["k"] == 2
    with pytest.raises(UserError, match="does not describe a other thing"):
        read_format_json(path, "y", 1, "other thing")
    path.write_text(json.dumps({"format": "x", "version": 3}))
    with pytest.raises(UserError, match=r"was saved by a newer tsdesk \(thing format 3; this one reads 1\)"):
        read_format_json(path, "x", 1, "thing")
    path.write_text("{not json")
    with pytest.raises(UserError, match="is unreadable"):
        read_format_json(path, "x", 1, "thing")
