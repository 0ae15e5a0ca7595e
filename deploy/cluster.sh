#!/usr/bin/env bash
# A whole deployment on this machine (docs/SCALING.md, "What make cluster proves"):
# a PostgreSQL 15 primary and a streaming replica, two gunicorn hosts of the app reading
# lag-tolerant answers from the replica, and HAProxy in front with health checks.
#
#   deploy/cluster.sh start            start (or complete) the cluster; safe to run again
#   deploy/cluster.sh stop             stop every process, keep the data
#   deploy/cluster.sh remove           stop, then delete the cluster's directory
#   deploy/cluster.sh status           what runs
#   deploy/cluster.sh replica-stop     stop the replica only (its data stays)
#
# Environment: CLUSTER_DIR (build/cluster), CLUSTER_PRIMARY_PORT (5434),
# CLUSTER_REPLICA_PORT (5435), CLUSTER_HOST_PORTS ("8481 8482"), CLUSTER_LB_PORT (8480),
# CLUSTER_WORKERS (2 per host), CLUSTER_DEMO (1: load the demo city into an empty database),
# REPLICA_MAX_LAG_SECONDS (5), CLUSTER_DB (election).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${CLUSTER_DIR:-$ROOT/build/cluster}"
PRIMARY_PORT="${CLUSTER_PRIMARY_PORT:-5434}"
REPLICA_PORT="${CLUSTER_REPLICA_PORT:-5435}"
HOST_PORTS="${CLUSTER_HOST_PORTS:-8481 8482}"
LB_PORT="${CLUSTER_LB_PORT:-8480}"
WORKERS="${CLUSTER_WORKERS:-2}"
DEMO="${CLUSTER_DEMO:-1}"
DB="${CLUSTER_DB:-election}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
BIN="$ROOT/.venv/bin"
PRIMARY_URL="postgresql+psycopg://postgres@127.0.0.1:$PRIMARY_PORT/$DB"
REPLICA_URL="postgresql+psycopg://postgres@127.0.0.1:$REPLICA_PORT/$DB"

log() { printf '[cluster] %s\n' "$*"; }

# PostgreSQL refuses to run as root: its commands run as the postgres user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

alive() { [ -f "$1" ] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }

install_tools() {
  local packages=()
  command -v haproxy >/dev/null || packages+=(haproxy)
  [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_basebackup" ] || packages+=(postgresql-15)
  [ "${#packages[@]}" -gt 0 ] || return 0
  log "installing ${packages[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q >/dev/null || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
    "${packages[@]}" >/dev/null
}

pg_running() { as_pg "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

pg_start() {  # data directory, port
  if pg_running "$1"; then
    log "PostgreSQL on port $2 already runs"
    return 0
  fi
  as_pg "$PGBIN/pg_ctl" -D "$1" -l "$1.log" -o "-p $2" -w -t 60 start >/dev/null
  log "PostgreSQL started on port $2 ($1)"
}

start_primary() {
  local data="$DIR/primary"
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$DIR/initdb.log"
    # Replication needs no more than the defaults of PostgreSQL 15 (wal_level=replica,
    # max_wal_senders=10, hot_standby=on); the pg_hba.conf of initdb lets local
    # replication connections in with --auth=trust. TCP only: no socket in /var/run.
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 100
hot_standby_feedback = on
EOF
    log "primary initialised in $data"
  fi
  pg_start "$data" "$PRIMARY_PORT"
  if ! as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres "$DB"
    log "database $DB created"
  fi
}

start_replica() {
  local data="$DIR/replica"
  if [ ! -f "$data/standby.signal" ]; then
    rm -rf "$data"
    # -R writes primary_conninfo and standby.signal: the copy starts as a streaming standby.
    as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$data" \
      -R -X stream -c fast
    log "replica copied from the primary with pg_basebackup"
  fi
  pg_start "$data" "$REPLICA_PORT"
}

load_data() {
  (
    cd "$ROOT"
    export DATABASE_URL="$PRIMARY_URL"
    "$BIN/flask" --app wsgi db upgrade
    if [ "$DEMO" = 1 ]; then
      "$BIN/flask" --app wsgi demo --if-empty
    fi
  )
}

start_host() {  # port
  local port="$1" pid="$DIR/host-$1.pid"
  if alive "$pid"; then
    log "host on port $port already runs"
    return 0
  fi
  # Every host shares the secret key (signed session cookies) and the evidence directory.
  (
    cd "$ROOT"
    env DATABASE_URL="$PRIMARY_URL" DATABASE_REPLICA_URL="$REPLICA_URL" \
      REPLICA_MAX_LAG_SECONDS="${REPLICA_MAX_LAG_SECONDS:-5}" \
      SECRET_KEY="$(cat "$DIR/secret_key")" EVIDENCE_DIR="$DIR/evidence" \
      "$BIN/gunicorn" --daemon --pid "$pid" --workers "$WORKERS" --bind "127.0.0.1:$port" \
      --timeout 30 --access-logfile "$DIR/host-$port.access.log" \
      --error-logfile "$DIR/host-$port.log" wsgi:app
  )
  log "host started on port $port"
}

write_haproxy_config() {
  local servers="" n=0
  for port in $HOST_PORTS; do
    n=$((n + 1))
    servers+="  server host$n 127.0.0.1:$port check"$'\n'
  done
  # A host is taken out after two failed checks (its /healthz answers 503 without the
  # database, or nothing at all), or at once when a connection to it is refused (observe
  # layer4), and back after two good checks. A check may wait 5 s: a busy host's sync
  # workers answer it only after the requests queued before it. A request whose connection
  # fails is sent to the other host (redispatch); one already sent is not replayed by
  # HAProxy: the client retries it with its Idempotency-Key.
  cat >"$DIR/haproxy.cfg" <<EOF
global
  daemon
  pidfile $DIR/haproxy.pid
  maxconn 512

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout check 5s
  retries 3
  option redispatch 1

frontend web
  bind 127.0.0.1:$LB_PORT
  default_backend hosts

backend hosts
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 1s fastinter 500ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down
$servers
EOF
}

start_balancer() {
  write_haproxy_config
  haproxy -c -q -f "$DIR/haproxy.cfg"
  if alive "$DIR/haproxy.pid"; then
    # -sf: the new process takes over the port, the old one finishes its requests and exits.
    haproxy -f "$DIR/haproxy.cfg" -sf "$(cat "$DIR/haproxy.pid")"
    log "HAProxy reloaded on port $LB_PORT"
  else
    haproxy -f "$DIR/haproxy.cfg"
    log "HAProxy started on port $LB_PORT"
  fi
}

wait_healthy() {
  for _ in $(seq 1 120); do
    if "$BIN/python" -c "import urllib.request as r; r.urlopen('http://127.0.0.1:$LB_PORT/healthz', timeout=2)" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  log "the balancer did not answer /healthz within 60 s" >&2
  return 1
}

start() {
  local began=$SECONDS
  install_tools
  mkdir -p "$DIR/evidence"
  # The postgres user makes its data directories here.
  chmod 755 "$DIR"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$DIR"
  [ -s "$DIR/secret_key" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/secret_key")
  start_primary
  start_replica
  load_data
  for port in $HOST_PORTS; do start_host "$port"; done
  start_balancer
  wait_healthy
  log "ready in $((SECONDS - began)) s"
  echo "Ứng dụng (HAProxy):   http://127.0.0.1:$LB_PORT/login"
  for port in $HOST_PORTS; do echo "Máy chủ ứng dụng:     http://127.0.0.1:$port/healthz"; done
  echo "PostgreSQL chính:     $PRIMARY_URL"
  echo "PostgreSQL bản sao:   $REPLICA_URL"
  if [ "$DEMO" = 1 ]; then (cd "$ROOT" && "$BIN/python" -m election.demo_logins | head -n -1); fi
}

stop_pid() {  # pid file, name
  if alive "$1"; then
    kill "$(head -n1 "$1")"
    for _ in $(seq 1 50); do alive "$1" || break; sleep 0.2; done
    log "$2 stopped"
  fi
  rm -f "$1"
}

pg_stop() {
  if [ -f "$1/PG_VERSION" ] && pg_running "$1"; then
    as_pg "$PGBIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null
    log "PostgreSQL stopped ($1)"
  fi
}

stop() {
  [ -d "$DIR" ] || return 0
  stop_pid "$DIR/haproxy.pid" HAProxy
  for port in $HOST_PORTS; do stop_pid "$DIR/host-$port.pid" "host $port"; done
  pg_stop "$DIR/replica"
  pg_stop "$DIR/primary"
}

status() {
  for port in $HOST_PORTS; do
    alive "$DIR/host-$port.pid" && echo "host $port: up" || echo "host $port: down"
  done
  alive "$DIR/haproxy.pid" && echo "haproxy $LB_PORT: up" || echo "haproxy $LB_PORT: down"
  pg_running "$DIR/primary" && echo "primary $PRIMARY_PORT: up" || echo "primary $PRIMARY_PORT: down"
  pg_running "$DIR/replica" && echo "replica $REPLICA_PORT: up" || echo "replica $REPLICA_PORT: down"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  remove)
    stop
    rm -rf "$DIR"
    log "removed $DIR"
    ;;
  status) status ;;
  replica-stop) pg_stop "$DIR/replica" ;;
  *)
    echo "usage: $0 start|stop|remove|status|replica-stop" >&2
    exit 2
    ;;
esac
