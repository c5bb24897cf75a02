#!/bin/bash
# import-kvm-vdi: a KVM-VDI clients.xml (the dashboard's real format) with
# clients that map (RDP, SPICE machines as libvirt domains) and clients that
# cannot (vmView pools, broken entries, duplicates, sections that exist): the
# report names each one with its line and what the SPICE mappings assume, the
# importable ones land in one valid edit, and bad XML is refused with
# file:line and without touching the stations file. test-import-libvirt.sh
# has the SPICE machines that cannot be domains and a broker answering one.
# shellcheck source=SCRIPTDIR/../lib/tap.sh disable=SC1091
. "$(dirname "$0")/../lib/tap.sh"

CTL=$VDI_BUILD/bin/stationctl
DATA=$VDI_ROOT/tests/stationctl/data
[ -x "$CTL" ] || skip_all "$CTL not built"

F=$T/stations.conf
export VDI_STATIONS_FILE=$F
cp "$DATA/import-stations.conf" "$F"
X=$T/clients.xml
cp "$DATA/clients.xml" "$X"

run() {
	out=$("$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}
sum() { sha256sum "$1" | cut -d' ' -f1; }
before=$(sum "$F")

# ---- dry run ----
run "$CTL" import-kvm-vdi --dry-run "$X"
is "$rc" 0 "dry run exits 0"
like "$out" "$X:3: client 192\\.168\\.1\\.5: would add \\[192\\.168\\.1\\.5\\]" "dry run: reports what it would add"
is "$(sum "$F")" "$before" "dry run: the stations file is unchanged"

# ---- import ----
run "$CTL" import-kvm-vdi "$X"
is "$rc" 0 "import exits 0"
# report LINE REGEX DESCRIPTION: the report line for the entry at LINE.
report() {
	like "$(printf '%s\n' "$out" | grep "^$X:$1: ")" "$2" "$3"
}
report 3 "client 192\\.168\\.1\\.5: added \\[192\\.168\\.1\\.5\\] protocol=rdp host=192\\.168\\.249\\.111 port=3389" \
	"RDP client imported with the default port"
report 7 "client 192\\.168\\.1\\.1: added \\[192\\.168\\.1\\.1\\] protocol=spice domain=PCa01 libvirt_uri=qemu:///system\$" \
	"SPICE machine imported as a libvirt domain on the default URI"
report 11 "client 192\\.168\\.1\\.2: not imported: cannot map: vmView .*pool \"Users\"" \
	"vmView pool reported as not mappable"
report 15 "added \\[192\\.168\\.1\\.6\\] protocol=rdp host=rds01\\.example\\.lan port=3390" \
	"RDP address with a port"
report 19 "client 192\\.168\\.1\\.7: not imported: RDP client without a usable <machine-rdp-address>" \
	"RDP client without an address"
report 22 "not imported: <client> without an ip attribute" "client without ip"
report 26 "client 192\\.168\\.1\\.300: not imported: ip attribute: .*not an IP address" "client with a bad ip"
report 30 "not imported: unknown protocol \"VNC\"" "unknown protocol"
report 34 "client 192\\.168\\.1\\.8: not imported: superseded by the entry for the same address at line 58" \
	"an earlier duplicate is superseded by the last entry, as in KVM-VDI"
report 38 "client 192\\.168\\.1\\.9: not imported: \\[192\\.168\\.1\\.9\\] exists already" \
	"an address that has a section is left alone"
report 48 "added \\[192\\.168\\.1\\.10\\] protocol=rdp host=fd00::10 port=3389" "bracketed IPv6 RDP address"
report 52 "added \\[fd00::20\\] protocol=rdp host=192\\.168\\.249\\.120" "IPv6 client, protocol with blanks around it"
report 58 "added \\[192\\.168\\.1\\.8\\] protocol=rdp host=192\\.168\\.249\\.117" "the last duplicate is imported"
is "$(printf '%s\n' "$out" | grep -c "^$X:")" 13 "one report line per entry"
is "$(printf '%s\n' "$out" | grep -c "^assumed: ")" 1 "what the SPICE mappings assume is said once"
like "$out" "assumed: 1 SPICE machine is a libvirt domain of that name on qemu:///system \\(--libvirt-uri\\); stations reach its display at the domain's graphics listen address" \
	"  ... the hypervisor and the display address"
ok $(($(printf '%s\n' "$out" | grep -c ":4[2-6]: ") != 0)) "commented-out clients are ignored"
like "$out" "6 of 13 clients imported into $F; 7 entries not imported" "summary line"

"$CTL" check -q
ok $? "the stations file is valid after the import"
is "$("$CTL" list -H | awk '{print $1 " " $4}' | tr '\n' ' ')" \
	"group:lab - 192.168.1.9 rdp://192.168.249.200:3389 192.168.1.5 rdp://192.168.249.111:3389 192.168.1.1 - 192.168.1.6 rdp://rds01.example.lan:3390 192.168.1.10 rdp://[fd00::10]:3389 fd00::20 rdp://192.168.249.120:3389 192.168.1.8 rdp://192.168.249.117:3389 " \
	"the imported sections and their endpoints"
head -7 "$F" | cmp -s - "$DATA/import-stations.conf"
ok $? "the lines that were there are kept"
cmp -s "$DATA/import-stations.conf" "$F.prev"
ok $? "the version before the import is kept as FILE.prev"

# Importing again adds nothing and writes nothing.
after=$(sum "$F")
run "$CTL" import-kvm-vdi "$X"
is "$rc" 0 "a second import exits 0"
like "$out" "0 of 13 clients imported" "a second import imports nothing"
is "$(sum "$F")" "$after" "a second import leaves the file alone"

# ---- --group ----
cp "$DATA/import-stations.conf" "$F"
run "$CTL" import-kvm-vdi --group lab "$X"
is "$rc" 0 "import --group exits 0"
"$CTL" show 192.168.1.5 | grep -Eq '^  group += lab +\(192\.168\.1\.5, line [0-9]+\)'
ok $? "import --group puts the stations in the group"
"$CTL" show 192.168.1.1 | grep -Eq '^  group += lab +\(192\.168\.1\.1, line [0-9]+\)'
ok $? "  ... the SPICE machines too"
cp "$DATA/import-stations.conf" "$F"
run "$CTL" import-kvm-vdi -g nope "$X"
is "$rc" 1 "import into a missing group: exit 1"
like "$err" "group 'nope' is not defined" "import into a missing group: message"
is "$(sum "$F")" "$before" "import into a missing group: file unchanged"
run "$CTL" import-kvm-vdi -g 'bad group' "$X"
is "$rc" 1 "import with an invalid group name: exit 1"

# ---- bad files ----
# bad REGEX DESCRIPTION FILE
bad() {
	run "$CTL" import-kvm-vdi "$3"
	is "$rc" 1 "$2: exit 1"
	like "$err" "$1" "$2: message"
	is "$(sum "$F")" "$before" "$2: stations file unchanged"
}
bad "clients-malformed\\.xml:7: malformed XML" "malformed XML" "$DATA/clients-malformed.xml"
bad "clients-xxe\\.xml: a DOCTYPE is not allowed" "external entity (DOCTYPE)" "$DATA/clients-xxe.xml"
bad "clients-entities\\.xml:[0-9]+: malformed XML" "entity expansion bomb" "$DATA/clients-entities.xml"
bad "clients-wrongroot\\.xml:2: the root element is <clients>, not <thin-clients>" "wrong root" \
	"$DATA/clients-wrongroot.xml"
printf '' >"$T/empty.xml"
bad "empty\\.xml.*malformed XML" "empty file" "$T/empty.xml"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T/huge.xml"
run "$CTL" import-kvm-vdi "$T/huge.xml"
is "$rc" 5 "a file over the size cap: exit 5"
like "$err" "file too large" "a file over the size cap: message"
run "$CTL" import-kvm-vdi "$T/missing.xml"
is "$rc" 5 "a missing file: exit 5"
run "$CTL" import-kvm-vdi
is "$rc" 2 "no FILE: exit 2"

done_testing
