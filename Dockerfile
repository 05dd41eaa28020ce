# minga in a container (README: "Run it for your group"). With PostgreSQL beside it:
#   docker compose up -d --build          (compose.yaml; secrets in .env, never in git)
# Alone, on SQLite in a volume:
#   docker build -t minga . && docker run -d --name minga --env-file .env -v minga:/var/lib/minga minga

# Any Debian 12 image with python3 (3.11), its venv module and useradd will do
# (the tests build one from Debian's packages when Docker Hub is out of reach: scripts/docker-base).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/minga
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot bot
COPY domain domain
COPY handlers handlers
COPY storage storage
COPY templates templates
RUN /opt/minga/bin/pip install . && /opt/minga/bin/minga --version

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --home-dir /var/lib/minga --create-home --shell /usr/sbin/nologin minga
COPY --from=build /opt/minga /opt/minga
ENV PATH=/opt/minga/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MINGA_DATABASE_URL=sqlite:////var/lib/minga/minga.sqlite \
    MINGA_HEALTH_LISTEN=127.0.0.1:9464
USER minga
WORKDIR /var/lib/minga
VOLUME /var/lib/minga
# `minga health` asks minga run's /healthz (inside the container only): the scheduler
# ticked recently and every configured chat platform is connected.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["minga", "health"]
ENTRYPOINT ["minga"]
CMD ["run"]
