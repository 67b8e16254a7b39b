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
