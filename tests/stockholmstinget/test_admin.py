"""Staff plan editions and handle registrations in the admin."""

import csv
import io

import pytest
from django.forms import MultiWidget
from django.urls import reverse

from portal.models import Municipality
from portal.outbox.models import OutgoingEmail
from stockholmstinget import services
from stockholmstinget.models import (
    AttendanceMode,
    EditionStatus,
    RegistrationStatus,
    SignupStatus,
)
from tests.dialogues.factories import RegistrantFactory
from tests.stockholmstinget.factories import (
    EditionFactory,
    RegistrationFactory,
    SessionFactory,
    SignupFactory,
)

pytestmark = pytest.mark.django_db


def _change_data(response) -> dict:
    """The change page's forms and inlines as the browser submits them untouched."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            widget = bound.field.widget
            if isinstance(widget, MultiWidget):
                for index, part in enumerate(widget.decompress(value)):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
            elif value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            elif value is not None and value is not False:
                data[bound.html_name] = value
    return data


def _edit(staff_client, edition, **changes):
    url = reverse("admin:stockholmstinget_edition_change", args=[edition.pk])
    data = {**_change_data(staff_client.get(url)), **changes}
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    edition.refresh_from_db()
    return edition


def _promotions(user, kind="registration_promoted"):
    return OutgoingEmail.objects.filter(
        to=user.email, template=f"stockholmstinget/email/{kind}"
    ).count()


def test_cancelling_a_draft_edition_keeps_it_hidden(staff_client):
    edition = EditionFactory(status=EditionStatus.DRAFT, published_at=None)
    edition = _edit(staff_client, edition, status=EditionStatus.CANCELLED)
    assert edition.status == EditionStatus.CANCELLED
    assert edition.published_at is None
    staff_client.logout()
    url = reverse("stockholmstinget:edition_detail", args=[edition.year])
    assert staff_client.get(url).status_code == 404


def test_cancelling_a_published_edition_keeps_it_visible(staff_client):
    edition = EditionFactory(status=EditionStatus.DRAFT, published_at=None)
    edition = _edit(staff_client, edition, status=EditionStatus.PUBLISHED)
    published_at = edition.published_at
    assert published_at is not None
    edition = _edit(staff_client, edition, status=EditionStatus.CANCELLED)
    assert edition.published_at == published_at
    staff_client.logout()
    url = reverse("stockholmstinget:edition_detail", args=[edition.year])
    assert staff_client.get(url).status_code == 200


def test_publishing_keeps_the_first_stamp():
    edition = EditionFactory(status=EditionStatus.CANCELLED)
    first = edition.published_at
    assert services.edition_publish(edition=edition).published_at == first
    draft = EditionFactory(status=EditionStatus.DRAFT, published_at=None)
    published = services.edition_publish(edition=draft)
    assert published.status == EditionStatus.PUBLISHED
    assert published.published_at is not None


def test_raising_the_edition_capacity_promotes_the_waitlist(staff_client):
    edition = EditionFactory(capacity=1)
    RegistrationFactory(edition=edition)
    waiting = RegistrationFactory(edition=edition, status=RegistrationStatus.WAITLISTED)
    _edit(staff_client, edition, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert _promotions(waiting.user) == 1
    _edit(staff_client, edition, capacity=3)
    assert _promotions(waiting.user) == 1


def test_raising_a_session_capacity_promotes_its_waitlist(staff_client):
    edition = EditionFactory()
    talk = SessionFactory(edition=edition, capacity=1)
    SignupFactory(registration=RegistrationFactory(edition=edition), session=talk)
    waiting = SignupFactory(
        registration=RegistrationFactory(edition=edition, user=RegistrantFactory()),
        session=talk,
        status=SignupStatus.WAITLISTED,
    )
    _edit(staff_client, edition, **{"sessions-0-capacity": 2})
    waiting.refresh_from_db()
    talk.refresh_from_db()
    assert talk.capacity == 2
    assert waiting.status == SignupStatus.CONFIRMED
    assert _promotions(waiting.registration.user, "session_promoted") == 1


def test_edition_change_page_has_session_and_speaker_inlines(staff_client):
    edition = EditionFactory()
    response = staff_client.get(reverse("admin:stockholmstinget_edition_change", args=[edition.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="sessions-group"' in page
    assert 'id="speakers-group"' in page


def test_programme_overview_is_a_grid_by_time_and_room(staff_client):
    edition = EditionFactory()
    SessionFactory(edition=edition, title="Idrott för unga", room="Hörsalen")
    SessionFactory(edition=edition, title="Folkbildning", room="Studion")
    response = staff_client.get(
        reverse("admin:stockholmstinget_edition_programme", args=[edition.pk])
    )
    assert response.context["rooms"] == ["Hörsalen", "Studion"]
    [row] = response.context["rows"]
    assert [[s.title for s in cell] for cell in row["cells"]] == [
        ["Idrott för unga"],
        ["Folkbildning"],
    ]


def test_check_in_by_code(staff_client):
    registration = RegistrationFactory(check_in_code="ABCDEFGH")
    url = reverse("admin:stockholmstinget_edition_check_in", args=[registration.edition.pk])
    response = staff_client.post(url, {"code": "abcd efgh"})
    assert response.context["result"].outcome == "checked_in"
    registration.refresh_from_db()
    assert registration.checked_in_at is not None


def test_check_in_with_an_unknown_code_shows_an_error(staff_client):
    edition = EditionFactory()
    url = reverse("admin:stockholmstinget_edition_check_in", args=[edition.pk])
    response = staff_client.post(url, {"code": "ZZZZZZZZ"})
    assert response.status_code == 200
    assert response.context["result"].outcome == "refused"


def test_registration_list_filters_by_mode_sector_and_municipality(staff_client):
    RegistrationFactory(mode=AttendanceMode.DIGITAL, sector="sport")
    RegistrationFactory(mode=AttendanceMode.IN_PERSON, sector="culture")
    url = reverse("admin:stockholmstinget_editionregistration_changelist")
    response = staff_client.get(url, {"mode": "digital", "sector": "sport"})
    assert response.context["cl"].result_count == 1
    response = staff_client.get(url, {"municipality__id__exact": "1"})
    assert response.status_code == 200


def test_csv_export_has_rows_and_a_needs_summary(staff_client):
    edition = EditionFactory()
    with_needs = RegistrationFactory(edition=edition, accessibility_needs="Rullstol\noch hörslinga")
    RegistrationFactory(edition=edition, mode=AttendanceMode.DIGITAL)
    RegistrationFactory(
        edition=edition, status=RegistrationStatus.CANCELLED, accessibility_needs="Gammal"
    )
    SignupFactory(registration=with_needs, session=SessionFactory(edition=edition, title="Pass X"))
    response = staff_client.post(
        reverse("admin:stockholmstinget_editionregistration_changelist"),
        {
            "action": "export_csv",
            "_selected_action": [r.pk for r in edition.registrations.all()],
        },
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    data = list(rows[1:4])
    assert any("Rullstol och hörslinga" in row and "Pass X" in row for row in data)
    summary = rows[rows.index([]) + 2 :]
    counts = {row[0]: (int(row[2]), int(row[4])) for row in summary}
    assert sorted(counts.values()) == [(1, 0), (1, 1)]


@pytest.mark.parametrize("count", [10, 100])
def test_registration_changelist_query_count_is_the_same_with_10_and_100_rows(
    staff_client, django_assert_num_queries, count
):
    """Columns and filters come from joins, not from a query per row."""
    edition = EditionFactory()
    municipality, _created = Municipality.objects.get_or_create(
        code="0184", defaults={"name": "Solna", "slug": "solna"}
    )
    for index in range(count):
        registration = RegistrationFactory(
            edition=edition,
            municipality=municipality,
            accessibility_needs="Hörslinga" if index % 2 else "",
        )
        SignupFactory(registration=registration)
    url = reverse("admin:stockholmstinget_editionregistration_changelist")
    # Login session, user, the edition and municipality filters, two counts (filtered and
    # total) and the page of rows with user, edition and municipality joined.
    with django_assert_num_queries(9):
        response = staff_client.get(url, {"edition__id__exact": edition.pk})
    assert response.context["cl"].result_count == count


def test_a_speaker_is_made_from_the_session_form_and_the_long_page_folds(staff_client):
    """The session's speakers field offers "+" (a popup that knows the edition); speakers,
    sessions, documentation links and the documentation fold away."""
    from stockholmstinget.models import Speaker

    edition = EditionFactory()
    change = reverse("admin:stockholmstinget_edition_change", args=[edition.pk])
    page = staff_client.get(change).content.decode()
    add = reverse("admin:stockholmstinget_speaker_add")
    assert f'href="{add}?_to_field=id&amp;_popup=1"' in page
    assert page.count("<details") >= 4

    popup = staff_client.get(f"{add}?_to_field=id&_popup=1", HTTP_REFERER=change)
    assert popup.context["adminform"].form.initial["edition"] == str(edition.pk)
    response = staff_client.post(
        f"{add}?_to_field=id&_popup=1",
        {
            "edition": edition.pk,
            "name": "Sara Lind",
            "role": "Kulturchef",
            "organisation": "Nacka kommun",
            "bio": "",
            "photo_alt": "",
            "_popup": "1",
            "_to_field": "id",
        },
    )
    assert response.status_code == 200
    assert "popup_response" in response.content.decode()
    assert Speaker.objects.get(name="Sara Lind").edition == edition
