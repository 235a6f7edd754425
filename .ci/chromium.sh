#!/usr/bin/env bash
# chromium.sh makes sure a headless Chromium is available for the browser
# tests (hosted UI, gateway) and prints the variables that point them at it.
#
#   eval "$(.ci/chromium.sh env)"   # prints export lines on stdout
#
# It installs Debian's chromium package when the browser is missing, then
# proves the browser starts by rendering a data: URL headless, with the flags
# the tests use (no sandbox as root, no GPU, no network chatter: this
# machine's network is closed, and Chromium's background connections would
# otherwise be refused many at a time). Each test starts and stops its own
# browser through chromedp, so nothing here keeps running and there is
# nothing to stop. Progress goes to stderr; stdout carries only the export
# lines.
set -euo pipefail

CHROMIUM="${CUPOLA_CI_CHROMIUM:-/usr/bin/chromium}"

log() { printf 'chromium.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# as_root runs a command as root, through sudo when we are not root.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_installed() {
	if [ -x "$CHROMIUM" ]; then
		return
	fi
	log "installing chromium"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
	[ -x "$CHROMIUM" ] || die "$CHROMIUM not found after installing chromium"
}

# smoke renders a tiny page headless and checks the DOM it prints.
smoke() {
	local dir out
	dir="$(mktemp -d "${TMPDIR:-/tmp}/cupola-chromium.XXXXXX")"
	out="$(timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$dir" \
		--dump-dom 'data:text/html,<p>cupola-chromium-ok</p>' 2>"$dir.log")" || true
	if [[ "$out" != *cupola-chromium-ok* ]]; then
		tail -n 20 "$dir.log" >&2 || true
		rm -rf "$dir" "$dir.log"
		die "$CHROMIUM did not render a page headless"
	fi
	rm -rf "$dir" "$dir.log"
}

env_lines() {
	ensure_installed
	smoke
	# The Debian launcher prints a harmless shell warning on some machines;
	# keep only the version line.
	log "$("$CHROMIUM" --version 2>/dev/null | head -n 1) renders headless"
	printf 'export CUPOLA_TEST_CHROMIUM=%s\n' "$CHROMIUM"
	printf 'export CUPOLA_TEST_REQUIRE_BROWSER=1\n'
}

case "${1:-}" in
env) env_lines ;;
*)
	echo "usage: $0 env" >&2
	exit 2
	;;
esac
