"""The demo data: three series, past and upcoming meetings, a full one with a waitlist."""

import pytest

from dialogues import demo
from dialogues.models import DialogueSeries, Meeting, Registration

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_realistic():
    demo.seed()
    first = list(Registration.objects.order_by("pk").values_list())
    demo.seed()
    assert list(Registration.objects.order_by("pk").values_list()) == first
    assert set(DialogueSeries.objects.values_list("name", flat=True)) >= {
        "Dialog med civilsamhället",
        "Dialog med professionella kulturskapare",
        "Kommundialog",
    }
    assert Meeting.objects.published().upcoming().count() >= 5
    assert Meeting.objects.published().past().count() >= 3
    full = Meeting.objects.with_counts().get(slug="kulturskapares-arbetsvillkor")
    assert full.public_seats_left == 0
    assert full.waitlisted_count == 3
    assert Meeting.objects.filter(status="cancelled").exists()
    assert Meeting.objects.filter(requires_approval=True).exists()


def test_demo_meetings_state_their_venue_facts():
    """The demo shows the venue facts: the full meeting's venue states them."""
    demo.seed()
    full = Meeting.objects.get(slug="kulturskapares-arbetsvillkor")
    assert full.hearing_loop is True
    assert full.public_transport


def test_demo_fills_the_municipality_pages_the_map_and_the_reach_report(client):
    """Meetings name municipalities and participants live in one, so the briefing, the map
    and the report show figures, not only zeros."""
    from dialogues.reach import reach_default_range, reach_report

    demo.seed()
    assert Meeting.objects.public().upcoming().filter(municipalities__name="Södertälje").exists()
    body = client.get("/kommuner/sodertalje/").content.decode()
    assert "Civilsamhällets mötesplatser i Södertälje" in body
    start, end = reach_default_range()
    report = reach_report(start=start, end=end)
    assert [row for row in report.municipalities if row.key and row.check_ins]
