from celery import shared_task

from . import services


@shared_task
def meeting_reminders_send() -> int:
    """The periodic sweep: every due reminder, each sent once per registration and start."""
    return services.reminders_send()
