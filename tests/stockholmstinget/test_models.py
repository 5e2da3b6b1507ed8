"""The database holds the invariants, whatever code writes the rows."""

import datetime as dt

import pytest
from django.db import IntegrityError

from stockholmstinget.models import RegistrationStatus, SignupStatus
from tests.stockholmstinget.factories import (
    EditionFactory,
    RegistrationFactory,
    SessionFactory,
    SignupFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db


def test_edition_must_end_after_it_starts():
    edition = EditionFactory()
    edition.ends_at = edition.starts_at - dt.timedelta(minutes=1)
    with pytest.raises(IntegrityError, match="edition_ends_after_start"):
        edition.save()


def test_session_must_end_after_it_starts():
    session = SessionFactory()
    session.ends_at = session.starts_at
    with pytest.raises(IntegrityError, match="session_ends_after_start"):
        session.save()


def test_session_capacity_cannot_be_negative():
    session = SessionFactory()
    session.capacity = -1
    with pytest.raises(IntegrityError):
        session.save()


def test_speaker_photo_needs_alt_text():
    with pytest.raises(IntegrityError, match="speaker_photo_has_alt_text"):
        SpeakerFactory(photo="stockholmstinget/speakers/anna.jpg", photo_alt="")


def test_speaker_without_photo_needs_no_alt_text():
    assert SpeakerFactory(photo="", photo_alt="").pk


def test_one_active_registration_per_user_and_edition():
    registration = RegistrationFactory()
    with pytest.raises(IntegrityError, match="editionregistration_one_active_per_user"):
        RegistrationFactory(edition=registration.edition, user=registration.user)


def test_a_cancelled_registration_does_not_block_a_new_one():
    registration = RegistrationFactory(status=RegistrationStatus.CANCELLED)
    assert RegistrationFactory(edition=registration.edition, user=registration.user).pk


def test_check_in_code_is_unique_per_edition():
    registration = RegistrationFactory(check_in_code="ABCDEFGH")
    with pytest.raises(IntegrityError, match="check_in_code_unique"):
        RegistrationFactory(edition=registration.edition, check_in_code="ABCDEFGH")


def test_one_active_signup_per_registration_and_session():
    signup = SignupFactory()
    with pytest.raises(IntegrityError, match="sessionsignup_one_active_per_registration"):
        SignupFactory(registration=signup.registration, session=signup.session)


def test_a_cancelled_signup_does_not_block_choosing_again():
    signup = SignupFactory(status=SignupStatus.CANCELLED)
    assert SignupFactory(registration=signup.registration, session=signup.session).pk


def test_a_digital_registration_is_never_waitlisted():
    with pytest.raises(IntegrityError, match="digital_never_waitlisted"):
        RegistrationFactory(mode="digital", status=RegistrationStatus.WAITLISTED)
