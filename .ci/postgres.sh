#!/usr/bin/env bash
# postgres.sh starts and stops a throwaway PostgreSQL cluster for tests.
#
#   eval "$(.ci/postgres.sh start)"   # prints export lines on stdout
#   .ci/postgres.sh stop              # uses $CUPOLA_CI_POSTGRES_DIR, or the dir given as $1
#
# The cluster lives in a fresh temporary directory, listens on 127.0.0.1
# only (first free port from 55432 on), runs with fsync off, and has one
# database, cupola_test, owned by the superuser "postgres" with a random
# password. Progress goes to stderr; stdout carries only the export lines.
# initdb refuses to run as root, so as root the cluster runs as the
# "postgres" system user (created by the postgresql package).
set -euo pipefail

PG_VERSION="${CUPOLA_CI_POSTGRES_VERSION:-15}"
PG_BIN="${CUPOLA_CI_POSTGRES_BIN:-/usr/lib/postgresql/${PG_VERSION}/bin}"
FIRST_PORT="${CUPOLA_CI_POSTGRES_PORT:-55432}"
DB_NAME=cupola_test
MARKER=.cupola-ci-postgres

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# as_root runs a command as root, through sudo when we are not root.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_installed() {
	if [ -x "$PG_BIN/initdb" ]; then
		return
	fi
	# Another major version will do if one is installed (newest first).
	local other
	other="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
	if [ -z "${CUPOLA_CI_POSTGRES_BIN:-}" ] && [ -n "$other" ] && [ -x "$other/initdb" ]; then
		log "postgresql-${PG_VERSION} is not installed; using $other"
		PG_BIN="$other"
		return
	fi
	log "installing postgresql-${PG_VERSION}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-${PG_VERSION}" >&2
	[ -x "$PG_BIN/initdb" ] || die "initdb not found in $PG_BIN after installing postgresql-${PG_VERSION}"
}

# run_pg runs a PostgreSQL binary as the cluster's owner.
run_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_busy() {
	# A successful connect means something listens there.
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
	ensure_installed
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		die "running as root but there is no postgres user to run the cluster as"
	fi

	# As root the cluster runs as postgres, which must reach the directory:
	# /tmp, not a TMPDIR that may sit in root's home.
	local tmp="${TMPDIR:-/tmp}"
	if [ "$(id -u)" -eq 0 ]; then tmp=/tmp; fi
	local dir
	dir="$(mktemp -d "$tmp/cupola-pg.XXXXXX")"
	touch "$dir/$MARKER"
	local password
	password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	printf '%s\n' "$password" >"$dir/pwfile"
	chmod 600 "$dir/pwfile"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R postgres: "$dir"
	fi
	chmod 700 "$dir"

	run_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
		--auth-local=scram-sha-256 --auth-host=scram-sha-256 \
		--encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
	rm -f "$dir/pwfile"

	local port="$FIRST_PORT" started=""
	local last=$((FIRST_PORT + 50))
	while [ "$port" -le "$last" ]; do
		if port_busy "$port"; then
			port=$((port + 1))
			continue
		fi
		if run_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB" \
			start >/dev/null 2>&1; then
			started=1
			break
		fi
		# Lost a race for the port: try the next one. Anything else is fatal.
		if ! grep -q 'could not bind\|already in use' "$dir/postgres.log" 2>/dev/null; then
			tail -n 20 "$dir/postgres.log" >&2 || true
			rm -rf "$dir"
			die "PostgreSQL did not start"
		fi
		log "port $port taken, trying the next"
		: >"$dir/postgres.log"
		port=$((port + 1))
	done
	if [ -z "$started" ]; then
		rm -rf "$dir"
		die "could not start PostgreSQL on any port from $FIRST_PORT to $last"
	fi

	PGPASSWORD="$password" "$PG_BIN/psql" -q -X -v ON_ERROR_STOP=1 \
		-h 127.0.0.1 -p "$port" -U postgres -d postgres \
		-c "CREATE DATABASE $DB_NAME" >&2 ||
		{ stop_dir "$dir"; die "could not create database $DB_NAME"; }

	log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$port, data in $dir"
	printf 'export CUPOLA_CI_POSTGRES_DIR=%s\n' "$dir"
	printf 'export CUPOLA_TEST_POSTGRES_DSN=postgres://postgres:%s@127.0.0.1:%s/%s?sslmode=disable\n' "$password" "$port" "$DB_NAME"
}

stop_dir() {
	local dir="$1"
	[ -n "$dir" ] || die "stop: no directory (set CUPOLA_CI_POSTGRES_DIR or pass it)"
	[ -f "$dir/$MARKER" ] || die "stop: $dir was not made by postgres.sh start; not touching it"
	if [ -f "$dir/data/postmaster.pid" ]; then
		run_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
			log "pg_ctl stop failed; see $dir/postgres.log"
	fi
	rm -rf "$dir"
	log "stopped and removed $dir"
}

case "${1:-}" in
start) start ;;
stop) stop_dir "${2:-${CUPOLA_CI_POSTGRES_DIR:-}}" ;;
*)
	echo "usage: $0 start | stop [dir]" >&2
	exit 2
	;;
esac
