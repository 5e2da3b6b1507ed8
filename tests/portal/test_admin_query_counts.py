"""Every admin page costs the same number of queries at 5 rows as at 100.

For each ModelAdmin registered on the admin site, the changelist is rendered with 5 and then
100 rows, and one object's change page with 5 and then 100 related rows (what its inlines,
read-only lists and columns show). Both counts must be equal and at most CEILING. The cases
are looked up by the registry, so a new ModelAdmin without a case here fails.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import UserFactory
from tests.dialogues import factories as df
from tests.stockholmstinget import factories as sf

pytestmark = pytest.mark.django_db

# Two of these are always the admin's own: the session and the user (the second-factor check
# reads the session's records, the authenticator comes with the user's permission check).
CEILING = 12
EVENT_CEILING = 16

_serial = itertools.count()


def _n() -> int:
    return next(_serial)


@dataclass(frozen=True)
class Case:
    """`rows(count)` adds `count` changelist rows; `one()` makes the object whose change page
    is measured and `related(obj, count)` adds `count` rows that its page shows."""

    rows: Callable[[int], object]
    one: Callable[[], object]
    related: Callable[[object, int], object] | None = None
    ceiling: int = CEILING


# --- portal, accounts, third-party -------------------------------------------------------------


def _groups(count):
    from django.contrib.auth.models import Group

    Group.objects.bulk_create([Group(name=f"Grupp {_n()}") for _ in range(count)])


def _group():
    from django.contrib.auth.models import Group

    return Group.objects.create(name=f"Grupp {_n()}")


def _group_permissions(group, count):
    from django.contrib.auth.models import Permission

    have = group.permissions.count()
    group.permissions.add(*Permission.objects.order_by("pk")[have : have + count])


def _sites(count):
    from django.contrib.sites.models import Site

    Site.objects.bulk_create(
        [
            Site(pk=1000 + i, domain=f"s{i}.example.se", name=f"s{i}")
            for i in (_n() for _ in range(count))
        ]
    )


def _site():
    from django.contrib.sites.models import Site

    return Site.objects.first()


def _municipalities(count):
    from portal.models import Municipality

    Municipality.objects.bulk_create(
        [
            Municipality(code=f"{3000 + i:04d}", name=f"Testkommun {i}", slug=f"testkommun-{i}")
            for i in (_n() for _ in range(count))
        ]
    )


def _municipality():
    from portal.models import Municipality

    i = _n()
    return Municipality.objects.create(
        code=f"{3000 + i:04d}", name=f"Testkommun {i}", slug=f"testkommun-{i}"
    )


def _themes(count):
    from portal.models import Theme

    Theme.objects.bulk_create(
        [Theme(name=f"Tema {i}", slug=f"tema-{i}") for i in (_n() for _ in range(count))]
    )


def _theme():
    from portal.models import Theme

    i = _n()
    return Theme.objects.create(name=f"Tema {i}", slug=f"tema-{i}")


def _mailout():
    from portal.outbox.models import MailOut

    return MailOut.objects.create(key=f"test:{_n()}", title="Utskick", template="t")


def _emails(mailout, count):
    from portal.outbox.models import OutgoingEmail

    OutgoingEmail.objects.bulk_create(
        [
            OutgoingEmail(
                key=f"rad-{i}",
                to=f"mottagare{i}@example.se",
                language="sv",
                template="t",
                subject="Ämne",
                body_text="Text",
                message_id=f"<{i}@example.se>",
                give_up_at=timezone.now() + dt.timedelta(days=1),
                mailout=mailout,
                status=OutgoingEmail.Status.SENT if i % 2 else OutgoingEmail.Status.QUEUED,
                sent_at=timezone.now() if i % 2 else None,
            )
            for i in (_n() for _ in range(count))
        ]
    )


def _mailouts(count):
    for _ in range(count):
        _emails(_mailout(), 2)


def _outgoing_emails(count):
    _emails(_mailout(), count)


def _outgoing_email():
    from portal.outbox.models import OutgoingEmail

    _emails(_mailout(), 1)
    return OutgoingEmail.objects.latest("pk")


def _users(count):
    from portal.models import Municipality

    municipality = Municipality.objects.first()
    UserFactory.create_batch(count, municipality=municipality)


def _user_groups(user, count):
    from django.contrib.auth.models import Group

    groups = Group.objects.bulk_create([Group(name=f"Grupp {_n()}") for _ in range(count)])
    user.groups.add(*groups)


def _authenticators(count):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.bulk_create(
        [
            Authenticator(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
            for user in UserFactory.create_batch(count, verified=False)
        ]
    )


def _authenticator():
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.create(
        user=UserFactory(verified=False), type=Authenticator.Type.TOTP, data={"secret": "x"}
    )


def _email_addresses(count):
    UserFactory.create_batch(count)


def _email_address():
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.get(user=UserFactory())


# --- the registration core ------------------------------------------------------------------


def _access_kinds(count):
    from portal.registrations.models import AccessKind

    AccessKind.objects.bulk_create([AccessKind(code=f"kind-{_n()}") for _ in range(count)])


def _access_kind():
    from portal.registrations.models import AccessKind

    return AccessKind.objects.create(code=f"kind-{_n()}")


def _access_requests_for(registration, count):
    from portal.registrations.models import AccessRequest

    AccessRequest.objects.bulk_create(
        [
            AccessRequest(meeting_registration=registration, kind="interpreter", details="Tolk")
            for _ in range(count)
        ]
    )


def _access_requests(count):
    from portal.registrations.models import AccessRequest

    edition = sf.EditionFactory()
    for index in range(count):
        if index % 2:
            _access_requests_for(df.RegistrationFactory(), 1)
        else:
            AccessRequest.objects.create(
                edition_registration=sf.RegistrationFactory(edition=edition),
                kind="interpreter",
            )


def _access_request():
    from portal.registrations.models import AccessRequest

    _access_requests_for(df.RegistrationFactory(), 1)
    return AccessRequest.objects.latest("pk")


def _questions(count):
    from portal.registrations.models import Question

    meeting = df.MeetingFactory()
    Question.objects.bulk_create(
        [Question(meeting=meeting, kind="short_text", label=f"Fråga {_n()}") for _ in range(count)]
    )


def _question():
    from portal.registrations.models import Question

    return Question.objects.create(meeting=df.MeetingFactory(), kind="short_text", label="Fråga")


def _surveys(count):
    from portal.registrations.models import Survey

    closes = timezone.now() + dt.timedelta(days=30)
    for _ in range(count):
        Survey.objects.create(meeting=df.MeetingFactory(), closes_at=closes)


def _survey():
    from portal.registrations.models import Survey

    closes = timezone.now() + dt.timedelta(days=30)
    return Survey.objects.create(meeting=df.MeetingFactory(), closes_at=closes)


# --- dialogues -------------------------------------------------------------------------------


def _series(count):
    for series in df.DialogueSeriesFactory.create_batch(count):
        df.MeetingFactory(series=series)


def _series_meetings(series, count):
    df.MeetingFactory.create_batch(count, series=series)


def _meetings(count):
    for meeting in df.MeetingFactory.create_batch(count):
        df.RegistrationFactory(meeting=meeting)
        df.InvitationFactory(meeting=meeting)


def _meeting_related(meeting, count):
    for invitation in df.InvitationFactory.create_batch(count, meeting=meeting):
        df.RegistrationFactory(meeting=meeting, invitation=invitation)


def _registrations(count):
    for registration in df.RegistrationFactory.create_batch(count):
        _access_requests_for(registration, 1)


def _invitations(count):
    for invitation in df.InvitationFactory.create_batch(count, user=None):
        df.RegistrationFactory(meeting=invitation.meeting, invitation=invitation)


def _minutes_for(meeting):
    from dialogues.models import Minutes

    return Minutes.objects.create(meeting=meeting, text="Protokoll")


def _minutes(count):
    for meeting in df.MeetingFactory.create_batch(count):
        _minutes_for(meeting)


def _summaries(count):
    df.SummaryFactory.create_batch(count)


def _insights_for(summary, count):
    from portal.models import Municipality

    theme = _theme()
    places = list(Municipality.objects.all()[:2])
    for insight in df.InsightFactory.create_batch(count, summary=summary, theme=theme):
        insight.municipalities.set(places)


def _subscriptions(count):
    from dialogues.models import Subscription
    from portal.models import Municipality

    municipality = Municipality.objects.first()
    theme = _theme()
    Subscription.objects.bulk_create(
        [
            Subscription(user=user, municipality=municipality, theme=theme)
            for user in UserFactory.create_batch(count)
        ]
    )


def _subscription():
    from dialogues.models import Subscription

    return Subscription.objects.create(user=UserFactory(), theme=_theme())


def _insights(count):
    theme = _theme()
    summary = df.SummaryFactory()
    df.InsightFactory.create_batch(count, summary=summary, theme=theme)


def _insight_changes(insight, count):
    from dialogues.summaries.models import InsightStatusChange

    by = UserFactory(is_staff=True)
    InsightStatusChange.objects.bulk_create(
        [
            InsightStatusChange(
                insight=insight,
                status="in_progress",
                previous_status="new",
                response="Vi arbetar med det.",
                changed_by=by,
            )
            for _ in range(count)
        ]
    )


# --- Stockholmstinget ------------------------------------------------------------------------


def _speakers(count):
    sf.SpeakerFactory.create_batch(count, edition=sf.EditionFactory())


def _editions(count):
    for edition in sf.EditionFactory.create_batch(count):
        sf.RegistrationFactory(edition=edition)


def _edition_related(edition, count):
    speakers = sf.SpeakerFactory.create_batch(count, edition=edition)
    for index, speaker in enumerate(speakers):
        session = sf.SessionFactory(
            edition=edition,
            starts_at=edition.starts_at + dt.timedelta(minutes=5 * index),
            ends_at=edition.starts_at + dt.timedelta(minutes=5 * index + 4),
        )
        session.speakers.add(speaker)
        sf.RegistrationFactory(edition=edition)


def _edition_registrations(count):
    edition = sf.EditionFactory()
    for registration in sf.RegistrationFactory.create_batch(count, edition=edition):
        sf.SignupFactory(registration=registration)


def _signups(registration, count):
    from stockholmstinget.models import SessionSignup, SignupStatus

    start = registration.edition.starts_at + dt.timedelta(days=_n())
    sessions = [
        sf.SessionFactory(
            edition=registration.edition,
            starts_at=start + dt.timedelta(minutes=10 * index),
            ends_at=start + dt.timedelta(minutes=10 * index + 9),
        )
        for index in range(count)
    ]
    SessionSignup.objects.bulk_create(
        [
            SessionSignup(registration=registration, session=session, status=SignupStatus.CONFIRMED)
            for session in sessions
        ]
    )


def _calls(count):
    sf.CallFactory.create_batch(count)


def _call_formats(call, count):
    from stockholmstinget.proposals.models import CallFormat

    used = call.formats.count()
    CallFormat.objects.bulk_create(
        [CallFormat(call=call, kind="workshop", minutes=10 + used + i) for i in range(count)]
    )


def _proposal(call=None):
    from stockholmstinget.proposals.models import Proposal, ProposalStatus

    call = call or sf.CallFactory()
    return Proposal.objects.create(
        call=call,
        proposer=UserFactory(),
        title=f"Förslag {_n()}",
        format=call.formats.first(),
        status=ProposalStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )


def _proposals(count):
    from stockholmstinget.proposals.models import ProposalReview

    call = sf.CallFactory()
    reviewer = UserFactory(is_staff=True)
    for _ in range(count):
        ProposalReview.objects.create(proposal=_proposal(call), reviewer=reviewer, score=4)


def _proposal_related(proposal, count):
    from stockholmstinget.proposals.models import ProposalReview, ProposalSpeaker

    ProposalSpeaker.objects.bulk_create(
        [ProposalSpeaker(proposal=proposal, name=f"Talare {_n()}") for _ in range(count)]
    )
    ProposalReview.objects.bulk_create(
        [
            ProposalReview(proposal=proposal, reviewer=reviewer, score=3)
            for reviewer in UserFactory.create_batch(count, is_staff=True, verified=False)
        ]
    )


CASES: dict[str, Case] = {
    "auth.Group": Case(rows=_groups, one=_group, related=_group_permissions),
    "sites.Site": Case(rows=_sites, one=_site),
    "portal.Municipality": Case(rows=_municipalities, one=_municipality),
    "portal.Theme": Case(rows=_themes, one=_theme),
    "portal.MailOut": Case(rows=_mailouts, one=_mailout, related=_emails),
    "portal.OutgoingEmail": Case(rows=_outgoing_emails, one=_outgoing_email),
    "accounts.User": Case(rows=_users, one=UserFactory, related=_user_groups),
    "mfa.Authenticator": Case(rows=_authenticators, one=_authenticator),
    "account.EmailAddress": Case(rows=_email_addresses, one=_email_address),
    "registrations.AccessKind": Case(rows=_access_kinds, one=_access_kind),
    "registrations.AccessRequest": Case(rows=_access_requests, one=_access_request),
    "registrations.Question": Case(rows=_questions, one=_question),
    "registrations.Survey": Case(rows=_surveys, one=_survey),
    "dialogues.DialogueSeries": Case(
        rows=_series, one=df.DialogueSeriesFactory, related=_series_meetings
    ),
    # An event's page states what hangs on it, each from a query of its own whatever its size:
    # seats, access requests, questions, the evaluation, minutes and summary (meetings), the
    # invitations and their mail-out (meetings), sessions and partners (editions).
    "dialogues.Meeting": Case(
        rows=_meetings, one=df.MeetingFactory, related=_meeting_related, ceiling=EVENT_CEILING
    ),
    "dialogues.Registration": Case(rows=_registrations, one=df.RegistrationFactory),
    "dialogues.Invitation": Case(rows=_invitations, one=df.InvitationFactory),
    "dialogues.Minutes": Case(rows=_minutes, one=lambda: _minutes_for(df.MeetingFactory())),
    "dialogues.Summary": Case(rows=_summaries, one=df.SummaryFactory, related=_insights_for),
    "dialogues.Subscription": Case(rows=_subscriptions, one=_subscription),
    "dialogues.Insight": Case(rows=_insights, one=df.InsightFactory, related=_insight_changes),
    "stockholmstinget.Speaker": Case(rows=_speakers, one=sf.SpeakerFactory),
    "stockholmstinget.Edition": Case(
        rows=_editions, one=sf.EditionFactory, related=_edition_related, ceiling=EVENT_CEILING
    ),
    "stockholmstinget.EditionRegistration": Case(
        rows=_edition_registrations, one=sf.RegistrationFactory, related=_signups
    ),
    "stockholmstinget.CallForSessions": Case(
        rows=_calls, one=sf.CallFactory, related=_call_formats
    ),
    "stockholmstinget.Proposal": Case(rows=_proposals, one=_proposal, related=_proposal_related),
}

REGISTERED = sorted(model._meta.label for model in admin.site._registry)


def _admin_url(label: str, view: str, *args) -> str:
    app_label, model_name = label.lower().split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def _queries(client, url: str) -> tuple[int, list[str]]:
    # The first request of a process fills caches (content types, permissions), once.
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries), [query["sql"] for query in context.captured_queries]


def _assert_flat(label: str, small: tuple[int, list[str]], large: tuple[int, list[str]]) -> None:
    ceiling = CASES[label].ceiling
    extra = "\n".join(large[1][len(small[1]) :][:5])
    assert small[0] == large[0], f"{label}: {small[0]} queries at 5, {large[0]} at 100\n{extra}"
    assert large[0] <= ceiling, f"{label}: {large[0]} queries, ceiling {ceiling}\n" + "\n".join(
        large[1]
    )


def test_every_registered_admin_has_a_case():
    """A ModelAdmin added without a case here is noticed."""
    assert sorted(CASES) == REGISTERED


@pytest.mark.parametrize("label", REGISTERED)
def test_changelist_query_count_is_flat(staff_client, municipalities, label):
    case = CASES[label]
    url = _admin_url(label, "changelist")
    case.rows(5)
    small = _queries(staff_client, url)
    case.rows(95)
    large = _queries(staff_client, url)
    _assert_flat(label, small, large)


@pytest.mark.parametrize("label", REGISTERED)
def test_change_page_query_count_is_flat(staff_client, municipalities, label):
    case = CASES[label]
    obj = case.one()
    related = case.related or (lambda _obj, count: case.rows(count))
    related(obj, 5)
    url = _admin_url(label, "change", obj.pk)
    small = _queries(staff_client, url)
    related(obj, 95)
    large = _queries(staff_client, url)
    _assert_flat(label, small, large)
