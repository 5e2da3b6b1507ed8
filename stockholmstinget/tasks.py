"""Celery tasks of Stockholmstinget: thin adapters over its services."""

from celery import shared_task

from . import services


@shared_task
def edition_reminders_send() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): the reminder the day before, once per registration."""
    return services.reminders_send()


@shared_task
def edition_registrations_anonymise() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): clear needs once an edition is long over."""
    return services.registrations_anonymise()


@shared_task
def proposals_anonymise() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): declined proposals' personal data, after retention."""
    from .proposals.services import proposals_anonymise as anonymise

    return anonymise()
