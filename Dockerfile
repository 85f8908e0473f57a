# The production image: one image, three processes (web, worker, beat) in docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 portal

WORKDIR /app
COPY pyproject.toml README.md ./
COPY portal ./portal
COPY casework ./casework
COPY consultations ./consultations
COPY standards ./standards
RUN pip install .
COPY . .
RUN python -m subscriptions.bacs.get_tables
RUN DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=build REDIS_URL=redis://build:6379/0 \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1ub3QtYS1yZWFsLWtleS0wMDAwMDA= \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/private && chown -R portal /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
