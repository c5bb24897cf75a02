#!/bin/bash
# Directory logins against a real slapd (tests/lib/slapd.sh: a private
# configuration on 127.0.0.1, TLS from a test CA, the ppolicy and memberof
# overlays): search-then-bind over StartTLS, a DN template over LDAPS, wrong
# passwords and unknown users alike, a locked account with its reason,
# filter and DN injection, a CA that is not the directory's, AD's attribute
# names, a directory that dies, and one that hangs while other stations'
# lookups go on.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"
# shellcheck source=tests/lib/slapd.sh
. "$(dirname "$0")/../lib/slapd.sh"

[ -x /usr/sbin/slapd ] || skip_all "slapd not installed"
command -v ldapsearch >/dev/null || skip_all "ldap-utils not installed"

slapd_setup "$T/ldap" || {
	echo "Bail out! slapd set-up failed"
	exit 1
}
slapd_run || {
	echo "Bail out! slapd did not start"
	exit 1
}

S=$T/stations.conf
{
	printf '[group:kiosk]\nprotocol = rdp\nhost = rds.example.org\nlogin = broker\n\n'
	for i in 1 2 3 4 5 6 7 8; do
		printf '[52:54:00:00:00:0%s]\nname = kiosk-%s\ngroup = kiosk\n\n' "$i" "$i"
	done
	for i in $(seq 10 69); do
		printf '[52:54:00:00:01:%s]\nname = open-%s\nhost = 10.9.0.9\nport = 5900\n\n' "$i" "$i"
	done
	# A hot desk: the desktop comes from the user, here through the
	# directory group pool-users (alice's memberOf).
	printf '[desktop:pool-desk]\nname = Pool desk\nprotocol = rdp\nhost = pool.example.org\n\n'
	printf '[usergroup:pool-users]\ndesktops = pool-desk\n\n'
	printf '[52:54:00:00:00:09]\nname = hotdesk\nlogin = broker\ndesktop_from = user\n\n'
} >"$S"
printf '%s\n' "$SLAPD_READER_PW" >"$T/reader.pw"
chmod 600 "$T/reader.pw"

login_body() {
	printf '{"mac":"%s","hostname":"kiosk-host","username":"%s","password":"%s"}' "$1" "$2" "$3"
}
login() { bpost /v1/login "$(login_body "$@")"; }
login_code() { bpost_code /v1/login "$(login_body "$@")"; }

# dir_conf FILE LINE...: a settings file with the test directory's CA.
dir_conf() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
}

# start_with FILE: a fresh broker (fresh rate limits) with that directory.
start_with() {
	broker_stop >/dev/null 2>&1
	broker_start "$S" --directory "$1" || {
		echo "Bail out! broker did not start with $1"
		exit 1
	}
}

FAILED='{"status":"error","error":"login_failed","message":"Wrong user name or password."}'
DOWN_MSG="Cannot check your password right now. Trying again shortly."

# --- 1. search-then-bind over StartTLS, service account from a file ---
dir_conf "$T/search.conf" "backends = directory" \
	"uri = ldap://127.0.0.1:$SLAPD_PORT" "starttls = yes" "ca = $SLAPD_CA" \
	"bind_dn = $SLAPD_READER" "bind_password_file = $T/reader.pw" \
	"base = ou=people,$SLAPD_BASE" "timeout = 3"
start_with "$T/search.conf"

r=$(login 52:54:00:00:00:01 alice alice-pw)
is "$(jget status <<<"$r")" ready "search-then-bind: alice logs in"
is "$(jget user <<<"$r")" alice "  ... as alice"
is "$(jget endpoints.0.host <<<"$r")" rds.example.org "  ... and gets the station's desktop"
broker_wait_log 'event=login_who .*user=alice .*as=alice .*backend=directory' 2
ok $? "  ... the log names the directory as the back-end"
like "$(grep 'event=login_who' "$BROKER_LOG" | tail -n 1)" 'groups="?staff,pool-users' \
	"  ... with alice's groups from memberOf"

# The directory matches uid without case: typed as ALICE she is alice, the
# directory's spelling, in the answer and for whatever is kept per user
# (personal desktops, held VMs, her open session).
r=$(login 52:54:00:00:00:05 ALICE alice-pw)
is "$(jget user <<<"$r")" alice "  ... typed as ALICE, she is the directory's alice"

r=$(login 52:54:00:00:00:09 alice alice-pw)
is "$(jget endpoints.0.host <<<"$r")" pool.example.org \
	"hot desk: alice's directory group pool-users maps her to its desktop"
r=$(login 52:54:00:00:00:09 bob bob-pw)
is "$(jget error <<<"$r")" no_desktop "  ... bob, in no group, gets none"

is "$(login 52:54:00:00:00:02 alice wrong-pw)" "$FAILED" "wrong password: 401 login_failed"
is "$(login_code 52:54:00:00:00:02 alice wrong-pw2)" 401 "  ... status 401"
is "$(login 52:54:00:00:00:03 nosuchuser alice-pw)" "$FAILED" "unknown user: the same answer"

r=$(login 52:54:00:00:00:04 carol carol-pw)
is "$(jget error <<<"$r")" account_locked "locked account (ppolicy): account_locked"
like "$(jget message <<<"$r")" '^Your account is locked or expired: .*[Ll]ocked' \
	"  ... with the directory's reason"
is "$(login_code 52:54:00:00:00:04 carol carol-pw)" 403 "  ... status 403"

# Filter injection: each of these would find alice if the name reached the
# filter unescaped. The request parser refuses such names before any
# back-end sees them; never a login.
for u in 'al*' '*' '*)(uid=alice' 'alice,ou=people'; do
	c=$(login_code 52:54:00:00:00:05 "$u" alice-pw)
	[ "$c" = 400 ] || [ "$c" = 401 ]
	ok $? "hostile name '$u' over HTTP: refused ($c)"
done
broker_stop
start_with "$T/search.conf"
c=$(login_code 52:54:00:00:00:06 alice '')
[ "$c" = 401 ] || [ "$c" = 400 ]
ok $? "empty password (an anonymous bind) is refused ($c)"
grep -q 'alice-pw\|reader-pw\|carol-pw' "$T"/broker.*.log
ok $((!$?)) "no password in the broker's log"

# --- 2. DN template over LDAPS, no service account ---
dir_conf "$T/template.conf" "backends = directory" \
	"uri = ldaps://127.0.0.1:$SLAPD_TLS_PORT" "ca = $SLAPD_CA" \
	"user_dn = uid=%u,ou=people,$SLAPD_BASE" "timeout = 3"
start_with "$T/template.conf"
r=$(login 52:54:00:00:00:01 alice alice-pw)
is "$(jget status <<<"$r")" ready "DN template over LDAPS: alice logs in"
broker_wait_log 'event=login_who .*as=alice .*groups="?staff,pool-users' 2
ok $? "  ... her own entry gives her groups"
is "$(login 52:54:00:00:00:03 alice nope)" "$FAILED" "  ... wrong password: 401"
is "$(jget error <<<"$(login 52:54:00:00:00:04 carol carol-pw)")" account_locked \
	"  ... locked account: account_locked"

# --- 3. a CA that is not the directory's: unavailable, never a login ---
gen_tls "$T/other" >/dev/null 2>&1
dir_conf "$T/wrongca.conf" "backends = directory" \
	"uri = ldaps://127.0.0.1:$SLAPD_TLS_PORT" "ca = $T/other/ca.crt" \
	"user_dn = uid=%u,ou=people,$SLAPD_BASE" "timeout = 3"
start_with "$T/wrongca.conf"
r=$(login 52:54:00:00:00:01 alice alice-pw)
is "$(jget status <<<"$r")" error "LDAPS with the wrong CA: no login"
is "$(jget message <<<"$r")" "$DOWN_MSG" "  ... cannot check the password right now"
is "$(jget retry_after <<<"$r")" 15 "  ... retry in 15 s"
dir_conf "$T/wrongca-tls.conf" "backends = directory" \
	"uri = ldap://127.0.0.1:$SLAPD_PORT" "starttls = yes" "ca = $T/other/ca.crt" \
	"user_dn = uid=%u,ou=people,$SLAPD_BASE" "timeout = 3"
start_with "$T/wrongca-tls.conf"
is "$(jget message <<<"$(login 52:54:00:00:00:01 alice alice-pw)")" "$DOWN_MSG" \
	"StartTLS with the wrong CA: unavailable too"

# --- 4. Active Directory's attribute names (flavour = ad) against slapd ---
dir_conf "$T/ad.conf" "backends = directory" "flavour = ad" \
	"uri = ldap://127.0.0.1:$SLAPD_PORT" "starttls = yes" "ca = $SLAPD_CA" \
	"bind_dn = $SLAPD_READER" "bind_password_file = $T/reader.pw" \
	"base = $SLAPD_BASE" "group_attr = memberOf" "timeout = 3"
start_with "$T/ad.conf"
is "$(jget status <<<"$(login 52:54:00:00:00:01 alice@example.org alice-pw)")" ready \
	"AD: userPrincipalName login"
broker_wait_log 'event=login_who .*user=alice@example.org .*as=alice .*groups="?staff,pool-users' 2
ok $? "  ... canonical name from sAMAccountName, groups from memberOf"
is "$(jget status <<<"$(login 52:54:00:00:00:02 alice alice-pw)")" ready \
	"AD: sAMAccountName login"
is "$(login 52:54:00:00:00:03 bob bob-pw)" "$FAILED" \
	"AD: an entry without objectClass user is nobody"

# --- 5. the directory dies mid-test, then comes back ---
start_with "$T/search.conf"
is "$(jget status <<<"$(login 52:54:00:00:00:01 alice alice-pw)")" ready "before: alice logs in"
slapd_kill
r=$(login 52:54:00:00:00:01 alice alice-pw)
is "$(jget message <<<"$r")" "$DOWN_MSG" "slapd stopped: cannot check the password right now"
is "$(jget retry_after <<<"$r")" 15 "  ... with a retry"
is "$(lookup_code 52:54:00:00:01:10)" 200 "  ... another station's lookup is answered"
slapd_run || diag "slapd did not restart"
is "$(jget status <<<"$(login 52:54:00:00:00:01 alice alice-pw)")" ready \
	"slapd back: alice logs in again"

# --- 6. a directory that accepts and never answers ---
perl "$VDI_ROOT/tests/broker/hang-server.pl" "$T/hang.port" "$T/hang.stats" &
HANG_PID=$!
at_exit "kill $HANG_PID"
wait_for test -s "$T/hang.port"
HANG_PORT=$(cat "$T/hang.port")
dir_conf "$T/hang.conf" "backends = directory" \
	"uri = ldap://127.0.0.1:$HANG_PORT" "starttls = yes" "ca = $SLAPD_CA" \
	"bind_dn = $SLAPD_READER" "bind_password_file = $T/reader.pw" \
	"base = ou=people,$SLAPD_BASE" "timeout = 2"
start_with "$T/hang.conf"
_broker_curl -o "$T/hang.login" -w '%{time_total}' -H 'Content-Type: application/json' \
	--data-binary "$(login_body 52:54:00:00:00:01 alice alice-pw)" "$BROKER_URL/v1/login" \
	>"$T/hang.login.time" &
LOGIN_PID=$!
sleep 0.2
# 50 lookups of other stations while the login waits on the directory.
: >"$T/lookup.times"
for i in $(seq 10 59); do
	_broker_curl -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
		--data-binary "$(_lookup_body "52:54:00:00:01:$i")" "$BROKER_URL/v1/lookup" \
		>>"$T/lookup.times"
done
wait "$LOGIN_PID"
login_s=$(cat "$T/hang.login.time")
max=$(sort -g "$T/lookup.times" | tail -n 1)
n=$(grep -c . "$T/lookup.times")
diag "hanging directory: login answered after ${login_s} s; slowest of $n lookups ${max} s"
is "$(jget message <"$T/hang.login")" "$DOWN_MSG" "hanging directory: the login is unavailable"
perl -e 'exit($ARGV[0] < 4 ? 0 : 1)' "$login_s"
ok $? "  ... within the time-out (${login_s} s < 4 s, timeout 2 s)"
perl -e 'exit($ARGV[0] >= 1.5 ? 0 : 1)' "$login_s"
ok $? "  ... and only after the time-out: it did wait for the directory"
is "$n" 50 "  ... while 50 other stations' lookups were answered"
perl -e 'exit($ARGV[0] < 0.5 ? 0 : 1)' "$max"
ok $? "  ... each under 0.5 s (slowest ${max} s)"
grep -q 'accepted=[1-9]' "$T/hang.stats"
ok $? "  ... the broker did reach the hanging directory"

# The directory client itself with hostile names (which the HTTP layer
# never lets through): filter and DN escaping against this slapd, the group
# list read back, and max_inflight and the hold-off against the hanging
# listener.
dir_conf "$T/hang-client.conf" "backends = directory" \
	"uri = ldap://127.0.0.1:$HANG_PORT" "starttls = yes" "ca = $SLAPD_CA" \
	"user_dn = uid=%u,ou=people,$SLAPD_BASE" "timeout = 2" "max_inflight = 1"
VDI_LDAP_SEARCH_CONF=$T/search.conf VDI_LDAP_DN_CONF=$T/template.conf \
	VDI_LDAP_HANG_CONF=$T/hang-client.conf \
	"$VDI_BUILD/tests/unit/test_broker_directory" >"$T/unit.log" 2>&1
ok $? "directory client: injection names refused, a\\,b escaped, groups, max_inflight, hold-off" ||
	sed 's/^/#   /' "$T/unit.log" >&2
grep -q '# SKIP' "$T/unit.log"
ok $((!$?)) "  ... and none of its cases skipped"

dir_conf "$T/hang-ldaps.conf" "backends = directory" \
	"uri = ldaps://127.0.0.1:$HANG_PORT" "ca = $SLAPD_CA" \
	"user_dn = uid=%u,ou=people,$SLAPD_BASE" "timeout = 2"
start_with "$T/hang-ldaps.conf"
t=$(_broker_curl -o "$T/hang2.login" -w '%{time_total}' -H 'Content-Type: application/json' \
	--data-binary "$(login_body 52:54:00:00:00:01 alice alice-pw)" "$BROKER_URL/v1/login")
is "$(jget message <"$T/hang2.login")" "$DOWN_MSG" "hanging LDAPS handshake: unavailable"
perl -e 'exit($ARGV[0] < 4 ? 0 : 1)' "$t"
ok $? "  ... within the time-out (${t} s)"

# --- 7. back-end order: the users file after the directory ---
printf 'local-pw\n' | "$VDI_BUILD/bin/stationctl" -u "$T/users" passwd lena >/dev/null 2>&1
dir_conf "$T/both.conf" "backends = directory, local" \
	"uri = ldap://127.0.0.1:$SLAPD_PORT" "starttls = yes" "ca = $SLAPD_CA" \
	"bind_dn = $SLAPD_READER" "bind_password_file = $T/reader.pw" \
	"base = ou=people,$SLAPD_BASE"
start_with "$T/both.conf"
is "$(jget status <<<"$(login 52:54:00:00:00:01 lena local-pw)")" ready \
	"directory, local: a users-file user logs in"
is "$(jget status <<<"$(login 52:54:00:00:00:02 alice alice-pw)")" ready \
	"  ... and a directory user"
broker_wait_log 'event=login_who .*user=lena .*backend=local' 2
ok $? "  ... the log says which back-end"

# --- 8. changed settings and password files are loaded without a restart ---
printf '%s\n' "$SLAPD_READER_PW" >"$T/reload.pw"
reload_conf() {
	dir_conf "$T/reload.conf" "backends = directory" \
		"uri = ldap://127.0.0.1:$SLAPD_PORT" "starttls = yes" "ca = $SLAPD_CA" \
		"bind_dn = $SLAPD_READER" "bind_password_file = $T/reload.pw" \
		"base = ou=people,$SLAPD_BASE" "$@"
}
reload_conf
start_with "$T/reload.conf"
is "$(jget status <<<"$(login 52:54:00:00:00:01 alice alice-pw)")" ready "reload: alice logs in"
printf 'not-the-password\n' >"$T/reload.pw"
sleep 1.1
is "$(jget message <<<"$(login 52:54:00:00:00:01 alice alice-pw)")" "$DOWN_MSG" \
	"  ... a changed service password is read: the directory refuses it"
broker_wait_log 'event=directory .*event=reloaded' 2
ok $? "  ... and the log says it reloaded"
printf '%s\n' "$SLAPD_READER_PW" >"$T/reload.pw"
sleep 1.1
is "$(jget status <<<"$(login 52:54:00:00:00:01 alice alice-pw)")" ready \
	"  ... the right one again: alice logs in"
reload_conf "no_such_key = 1"
sleep 1.1
is "$(jget status <<<"$(login 52:54:00:00:00:01 alice alice-pw)")" ready \
	"  ... a settings file with an error keeps the last good settings"
broker_wait_log 'event=directory .*unknown key .*kept=' 2
ok $? "  ... and logs the error with file:line"

# --- 9. connections are kept: many logins, few connections ---
# slapd's stats log has a line per accepted connection and per bind. Each
# login still binds as the user (an unknown user too), but over the
# connections the broker keeps instead of a new one (StartTLS, service
# bind) per login.
slapd_count() { grep -c "$1" "$SLAPD_DIR/slapd.log"; }
start_with "$T/search.conf"
accepts0=$(slapd_count ' ACCEPT from ')
binds0=$(slapd_count 'BIND dn="\(uid=\|cn=vdi-no-such-user\).* method=128')
n_ready=0
for i in $(seq 1 20); do
	u=alice
	[ $((i % 2)) = 0 ] && u=bob
	[ "$(jget status <<<"$(login "52:54:00:00:00:0$((i % 4 + 1))" "$u" "$u-pw")")" = ready ] &&
		n_ready=$((n_ready + 1))
done
is "$n_ready" 20 "kept connections: 20 logins in a row succeed"
is "$(login 52:54:00:00:00:05 alice wrong-pw)" "$FAILED" "  ... a wrong password still fails"
is "$(login 52:54:00:00:00:06 nosuchuser alice-pw)" "$FAILED" "  ... an unknown user still fails"
accepts=$(($(slapd_count ' ACCEPT from ') - accepts0))
binds=$(($(slapd_count 'BIND dn="\(uid=\|cn=vdi-no-such-user\).* method=128') - binds0))
diag "22 logins: $accepts connections to slapd, $binds user binds"
[ "$accepts" -le 4 ]
ok $? "  ... over at most 4 connections ($accepts), not one or two per login"
is "$binds" 22 "  ... each login one user bind, the unknown user's too"

broker_stop
ok $? "broker stops cleanly"
done_testing
