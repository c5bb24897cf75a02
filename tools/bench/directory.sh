#!/bin/bash
# Directory logins: from a login sent to vdi-broker to its "ready" answer,
# against the bare libldap work of the same login (a new connection with
# StartTLS and the pinned CA, the service account's bind, the search, the
# user's bind) on the same private slapd (tests/lib/slapd.sh), measured in
# the same run by the same client (tools/bench/directory_login.c), at 1 and
# at BENCH_DIR_CONC (100) logins at a time. Reported: p50 and p99 of each
# and the ratio broker/bare. "https" is the same request to a station
# without a login (a new HTTPS connection and the broker's answer, no
# directory): what a login pays before the directory is asked, so
# (broker - https) / bare is the broker's own part. A login answered anything but ready (a full
# login queue answers 429) counts as failed and is reported.
#
# Usage: tools/bench/directory.sh   (after make build and the bench helpers;
# VDI_BUILD=build). Knobs: BENCH_DIR_N (logins per measurement, 400),
# BENCH_DIR_CONC (100). Output: standard output and
# $VDI_BUILD/bench/directory.txt.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VDI_ROOT=$(cd "$here/../.." && pwd)
export VDI_ROOT
# shellcheck source=tests/lib/tap.sh
. "$VDI_ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/slapd.sh
. "$VDI_ROOT/tests/lib/slapd.sh"
# shellcheck source=tools/bench/lib.sh
. "$here/lib.sh"

N=${BENCH_DIR_N:-400}
CONC=${BENCH_DIR_CONC:-100}
CLIENT=$VDI_BUILD/bench/directory_login
[ -x "$CLIENT" ] || die "$CLIENT not built (make $CLIENT)"
mkdir -p "$VDI_BUILD/bench"
bench_report "$VDI_BUILD/bench/directory.txt"

slapd_setup "$T/ldap" >/dev/null || die "slapd set-up failed"
slapd_run >/dev/null || die "slapd did not start"
printf '%s\n' "$SLAPD_READER_PW" >"$T/reader.pw"
printf '%s\n' "backends = directory" "uri = ldap://127.0.0.1:$SLAPD_PORT" "starttls = yes" \
	"ca = $SLAPD_CA" "bind_dn = $SLAPD_READER" "bind_password_file = $T/reader.pw" \
	"base = ou=people,$SLAPD_BASE" "max_inflight = 1024" >"$T/directory.conf"
{
	printf '[group:bench]\nprotocol = rdp\nhost = rds.example.org\nlogin = broker\n\n'
	printf '[group:open]\nprotocol = rdp\nhost = rds.example.org\n\n'
	for i in $(seq 0 255); do
		printf '[52:54:00:00:10:%02x]\ngroup = bench\n\n' "$i"
		printf '[52:54:00:00:11:%02x]\ngroup = open\n\n' "$i"
	done
} >"$T/stations.conf"
broker_start "$T/stations.conf" --directory "$T/directory.conf" ||
	die "broker did not start"

# field LINE KEY: the value of KEY=... in the client's output line.
field() { sed -n "s/.*$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

say "Directory logins: vdi-broker login to ready vs bare libldap (StartTLS, service bind, search, user bind), $N logins each, slapd on 127.0.0.1"
printf '%-6s %-8s %10s %10s %8s %8s\n' conc side p50_ms p99_ms ok failed | tee -a "$BENCH_REPORT"
for c in 1 "$CONC"; do
	bare=$("$CLIENT" ldap "$T/directory.conf" alice alice-pw "$N" "$c")
	brk=$("$CLIENT" broker "$BROKER_URL" "$BROKER_CA" 52:54:00:00:10 alice alice-pw "$N" "$c")
	https=$("$CLIENT" broker "$BROKER_URL" "$BROKER_CA" 52:54:00:00:11 alice alice-pw "$N" "$c")
	for side in bare broker https; do
		case $side in
		bare) line=$bare ;;
		broker) line=$brk ;;
		https) line=$https ;;
		esac
		printf '%-6s %-8s %10s %10s %8s %8s\n' "$c" "$side" "$(field "$line" p50_ms)" \
			"$(field "$line" p99_ms)" "$(field "$line" ok)" "$(field "$line" failed)" |
			tee -a "$BENCH_REPORT"
	done
	say "  conc $c: the broker's part (broker - https) / bare, p50 $(awk -v a="$(field "$brk" p50_ms)" -v h="$(field "$https" p50_ms)" -v b="$(field "$bare" p50_ms)" 'BEGIN { printf "%.2f", (a - h) / b }')"
	say "  conc $c: ratio broker/bare p50 $(awk -v a="$(field "$brk" p50_ms)" -v b="$(field "$bare" p50_ms)" 'BEGIN { printf "%.2f", a / b }'), p99 $(awk -v a="$(field "$brk" p99_ms)" -v b="$(field "$bare" p99_ms)" 'BEGIN { printf "%.2f", a / b }') (target <= 1.5)"
done
broker_stop || die "broker stopped badly"
