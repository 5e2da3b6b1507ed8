"""Settings and URL resolution in both languages, and production hardening."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import resolve, reverse
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x" * 30 + "-production-like-secret-key-for-the-check-only",
    "DJANGO_ALLOWED_HOSTS": "samverkan.example.se",
    "SITE_URL": "https://samverkan.example.se",
    "EMAIL_URL": "smtp://mail.example.se:587",
}


def test_swedish_first_in_stockholm_time():
    assert settings.LANGUAGE_CODE == "sv"
    assert [code for code, _name in settings.LANGUAGES] == ["sv", "en"]
    assert settings.TIME_ZONE == "Europe/Stockholm"
    assert settings.USE_TZ is True
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE


@pytest.mark.parametrize(
    ("name", "swedish", "english"),
    [
        ("portal:home", "/", "/en/"),
        ("portal:about", "/om/", "/en/om/"),
        ("portal:accessibility", "/tillganglighet/", "/en/tillganglighet/"),
        ("portal:privacy", "/integritet/", "/en/integritet/"),
        ("dialogues:meeting_list", "/dialogmoten/", "/en/dialogmoten/"),
        ("dialogues:summary_list", "/sammanfattningar/", "/en/sammanfattningar/"),
        ("stockholmstinget:edition_current", "/stockholmstinget/", "/en/stockholmstinget/"),
        ("accounts:my_pages", "/mina-sidor/", "/en/mina-sidor/"),
        ("account_login", "/konto/login/", "/en/konto/login/"),
    ],
)
def test_urls_resolve_in_both_languages(name, swedish, english):
    """Swedish paths are unprefixed; English is the same path under /en/."""
    with translation.override("sv"):
        assert reverse(name) == swedish
        assert resolve(swedish).view_name == name
    with translation.override("en"):
        assert reverse(name) == english
        assert resolve(english).view_name == name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "language", "heading"),
    [
        ("/om/", "sv", "Om regional samverkan"),
        ("/en/om/", "en", "About regional cooperation"),
        ("/tillganglighet/", "sv", "Tillgänglighetsredogörelse"),
        ("/en/tillganglighet/", "en", "Accessibility statement"),
        ("/integritet/", "sv", "Integritet och personuppgifter"),
        ("/en/integritet/", "en", "Privacy notice"),
    ],
)
def test_pages_are_served_in_the_language_of_the_url(client, path, language, heading):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html


@pytest.mark.django_db
def test_navigation_is_translated(client):
    swedish = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    for label in ("Dialogmöten", "Sammanfattningar", "Om", "Hoppa till innehållet"):
        assert label in swedish
    for label in ("Dialogue meetings", "Summaries", "About", "Skip to content"):
        assert label in english


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process; an empty value unsets that variable."""
    full_env = {**os.environ, **env}
    test_only = ["DJANGO_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"]
    for key in [key for key, value in full_env.items() if value == ""] + test_only:
        full_env.pop(key, None)
    full_env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_system_checks_pass():
    """Admin, model and URL configuration errors surface here before a page is ever served."""
    from django.core.management import call_command

    call_command("check", fail_level="WARNING")


def _settings_value(expression: str, env: dict[str, str]) -> str:
    """Evaluate `expression` against the real settings module in a fresh process."""
    full_env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    for key in ("DJANGO_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"):
        full_env.pop(key, None)
    full_env.update(env)
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("redis_url", "cache_backend", "eager"),
    [
        ("", "django.core.cache.backends.db.DatabaseCache", "True"),
        ("redis://127.0.0.1:6379/3", "django.core.cache.backends.redis.RedisCache", "False"),
    ],
)
def test_broker_and_shared_cache_follow_redis_url(redis_url, cache_backend, eager):
    """With REDIS_URL the cache (allauth's rate limits) and Celery use Redis; without it the
    cache lives in the database, never a per-process or dummy cache, and tasks run eagerly."""
    env = {"DJANGO_DEBUG": "1"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    value = _settings_value(
        "settings.CACHES['default']['BACKEND'], settings.CELERY_TASK_ALWAYS_EAGER", env
    )
    assert value == f"{cache_backend} {eager}"


@pytest.mark.parametrize(("value", "expected"), [(None, "0 None"), ("2", "2 None")])
def test_trusted_proxies_follow_the_environment(value, expected):
    """allauth (every rate limit) reads the visitor's address through DJANGO_TRUSTED_PROXY_COUNT
    proxies; without it X-Forwarded-For is ignored."""
    env = {"DJANGO_DEBUG": "1"}
    if value is not None:
        env["DJANGO_TRUSTED_PROXY_COUNT"] = value
    from_allauth = (
        "__import__('allauth.app_settings').app_settings.TRUSTED_PROXY_COUNT, "
        "__import__('allauth.app_settings').app_settings.TRUSTED_CLIENT_IP_HEADER"
    )
    assert _settings_value(from_allauth, env) == expected


def test_workers_and_migrations_can_have_a_longer_statement_timeout():
    """docker-compose gives workers 300 s and migrations none through DATABASE_STATEMENT_TIMEOUT."""
    options = "settings.DATABASES['default']['OPTIONS']['options']"
    assert _settings_value(options, {"DJANGO_DEBUG": "1"}) == "-c statement_timeout=30000"
    worker = {"DJANGO_DEBUG": "1", "DATABASE_STATEMENT_TIMEOUT": "300"}
    assert _settings_value(options, worker) == "-c statement_timeout=300000"
    migrate = {"DJANGO_DEBUG": "1", "DATABASE_STATEMENT_TIMEOUT": "0"}
    assert _settings_value(options, migrate) == "-c statement_timeout=0"
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    assert "DATABASE_STATEMENT_TIMEOUT=0 python manage.py migrate" in compose
    assert 'DATABASE_STATEMENT_TIMEOUT: "300"' in compose


def test_importing_the_settings_starts_no_database(tmp_path):
    """Without DATABASE_URL the settings name the embedded server's socket and start nothing:
    only the launcher (portal/dev.py) starts servers."""
    data = tmp_path / "pg"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_TEST_DATABASE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings", DJANGO_DEBUG="1", EMBEDDED_PG_DATA=str(data)
    )
    script = (
        "import sys, django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['HOST']); print('pgserver' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    host, pgserver_loaded = result.stdout.split()
    assert host == str(data)
    assert pgserver_loaded == "False"
    assert not data.exists()
