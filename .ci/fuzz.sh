#!/usr/bin/env bash
# fuzz.sh runs every fuzz target of the module for a bounded time beyond
# its seed corpus (the seeds alone already run with `go test`):
#
#   bash .ci/fuzz.sh                  # every target in TARGETS
#   bash .ci/fuzz.sh FuzzCheck ...    # only the targets named
#   CUPOLA_FUZZTIME=30s bash .ci/fuzz.sh
#
# TARGETS below is the one list of targets. The script fails when a listed
# target does not exist, and when a Fuzz function in the tree is not listed,
# so no target is skipped silently.
#
# Each package's test binary is built once with fuzzing instrumentation
# (go test -c -fuzz) and run once per target from the package directory,
# as `go test -fuzz` would, sharing go's fuzz cache ($GOCACHE/fuzz), so the
# corpus grows from run to run on one machine. A target that finds a
# failing input fails the script; Go writes the input under
# <package>/testdata/fuzz/<Target>/, where it becomes a regression case
# (run by plain `go test`) once committed with the fix.
#
# Go's fuzzing coordinator can end a duration-bounded run with a bare
# "context deadline exceeded" and no failing input when its workers are
# starved of CPU (golang/go#75804). Such a run is tried once more; it fails
# the script only when it happens twice in a row.
set -euo pipefail
export LC_ALL=C # one sort order for comm

cd "$(dirname "${BASH_SOURCE[0]}")/.."

FUZZTIME="${CUPOLA_FUZZTIME:-6s}"
# Minimizing each new interesting input may take this long; the default
# (60s) would eat the whole budget.
MINIMIZE="${CUPOLA_FUZZMINIMIZETIME:-1s}"

# "package-directory Target", one per line.
TARGETS=(
	"federation FuzzAppleUser"
	"federation FuzzSAMLComplete"
	"gateway FuzzSafeReturn"
	"gateway FuzzSessionCookies"
	"hostedui FuzzClientCredentials"
	"hostedui FuzzFormDecoding"
	"hostedui FuzzRedirectURI"
	"internal/clientip FuzzClientIP"
	"internal/passhash FuzzCheck"
	"internal/seal FuzzOpen"
	"internal/srp FuzzSRPParameters"
	"mfa FuzzTOTPVerify"
	"token FuzzBearerToken"
	"token FuzzParseJWKS"
	"token FuzzVerify"
	"token FuzzVerifySignedClaims"
	"token FuzzVerifyTampered"
	"trigger FuzzApplyResponse"
	"trigger FuzzErrorMessage"
	"trigger FuzzVerifySignature"
	"userpool FuzzCheckPassword"
	"userpool FuzzDecodePage"
	"userpool FuzzParseFilter"
	"userpool FuzzRedirectAllowed"
	"userpool FuzzValidPKCE"
)

log() { printf 'fuzz.sh: [%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "$*"; exit 1; }

# Every Fuzz function in the tree must be listed.
listed="$(printf '%s\n' "${TARGETS[@]}" | sort)"
found="$(
	grep -rH --include='*_test.go' --exclude-dir=.git --exclude-dir=testdata \
		-E '^func Fuzz[A-Za-z0-9_]*\(.*\*testing\.F\) \{$' . |
		awk -F: '{
			file = $1; sub(/^\.\//, "", file)
			dir = file; if (!sub(/\/[^\/]*$/, "", dir)) dir = "."
			match($2, /Fuzz[A-Za-z0-9_]*/)
			print dir, substr($2, RSTART, RLENGTH)
		}' | sort
)"
unlisted="$(comm -13 <(echo "$listed") <(echo "$found"))"
if [ -n "$unlisted" ]; then
	die "fuzz targets missing from TARGETS in .ci/fuzz.sh:"$'\n'"$unlisted"
fi

# Arguments choose targets by name; each must be listed.
selected=()
if [ $# -eq 0 ]; then
	selected=("${TARGETS[@]}")
fi
for want in "$@"; do
	match=""
	for t in "${TARGETS[@]}"; do
		if [ "${t#* }" = "$want" ]; then
			match="$t"
			selected+=("$t")
		fi
	done
	[ -n "$match" ] || die "$want is not in TARGETS"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cache="$(go env GOCACHE)/fuzz"
module="$(go list -m)"

# Build each package once and check that its listed targets exist.
declare -A bin
for t in "${selected[@]}"; do
	dir="${t% *}"
	name="${t#* }"
	if [ -z "${bin[$dir]:-}" ]; then
		b="$work/$(echo "$dir" | tr / _).test"
		log "building $dir"
		go test -c -fuzz . -o "$b" "./$dir"
		bin[$dir]="$b"
	fi
	names="$("${bin[$dir]}" -test.list '^Fuzz')"
	if ! grep -qx "$name" <<<"$names"; then
		die "$dir has no fuzz target $name (listed in .ci/fuzz.sh)"
	fi
done

# crashers lists the failing inputs stored for a target.
crashers() { ls -1 "$1/testdata/fuzz/$2" 2>/dev/null | sort || true; }

# fuzz runs one target once, writes the names of the failing inputs it
# stored to $work/new, and returns the test binary's status.
fuzz() {
	local dir="$1" name="$2" out="$work/out" before rc=0
	before="$(crashers "$dir" "$name")"
	(cd "$dir" && "${bin[$dir]}" -test.run '^$' -test.fuzz "^$name\$" -test.fuzztime "$FUZZTIME" \
		-test.fuzzminimizetime "$MINIMIZE" -test.fuzzcachedir "$cache/$module/$dir" -test.timeout 10m) >"$out" 2>&1 || rc=$?
	comm -13 <(echo "$before") <(crashers "$dir" "$name") >"$work/new"
	if [ "$rc" -eq 0 ]; then
		grep '^fuzz: elapsed' "$out" | tail -n 1 >&2 || true
	else
		cat "$out" >&2
	fi
	return "$rc"
}

failed=()
for t in "${selected[@]}"; do
	dir="${t% *}"
	name="${t#* }"
	log "$dir $name for $FUZZTIME"
	for attempt in 1 2; do
		if fuzz "$dir" "$name"; then
			break
		fi
		if [ -s "$work/new" ]; then
			while read -r input; do
				log "FAIL $dir $name: failing input $dir/testdata/fuzz/$name/$input"
				log "  reproduce: go test -run '^$name/$input\$' ./$dir"
			done <"$work/new"
			failed+=("$t")
			break
		fi
		if [ "$attempt" -eq 1 ] && grep -qx '[[:space:]]*context deadline exceeded' "$work/out"; then
			log "$dir $name: bare deadline failure without a failing input (golang/go#75804); once more"
			continue
		fi
		log "FAIL $dir $name"
		failed+=("$t")
		break
	done
done

if [ ${#failed[@]} -gt 0 ]; then
	log "${#failed[@]} of ${#selected[@]} targets failed:"
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
log "${#selected[@]} targets fuzzed for $FUZZTIME each, no failure"
