from celery import shared_task

from . import services


@shared_task
def meeting_reminders_send() -> int:
    """The periodic sweep: every due reminder, each sent once per registration and start."""
    return services.reminders_send()


@shared_task
def meeting_followup_reminders_send() -> int:
    """Periodic: remind contacts of held meetings to approve minutes and publish summaries."""
    return services.meeting_followup_reminders_send()


@shared_task
def invitation_followups_send() -> int:
    """Periodic: one follow-up to invitees who have not registered, shortly before a meeting."""
    return services.invitation_followups_send()


@shared_task
def registrations_anonymise() -> int:
    """Periodic: clear registrants' needs and messages once a meeting is long over."""
    return services.registrations_anonymise()
