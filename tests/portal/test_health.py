"""/healthz reports the database and broker; 200 while the database answers, 503 otherwise."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthy_database_gives_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@override_settings(REDIS_URL="")
def test_without_a_broker_tasks_are_reported_eager(client):
    assert client.get("/healthz").json()["broker"] == "eager"


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_unreachable_broker_is_reported_but_does_not_fail_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "unavailable"


def test_database_that_does_not_answer_gives_503(client, monkeypatch):
    """When every query fails (server gone), the check says so with a 503."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "unavailable"
