from celery import shared_task

from . import surveys


@shared_task
def surveys_send() -> int:
    """Periodic: the evaluation mail to each checked-in participant of an ended event, and
    one reminder to those who have not answered; each recorded, so sent once."""
    return surveys.surveys_send()
