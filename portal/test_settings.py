"""Settings for the test suite: the real settings, plus what only tests want."""

import os

os.environ.setdefault("DJANGO_TESTING", "1")

from portal.settings import *  # noqa: F403

# Hashing cost is not under test; a fast hasher keeps the suite quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# The suite runs tasks in-process; the broker tests start their own worker against REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# The database cache rolls back with each test, so rate limits never leak between tests.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
    }
}

# Tests read their own writes, often inside one transaction that never commits (which is when
# the public cache's version moves); the cache's own tests turn it on.
PUBLIC_CACHE_SECONDS = 0

# The suite computes a TOTP code and posts it at once, but on a loaded machine the request can
# start in the next 30-second step; one step of tolerance keeps the second-factor login from
# failing by the clock. Wrong codes are still refused.
MFA_TOTP_TOLERANCE = 1
