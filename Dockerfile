# One image for the web process, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and HarfBuzz for WeasyPrint (quotes, invoices), a Korean font for them,
# gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-nanum gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected with the production storage (hashed names, a manifest and
# compressed copies for WhiteNoise), which only DJANGO_ENV=production selects. The values
# below exist for this build step only: collectstatic touches neither the database nor
# Redis, and the real ones come from the environment at run time.
RUN DJANGO_ENV=production \
    SECRET_KEY=collectstatic-at-build-time-only \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/unused.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

# Run as an unprivileged user. /data holds media and private documents (a volume in
# compose); var/ is where mail goes when EMAIL_URL is not set.
RUN useradd --system --create-home --uid 10001 ddasum \
    && mkdir -p /data/media /data/private var/mail \
    && chown -R ddasum:ddasum /data var
USER ddasum

EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "ddasum.wsgi:application"]
