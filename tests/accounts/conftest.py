from importlib import import_module

import pytest


@pytest.fixture
def municipalities():
    """The 26 municipalities of the data migration, also after a transactional test's flush.

    Use with a django_db mark; loading is idempotent.
    """
    from django.apps import apps

    import_module("portal.migrations.0002_load_municipalities").load(apps, None)
