# A throwaway PostgreSQL server for the store's tests (sourced by tests/pg/*.sh).
# pg_start: initdb into a new mktemp directory, start postgres on a Unix socket only
# (listen_addresses=''), and set PG_URL to a postgresql:// URL of a fresh database; pg_newdb NAME
# prints the URL of another new database. The server is stopped and its directory removed by
# pg_stop (installed as an EXIT trap by pg_start). postgres refuses to run as root, so as
# root the server runs as the Debian `postgres` user (or `nobody`) owning that directory.
# pg_find_bin sets PG_BIN to the directory with initdb, pg_ctl and postgres, or fails.

pg_find_bin() {
    for d in ${PG_BINDIR:-} $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r) \
             $(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)"); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            PG_BIN=$d
            return 0
        fi
    done
    return 1
}

pg_as() {
    if [ -n "$PG_USER" ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

pg_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
        pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    fi
    [ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
    PG_DIR=
}

pg_start() {
    PG_USER=
    if [ "$(id -u)" = 0 ]; then
        if id postgres >/dev/null 2>&1; then PG_USER=postgres; else PG_USER=nobody; fi
    fi
    PG_DIR=$(mktemp -d /tmp/vigil-pg-XXXXXX)
    trap 'pg_stop' EXIT
    trap 'pg_stop; exit 1' INT TERM
    mkdir "$PG_DIR/sock"
    [ -n "$PG_USER" ] && chown -R "$PG_USER" "$PG_DIR"
    chmod 755 "$PG_DIR"
    if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U vigil -A trust -E UTF8 --locale=C.UTF-8 \
            >"$PG_DIR/initdb.log" 2>&1; then
        echo "FAIL: initdb: $(tail -5 "$PG_DIR/initdb.log")"
        return 1
    fi
    if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-c listen_addresses='' -k $PG_DIR/sock -c max_connections=100 -c fsync=off" \
            start >/dev/null 2>&1; then
        echo "FAIL: the PostgreSQL server did not start: $(tail -5 "$PG_DIR/server.log")"
        return 1
    fi
    PG_SOCK=$PG_DIR/sock
    PG_URL=$(pg_newdb vigil_test) || return 1
}

# A natural-language collation (ICU en-US) where the server has one: the store must not depend
# on the database's collation for the order its digests read rows in.
pg_newdb() {
    "$PG_BIN/createdb" -h "$PG_SOCK" -U vigil -T template0 --locale-provider=icu --icu-locale=en-US \
        "$1" >/dev/null 2>&1 ||
    "$PG_BIN/createdb" -h "$PG_SOCK" -U vigil "$1" >/dev/null 2>"$PG_DIR/createdb.err" ||
        { echo "FAIL: createdb $1: $(cat "$PG_DIR/createdb.err")" >&2; return 1; }
    echo "postgresql:///$1?host=$PG_SOCK&user=vigil"
}
