#!/usr/bin/env bash
# A throwaway PostgreSQL server for the Postgres adapter's tests.
#
#   eval "$(scripts/postgres.sh start)"   # prints the exports below
#   go test ./adapters/postgres
#   scripts/postgres.sh stop              # uses $ELT_PG_DIR (or: stop DIR)
#
# start installs PostgreSQL from the distribution's packages when initdb is
# missing, creates a cluster in a new temporary directory (owned by an
# unprivileged user when run as root, since initdb refuses to run as root),
# listens on 127.0.0.1 only, on a free port, and creates:
#   - role elt, password elt, superuser: what the tests connect as;
#   - database elt_test, owned by elt.
# Local (unix socket) connections are trusted; TCP connections need a
# password (scram-sha-256), so a wrong password can be tested.
# It prints `export ELT_PG_DIR=...` and `export ELT_TEST_POSTGRES_URL=...`
# and writes the same lines to $ELT_PG_DIR/env.
set -euo pipefail

PG_USER=elttest # the OS user that owns the cluster when run as root

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    return
  fi
  local d
  for d in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
    if [ -x "$d/$name" ]; then
      echo "$d/$name"
      return
    fi
  done
  return 1
}

ensure_installed() {
  if find_bin initdb >/dev/null && find_bin pg_ctl >/dev/null; then
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "initdb not found and not root: install PostgreSQL (apt-get install postgresql) first"
    exit 1
  fi
  log "installing PostgreSQL from the distribution's packages"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

# as_owner runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local p tries
  for tries in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! port_in_use "$p"; then
      echo "$p"
      return
    fi
  done
  log "no free port found"
  exit 1
}

start() {
  ensure_installed
  local initdb pg_ctl psql
  initdb=$(find_bin initdb)
  pg_ctl=$(find_bin pg_ctl)
  psql=$(find_bin psql)

  if [ "$(id -u)" -eq 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
    useradd -r -M -s /usr/sbin/nologin "$PG_USER"
  fi
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/elt-pg.XXXXXX")
  chmod 755 "$dir"
  mkdir "$dir/data" "$dir/socket"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R "$PG_USER" "$dir"
  fi

  as_owner "$initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }

  local port tries
  for tries in 1 2 3 4 5; do
    port=$(free_port)
    # Only 127.0.0.1; the socket stays inside the cluster's directory. A
    # throwaway cluster need not survive a crash: no fsync.
    if as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
      break
    fi
    if [ "$tries" -eq 5 ]; then
      cat "$dir/server.log" >&2
      exit 1
    fi
    log "port $port was taken, trying another"
  done

  as_owner "$psql" -h "$dir/socket" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >/dev/null <<SQL
set password_encryption = 'scram-sha-256';
create role elt login superuser password 'elt';
create database elt_test owner elt;
SQL

  local url="postgres://elt:elt@127.0.0.1:$port/elt_test"
  {
    echo "export ELT_PG_DIR=$dir"
    echo "export ELT_TEST_POSTGRES_URL=$url"
  } | tee "$dir/env"
  log "PostgreSQL $("$pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir (source $dir/env)"
}

stop() {
  local dir=${1:-${ELT_PG_DIR:-}}
  if [ -z "$dir" ]; then
    log "usage: postgres.sh stop DIR (or set ELT_PG_DIR)"
    exit 2
  fi
  if [ ! -d "$dir/data" ]; then
    log "$dir is not a cluster made by postgres.sh start"
    exit 1
  fi
  local pg_ctl
  pg_ctl=$(find_bin pg_ctl)
  as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-}" in
start) start ;;
stop) stop "${2:-}" ;;
*)
  echo "usage: $0 start | stop [DIR]" >&2
  exit 2
  ;;
esac
