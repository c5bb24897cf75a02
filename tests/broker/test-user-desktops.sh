#!/bin/bash
# Desktops chosen by the user, through a real broker with a users file: a
# hot desk (desktop_from = user) gives each user their own desktop, a kiosk
# (desktop_from = station) its own whoever logs in; a user with two desktops
# is answered "choose" with both, gets the one named in "desktop", is
# refused another user's (unknown_desktop, the same answer as for a name
# nobody has), and is offered the last one chosen; a user with no desktop
# at a hot desk without one is told so; stationctl explain names the section
# and line that decided.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "stationctl not built"

S=$T/stations.conf
cat >"$S" <<'CONF'
[desktop:alice-vm]
name = Alice's desktop
protocol = vnc
host = 10.9.0.1
port = 5901

[desktop:bob-vm]
protocol = vnc
host = 10.9.0.2
port = 5902
password = bobs-vnc

[desktop:carol-main]
name = Carol's main desktop
protocol = spice
host = 10.9.0.3
port = 5903

[desktop:lab]
name = Lab PC
protocol = rdp
host = lab.example.org
usb_deny = -1,-1,-1,-1,0

[user:alice]
desktops = alice-vm

[user:Bob]
desktops = bob-vm

[user:carol]
desktops = carol-main, lab

[group:hot]
login = broker
desktop_from = user

[52:54:00:00:00:01]
name = hot-1
group = hot

[52:54:00:00:00:02]
name = kiosk
login = broker
protocol = rdp
host = kiosk.example.org

[52:54:00:00:00:03]
name = hot-own
group = hot
protocol = rdp
host = own.example.org

# libvirt's test driver: its domain "test" runs, "nosuch" is not there.
[desktop:erin-test]
name = Erin's VM
protocol = vnc
libvirt_uri = test:///default
domain = test

[desktop:erin-gone]
protocol = vnc
libvirt_uri = test:///default
domain = nosuch

[desktop:erin-maint]
protocol = vnc
host = 10.9.0.5
maintenance = yes

[user:erin]
desktops = erin-test, erin-gone, erin-maint
CONF

for u in alice bob carol dave erin; do
	printf '%s-pw\n' "$u" | "$CTL" -u "$T/users" passwd "$u" >/dev/null 2>&1
	ok $? "stationctl passwd $u"
done
"$CTL" -f "$S" check >/dev/null
ok $? "stationctl check: the stations file is valid"

broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

# login MAC USER [DESKTOP]: the answer's body; login_code: its HTTP code.
login_body() {
	if [ -n "${3:-}" ]; then
		printf '{"mac":"%s","username":"%s","password":"%s-pw","desktop":"%s"}' \
			"$1" "$2" "$2" "$3"
	else
		printf '{"mac":"%s","username":"%s","password":"%s-pw"}' "$1" "$2" "$2"
	fi
}
login() { bpost /v1/login "$(login_body "$@")"; }
login_code() { bpost_code /v1/login "$(login_body "$@")"; }

HOT=52:54:00:00:00:01
KIOSK=52:54:00:00:00:02
OWN=52:54:00:00:00:03

# --- before a login, a hot desk is a login form like any other ---
r=$(lookup $HOT)
is "$(jget status <<<"$r")" ready "hot desk lookup: ready"
is "$(jget policy.login <<<"$r")" broker "  ... with a login"
is "$(jget endpoints <<<"$r")" "[]" "  ... and no endpoints before it"

# --- the hot desk: each user their own ---
r=$(login $HOT alice)
is "$(jget status <<<"$r")" ready "alice at the hot desk: ready"
is "$(jget endpoints.0 <<<"$r")" '{"host":"10.9.0.1","port":5901,"protocol":"vnc"}' \
	"  ... her own desktop"
is "$(jget user <<<"$r")" alice "  ... user alice"
is "$(jget station.match <<<"$r")" "$HOT" "  ... the station's match, not the desktop's"
is "$(jget station.name <<<"$r")" hot-1 "  ... the station's name"
like "$(jget session <<<"$r")" '^[0-9a-f]{32,}$' "  ... a session token"
r=$(login $HOT bob)
is "$(jget endpoints.0 <<<"$r")" \
	'{"host":"10.9.0.2","password":"bobs-vnc","port":5902,"protocol":"vnc"}' \
	"bob at the same hot desk: his own desktop ([user:Bob] matches without case)"

# --- the kiosk: the station's own whoever logs in ---
r=$(login $KIOSK alice)
is "$(jget endpoints.0.host <<<"$r")" kiosk.example.org "alice at the kiosk: the kiosk's desktop"
r=$(login $KIOSK carol)
is "$(jget status <<<"$r"):$(jget endpoints.0.host <<<"$r")" ready:kiosk.example.org \
	"carol (two desktops) at the kiosk: the kiosk's desktop, no chooser"

# --- several desktops: choose ---
r=$(login $HOT carol)
is "$(login_code $HOT carol)" 200 "carol at the hot desk: HTTP 200"
is "$(jget status <<<"$r")" choose "  ... status choose"
is "$(jget user <<<"$r")" carol "  ... user carol"
is "$(jget desktops <<<"$r")" \
	'[{"id":"carol-main","name":"Carol'"'"'s main desktop","state":"unknown"},{"id":"lab","name":"Lab PC","state":"unknown"}]' \
	"  ... both desktops, in order, with their names and states"
jget endpoints <<<"$r" >/dev/null
is $? 1 "  ... no endpoints"
jget session <<<"$r" >/dev/null
is $? 1 "  ... no session token"
jget last <<<"$r" >/dev/null
is $? 1 "  ... no last desktop yet"
is "$(jget station.match <<<"$r"):$(jget policy.login <<<"$r")" "$HOT:broker" \
	"  ... the usual station and policy fields"

r=$(login $HOT carol lab)
is "$(jget status <<<"$r")" ready "carol chooses lab: ready"
is "$(jget endpoints.0 <<<"$r")" '{"host":"lab.example.org","port":3389,"protocol":"rdp"}' \
	"  ... the second desktop"
is "$(jget policy.usb.deny <<<"$r")" "-1,-1,-1,-1,0" "  ... with the desktop's own usb_deny"
like "$(jget session <<<"$r")" '^[0-9a-f]{32,}$' "  ... and a session token"
r=$(login $HOT carol carol-main)
is "$(jget endpoints.0.host <<<"$r")" 10.9.0.3 "carol chooses carol-main: the first desktop"

# --- someone else's desktop, or none at all: the same refusal ---
is "$(login_code $HOT carol alice-vm)" 400 "carol asks for alice's desktop: HTTP 400"
r=$(login $HOT carol alice-vm)
is "$(jget error <<<"$r")" unknown_desktop "  ... error unknown_desktop"
unlike() { ! grep -q -- "$2" <<<"$1"; }
unlike "$r" "10.9.0.1"
ok $? "  ... and nothing of alice's desktop"
is "$(login $HOT carol no-such-desktop)" "$r" "a desktop nobody has: the same answer"
is "$(login_code $HOT alice lab)" 400 "alice asks for carol's lab: refused too"
is "$(login_code $HOT carol 'bad/name')" 400 "a desktop id that is no name: 400"
is "$(bpost_code /v1/login '{"mac":"'$HOT'","username":"carol","password":"nope","desktop":"lab"}')" \
	401 "a wrong password with a desktop: 401 as always"

# --- last: the one chosen before ---
login $HOT carol lab >/dev/null
r=$(login $HOT carol)
is "$(jget status <<<"$r"):$(jget last <<<"$r")" choose:lab "carol again: choose, last = lab"
login $HOT carol carol-main >/dev/null
is "$(jget last <<<"$(login $HOT carol)")" carol-main "after choosing carol-main: last = carol-main"

# --- states: a libvirt domain's own, a desktop in maintenance off ---
r=$(login $HOT erin)
is "$(jget desktops <<<"$r")" \
	'[{"id":"erin-test","name":"Erin'"'"'s VM","state":"running"},{"id":"erin-gone","name":"erin-gone","state":"unknown"},{"id":"erin-maint","name":"erin-maint","state":"off"}]' \
	"erin's chooser: the running domain running, a missing one unknown, maintenance off"
r=$(login $HOT erin erin-maint)
is "$(jget status <<<"$r")" maintenance "erin picks the desktop in maintenance: maintenance"

# --- no desktop ---
is "$(login_code $HOT dave)" 403 "dave (no desktops) at a hot desk without its own: 403"
r=$(login $HOT dave)
is "$(jget error <<<"$r"):$(jget message <<<"$r")" "no_desktop:No desktop is assigned to you." \
	"  ... no_desktop: No desktop is assigned to you."
r=$(login $OWN dave)
is "$(jget status <<<"$r"):$(jget endpoints.0.host <<<"$r")" ready:own.example.org \
	"dave at a hot desk with its own desktop: the station's"
r=$(login $OWN alice)
is "$(jget endpoints.0.host <<<"$r")" 10.9.0.1 "alice there: still her own"

# --- the log says which section gave which desktop ---
grep -q 'event=user_desktop user=carol mac=52:54:00:00:00:01 desktop=lab from=user:carol line=32' \
	"$BROKER_LOG"
ok $? "the broker logs the hand-out with the deciding section and line"
grep -q 'carol-pw\|alice-pw' "$BROKER_LOG"
is $? 1 "no password in the log"

# --- last survives a restart: saved in the state folder ---
grep -q '^carol carol-main$' "$T/state/user-desktops" 2>/dev/null
ok $? "the state folder's user-desktops file has carol's last choice"
broker_stop
broker_start "$S" || {
	echo "Bail out! broker did not start again"
	exit 1
}
is "$(jget last <<<"$(login $HOT carol)")" carol-main "after a restart: last is still carol-main"

# --- stationctl explain ---
out=$("$CTL" -f "$S" explain --user carol $HOT)
ok $? "explain --user carol HOT exits 0"
like "$out" 'desktop_from = user \(\[group:hot\], line 36\)' "  ... desktop_from and where it is set"
like "$out" '1\. carol-main "Carol.s main desktop": spice://10.9.0.3:5903' "  ... the first desktop"
like "$out" '2\. lab "Lab PC": rdp://lab.example.org:3389' "  ... the second"
like "$out" 'from \[user:carol\], line 32' "  ... and the deciding section and line"
out=$("$CTL" -f "$S" explain --user alice $KIOSK)
like "$out" "desktop_from = station \(built-in default\)" "explain at the kiosk: desktop_from built in"
like "$out" "alice gets the station's own desktop, whoever logs in: rdp://kiosk.example.org:3389" \
	"  ... the station's own desktop"
out=$("$CTL" -f "$S" explain --user dave $HOT)
like "$out" "No desktop is assigned to you" "explain for dave: refused"
"$CTL" -f "$S" explain --user carol desktop:lab >/dev/null 2>&1
is $? 6 "explain at a desktop section: not a station"

done_testing
