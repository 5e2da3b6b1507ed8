import datetime as dt

import factory
from django.utils import timezone

from dialogues.models import (
    DialogueSeries,
    Invitation,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from portal.registrations.models import check_in_code_generate
from tests.accounts.factories import UserFactory


class DialogueSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DialogueSeries

    name = factory.Sequence(lambda n: f"Dialogserie {n}")
    slug = factory.Sequence(lambda n: f"dialogserie-{n}")
    contact_name = "Karin Lindqvist"
    contact_email = "karin.lindqvist@regionstockholm.se"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    series = factory.SubFactory(DialogueSeriesFactory)
    title = factory.Sequence(lambda n: f"Dialogmöte {n}")
    slug = factory.Sequence(lambda n: f"dialogmote-{n}")
    description = "Vi samtalar om tillgång till kultur i hela länet."
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    format = MeetingFormat.IN_PERSON
    venue = "Kulturförvaltningen"
    address = "Södra Långgatan 1, Stockholm"
    capacity = 10
    status = MeetingStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)
    status = RegistrationStatus.CONFIRMED
    check_in_code = factory.LazyFunction(check_in_code_generate)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    meeting = factory.SubFactory(MeetingFactory)
    email = factory.Sequence(lambda n: f"inbjuden{n}@example.se")


class RegistrantFactory(UserFactory):
    """A user who has passed the registration gate: confirmed address, complete profile."""

    stakeholder_group = "civil_society"
    preferred_language = "sv"
    profile_completed_at = factory.LazyFunction(timezone.now)


class SummaryFactory(factory.django.DjangoModelFactory):
    """A published summary of a held meeting; pass `published_at=None` for a draft."""

    class Meta:
        model = "dialogues.Summary"
        skip_postgeneration_save = True

    meeting = factory.SubFactory(
        MeetingFactory,
        starts_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10)),
    )
    title = factory.Sequence(lambda n: f"Sammanfattning {n}")
    slug = factory.Sequence(lambda n: f"sammanfattning-{n}")
    text = "Deltagarna samtalade om tillgång till kultur i hela länet."
    language = "sv"
    published_at = factory.LazyFunction(timezone.now)
    meeting_year = factory.LazyAttribute(lambda o: timezone.localtime(o.meeting.starts_at).year)

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        # Before `indexed`, which copies them onto the summary for the list's `kommun` filter.
        if create and extracted:
            self.municipalities.set(extracted)

    @factory.post_generation
    def indexed(self, create, extracted, **kwargs):
        from dialogues.summaries.services import summary_index

        if create:
            summary_index(summary=self)


class InsightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dialogues.Insight"

    summary = factory.SubFactory(SummaryFactory)
    kind = "opportunity"
    text = "Biblioteken kan öppna sina lokaler för föreningar."
