#!/bin/sh
# First start: a cluster in $PGDATA, the role `app` (password POSTGRES_PASSWORD) and one
# database per service (POSTGRES_DATABASES); the services create their own tables. Later
# starts find the cluster and only run the server. SIGINT (the image's STOPSIGNAL) is
# PostgreSQL's "fast shutdown": sessions are ended and everything committed is on disk.
set -eu

: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is not set: run python -m scripts.bootstrap scale-env}"
DATABASES="${POSTGRES_DATABASES:-auth inventory order}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    # The superuser is reachable only on the container's Unix socket (peer); the services
    # connect over the network as `app`, with a SCRAM password.
    initdb --pgdata="$PGDATA" --username=postgres --auth-local=peer --auth-host=reject \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PGDATA/pg_hba.conf" <<HBA
host    all    app    0.0.0.0/0    scram-sha-256
host    all    app    ::/0         scram-sha-256
HBA
    # The set-up server listens on a private socket only, so the healthcheck (which asks
    # the usual socket) cannot mistake it for the real one and let the services in early.
    setup=$(mktemp -d)
    pg_ctl --pgdata="$PGDATA" --wait --silent start \
        --options="-c listen_addresses='' -c unix_socket_directories=$setup"
    psql --host="$setup" --username=postgres --dbname=postgres --quiet --set ON_ERROR_STOP=1 \
        --set password="$POSTGRES_PASSWORD" <<SQL
CREATE ROLE app LOGIN PASSWORD :'password';
SQL
    for db in $DATABASES; do
        psql --host="$setup" --username=postgres --dbname=postgres --quiet \
            --set ON_ERROR_STOP=1 --command="CREATE DATABASE \"$db\" OWNER app"
    done
    pg_ctl --pgdata="$PGDATA" --mode=fast --wait --silent stop
    echo "postgres: created the cluster, the role app and the databases: $DATABASES"
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' -c max_connections=200
