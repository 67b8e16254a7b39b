"""The desktop entry installs for the current user and points at this installation's launcher."""

import configparser
import sys
from pathlib import Path

from tsdesk.desktop import install_desktop_entry, launcher


def test_install_desktop_entry(tmp_path):
    written = install_desktop_entry(tmp_path)
    entry = tmp_path / "applications" / "tsdesk.desktop"
    assert entry in written
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(entry)
    section = parser["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "tsdesk"
    assert section["Exec"].endswith(" %f")
    exe = section["Exec"][: -len(" %f")]
    assert exe == launcher()
    assert Path(exe).exists() or exe.startswith(sys.executable)
    assert "text/csv" in section["MimeType"]
    assert section["Icon"] == "tsdesk"
    assert (tmp_path / "icons/hicolor/scalable/apps/tsdesk.svg").read_text().startswith("<svg")
    assert (tmp_path / "icons/hicolor/48x48/apps/tsdesk.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_launcher_is_the_venv_script():
    assert Path(launcher()).name == "tsdesk"
    assert Path(launcher()).parent == Path(sys.executable).parent


def test_the_entry_launches_the_app_on_a_csv_given_to_it(tmp_path):
    """What a file manager does with the entry: run its Exec line with %f replaced by the file."""
    import os
    import shlex
    import subprocess

    install_desktop_entry(tmp_path)
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(tmp_path / "applications" / "tsdesk.desktop")
    sample = Path(__file__).resolve().parent.parent / "resources" / "ridership.csv"
    argv = [sample.as_posix() if a == "%f" else a for a in shlex.split(parser["Desktop Entry"]["Exec"])]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TSDESK_REPORT_SHOWN": "1",
           "TSDESK_QUIT_AFTER_SHOWN": "1", "TSDESK_WARM": "0", "TSDESK_WORKSPACE": str(tmp_path / "runs"),
           "TSDESK_AUTOSAVE": str(tmp_path / "autosave"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert any(line.startswith("TSDESK_READY ") for line in out.stdout.splitlines()), out.stdout
