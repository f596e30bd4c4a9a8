"""Every string people see exists in French and Dutch, and the catalogues are current."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["manage.py", "portal", "cities", "toolkit", "stakeholders", "templates", "locale"]


def _statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    """The catalogues as `makemessages` would write them from today's code."""
    tree = tmp_path_factory.mktemp("tree")
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, tree / name)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "-l", "nl", "--no-obsolete"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return tree / "locale"


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_string_in_the_code_is_translated(fresh_catalogues, language):
    stats = _statistics(fresh_catalogues / language / "LC_MESSAGES" / "django.po")
    assert "untranslated" not in stats, f"run `make messages` and translate: {stats}"
    assert "fuzzy" not in stats, f"review the fuzzy entries: {stats}"


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_translations_add_no_markup_or_quotes(language, tmp_path):
    """Translated text is not escaped (it may sit in an attribute): it must not bring `"<>&`."""
    import gettext

    mo = tmp_path / "django.mo"
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)
    with mo.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    for msgid, msgstr in catalog.items():
        source = msgid[0] if isinstance(msgid, tuple) else msgid
        if not source:
            continue  # the catalogue's header
        for char in '"<>&':
            assert msgstr.count(char) <= source.count(char), (language, source, msgstr)
