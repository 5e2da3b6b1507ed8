"""Settings for the test suite: the real settings, plus what only tests want."""

import os

os.environ.setdefault("DJANGO_TESTING", "1")

from portal.settings import *  # noqa: F403

# Hashing cost is not under test; a fast hasher keeps the suite quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
