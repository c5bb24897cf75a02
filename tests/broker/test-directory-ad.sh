#!/bin/bash
# Directory logins against a real Active Directory: Samba's AD DC,
# provisioned by the test in a private folder (samba-tool domain provision
# --targetdir) and run in the foreground on 127.0.0.1 with a test CA.
# sAMAccountName and userPrincipalName logins, nested groups through AD's
# transitive matching rule, and AD's bind sub-codes for a disabled, a locked
# and an expired account. Samba's LDAP server has fixed ports (389, 636),
# so the test runs in a network namespace of its own, where they are free
# whatever the machine runs (a system slapd, say) and nothing the test
# starts can be reached from outside. It is skipped when it is not root.
if [ "$(id -u)" = 0 ] && [ -z "${VDI_TEST_NETNS:-}" ] && unshare -n true 2>/dev/null; then
	exec unshare -n env VDI_TEST_NETNS=1 sh -c 'ip link set lo up && exec bash "$@"' sh "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

if ! command -v samba-tool >/dev/null || ! command -v samba >/dev/null; then
	skip_all "Samba AD DC not installed (samba-ad-dc, samba-ad-provision)"
fi
[ -d /usr/share/samba/setup/ad-schema ] || skip_all "samba-ad-provision not installed"
[ "$(id -u)" = 0 ] || skip_all "Samba's AD DC runs as root"
if ss -ltn | grep -Eq '127\.0\.0\.1:(389|636)[[:space:]]|\*:(389|636)[[:space:]]|0\.0\.0\.0:(389|636)[[:space:]]'; then
	skip_all "port 389 or 636 is taken on 127.0.0.1"
fi

SD=$T/samba
gen_tls "$SD/tls" || {
	echo "Bail out! gen_tls failed"
	exit 1
}
samba-tool domain provision --targetdir="$SD/dc" --realm=EXAMPLE.ORG --domain=EXAMPLE \
	--server-role=dc --dns-backend=NONE --adminpass='Adm1n-Passw0rd!' --host-ip=127.0.0.1 \
	--option="interfaces=lo" --option="bind interfaces only=yes" >"$SD/provision.log" 2>&1
ok $? "samba-tool domain provision in a private folder" || {
	sed 's/^/#   /' "$SD/provision.log" | tail -n 20 >&2
	exit 1
}
CONF=$SD/dc/etc/smb.conf
# Only the LDAP server; the test's own certificate; logs in the folder.
perl -0pi -e "s{^\\s*server services = .*\$}{\\tserver services = ldap\\n\\ttls enabled = yes\\n\\ttls certfile = $SD/tls/server.crt\\n\\ttls keyfile = $SD/tls/server.key\\n\\ttls cafile = $SD/tls/ca.crt}m; s{log file = .*}{log file = $SD/log.%m}" "$CONF"
H=(-H "$SD/dc/private/sam.ldb" -s "$CONF")
st() { samba-tool "$@" "${H[@]}" >>"$SD/setup.log" 2>&1; }
st user create alice 'Alice-Passw0rd!' &&
	st user create dora 'Dora-Passw0rd!' && st user disable dora &&
	st user create lars 'Lars-Passw0rd!' &&
	st user create erin 'Erin-Passw0rd!' && st user setexpiry erin --days=0 &&
	st user create svc 'Svc-Passw0rd!' &&
	st group add staff && st group add building && st group addmembers staff alice &&
	st group addmembers building staff &&
	st domain passwordsettings set --account-lockout-threshold=3
ok $? "users, a disabled and an expiring account, nested groups, a lock-out threshold" ||
	sed 's/^/#   /' "$SD/setup.log" >&2

samba -i -M single -s "$CONF" >"$SD/samba.out" 2>&1 &
SAMBA_PID=$!
at_exit "kill $SAMBA_PID; wait $SAMBA_PID"
WAIT_FOR_SECS=60 wait_for sh -c 'ss -ltn | grep -q "127.0.0.1:636 "'
ok $? "samba listens on 127.0.0.1:636" || {
	sed 's/^/#   /' "$SD/samba.out" | tail -n 20 >&2
	exit 1
}

printf 'Svc-Passw0rd!\n' >"$T/svc.pw"
printf '%s\n' "flavour = ad" "backends = directory" "uri = ldaps://127.0.0.1:636" \
	"ca = $SD/tls/ca.crt" "bind_dn = CN=svc,CN=Users,DC=example,DC=org" \
	"bind_password_file = $T/svc.pw" "base = DC=example,DC=org" "timeout = 5" >"$T/ad.conf"
{
	printf '[group:kiosk]\nprotocol = rdp\nhost = rds.example.org\nlogin = broker\n\n'
	for i in 1 2 3 4 5 6; do
		printf '[52:54:00:00:00:0%s]\nname = kiosk-%s\ngroup = kiosk\n\n' "$i" "$i"
	done
} >"$T/stations.conf"
broker_start "$T/stations.conf" --directory "$T/ad.conf" || {
	echo "Bail out! broker did not start"
	exit 1
}
login_body() {
	printf '{"mac":"%s","hostname":"kiosk-host","username":"%s","password":"%s"}' "$1" "$2" "$3"
}
login() { bpost /v1/login "$(login_body "$@")"; }
FAILED='{"status":"error","error":"login_failed","message":"Wrong user name or password."}'

is "$(jget status <<<"$(login 52:54:00:00:00:01 alice 'Alice-Passw0rd!')")" ready \
	"AD: sAMAccountName login"
broker_wait_log 'event=login_who user=alice as=alice backend=directory' 5
g=$(grep 'event=login_who user=alice as=alice' "$BROKER_LOG" | head -n 1 | sed 's/.*groups=//; s/"//g')
is "$(tr ',' '\n' <<<"$g" | sort | paste -sd,)" building,staff \
	"  ... groups staff and, nested, building (matching rule 1.2.840.113556.1.4.1941)"
is "$(jget status <<<"$(login 52:54:00:00:00:01 alice@example.org 'Alice-Passw0rd!')")" ready \
	"AD: userPrincipalName login"
broker_wait_log 'event=login_who user=alice@example.org as=alice ' 5
ok $? "  ... mapped to the sAMAccountName alice"
is "$(login 52:54:00:00:00:02 alice wrong)" "$FAILED" "AD: wrong password"
is "$(login 52:54:00:00:00:02 nobody wrong)" "$FAILED" "AD: unknown user, the same answer"
is "$(jget message <<<"$(login 52:54:00:00:00:03 dora 'Dora-Passw0rd!')")" \
	"Your account is locked or expired: account disabled" "AD: disabled account (data 533)"
is "$(jget message <<<"$(login 52:54:00:00:00:04 erin 'Erin-Passw0rd!')")" \
	"Your account is locked or expired: account expired" "AD: expired account (data 701)"
for i in 1 2 3; do
	is "$(login 52:54:00:00:00:05 lars "wrong-$i")" "$FAILED" "AD: lars, wrong password $i"
done
r=$(login 52:54:00:00:00:06 lars 'Lars-Passw0rd!')
is "$(jget error <<<"$r")" account_locked "AD: locked out after 3 failures (data 775)"
is "$(jget message <<<"$r")" "Your account is locked or expired: account locked" \
	"  ... with AD's reason"
grep -q 'Passw0rd' "$BROKER_LOG"
ok $((!$?)) "no password in the broker's log"
broker_stop
ok $? "broker stops cleanly"
done_testing
