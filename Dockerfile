# The portal's web, worker and beat image. `docker compose up` runs all three.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# GDAL and GEOS for GeoDjango, gettext for the translations, curl for health checks,
# DejaVu for the PDF sheets.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 gettext curl fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY portal ./portal
COPY cities ./cities
COPY toolkit ./toolkit
COPY stakeholders ./stakeholders
# Editable: the project runs from /app, where templates, static and locale live.
RUN pip install -e .
COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# Build-time values only: settings need them to load; nothing connects here.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build PORTAL_BASE_URL=http://build \
    DATABASE_URL=postgis://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    sh -c "python manage.py compilemessages -v0 && python manage.py collectstatic --no-input -v0"

RUN useradd --create-home --uid 10001 portal && mkdir -p /app/media /app/private-uploads \
    && chown portal /app/media /app/private-uploads
USER portal

ENV GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "-c", "portal/gunicorn.conf.py"]
