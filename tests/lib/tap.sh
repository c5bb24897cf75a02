#!/bin/bash
# TAP helpers for shell tests. Source it, call plan N (or done_testing at the
# end), then ok/is/like. wait_for CMD... retries CMD (every 0.1 s) until it
# succeeds, for up to $WAIT_FOR_SECS (10) seconds. Every test script gets $VDI_ROOT (the checkout),
# $VDI_BUILD (build dir with bin/; build/asan for the sanitizer pass) and a
# private $T temp dir removed on exit.

VDI_ROOT=${VDI_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VDI_BUILD=${VDI_BUILD:-$VDI_ROOT/build}
case $VDI_BUILD in /*) ;; *) VDI_BUILD=$VDI_ROOT/$VDI_BUILD ;; esac
export VDI_ROOT VDI_BUILD
# Sanitizer builds: fail the test on any report, and keep leak checks quiet
# about libraries that free nothing at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

_tap_n=0
_tap_failed=0
_tap_cleanups=()

T=$(mktemp -d "${TMPDIR:-/tmp}/vdi-test.XXXXXX")
export T

at_exit() { _tap_cleanups+=("$1"); }

_tap_exit() {
	local rc=$?
	local c
	for ((c = ${#_tap_cleanups[@]} - 1; c >= 0; c--)); do
		eval "${_tap_cleanups[c]}" >/dev/null 2>&1 || true
	done
	# VDI_KEEP=1 keeps the scratch folder (logs, screenshots) to look at.
	if [ "${VDI_KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
	if [ "$_tap_failed" -gt 0 ] && [ "$rc" -eq 0 ]; then
		rc=1
	fi
	exit "$rc"
}
trap _tap_exit EXIT

plan() { echo "1..$1"; }
done_testing() { echo "1..$_tap_n"; }
diag() { printf '# %s\n' "$@" >&2; }

# ok CONDITION-EXIT-CODE DESCRIPTION: ok $? "desc" or ok_cmd.
ok() {
	local rc=$1
	shift
	_tap_n=$((_tap_n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $_tap_n - $*"
	else
		echo "not ok $_tap_n - $*"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$rc"
}

# is GOT EXPECTED DESCRIPTION
is() {
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		diag "got:  '$got'" "want: '$want'"
		return 1
	fi
}

# like GOT REGEX DESCRIPTION (extended regex)
like() {
	local got=$1 re=$2
	shift 2
	# grep -E takes each line of a pattern as an alternative of its own: a
	# pattern with a newline would pass when any one of its lines matched.
	if [[ $re == *$'\n'* ]]; then
		ok 1 "$*"
		diag "like: the pattern has a newline (each line would match alone): /$re/"
		return 1
	fi
	if printf '%s' "$got" | grep -Eq -- "$re"; then
		ok 0 "$*"
	else
		ok 1 "$*"
		diag "got:  '$got'" "want match: /$re/"
		return 1
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

wait_for() {
	local i
	for ((i = 0; i < ${WAIT_FOR_SECS:-10} * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
