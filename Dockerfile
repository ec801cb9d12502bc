# Samstyre API: migrates, then serves on 0.0.0.0:8000.
# PostgreSQL: docker run -e SAMSTYRE_DATABASE_URL=postgresql+psycopg://user:pw@db/samstyre ...
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SAMSTYRE_HOME=/srv/samstyre \
    SAMSTYRE_LOG_FORMAT=json

WORKDIR /srv/samstyre
RUN useradd --system --create-home --uid 10001 samstyre

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY openapi ./openapi
RUN pip install . && mkdir -p var && chown samstyre:samstyre var

USER samstyre
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=4).status == 200 else 1)"

CMD ["samstyre", "serve", "--host", "0.0.0.0", "--port", "8000"]
