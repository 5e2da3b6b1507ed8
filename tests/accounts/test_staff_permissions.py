"""What each staff role may do in the admin: every action and custom admin page checks it.

Three roles: the two staff groups (accounts/staff_groups.py) and view-only staff (every view
permission, nothing more). For every custom admin action and page, a role that may not use it
gets a 403 or does not see it, and the database is exactly as before; a role that may use it
gets its effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.staff_groups import CASE_OFFICER, EDITOR
from dialogues.models import (
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Registration,
    RegistrationStatus,
)
from dialogues.summaries.models import Insight, InsightStatus, Summary
from portal.outbox.enqueue import MailRecipient, mailout_create
from portal.outbox.models import MailOut, OutgoingEmail
from portal.registrations.models import AccessRequest, AccessRequestStatus, Question, Survey
from stockholmstinget import models as tinget
from tests.accounts.factories import UserFactory
from tests.conftest import staff_login
from tests.dialogues.factories import InsightFactory, MeetingFactory, SummaryFactory
from tests.dialogues.factories import RegistrationFactory as MeetingRegistrationFactory
from tests.stockholmstinget.factories import EditionFactory, SignupFactory
from tests.stockholmstinget.factories import RegistrationFactory as EditionRegistrationFactory

pytestmark = pytest.mark.django_db

READ_ONLY = "view-only staff"
ROLES = [EDITOR, CASE_OFFICER, READ_ONLY]
EVERYONE = frozenset(ROLES)
NOBODY = frozenset()


def _role_client(client, role: str):
    user = UserFactory(is_staff=True)
    if role == READ_ONLY:
        user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    else:
        user.groups.add(Group.objects.get(name=role))
    staff_login(client, user)
    return client


def _snapshot() -> dict:
    """Every row of every table the portal owns, sessions aside (messages live there)."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for model in apps.get_models()
        if model is not Session
    }


# --- The objects each action is run on -----------------------------------------------------------


def _failed_mailout() -> MailOut:
    # The fan-out writes (and sends) the rows once the mail-out is committed.
    with TestCase.captureOnCommitCallbacks(execute=True):
        mailout = mailout_create(
            key="permissions-test",
            title="Inbjudan",
            template="portal/email/notice",
            recipients=[MailRecipient(email="person@example.se", language="sv", context={})],
            context={"heading": "Inbjudan", "body": "Välkommen."},
        )
    OutgoingEmail.objects.update(status=OutgoingEmail.Status.FAILED, last_error="down")
    return mailout


def _failed_email() -> OutgoingEmail:
    return _failed_mailout().emails.get()


def _edition() -> tinget.Edition:
    return EditionFactory(documentation="Filmerna och bilderna från dagen.")


def _pending() -> Registration:
    meeting = MeetingFactory(requires_approval=True)
    return MeetingRegistrationFactory(meeting=meeting, status=RegistrationStatus.PENDING)


def _held_meeting_registration() -> Registration:
    return MeetingRegistrationFactory(meeting=MeetingFactory(starts_at=timezone.now()))


def _minutes() -> Minutes:
    return Minutes.objects.create(meeting=MeetingFactory(), text="Vi talade om lokaler.")


def _unverified_address() -> EmailAddress:
    address = UserFactory(verified=False)
    return EmailAddress.objects.create(user=address, email=address.email, verified=False)


def _access_request() -> AccessRequest:
    return AccessRequest.objects.create(
        meeting_registration=MeetingRegistrationFactory(), kind="hearing_loop"
    )


def _question(**fields) -> Question:
    return Question.objects.create(
        meeting=MeetingFactory(), kind="short_text", label="Fråga", **fields
    )


def _survey() -> Survey:
    from portal.registrations.surveys import survey_create

    return survey_create(event=MeetingFactory())


def _reloaded(obj):
    return type(obj).objects.get(pk=obj.pk)


def _is_csv(obj, response) -> bool:
    return response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def _redirects_to(url_name: str) -> Callable:
    def check(obj, response) -> bool:
        return response.status_code == 302 and response["Location"] == reverse(
            f"admin:{url_name}", args=[obj.pk]
        )

    return check


@dataclass(frozen=True)
class ActionCase:
    model: type
    action: str
    allowed: frozenset
    target: Callable
    done: Callable = field(repr=False)
    # What the confirmation page posts back, for actions that ask first.
    confirm: dict = field(default_factory=dict)


CONFIRMED = {"post": "yes"}

ACTION_CASES = [
    ActionCase(
        tinget.Edition,
        "publish_documentation",
        frozenset({EDITOR}),
        _edition,
        lambda obj, r: _reloaded(obj).documentation_published_at is not None,
    ),
    ActionCase(
        tinget.Edition,
        "send_announcement",
        frozenset({EDITOR}),
        _edition,
        _redirects_to("stockholmstinget_edition_announcement"),
    ),
    ActionCase(
        tinget.Edition,
        "send_programme",
        frozenset({EDITOR}),
        _edition,
        _redirects_to("stockholmstinget_edition_programme_mail"),
    ),
    ActionCase(
        tinget.EditionRegistration,
        "check_in",
        frozenset({CASE_OFFICER}),
        EditionRegistrationFactory,
        lambda obj, r: _reloaded(obj).checked_in_at is not None,
    ),
    ActionCase(
        tinget.EditionRegistration,
        "cancel",
        frozenset({CASE_OFFICER}),
        EditionRegistrationFactory,
        lambda obj, r: _reloaded(obj).status == tinget.RegistrationStatus.CANCELLED,
        confirm=CONFIRMED,
    ),
    ActionCase(
        tinget.EditionRegistration, "export_csv", EVERYONE, EditionRegistrationFactory, _is_csv
    ),
    ActionCase(
        Meeting,
        "publish",
        frozenset({EDITOR}),
        lambda: MeetingFactory(status=MeetingStatus.DRAFT, published_at=None),
        lambda obj, r: _reloaded(obj).status == MeetingStatus.PUBLISHED,
    ),
    ActionCase(
        Meeting,
        "cancel_meetings",
        frozenset({EDITOR}),
        MeetingFactory,
        lambda obj, r: _reloaded(obj).status == MeetingStatus.CANCELLED,
    ),
    ActionCase(
        Meeting,
        "copy_meetings",
        frozenset({EDITOR}),
        MeetingFactory,
        lambda obj, r: Meeting.objects.filter(slug__startswith=f"{obj.slug}-kopia").exists(),
    ),
    ActionCase(Meeting, "export_csv", EVERYONE, MeetingFactory, _is_csv),
    ActionCase(
        Question,
        "archive",
        frozenset({EDITOR}),
        _question,
        lambda obj, r: _reloaded(obj).is_archived,
    ),
    ActionCase(
        Question,
        "restore",
        frozenset({EDITOR}),
        lambda: _question(archived_at=timezone.now()),
        lambda obj, r: not _reloaded(obj).is_archived,
    ),
    ActionCase(
        Meeting,
        "send_invitations",
        frozenset({EDITOR, CASE_OFFICER}),
        MeetingFactory,
        _redirects_to("dialogues_meeting_invitations"),
    ),
    ActionCase(
        Registration,
        "approve",
        frozenset({CASE_OFFICER}),
        _pending,
        lambda obj, r: _reloaded(obj).status == RegistrationStatus.CONFIRMED,
    ),
    ActionCase(
        Registration,
        "decline",
        frozenset({CASE_OFFICER}),
        _pending,
        lambda obj, r: _reloaded(obj).status == RegistrationStatus.DECLINED,
    ),
    ActionCase(
        Registration,
        "check_in",
        frozenset({CASE_OFFICER}),
        _held_meeting_registration,
        lambda obj, r: _reloaded(obj).checked_in_at is not None,
    ),
    ActionCase(
        Registration,
        "cancel",
        frozenset({CASE_OFFICER}),
        MeetingRegistrationFactory,
        lambda obj, r: _reloaded(obj).status == RegistrationStatus.CANCELLED,
        confirm=CONFIRMED,
    ),
    ActionCase(
        Registration,
        "promote",
        frozenset({CASE_OFFICER}),
        lambda: MeetingRegistrationFactory(status=RegistrationStatus.WAITLISTED),
        lambda obj, r: _reloaded(obj).status == RegistrationStatus.CONFIRMED,
    ),
    ActionCase(Registration, "export_csv", EVERYONE, MeetingRegistrationFactory, _is_csv),
    ActionCase(
        AccessRequest,
        "mark_arranged",
        frozenset({CASE_OFFICER}),
        _access_request,
        lambda obj, r: _reloaded(obj).status == AccessRequestStatus.ARRANGED,
    ),
    ActionCase(
        AccessRequest,
        "mark_not_possible",
        frozenset({CASE_OFFICER}),
        _access_request,
        lambda obj, r: _reloaded(obj).status == AccessRequestStatus.NOT_POSSIBLE,
    ),
    ActionCase(
        Minutes,
        "approve",
        frozenset({EDITOR, CASE_OFFICER}),
        _minutes,
        lambda obj, r: _reloaded(obj).status == MinutesStatus.APPROVED,
    ),
    ActionCase(
        Summary,
        "publish",
        frozenset({EDITOR}),
        lambda: SummaryFactory(published_at=None),
        lambda obj, r: _reloaded(obj).published_at is not None,
    ),
    ActionCase(
        Summary,
        "unpublish",
        frozenset({EDITOR}),
        SummaryFactory,
        lambda obj, r: _reloaded(obj).published_at is None,
    ),
    ActionCase(
        Insight,
        "set_status",
        frozenset({EDITOR}),
        InsightFactory,
        lambda obj, r: _reloaded(obj).status == InsightStatus.ACTED_ON,
        confirm={"apply": "1", "status": "acted_on", "response": "Lokalerna är öppna."},
    ),
    ActionCase(
        MailOut,
        "retry_failed",
        frozenset({EDITOR}),
        _failed_mailout,
        lambda obj, r: not obj.emails.filter(status=OutgoingEmail.Status.FAILED).exists(),
    ),
    ActionCase(
        OutgoingEmail,
        "retry_failed",
        NOBODY,
        _failed_email,
        lambda obj, r: _reloaded(obj).status != OutgoingEmail.Status.FAILED,
    ),
    ActionCase(
        tinget.Proposal,
        "decide",
        frozenset({EDITOR}),
        lambda: _submitted_proposal(),
        lambda obj, r: _reloaded(obj).status == tinget.ProposalStatus.DECLINED,
        confirm={"apply": "1", "status": "declined", "message": "Tack för förslaget."},
    ),
    ActionCase(
        EmailAddress,
        "make_verified",
        NOBODY,
        _unverified_address,
        lambda obj, r: _reloaded(obj).verified,
    ),
]


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _case_id(case: ActionCase) -> str:
    return f"{case.model._meta.model_name}.{case.action}"


def test_every_admin_action_declares_its_permissions():
    """An action without `permissions=` runs for anyone who may see the changelist."""
    missing = []
    for model, model_admin in admin.site._registry.items():
        for func, name, _description in model_admin._get_base_actions():
            permissions = getattr(func, "allowed_permissions", ())
            if not permissions:
                missing.append(f"{model._meta.label}.{name}: no permissions")
            missing.extend(
                f"{model._meta.label}.{name}: no has_{permission}_permission"
                for permission in permissions
                if not callable(getattr(model_admin, f"has_{permission}_permission", None))
            )
    assert missing == []


def test_every_custom_action_has_a_role_case():
    """A new action must say here which roles may run it (Django's own delete is per model)."""
    cases = {(case.model, case.action) for case in ACTION_CASES}
    registered = {
        (model, name)
        for model, model_admin in admin.site._registry.items()
        for _func, name, _description in model_admin._get_base_actions()
        if name != "delete_selected"
    }
    assert registered == cases


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ACTION_CASES, ids=_case_id)
def test_a_role_runs_only_the_actions_it_may(client, role, case):
    obj = case.target()
    client = _role_client(client, role)
    before = _snapshot()

    response = client.post(
        _changelist(case.model),
        {"action": case.action, "_selected_action": [obj.pk], **case.confirm},
    )

    if role in case.allowed:
        assert case.done(obj, response), response
    else:
        # Refused outright (403), or the changelist ignores an action it does not offer.
        assert response.status_code in (200, 302, 403), response
        assert _snapshot() == before
        assert not case.done(obj, response)
        assert case.action not in _offered_actions(client, case.model)


def _offered_actions(client, model) -> set[str]:
    response = client.get(_changelist(model))
    if response.status_code == 403:
        return set()
    assert response.status_code == 200
    form = response.context.get("action_form")
    return {name for name, _label in form.fields["action"].choices} if form else set()


# --- Custom admin pages (get_urls) ---------------------------------------------------------------


@dataclass(frozen=True)
class PageCase:
    url_name: str
    allowed: frozenset
    target: Callable
    # A POST that changes something, and how to tell it did; None for pages that only show.
    data: Callable | None = None
    done: Callable | None = None
    # What an allowed POST answers: a redirect, or the check-in station's own answer.
    posted: int = 302


def _submitted_proposal() -> tinget.Proposal:
    from stockholmstinget.proposals.services import SpeakerData, proposal_save
    from tests.stockholmstinget.factories import CallFactory

    call = CallFactory()
    return proposal_save(
        call=call,
        proposer=UserFactory(),
        fields={
            "title": "Förslag",
            "format": call.formats.get(),
            "abstract": "Om kultur.",
            "audience": "Alla",
            "organisation": "Föreningen",
            "municipality": None,
            "sector": "culture",
            "accessibility": "",
            "needs": "",
        },
        speakers=[SpeakerData(name="Alva Berg")],
        submit=True,
    )


def _edition_registration_code(obj) -> dict:
    return {"code": obj.check_in_code}


PAGE_CASES = [
    PageCase("stockholmstinget_edition_programme", EVERYONE, _edition),
    PageCase("stockholmstinget_edition_announcement", frozenset({EDITOR}), _edition),
    PageCase("stockholmstinget_edition_programme_mail", frozenset({EDITOR}), _edition),
    PageCase(
        "stockholmstinget_edition_check_in",
        frozenset({CASE_OFFICER}),
        EditionRegistrationFactory,
        data=_edition_registration_code,
        done=lambda obj: _reloaded(obj).checked_in_at is not None,
        posted=200,
    ),
    PageCase(
        "stockholmstinget_edition_check_in_list",
        frozenset({CASE_OFFICER}),
        EditionRegistrationFactory,
    ),
    PageCase(
        "stockholmstinget_session_check_in",
        frozenset({CASE_OFFICER}),
        SignupFactory,
        data=lambda obj: {"code": obj.registration.check_in_code},
        done=lambda obj: _reloaded(obj).checked_in_at is not None,
        posted=200,
    ),
    PageCase("stockholmstinget_session_check_in_list", frozenset({CASE_OFFICER}), SignupFactory),
    PageCase(
        "stockholmstinget_proposal_review",
        frozenset({EDITOR}),
        _submitted_proposal,
        data=lambda obj: {"score": "4", "comment": "Bra"},
        done=lambda obj: obj.reviews.exists(),
    ),
    PageCase(
        "stockholmstinget_proposal_decide",
        frozenset({EDITOR}),
        _submitted_proposal,
        data=lambda obj: {"status": "declined", "message": ""},
        done=lambda obj: _reloaded(obj).status == "declined",
    ),
    PageCase("dialogues_meeting_invitations", frozenset({EDITOR, CASE_OFFICER}), MeetingFactory),
    PageCase(
        "dialogues_meeting_check_in",
        frozenset({CASE_OFFICER}),
        _held_meeting_registration,
        data=_edition_registration_code,
        done=lambda obj: _reloaded(obj).checked_in_at is not None,
        posted=200,
    ),
    PageCase(
        "dialogues_meeting_check_in_list",
        frozenset({CASE_OFFICER}),
        _held_meeting_registration,
    ),
    PageCase(
        "dialogues_summary_publish",
        frozenset({EDITOR}),
        lambda: SummaryFactory(published_at=None),
        data=lambda obj: {},
        done=lambda obj: _reloaded(obj).published_at is not None,
    ),
    PageCase(
        "dialogues_summary_unpublish",
        frozenset({EDITOR}),
        SummaryFactory,
        data=lambda obj: {},
        done=lambda obj: _reloaded(obj).published_at is None,
    ),
    PageCase("portal_mailout_progress", EVERYONE, _failed_mailout),
    PageCase("dialogues_meeting_reach", EVERYONE, MeetingFactory),
    PageCase("auth_user_password_change", NOBODY, UserFactory),
    PageCase("registrations_survey_results", EVERYONE, _survey),
    PageCase("registrations_survey_results_csv", EVERYONE, _survey),
    PageCase(
        "registrations_accessrequest_planning",
        EVERYONE,
        lambda: _access_request().meeting_registration.meeting,
    ),
]


def _page_args(case, obj) -> list:
    """Check-in pages belong to the event; the planning page names the event's model; the
    reach report belongs to no one object; the other pages belong to the object itself."""
    if case.url_name == "registrations_accessrequest_planning":
        return [obj._meta.label_lower, obj.pk]
    if isinstance(obj, tinget.SessionSignup):
        return [obj.session.edition_id, obj.session_id]
    if case.url_name == "dialogues_meeting_reach":
        return []
    if isinstance(obj, tinget.EditionRegistration):
        return [obj.edition_id]
    if isinstance(obj, Registration):
        return [obj.meeting_id]
    return [obj.pk]


def test_every_custom_admin_page_has_a_role_case():
    """A page added by `get_urls` must say here which roles may open it."""
    custom = set()
    for model_admin in admin.site._registry.values():
        base = {pattern.name for pattern in ModelAdmin.get_urls(model_admin)}
        custom |= {pattern.name for pattern in model_admin.get_urls()} - base
    assert custom == {case.url_name for case in PAGE_CASES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda case: case.url_name)
def test_a_role_opens_only_the_admin_pages_it_may(client, role, case):
    obj = case.target()
    client = _role_client(client, role)
    url = reverse(f"admin:{case.url_name}", args=_page_args(case, obj))
    before = _snapshot()

    if case.data is None:
        response = client.get(url)
        assert response.status_code == (200 if role in case.allowed else 403)
        return
    response = client.post(url, case.data(obj))
    if role in case.allowed:
        assert response.status_code == case.posted
        assert case.done(obj)
    else:
        assert response.status_code == 403
        assert _snapshot() == before


# --- The admin home ------------------------------------------------------------------------------

NO_PERMISSIONS = "staff without permissions"
HOME_PANELS = {
    EDITOR: {
        "dialogues.meetings",
        "stockholmstinget.editions",
        "portal.mailouts",
        "registrations.late_access",
    },
    CASE_OFFICER: {
        "dialogues.meetings",
        "stockholmstinget.editions",
        "portal.mailouts",
        "registrations.late_access",
    },
    READ_ONLY: {
        "dialogues.meetings",
        "stockholmstinget.editions",
        "portal.mailouts",
        "registrations.late_access",
    },
    NO_PERMISSIONS: set(),
}


@pytest.mark.parametrize("role", [*ROLES, NO_PERMISSIONS])
def test_a_role_sees_the_home_panels_it_may_view(client, role):
    """The admin home shows a panel only to staff who may view what it lists, and changes
    nothing."""
    MeetingFactory()
    if role == NO_PERMISSIONS:
        staff_login(client, UserFactory(is_staff=True))
    else:
        client = _role_client(client, role)
    before = _snapshot()

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert {panel.key for panel in response.context["work_panels"]} == HOME_PANELS[role]
    assert _snapshot() == before
