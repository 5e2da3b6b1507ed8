import pytest

from tests.dialogues.factories import MeetingFactory, RegistrantFactory


@pytest.fixture
def meeting(db):
    return MeetingFactory(capacity=2)


@pytest.fixture
def registrant(db):
    return RegistrantFactory()


def mail_keys(prefix: str = "dialogues:") -> list[str]:
    from portal.outbox.models import OutgoingEmail

    return sorted(
        OutgoingEmail.objects.filter(key__startswith=prefix).values_list("key", flat=True)
    )


# Summary, search, insight, alert and feed fixtures.
from tests.dialogues.summary_fixtures import places, themes  # noqa: E402, F401
