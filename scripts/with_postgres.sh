#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a PostgreSQL server.
#
# Usage: scripts/with_postgres.sh COMMAND [ARGS...]
#   e.g. scripts/with_postgres.sh python manage.py test
#
# The test settings refuse to fall back to SQLite, so every test run needs a
# real PostgreSQL server. This wrapper finds one, in this order:
#
#   1. DATABASE_URL already set and non-empty: used as is, so CI and
#      developers with their own server stay in control.
#   2. A server answering on 127.0.0.1:$PG_PROBE_PORT (default 5432): used as
#      postgres://postgres@127.0.0.1:PORT/postgres. Django's test runner
#      creates (and drops) its own test database, so connecting to the
#      maintenance database "postgres" is enough.
#   3. Otherwise a throwaway cluster is created in a temporary directory,
#      started on a free port, and always stopped and deleted when the
#      command finishes (including on failure and Ctrl-C). If no PostgreSQL
#      server binaries are installed and we are root on a Debian-like system,
#      the "postgresql" package is installed first.
#
# PG_PROBE_PORT exists mainly so path 3 can be exercised on a machine that
# already runs a server on 5432.
#
# The command's exit status is passed through. Status messages go to stderr,
# prefixed with "with_postgres:", so they never mix with the command's output.
set -euo pipefail

PROBE_HOST="127.0.0.1"
PROBE_PORT="${PG_PROBE_PORT:-5432}"
# First port tried for a throwaway cluster: away from the default 5432 so it
# does not collide with a system server that is merely not answering yet.
FIRST_THROWAWAY_PORT=54329
PORT_ATTEMPTS=20

say() { echo "with_postgres: $*" >&2; }
die() { say "error: $*"; exit 1; }

[[ $# -gt 0 ]] || die "usage: $0 COMMAND [ARGS...]"
[[ "$PROBE_PORT" =~ ^[0-9]+$ ]] || die "PG_PROBE_PORT must be a port number, got '$PROBE_PORT'"

# --- 1. Respect an explicit DATABASE_URL ----------------------------------
if [[ -n "${DATABASE_URL:-}" ]]; then
  # The URL is not printed: it may contain a password.
  say "using DATABASE_URL from the environment"
  exec "$@"
fi

# True if something accepts TCP connections on HOST:PORT. Uses bash's
# /dev/tcp so it works without any PostgreSQL client installed; timeout(1)
# guards against a firewall silently dropping packets.
tcp_open() {
  local host="$1" port="$2"
  if command -v timeout >/dev/null 2>&1; then
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

# True if a PostgreSQL server accepts connections on HOST:PORT. pg_isready is
# preferred because it does not need credentials; psql is the next best thing;
# a bare TCP probe is the last resort when no client tools are installed.
server_answers() {
  local host="$1" port="$2"
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -h "$host" -p "$port" -t 3 -q
  elif command -v psql >/dev/null 2>&1; then
    PGCONNECT_TIMEOUT=3 psql -X -w -h "$host" -p "$port" -U postgres -d postgres \
      -Atqc 'select 1' >/dev/null 2>&1
  else
    tcp_open "$host" "$port"
  fi
}

# --- 2. Use a server that is already running -------------------------------
if server_answers "$PROBE_HOST" "$PROBE_PORT"; then
  export DATABASE_URL="postgres://postgres@${PROBE_HOST}:${PROBE_PORT}/postgres"
  say "using the server on ${PROBE_HOST}:${PROBE_PORT} (DATABASE_URL=$DATABASE_URL)"
  exec "$@"
fi

# --- 3. Start a throwaway cluster ------------------------------------------
say "no server on ${PROBE_HOST}:${PROBE_PORT}; starting a throwaway cluster"

# Print the directory holding initdb/pg_ctl/postgres, or fail. Debian installs
# server binaries outside PATH, one directory per major version; take the
# newest. pg_config and PATH cover other layouts.
find_bindir() {
  local dir candidates=()
  shopt -s nullglob
  for dir in /usr/lib/postgresql/*/bin; do
    candidates+=("$dir")
  done
  shopt -u nullglob
  if [[ ${#candidates[@]} -gt 0 ]]; then
    while IFS= read -r dir; do
      if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
        return 0
      fi
    done < <(printf '%s\n' "${candidates[@]}" | sort -t/ -k5,5Vr)
  fi
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return 0
    fi
  fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

IS_ROOT=0
[[ "$(id -u)" -eq 0 ]] && IS_ROOT=1

if ! BINDIR="$(find_bindir)"; then
  if [[ $IS_ROOT -eq 1 ]] && command -v apt-get >/dev/null 2>&1; then
    # Debian's package may also create and start its own "main" cluster; that
    # is left alone, and a throwaway cluster is still used, so the result does
    # not depend on how that cluster is configured.
    say "PostgreSQL server binaries not found; installing the postgresql package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    BINDIR="$(find_bindir)" || die "postgresql installed but initdb/pg_ctl still not found"
  else
    die "PostgreSQL server binaries (initdb, pg_ctl) not found; install PostgreSQL or set DATABASE_URL"
  fi
fi

# PostgreSQL refuses to run as root, so as root the cluster is owned and run
# by the "postgres" system user; anyone else runs it as themselves.
if [[ $IS_ROOT -eq 1 ]]; then
  id -u postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run the server"
  # The postgres user must be able to traverse every parent of the cluster
  # directory, which a root-only TMPDIR may not allow; /tmp (mode 1777) does.
  TMP_BASE="/tmp"
else
  TMP_BASE="${TMPDIR:-/tmp}"
fi

# Run a server program as the cluster's owner. The working directory is the
# cluster's own directory because the owner may not be allowed into the
# caller's (e.g. root's home), which makes initdb and pg_ctl complain.
as_owner() {
  (
    cd "$WORKDIR"
    if [[ $IS_ROOT -eq 0 ]]; then
      "$@"
    elif command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      # Pass the arguments positionally rather than re-quoting them in a
      # string; "--" stops su from parsing the program's own options.
      su -s /bin/sh -c 'exec "$0" "$@"' -- postgres "$@"
    fi
  )
}

WORKDIR=""
DATADIR=""
STARTED=0

# Stop the cluster and delete its directory however the script ends, keeping
# the exit status of whatever ended it (normally the command's).
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  if [[ -n "$DATADIR" && -f "$DATADIR/postmaster.pid" ]]; then
    say "stopping the throwaway cluster"
    if ! as_owner "$BINDIR/pg_ctl" -D "$DATADIR" -m fast -w -t 30 stop >/dev/null 2>&1; then
      as_owner "$BINDIR/pg_ctl" -D "$DATADIR" -m immediate -w -t 10 stop >/dev/null 2>&1
    fi
    # Last resort so no orphaned postmaster survives the directory removal.
    if [[ -f "$DATADIR/postmaster.pid" ]]; then
      local pid
      pid="$(head -n 1 "$DATADIR/postmaster.pid" 2>/dev/null)"
      [[ "$pid" =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null
    fi
  fi
  if [[ -n "$WORKDIR" && -d "$WORKDIR" ]]; then
    rm -rf "$WORKDIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
# Signals become ordinary exits so the EXIT trap cleans up. While COMMAND runs
# in the foreground, bash runs these only after it has finished; Ctrl-C from a
# terminal reaches COMMAND too, so it ends promptly.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

WORKDIR="$(mktemp -d "$TMP_BASE/with_postgres.XXXXXXXX")"
DATADIR="$WORKDIR/data"
LOGFILE="$WORKDIR/postgres.log"
if [[ $IS_ROOT -eq 1 ]]; then
  # mktemp -d creates a root-owned 0700 directory; hand it to the server user.
  chown postgres: "$WORKDIR"
fi

# Trust auth is acceptable: the server listens only on 127.0.0.1 and a
# private Unix socket directory, and lives only as long as COMMAND. A fixed
# UTF8/C setup keeps results independent of the caller's locale settings.
# --no-sync: durability is pointless for a cluster that is about to be deleted.
as_owner "$BINDIR/initdb" -A trust -U postgres --no-sync -E UTF8 --locale=C \
  -D "$DATADIR" >"$WORKDIR/initdb.log" 2>&1 \
  || { cat "$WORKDIR/initdb.log" >&2; die "initdb failed"; }

# Try ports upward from FIRST_THROWAWAY_PORT. A port can be taken between the
# check and the server's bind(), so a bind failure moves on to the next port
# instead of giving up. fsync and friends are off for speed (see --no-sync).
PORT=""
port="$FIRST_THROWAWAY_PORT"
for ((i = 0; i < PORT_ATTEMPTS; i++, port++)); do
  if tcp_open 127.0.0.1 "$port"; then
    continue
  fi
  if as_owner "$BINDIR/pg_ctl" -D "$DATADIR" -l "$LOGFILE" -w -t 60 \
      -o "-k '$WORKDIR' -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null 2>&1; then
    PORT="$port"
    STARTED=1
    break
  fi
  if grep -qiE 'could not (bind|create any TCP/IP sockets)|address already in use' "$LOGFILE" 2>/dev/null; then
    say "port $port is busy; trying the next one"
    : >"$LOGFILE"
    continue
  fi
  cat "$LOGFILE" >&2 2>/dev/null || true
  die "the throwaway PostgreSQL server failed to start"
done
[[ $STARTED -eq 1 ]] || die "no free port found in $FIRST_THROWAWAY_PORT..$((FIRST_THROWAWAY_PORT + PORT_ATTEMPTS - 1))"

export DATABASE_URL="postgres://postgres@127.0.0.1:${PORT}/postgres"
say "throwaway PostgreSQL $("$BINDIR/postgres" -V | awk '{print $3}') on port $PORT (DATABASE_URL=$DATABASE_URL)"

# Not exec: the EXIT trap must still run afterwards to remove the cluster.
rc=0
"$@" || rc=$?
exit "$rc"
