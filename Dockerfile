# syntax=docker/dockerfile:1
#
# feedbackbot image: one image for SQLite (default, file on the /data volume) and PostgreSQL
# (set DATABASE_URL=postgresql+asyncpg://...; the postgres extra is installed).
#
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
COPY . .

# Build the project's own wheel (setuptools comes from build isolation), then install exactly that
# wheel with the postgres extra; its dependencies come from the index. Every dependency ships
# manylinux wheels for CPython 3.11, so no compiler is needed here.
RUN pip wheel --no-cache-dir --no-deps -w /wheels . \
 && set -- /wheels/feedbackbot-*.whl \
 && /opt/venv/bin/pip install --no-cache-dir "$1[postgres]"

# ---- runtime ------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

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

ENTRYPOINT ["feedbackbot"]
CMD ["run"]
