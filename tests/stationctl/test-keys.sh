#!/bin/bash
# The key table as admins meet it: `stationctl keys` describes every key,
# the help of add and set lists them, and a value the table refuses is
# refused by add and by check with the key and the reason. The USB filter
# of the issue that took stations out of service (a blank, and 010, which
# the broker read as octal 8 and the station as decimal 10) is refused at
# edit time and by check, with the station's own parser's reason.
# shellcheck source=SCRIPTDIR/../lib/tap.sh disable=SC1091
. "$(dirname "$0")/../lib/tap.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"

F=$T/stations.conf
printf '[default]\nhost = 10.0.0.5\nport = 5900\n' >"$F"
export VDI_STATIONS_FILE=$F

# run CMD...: sets $out (stdout), $err (stderr) and $rc.
run() {
	out=$("$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

run "$CTL" keys
is "$rc" 0 "keys exits 0"
# Every key the parser knows is described (the unknown-key message lists
# them all, from the same table).
run "$CTL" set default nosuchkey=1
known=$(sed -n 's/.*(known keys: \(.*\))$/\1/p' <<<"$err" | tr -d ',')
[ -n "$known" ]
ok $? "the unknown-key message lists the known keys"
run "$CTL" keys
missing=
for k in $known; do
	grep -q "^$k (" <<<"$out" || missing="$missing $k"
done
is "$missing" "" "keys describes every key"
like "$out" "^usb_redirect \\(usb filter\\): " "keys: a key's type and help"
like "$out" "sent to the station as policy\\.usb\\.auto_redirect" "keys: the policy field"
like "$out" "in: +pool; not inherited" "keys: where a pool key may be written"

run "$CTL" keys size port
is "$rc" 0 "keys KEY... exits 0"
is "$(grep -c '^[a-z_]* (' <<<"$out")" 2 "keys KEY... describes only those"
like "$out" "values: +0–1000" "keys: the limits of a number"
run "$CTL" keys nosuchkey
is "$rc" 6 "keys: an unknown key exits 6"
run "$CTL" keys --markdown nope
is "$rc" 2 "keys --markdown takes mapping or pool"

run "$CTL" help set
like "$out" "^  name, group, protocol \\(spice\\|rdp\\|vnc\\), host" "help set lists the keys"
like "$out" "domain_password \\(one-time\\|none\\)" "help set lists an enum's values"
run "$CTL" help pool
like "$out" "template \\(required\\), base_image \\(required\\)" "help pool lists the required keys"
like "$out" "^  protocol \\(spice\\|vnc\\), maintenance" "help pool lists a pool's protocols"

before=$(sum "$F")
run "$CTL" set default 'usb_redirect=0x08, -1,-1,-1,1|010,-1,-1,-1,1'
is "$rc" 1 "set: a USB filter with a blank is refused"
like "$err" "usb_redirect: USB filter rule 1" "set: the refusal names the key and the rule"
run "$CTL" set default 'usb_redirect=0x08,-1,-1,-1,1|010,-1,-1,-1,1'
is "$rc" 1 "set: a USB filter with 010 is refused"
like "$err" "usb_redirect: USB filter rule 2" "set: the refusal names the rule with 010"
is "$(sum "$F")" "$before" "refused edits leave the file as it was"

printf '[default]\nhost = 10.0.0.5\nport = 5900\nusb_redirect = 0x08, -1,-1,-1,1|010,-1,-1,-1,1\n' >"$T/bad.conf"
run "$CTL" check "$T/bad.conf"
is "$rc" 1 "check: the issue's USB filter is refused"
like "$err" "bad.conf:4: usb_redirect: USB filter rule 1" "check: file, line, key and rule"
printf '[default]\nhost = 10.0.0.5\nport = 5900\nusb_deny = 0x08,-1,-1,-1,1|010,-1,-1,-1,1\n' >"$T/bad.conf"
run "$CTL" check "$T/bad.conf"
is "$rc" 1 "check: a USB filter with 010 is refused"
like "$err" "bad.conf:4: usb_deny: USB filter rule 2" "check: file, line, key and rule"

run "$CTL" set default 'usb_redirect=0x08,-1,-1,-1,1|10,-1,-1,-1,0' name=x
is "$rc" 0 "set: a good USB filter is taken"
run "$CTL" set default "name=$(printf 'n%.0s' $(seq 1 64))"
is "$rc" 1 "set: one past a length limit is refused"
like "$err" "name: value is too long \\(64 bytes; at most 63\\)" "set: the limit is in the message"

done_testing
