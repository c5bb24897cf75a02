#!/bin/bash
# import-kvm-vdi's SPICE machines, on real parts: a clients.xml whose SPICE
# clients name KVM-VDI virtual machines is imported with --libvirt-uri of a
# private libvirtd (tests/lib/libvirt.sh); names that cannot be libvirt
# domains in the stations file are refused one by one, with the reason, and
# the rest still land; the result passes `stationctl check`; and a real
# broker answers the imported station (this test's own address, 127.0.0.1)
# by starting the domain and handing out its live SPICE port and a one-time
# password.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/libvirt.sh
. "$VDI_ROOT/tests/lib/libvirt.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"
libvirt_skip_unless_usable

# KVM-VDI's machine names are its VMs' libvirt domain names.
libvirt_define_tiny PCa01 --off
is "$(lvirsh domstate PCa01)" "shut off" "the machine's domain is defined and shut off"

S=$T/stations.conf
printf '# Stations before the KVM-VDI import.\n' >"$S"
export VDI_STATIONS_FILE=$S
long=$(printf 'x%.0s' {1..201})
X=$T/clients.xml
cat >"$X" <<XML
<?xml version="1.0" encoding="utf-8"?>
<thin-clients>
    <client ip="127.0.0.1"><protocol>SPICE</protocol><machine-name>PCa01</machine-name></client>
    <client ip="192.168.1.21"><protocol>SPICE</protocol><machine-name>PC a02</machine-name></client>
    <client ip="192.168.1.22"><protocol>SPICE</protocol><machine-name>../PCa03</machine-name></client>
    <client ip="192.168.1.23"><protocol>SPICE</protocol><machine-name>PC&#233;04</machine-name></client>
    <client ip="192.168.1.24"><protocol>SPICE</protocol><machine-name>$long</machine-name></client>
    <client ip="192.168.1.25"><protocol>SPICE</protocol><machine-name> </machine-name></client>
    <client ip="192.168.1.26"><protocol>spice</protocol><machine-name>
        win10-lab.2_b+c
    </machine-name></client>
    <client ip="192.168.1.27"><protocol>RDP</protocol><machine-rdp-address>10.0.0.7</machine-rdp-address></client>
</thin-clients>
XML

run() {
	out=$("$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}
# report LINE REGEX DESCRIPTION: the report line for the entry at LINE.
report() {
	like "$(printf '%s\n' "$out" | grep "^$X:$1: ")" "$2" "$3"
}
sum() { sha256sum "$1" | cut -d' ' -f1; }
before=$(sum "$S")

# ---- options that cannot be used change nothing ----
run "$CTL" import-kvm-vdi --libvirt-uri 'not a uri' "$X"
is "$rc" 1 "an invalid --libvirt-uri: exit 1"
like "$err" "^stationctl: --libvirt-uri: " "  ... naming the option"
run "$CTL" import-kvm-vdi --display-host 'a b' "$X"
is "$rc" 1 "an invalid --display-host: exit 1"
like "$err" "--display-host: " "  ... naming the option"
is "$(sum "$S")" "$before" "  ... the stations file is unchanged"

run "$CTL" import-kvm-vdi -n --display-host kvm1.lan -c 'qemu+ssh://kvm1/system' "$X"
is "$rc" 0 "dry run with another hypervisor exits 0"
report 3 "would add \\[127\\.0\\.0\\.1\\] protocol=spice domain=PCa01 libvirt_uri=qemu\\+ssh://kvm1/system display_host=kvm1\\.lan\$" \
	"  ... the URI and the display address go into each SPICE mapping"
like "$out" "assumed: 2 SPICE machines are libvirt domains of that name on qemu\\+ssh://kvm1/system \\(--libvirt-uri\\); stations reach their display at kvm1\\.lan \\(--display-host\\)" \
	"  ... and the report says so once"
is "$(sum "$S")" "$before" "  ... the stations file is unchanged"

# ---- the import ----
run "$CTL" import-kvm-vdi --libvirt-uri "$LIBVIRT_URI" "$X"
is "$rc" 0 "import exits 0 although some entries are refused"
uri_re=$(printf '%s' "$LIBVIRT_URI" | sed 's/[][\.*^$?+(){}|/]/\\&/g')
report 3 "client 127\\.0\\.0\\.1: added \\[127\\.0\\.0\\.1\\] protocol=spice domain=PCa01 libvirt_uri=$uri_re\$" \
	"a SPICE machine becomes a domain on the given hypervisor"
report 4 "client 192\\.168\\.1\\.21: not imported: SPICE machine \"PC a02\" cannot be a libvirt domain in the stations file: " \
	"a name with a blank is refused"
report 5 "not imported: SPICE machine \"\\.\\./PCa03\" cannot be a libvirt domain" "a name with a slash is refused"
report 6 "not imported: SPICE machine \"PC.*04\" cannot be a libvirt domain" "a name outside ASCII is refused"
report 7 "client 192\\.168\\.1\\.24: not imported: SPICE machine \"x+.*\" cannot be a libvirt domain" \
	"a name over 200 bytes is refused"
report 8 "client 192\\.168\\.1\\.25: not imported: SPICE client without a usable <machine-name>" \
	"an empty machine name is refused"
report 9 "added \\[192\\.168\\.1\\.26\\] protocol=spice domain=win10-lab\\.2_b\\+c " \
	"every character a domain name may have, blanks around it trimmed"
report 12 "added \\[192\\.168\\.1\\.27\\] protocol=rdp host=10\\.0\\.0\\.7 port=3389" "the RDP client next to them"
like "$out" "assumed: 2 SPICE machines are libvirt domains of that name on $uri_re \\(--libvirt-uri\\)" \
	"what the import assumed"
like "$out" "3 of 8 clients imported into $S; 5 entries not imported" "summary line"

run "$CTL" check
is "$rc" 0 "stationctl check accepts the imported file"
like "$out" "valid \\(3 station sections" "  ... with the three sections"
"$CTL" show 127.0.0.1 >"$T/show" 2>&1
like "$(cat "$T/show")" "domain += PCa01" "stationctl show lists the domain"

# ---- a real broker answers the imported station from the live domain ----
broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}
r=$(lookup 52:54:00:0a:00:01)
is "$(jget status <<<"$r")" starting "the imported station's first lookup starts the domain"
for ((i = 0; i < 100; i++)); do
	r=$(lookup 52:54:00:0a:00:01)
	[ "$(jget status <<<"$r")" = starting ] || break
	sleep 0.2
done
is "$(lvirsh domstate PCa01)" running "  ... the domain runs"
port=$(libvirt_spice_port PCa01)
is "$(jget status <<<"$r")" ready "then ready"
is "$(jget endpoints.0.protocol <<<"$r")" spice "  ... spice"
is "$(jget endpoints.0.host <<<"$r")" 127.0.0.1 "  ... the domain's listen address"
like "$(jget endpoints.0.port <<<"$r")" "^${port:-none}\$" "  ... the port libvirt gave the domain ($port)"
pw=$(jget endpoints.0.password <<<"$r")
is "${#pw}" 16 "  ... with a one-time password"

broker_stop
ok $? "broker stopped cleanly"
done_testing
