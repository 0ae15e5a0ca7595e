"""mypy --strict accepts the files pyproject.toml lists (the domain and the typed services)."""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]


def test_the_typed_modules_pass_mypy_strict(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out, err, status = api.run(["--cache-dir", str(tmp_path / "mypy"), "--no-error-summary"])
    assert (status, out, err) == (0, "", "")
