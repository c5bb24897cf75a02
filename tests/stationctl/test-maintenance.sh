#!/bin/bash
# stationctl maintenance on|off: the edit `set` would make (byte for byte,
# FILE.prev kept, every other line untouched), for a station and for a
# group; the running broker then answers "maintenance" with the message,
# and a desktop again after "off". Bad input changes nothing. A libvirt
# domain (domain:NAME) puts every mapping that uses it in maintenance.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"

plan 41

F=$T/stations.conf
cat >"$F" <<'CONF'
# Lab stations
[group:lab]
protocol = spice
# the lab server
host = 10.0.0.5
port = 5900

[52:54:00:00:00:01]
name = desk one
group = lab
message = Welcome

[52:54:00:00:00:02]
group = lab
CONF
cp "$F" "$T/orig.conf"
export VDI_STATIONS_FILE=$F

run() {
	out=$("$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}

broker_start "$F" || {
	echo "Bail out! broker did not start"
	exit 1
}
# answer_becomes MAC STATUS: waits until the broker (which reloads the file
# by itself) answers STATUS; prints the reply.
answer_becomes() {
	local r i
	for ((i = 0; i < 50; i++)); do
		r=$(lookup "$1")
		[ "$(jget status <<<"$r")" = "$2" ] && break
		sleep 0.1
	done
	printf '%s' "$r"
}
is "$(jget status <<<"$(lookup 52:54:00:00:00:01)")" ready "before: the station gets its desktop"

# --- on, with a message: one station ---
run "$CTL" maintenance on 52:54:00:00:00:01 --message 'Desk 1 is being repaired.'
is "$rc" 0 "maintenance on MAC --message: exit 0"
is "$out" "changed [52:54:00:00:00:01] in $F" "  ... says what it changed"
cat >"$T/want.conf" <<'CONF'
# Lab stations
[group:lab]
protocol = spice
# the lab server
host = 10.0.0.5
port = 5900

[52:54:00:00:00:01]
name = desk one
group = lab
message = Desk 1 is being repaired.
maintenance = yes

[52:54:00:00:00:02]
group = lab
CONF
cmp -s "$F" "$T/want.conf"
ok $? "  ... the file is exactly the old one with maintenance and message set" ||
	diff "$T/want.conf" "$F" | sed 's/^/# /' >&2
cmp -s "$F.prev" "$T/orig.conf"
ok $? "  ... and the version before is kept as .prev"
r=$(answer_becomes 52:54:00:00:00:01 maintenance)
is "$(jget status <<<"$r")" maintenance "the broker answers maintenance"
is "$(jget message <<<"$r")" "Desk 1 is being repaired." "  ... with the message"
is "$(jget status <<<"$(lookup 52:54:00:00:00:02)")" ready "  ... for that station only"

# --- the same again changes nothing ---
cp "$F.prev" "$T/prev.before"
run "$CTL" maintenance on 52:54:00:00:00:01 --message 'Desk 1 is being repaired.'
is "$rc" 0 "the same again: exit 0"
like "$out" "unchanged" "  ... reported as unchanged"
cmp -s "$F.prev" "$T/prev.before"
ok $? "  ... and .prev is left alone"

# --- off: maintenance=no, the notice removed ---
run "$CTL" maintenance off 52:54:00:00:00:01
is "$rc" 0 "maintenance off MAC: exit 0"
sed -e '/^message = Desk 1/d' -e 's/^maintenance = yes$/maintenance = no/' "$T/want.conf" \
	>"$T/want-off.conf"
cmp -s "$F" "$T/want-off.conf"
ok $? "  ... maintenance = no, and the repair notice is gone" ||
	diff "$T/want-off.conf" "$F" | sed 's/^/# /' >&2
cmp -s "$F.prev" "$T/want.conf"
ok $? "  ... .prev is the version in maintenance"
r=$(answer_becomes 52:54:00:00:00:01 ready)
is "$(jget status <<<"$r")" ready "the broker gives the desktop again"

# --- a group: every station of it ---
run "$CTL" maintenance on group:lab -m 'The lab is closed today.'
is "$rc" 0 "maintenance on group:lab: exit 0"
like "$(sed -n '/^\[group:lab\]/,/^$/p' "$F")" 'maintenance = yes' "  ... set in the group's section"
r=$(answer_becomes 52:54:00:00:00:02 maintenance)
is "$(jget message <<<"$r")" "The lab is closed today." "  ... a station of the group shows its message"
# desk one says maintenance = no itself: its own value wins over the group's.
is "$(jget status <<<"$(lookup 52:54:00:00:00:01)")" ready \
	"  ... a station that sets maintenance = no itself stays up"
run "$CTL" maintenance off group:lab --keep-message
like "$(sed -n '/^\[group:lab\]/,/^$/p' "$F")" 'message = The lab is closed today.' \
	"off --keep-message keeps the message"

# --- help and bad input: clear errors, nothing written ---
run "$CTL" maintenance --help
like "$out" '^usage: stationctl \[OPTIONS\] maintenance on\|off MATCH' "maintenance --help prints its usage"
cp "$F" "$T/before-bad.conf"
run "$CTL" maintenance sometimes 52:54:00:00:00:01
is "$rc" 2 "neither on nor off: usage error"
like "$err" "'sometimes' is neither on nor off" "  ... saying so"
run "$CTL" maintenance on 52:54:00:00:00:09
is "$rc" 6 "a section that is not there: exit 6"
run "$CTL" maintenance on 52:54:00:00:00:01 -m "$(head -c 2100 /dev/zero | tr '\0' x)"
is "$rc" 1 "a message over the limit: refused by the same validation as set"
cmp -s "$F" "$T/before-bad.conf"
ok $? "  ... the file is unchanged after all of them"

broker_stop
ok $? "the broker stops cleanly"

# --- a libvirt domain: every mapping that uses it, in one edit ---
G=$T/domains.conf
cat >"$G" <<'CONF'
[group:vms]
libvirt_uri = test:///default
domain_password = none

[52:54:00:00:01:01]
group = vms
domain = desk-a

[52:54:00:00:01:02]
group = vms
domain = desk-b

[group:shared]
libvirt_uri = test:///default
domain = desk-a

[52:54:00:00:01:03]
group = shared

[52:54:00:00:01:04]
group = shared
maintenance = no
CONF
cp "$G" "$T/domains.orig"
in_maint() { "$CTL" -f "$G" show "$1" | grep -q '^in maintenance'; }
run "$CTL" -f "$G" maintenance on domain:desk-a -m 'desk-a is being updated.'
is "$rc" 0 "maintenance on domain:desk-a: exit 0"
is "$(grep -o '^  \[.*\]' <<<"$out" | tr '\n' ' ')" \
	"  [52:54:00:00:01:01]   [group:shared]   [52:54:00:00:01:04] " \
	"  ... sets the sections naming it, and the one that would override its group"
like "$out" "domain desk-a: 3 sections changed" "  ... and says how many"
in_maint 52:54:00:00:01:01 && in_maint 52:54:00:00:01:03 && in_maint 52:54:00:00:01:04
ok $? "  ... every station of desk-a is in maintenance now (stationctl show)"
in_maint 52:54:00:00:01:02
is $? 1 "  ... the station of desk-b is not"
is "$(grep -c '^message = desk-a is being updated.$' "$G")" 3 "  ... each with the message"
cmp -s "$G.prev" "$T/domains.orig"
ok $? "  ... one edit: .prev is the file before"
run "$CTL" -f "$G" maintenance off domain:desk-a
is "$rc" 0 "maintenance off domain:desk-a: exit 0"
! in_maint 52:54:00:00:01:01 && ! in_maint 52:54:00:00:01:03 && ! in_maint 52:54:00:00:01:04
ok $? "  ... its stations are out of maintenance"
grep -q '^message' "$G"
is $? 1 "  ... and the notice is gone"
cp "$G" "$T/domains.before-bad"
run "$CTL" -f "$G" maintenance on domain:no-such-desk
is "$rc" 6 "a domain no section uses: exit 6"
like "$err" "no section of .* uses domain no-such-desk" "  ... saying so"
run "$CTL" -f "$G" maintenance on domain:
is "$rc" 1 "domain: without a name: refused"
cmp -s "$G" "$T/domains.before-bad"
ok $? "  ... the file is unchanged after both"
