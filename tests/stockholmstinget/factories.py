import datetime as dt

import factory
from django.utils import timezone

from portal.registrations.models import check_in_code_generate
from stockholmstinget.models import (
    AttendanceMode,
    Edition,
    EditionFormat,
    EditionRegistration,
    EditionStatus,
    RegistrationStatus,
    Sector,
    Session,
    SessionSignup,
    SignupStatus,
    Speaker,
)
from tests.accounts.factories import UserFactory


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition
        django_get_or_create = ["year"]

    year = factory.Sequence(lambda n: 2030 + n)
    title = factory.LazyAttribute(lambda o: f"Stockholmstinget {o.year}")
    theme = "Kultur och föreningsliv i hela länet."
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=7))
    format = EditionFormat.HYBRID
    venue = "Kulturhuset Stadsteatern"
    address = "Sergels torg, Stockholm"
    capacity = 100
    stream_url = "https://play.example.se/tinget-hemlig-strom"
    status = EditionStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    edition = factory.SubFactory(EditionFactory)
    name = factory.Sequence(lambda n: f"Talare {n}")
    role = "Kulturchef"
    organisation = "Region Stockholm"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    edition = factory.SubFactory(EditionFactory)
    title = factory.Sequence(lambda n: f"Pass {n}")
    starts_at = factory.LazyAttribute(lambda o: o.edition.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    room = "Hörsalen"
    track = "Spår A"
    capacity = 20


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EditionRegistration

    edition = factory.SubFactory(EditionFactory)
    user = factory.SubFactory(UserFactory)
    mode = AttendanceMode.IN_PERSON
    sector = Sector.CULTURE
    status = RegistrationStatus.CONFIRMED
    check_in_code = factory.LazyFunction(check_in_code_generate)


class SignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionSignup

    registration = factory.SubFactory(RegistrationFactory)
    session = factory.SubFactory(
        SessionFactory, edition=factory.SelfAttribute("..registration.edition")
    )
    status = SignupStatus.CONFIRMED


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stockholmstinget.CallForSessions"
        skip_postgeneration_save = True

    edition = factory.SubFactory(EditionFactory)
    description = "Har du idéer om seminarier och workshops? Skicka ditt förslag."
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))
    seminar = factory.RelatedFactory(
        "tests.stockholmstinget.factories.CallFormatFactory", factory_related_name="call"
    )


class CallFormatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stockholmstinget.CallFormat"

    call = factory.SubFactory(CallFactory)
    kind = "seminar"
    minutes = 45
