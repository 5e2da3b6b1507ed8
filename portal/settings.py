"""Settings for Samverkansportalen, read from the environment (see README)."""

from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
TESTING = env.bool("DJANGO_TESTING", default=False)

# No default in production: a missing key must stop the process, not weaken it.
if DEBUG or TESTING:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-not-for-production")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "[::1]"] if (DEBUG or TESTING) else [],
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The publisher and contact point of the open-data catalogue (/datasets/dcat): who answers
# for the datasets when Sveriges dataportal harvests them.
OPEN_DATA_PUBLISHER_NAME = env(
    "OPEN_DATA_PUBLISHER_NAME", default="Region Stockholm, kulturförvaltningen"
)
OPEN_DATA_PUBLISHER_URL = env("OPEN_DATA_PUBLISHER_URL", default="https://www.regionstockholm.se/")
OPEN_DATA_CONTACT_NAME = env("OPEN_DATA_CONTACT_NAME", default="Kulturförvaltningen")
OPEN_DATA_CONTACT_EMAIL = env(
    "OPEN_DATA_CONTACT_EMAIL", default="kulturforvaltningen@regionstockholm.se"
)

INSTALLED_APPS = [
    # Django admin on a site that demands staff status and a second factor (accounts/admin_site.py).
    "accounts.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "portal",
    "accounts",
    "dialogues",
    "stockholmstinget",
    # After the domain apps: its tables point at their registrations.
    "portal.registrations.apps.RegistrationsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETags and 304s for every page, feed and calendar file, cached or not.
    "django.middleware.http.ConditionalGetMiddleware",
    # Before the session: a stored public page costs no session, user or view (public_cache.py).
    "portal.public_cache.PublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before the CSRF check, which reads the body: an unreadable one ends as a 400, not a 500.
    "portal.middleware.RequestDecodingMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# DATABASE_URL when set (the launcher, portal/dev.py, sets it for everything it starts);
# otherwise the embedded PostgreSQL under .data/, which these settings never start.
if "DATABASE_URL" in env:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from portal import embedded_db

    DATABASES = {"default": env.db_url_config(embedded_db.running_url())}
# A Unix-socket directory arrives percent-encoded in the URL's host part.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST", ""))
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A database that takes connections but never answers must not hold requests until gunicorn
# kills its worker: give up connecting after DATABASE_CONNECT_TIMEOUT seconds, and let the
# server cancel any statement after DATABASE_STATEMENT_TIMEOUT seconds (0: no limit). Web
# requests keep the default; docker-compose gives Celery workers a longer limit (a task may run
# CELERY_TASK_TIME_LIMIT) and migrations none. /healthz has its own, shorter ones (health.py).
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=30)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
_db_options["options"] = " ".join(
    part
    for part in (
        _db_options.get("options", ""),
        f"-c statement_timeout={int(DATABASE_STATEMENT_TIMEOUT * 1000)}",
    )
    if part
)
if "DJANGO_TEST_DATABASE" in env:
    DATABASES["default"]["TEST"] = {"NAME": env("DJANGO_TEST_DATABASE")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# A real shared cache: allauth's rate limits must hold across processes.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

# Public pages for visitors without a session are served from the cache for at most this long
# (seats left may lag by as much); an edit or a publication shows at once. 0 turns it off (the
# default in development, where templates change under the developer's hands).
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=0 if DEBUG else 10)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:my_pages"
SITE_ID = 1

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Nobody learns from the portal whether an address has an account: sign-up with a taken address
# looks like any sign-up (the owner gets an "account already exists" mail instead of a
# confirmation), password reset looks the same for known and unknown addresses (the latter get
# an "unknown account" mail), and so does adding a taken address on the email page.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "portal:home"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Samverkansportalen] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# The sign-up form also collects the profile, so nobody is left with half an account.
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
# allauth's limits, counted in the shared cache above. A failed login counts per address (key)
# and per IP; the login view answers 429 once the per-address limit is spent. The address comes
# first: once one account's limit is spent, further guesses at it stop before they use up the
# guesser's per-IP budget, and never touch anybody else's.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/key,10/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/3m/key",
    # The check-in station, per staff session: a busy door checks in one person every few
    # seconds; a scanner stuck in a loop stops here.
    "check_in": "120/m/key",
}
# Which address a per-IP limit counts (every limit in the portal is allauth's, and they all ask
# accounts.adapter.AccountAdapter.get_client_ip). Behind the TLS proxy every request comes from
# the proxy's address; with the number of proxies in front of gunicorn the visitor's own address
# is read from X-Forwarded-For, counting that many entries from the right (the ones our proxies
# appended; anything further left the client may have invented). 0 ignores the header entirely,
# which is right only when nothing stands in front of gunicorn. A proxy that puts the visitor's
# address in a header of its own (X-Real-IP, CF-Connecting-IP) can be named instead; it must
# overwrite whatever the client sent in it.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("DJANGO_TRUSTED_CLIENT_IP_HEADER", default=None) or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Samverkansportalen"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (DEBUG or TESTING)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development and tests whitenoise serves straight from the app folders, no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / ".data" / "media")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Samverkansportalen <noreply@samverkan.regionstockholm.se>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
elif "EMAIL_HOST" in env:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- Celery ---------------------------------------------------------------------------------
# With REDIS_URL a real broker and worker; without it tasks run in-process (make run says so).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost Redis keeps trying (every 2 s, growing to 30 s) however long it is down,
# rather than exiting after 100 tries; the outbox in PostgreSQL holds the mail meanwhile.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A lost broker connection must not cut the send tasks that are running: a send cut between
# the server's acceptance and the `sent` mark is the one way to a duplicate. (Celery's default;
# stated because Celery warns that it may change.)
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Keep a worker's database connection from task to task (portal/celery.py checks it before
# each task as Django does before each request); Celery would otherwise reconnect every task.
CELERY_DB_REUSE_MAX = 1_000_000
# Longer than any countdown the portal schedules (mail retries wait at most an hour), so Redis
# never hands an unacknowledged, delayed message to a second worker while it still waits.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
# Mail goes through its own queue, so a 10,000-message mail-out never waits behind other work
# (and other work never waits behind it); run workers with `-Q mail,celery`.
CELERY_TASK_ROUTES = {
    "portal.tasks.email_send": {"queue": "mail"},
    "portal.tasks.mailout_fanout": {"queue": "mail"},
}

# --- Outbox (portal/outbox/, docs/operations.md) --------------------------------------------
# Rows one send task claims and sends over one SMTP connection. Each row is marked sent on its
# own, so the batch size does not widen the crash window (one message per killed worker
# process); it bounds how many rows a killed worker holds until their lease ends, and spreads a
# mail-out over all workers. 50 costs little per-task overhead (docs/BENCHMARKS.md).
MAIL_BATCH_SIZE = env.int("MAIL_BATCH_SIZE", default=50)
# Seconds to wait before the 1st, 2nd, 3rd and every later retry of a transient failure.
MAIL_RETRY_DELAYS = [30, 2 * 60, 10 * 60, 60 * 60]
# A message still failing this long after it was written is marked failed.
MAIL_GIVE_UP_AFTER_SECONDS = env.int("MAIL_GIVE_UP_AFTER_SECONDS", default=24 * 60 * 60)
# A claimed ("sending") row belongs to its worker process for this long; the process renews
# the lease every third of it while it lives, and the redrive takes back rows whose lease ran
# out. So a killed worker's rows go out again within MAIL_LEASE_SECONDS +
# MAIL_REDRIVE_INTERVAL_SECONDS (80 s), and a live one never loses a row it is sending.
MAIL_LEASE_SECONDS = env.int("MAIL_LEASE_SECONDS", default=60)
# A queued, due row whose send task was published this long ago is published again (its
# message was lost: a publish that failed, a killed worker's prefetched message). After a Redis
# restart the redrive republishes at once instead.
MAIL_REDRIVE_AFTER_SECONDS = env.int("MAIL_REDRIVE_AFTER_SECONDS", default=90)
MAIL_REDRIVE_INTERVAL_SECONDS = env.float("MAIL_REDRIVE_INTERVAL_SECONDS", default=20.0)

# --- Dialogue follow-ups and personal data (docs/operations.md) ----------------------------
# Days after a held meeting until its contact is reminded, once, if minutes are not approved or
# the summary not published.
DIALOGUE_FOLLOWUP_REMINDER_AFTER_DAYS = 3
# Days before a meeting when invitees who have not registered get one follow-up.
DIALOGUE_INVITATION_FOLLOWUP_DAYS_BEFORE = 3
# Days after a meeting or Stockholmstinget edition ends until its registrations' needs and
# messages are cleared (docs/accounts.md); counts, status and attendance stay.
REGISTRATION_ANONYMISE_AFTER_DAYS = 90
# The issuer named on certificates of attendance (docs/registrations.md).
CERTIFICATE_ISSUER = env("CERTIFICATE_ISSUER", default="Region Stockholm, kulturförvaltningen")

# --- Health (portal/health.py, docs/operations.md) -----------------------------------------
# /healthz answers within HEALTHZ_DATABASE_TIMEOUT seconds however the database behaves.
HEALTHZ_DATABASE_TIMEOUT = 1.5
# Seconds between two stamps of the worker heartbeat, and how old the last stamp may be before
# /healthz reports the worker as late (three missed beats).
WORKER_HEARTBEAT_INTERVAL_SECONDS = 60
WORKER_LATE_AFTER_SECONDS = env.int("WORKER_LATE_AFTER_SECONDS", default=180)

# Every periodic task of the portal, in one place.
CELERY_BEAT_SCHEDULE: dict = {
    # Every minute (WORKER_HEARTBEAT_INTERVAL_SECONDS): a worker stamps the time in Redis, so
    # /healthz can tell that workers are taking tasks (and beat is scheduling them).
    "worker-heartbeat": {
        "task": "portal.tasks.worker_heartbeat",
        "schedule": WORKER_HEARTBEAT_INTERVAL_SECONDS,
        "options": {"expires": WORKER_HEARTBEAT_INTERVAL_SECONDS},
    },
    # Every 20 s (MAIL_REDRIVE_INTERVAL_SECONDS): publish queued mail whose task message was
    # lost and take back rows left "sending" by a killed worker.
    "email-redrive": {
        "task": "portal.tasks.email_redrive",
        "schedule": MAIL_REDRIVE_INTERVAL_SECONDS,
        # A sweep nobody ran in time is dropped; the next one does the same work.
        "options": {"expires": MAIL_REDRIVE_INTERVAL_SECONDS},
    },
    # Every 5 minutes: blank the address and content of account-deletion confirmations that
    # have been sent, the one message an erased person still gets (accounts/services.py).
    "accounts-deletion-confirmations-clear": {
        "task": "accounts.tasks.deletion_confirmations_clear",
        "schedule": 5 * 60,
        "options": {"expires": 5 * 60},
    },
    # Every 5 minutes: meeting reminders that have come due (each meeting's own lead time);
    # what was sent is recorded per registration and meeting start, so a late run sends once.
    "dialogues-meeting-reminders": {
        "task": "dialogues.tasks.meeting_reminders_send",
        "schedule": 5 * 60,
        "options": {"expires": 5 * 60},
    },
    # Daily at 08:00 Stockholm time: remind a meeting's contact to approve minutes and publish
    # a summary DIALOGUE_FOLLOWUP_REMINDER_AFTER_DAYS after it ended; recorded per meeting.
    "dialogues-followup-reminders": {
        "task": "dialogues.tasks.meeting_followup_reminders_send",
        "schedule": crontab(hour=8, minute=0),
    },
    # Daily at 09:00 Stockholm time: one follow-up to invitees who have not registered, when the
    # meeting is DIALOGUE_INVITATION_FOLLOWUP_DAYS_BEFORE days away; recorded per invitation.
    "dialogues-invitation-followups": {
        "task": "dialogues.tasks.invitation_followups_send",
        "schedule": crontab(hour=9, minute=0),
    },
    # Hourly at :15: the evaluation mail to each checked-in participant of an event that has
    # ended, and one reminder to those who have not answered; each is recorded per participant
    # (portal/registrations/surveys.py), so a second run sends nothing again.
    "registrations-surveys-send": {
        "task": "portal.registrations.tasks.surveys_send",
        "schedule": crontab(minute=15),
    },
    # Daily at 03:30 Stockholm time: clear needs and messages of registrations whose meeting or
    # edition ended REGISTRATION_ANONYMISE_AFTER_DAYS ago; each row records when.
    "dialogues-registrations-anonymise": {
        "task": "dialogues.tasks.registrations_anonymise",
        "schedule": crontab(hour=3, minute=30),
    },
    "stockholmstinget-registrations-anonymise": {
        "task": "stockholmstinget.tasks.edition_registrations_anonymise",
        "schedule": crontab(hour=3, minute=30),
    },
    # Daily at 03:40: declined session proposals of editions over as long ago lose what their
    # proposers and speakers wrote; each row records when, so a second run finds nothing.
    "stockholmstinget-proposals-anonymise": {
        "task": "stockholmstinget.tasks.proposals_anonymise",
        "schedule": crontab(hour=3, minute=40),
    },
    # Every 15 minutes: Stockholmstinget reminders for editions starting within 24 hours;
    # each registration records its reminder, so a late or repeated run sends once.
    "stockholmstinget-edition-reminders": {
        "task": "stockholmstinget.tasks.edition_reminders_send",
        "schedule": 15 * 60,
        "options": {"expires": 15 * 60},
    },
}

# --- Security -------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every script and style sheet is a file served from this site (no CDN, no inline code: the
# bars of the insight charts are <meter> elements), and that is all the policy allows. The
# admin runs under it too; only the outbox's HTML preview relaxes style-src
# (portal/outbox/admin.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# Browser features the portal never uses, off for every page and anything it could embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
SESSION_COOKIE_HTTPONLY = True
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint reports each step of every certificate it renders at INFO.
    "loggers": {"pgserver": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
