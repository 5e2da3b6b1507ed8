"""Celery tasks of accounts: thin adapters over accounts.services."""

from celery import shared_task

from . import services


@shared_task
def deletion_confirmations_clear() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): clear sent deletion confirmations."""
    return services.deletion_confirmations_clear()
