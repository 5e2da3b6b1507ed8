"""The production files stay consistent with the settings and the README."""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def _env_example_keys() -> list[str]:
    text = (BASE_DIR / ".env.example").read_text()
    return re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE)


def test_every_example_variable_is_read_by_settings_and_documented():
    settings_text = (BASE_DIR / "portal" / "settings.py").read_text()
    readme = (BASE_DIR / "README.md").read_text()
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    for key in _env_example_keys():
        if key == "POSTGRES_PASSWORD":
            assert "${POSTGRES_PASSWORD" in compose
            continue
        assert f'"{key}"' in settings_text, f"{key} is not read by the settings"
        assert key in readme, f"{key} is not documented in the README"


def test_compose_runs_the_whole_stack():
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    services = set(re.findall(r"^  ([a-z]+):$", compose, flags=re.MULTILINE))
    assert {"postgres", "redis", "web", "worker", "beat", "mailcatcher"} <= services
    assert "gunicorn portal.wsgi" in compose
    assert "migrate --noinput" in compose
    assert "REDIS_URL: redis://redis:6379/0" in compose
