# syntax=docker/dockerfile:1
#
# feedbackbot image: one image for SQLite (default, file on the /data volume) and PostgreSQL
# (set DATABASE_URL=postgresql+asyncpg://...; the postgres extra is installed).
#
#   docker compose up -d --build         # PostgreSQL, the upgrade, two replicas (compose.yaml)
#   docker build -t feedbackbot .
#   docker run --rm -v feedbackbot-data:/data -e SLACK_... feedbackbot            # feedbackbot run
#   docker run --rm -v feedbackbot-data:/data feedbackbot db upgrade
#   docker run --rm -it -v feedbackbot-data:/data feedbackbot console

# ---- builder: build the wheel, install it with its dependencies into a venv -----------------
FROM python:3.11-slim-bookworm AS builder

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv

WORKDIR /src

# The dependencies first, at the exact versions and hashes of the lock (.ci/lock writes it from
# pyproject.toml, .ci/run checks it is current): a rebuild installs what CI tested, and this
# layer is rebuilt only when the lock changes. Every one ships manylinux wheels for CPython 3.11,
# so no compiler is needed here.
COPY requirements.lock .
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: \
        -r requirements.lock

# Then the project's own wheel (setuptools comes from build isolation), without dependencies:
# `pip check` fails the build if the lock lacks one that pyproject.toml names.
COPY . .
RUN pip wheel --no-cache-dir --no-deps -w /wheels . \
 && set -- /wheels/feedbackbot-*.whl \
 && /opt/venv/bin/pip install --no-cache-dir --no-deps "$1" \
 && /opt/venv/bin/pip check

# ---- runtime ------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

# Set by whoever builds for a registry: --build-arg SOURCE=<repository URL> --build-arg
# REVISION=$(git rev-parse HEAD). VERSION is pyproject.toml's (a test keeps them equal).
ARG VERSION=0.1.0
ARG SOURCE=""
ARG REVISION=""
LABEL org.opencontainers.image.title="feedbackbot" \
      org.opencontainers.image.description="A chat-ops bot that records /feedback and /request from Slack, Discord and a terminal, thanks people, and closes the loop." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH" \
    DATABASE_URL=sqlite:////data/feedbackbot.db \
    PORT=3000

# Fixed uid/gid so volume ownership is predictable (chown -R 10001:10001 on a host bind mount).
RUN groupadd --system --gid 10001 feedbackbot \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin feedbackbot \
 && mkdir /data \
 && chown 10001:10001 /data

# Owned by root and read-only for the bot user; bytecode was compiled at install time.
COPY --from=builder /opt/venv /opt/venv

WORKDIR /data
# Numeric so that orchestrators can verify runAsNonRoot.
USER 10001:10001
# The SQLite database (and its -wal/-shm files) lives here; a new named volume inherits the
# ownership set above.
VOLUME ["/data"]

EXPOSE 3000

# `feedbackbot run` answers GET /healthz on $PORT (HTTP and Socket Mode alike). The slim image
# has no curl, so Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

# `feedbackbot run` stops cleanly on SIGTERM and SIGINT; SIGINT also ends the other commands
# (console, db), which install no handler of their own while running as PID 1.
STOPSIGNAL SIGINT

# `run` is preceded by `feedbackbot check` (docker-entrypoint.sh); other commands run as given.
COPY --chmod=755 docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["run"]
