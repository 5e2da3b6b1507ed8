# Production image: gunicorn serves the portal, whitenoise its static files.

# The message catalogues are compiled by GNU gettext in a stage of their own, so the image
# carries neither gettext nor the development-only catalogue tools.
FROM python:3.11-slim AS catalogues
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
COPY locale /locale
RUN for po in /locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "${po%.po}.mo" "$po"; done

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/portal portal
# Pango and a font for WeasyPrint, which renders the certificates of attendance (PDF).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .
COPY --from=catalogues /locale /app/locale
# collectstatic needs settings, not a database or a real secret: the values below exist only
# for this build step and never reach the running container.
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput \
 && chown -R portal /app

USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
