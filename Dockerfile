# One image for the three services (and the one-shot credential bootstrap); the compose file
# picks the command. BASE_IMAGE only needs python3 with venv, so any Python base works.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python3 -m venv /opt/venv
COPY requirements.lock /app/requirements.lock
RUN pip install --no-cache-dir -r /app/requirements.lock

WORKDIR /app
COPY service_kit /app/service_kit
COPY auth_server /app/auth_server
COPY inventory_service /app/inventory_service
COPY order_service /app/order_service
COPY scripts /app/scripts

# Data, secret and certificate folders exist in the image owned by the app user, so fresh
# named volumes mounted there inherit that ownership (certificates themselves are made at
# run time by the bootstrap service, never baked in).
RUN useradd --system --uid 10001 --home-dir /app app \
 && mkdir -p /data/auth /data/inventory /data/order /secrets/order /secrets/inventory /secrets/demo /certs \
 && chown -R app:app /data /secrets /certs \
 && chmod 700 /secrets/order /secrets/inventory /secrets/demo
USER app
