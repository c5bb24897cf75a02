#!/bin/bash
# stationctl on the stations file: help, list, show (with origins), check,
# add/set/del/revert with minimal edits (untouched lines kept byte for byte),
# and bad input, which must give a clear message and a distinct exit code and
# leave the file exactly as it was.
# shellcheck source=SCRIPTDIR/../lib/tap.sh disable=SC1091
. "$(dirname "$0")/../lib/tap.sh"

CTL=$VDI_BUILD/bin/stationctl
DATA=$VDI_ROOT/tests/stationctl/data
[ -x "$CTL" ] || skip_all "$CTL not built"

F=$T/stations.conf
cp "$DATA/stations.conf" "$F"
export VDI_STATIONS_FILE=$F

# run CMD...: sets $out (stdout), $err (stderr) and $rc.
run() {
	out=$("$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

# ---- help ----
run "$CTL" --help
is "$rc" 0 "--help exits 0"
like "$out" "import-kvm-vdi" "--help lists the commands"
like "$out" "Exit codes" "--help lists the exit codes"
for cmd in list show add set del revert check unknown adopt status passwd import-kvm-vdi; do
	run "$CTL" "$cmd" --help
	is "$rc" 0 "$cmd --help exits 0"
	like "$out" "^usage: stationctl \\[OPTIONS\\] $cmd" "$cmd --help prints its usage"
done
run "$CTL" help set
like "$out" "key= \\(empty value\\) removes the key" "help set describes removal"
run "$CTL" frobnicate
is "$rc" 2 "unknown command: exit 2"
like "$err" "no command 'frobnicate'" "unknown command: message"
run "$CTL"
is "$rc" 2 "no command: exit 2"
run "$CTL" --bogus list
is "$rc" 2 "unknown global option: exit 2"

# ---- list, show, check ----
run "$CTL" list
is "$rc" 0 "list exits 0"
is "$out" "$(cat "$DATA/list.expected")" "list output"
run "$CTL" list --no-header
is "$(printf '%s\n' "$out" | awk '{print $1}' | tr '\n' ' ')" \
	"group:lab 52:54:00:12:34:56 10.1.0.0/16 kiosk-* 10.2.0.7 default " \
	"list --no-header: first column is the MATCH, in file order"

run "$CTL" show 52:54:00:12:34:56
is "$rc" 0 "show exits 0"
like "$out" "port += 5901 +\\(52:54:00:12:34:56, line 15\\)" "show: own key with its line"
like "$out" "host += 10\\.0\\.0\\.5 +\\(group:lab, line 6\\)" "show: key inherited from the group"
like "$out" "message += Welcome to the lab\\.\\\\nPlease log off when done\\. +\\(group:lab, line 9\\)" \
	"show: message inherited, newline shown escaped"
like "$out" "autoconnect += no +\\(built-in default\\)" "show: built-in default"
like "$out" "1\\. spice://10\\.0\\.0\\.5:5901 +\\(primary\\)" "show: primary endpoint"
like "$out" "2\\. vnc://10\\.0\\.0\\.5:5901 +\\(fallback\\)" "show: fallback endpoint"
run "$CTL" show 52-54-00-12-34-56
is "$rc" 0 "show accepts the MAC in another spelling"
run "$CTL" show 'kiosk-*'
like "$out" "autoconnect += yes +\\(kiosk-\\*, line 26\\)" "show: glob section"
run "$CTL" show group:lab
like "$out" "^\\[group:lab\\] +group section, line 4" "show: group"
run "$CTL" show 10.99.0.1
is "$rc" 6 "show of a missing section: exit 6"
like "$err" "no section \\[10\\.99\\.0\\.1\\]" "show of a missing section: message"

run "$CTL" show --resolve 52:54:00:12:34:56 10.1.2.3 kiosk-3
like "$out" "served by \\[52:54:00:12:34:56\\] \\(mac match\\)" "resolve: the MAC wins"
run "$CTL" show --resolve 10.1.2.3 kiosk-3
like "$out" "served by \\[10\\.1\\.0\\.0/16\\] \\(cidr match\\)" "resolve: CIDR beats a host name glob"
run "$CTL" show --resolve kiosk-3
like "$out" "served by \\[kiosk-\\*\\]" "resolve: host name glob"
run "$CTL" show --resolve 192.168.7.7
like "$out" "served by \\[default\\]" "resolve: default"

run "$CTL" check
is "$rc" 0 "check of a valid file: exit 0"
like "$out" "valid \\(5 station sections, 1 group\\)" "check: summary"
run "$CTL" check -q
is "$out" "" "check -q prints nothing for a valid file"

cp "$DATA/broken.conf" "$T/broken.conf"
run "$CTL" check "$T/broken.conf"
is "$rc" 1 "check of a broken file: exit 1"
is "$(printf '%s\n' "$err" | grep -c "^$T/broken.conf:[0-9]*: ")" 4 "check lists every error as file:line: message"
like "$err" "broken.conf:8: unknown key 'hots'" "check: unknown key with its line"
like "$err" "broken.conf:15: group 'lba' is not defined" "check: unknown group with its line"
run "$CTL" check "$T/missing.conf"
is "$rc" 5 "check of a missing file: exit 5"

# ---- minimal edits ----
mode_before=$(stat -c %a "$F")
chmod 640 "$F"
run "$CTL" add 52:54:00:AA:BB:CC group=lab port=5920 "name=Room 2"
is "$rc" 0 "add exits 0"
like "$out" "added \\[52:54:00:aa:bb:cc\\]" "add reports the canonical MATCH"
cmp -s "$DATA/stations.conf" "$F.prev"
ok $? "add keeps the previous version as FILE.prev"
is "$(stat -c %a "$F")" 640 "an edit keeps the file's mode"
chmod "$mode_before" "$F"
run "$CTL" set 52-54-00-12-34-56 port=5999 fallback=rdp://10.0.0.9 fallback=vnc://10.0.0.9:5901 name=
is "$rc" 0 "set (change, replace fallbacks, remove a key) exits 0"
run "$CTL" set 10.1.0.0/16 port=3390
is "$rc" 0 "set (new key) exits 0"
run "$CTL" del 10.2.0.7
is "$rc" 0 "del exits 0"
cp "$F" "$T/before-last"
run "$CTL" set group:lab "message=Lab closed today"
is "$rc" 0 "set on a group exits 0"
diff -u "$DATA/stations.edited.conf" "$F" >"$T/diff"
ok $? "after the edits the file is exactly as expected (comments and untouched lines kept)" ||
	diag "$(cat "$T/diff")"
cmp -s "$T/before-last" "$F.prev"
ok $? "FILE.prev is the version before the last edit"
! ls "$F".tmp.* >/dev/null 2>&1
ok $? "no temp files left behind"
run "$CTL" check
is "$rc" 0 "the edited file is valid"

# An edit that changes nothing writes nothing.
before_prev=$(sum "$F.prev")
run "$CTL" set 10.1.0.0/16 port=3390
is "$rc" 0 "a no-op set exits 0"
like "$out" "unchanged" "a no-op set says so"
is "$(sum "$F.prev")" "$before_prev" "a no-op set leaves FILE.prev alone"

run "$CTL" set 10.1.0.0/16 port=3391 --dry-run
is "$rc" 0 "set --dry-run exits 0"
like "$out" "dry run" "set --dry-run says so"
cmp -s "$DATA/stations.edited.conf" "$F"
ok $? "set --dry-run does not write"

# ---- bad input: message, exit code, file untouched ----
good=$(sum "$F")
good_prev=$(sum "$F.prev")
# bad CODE REGEX DESCRIPTION -- CMD...
bad() {
	local code=$1 re=$2 desc=$3
	shift 4
	run "$CTL" "$@"
	is "$rc" "$code" "$desc: exit $code"
	like "$err" "$re" "$desc: message"
	is "$(sum "$F")$(sum "$F.prev")" "$good$good_prev" "$desc: file and FILE.prev unchanged"
}
bad 1 "invalid MATCH '52:54:00:zz:00:01'.*not a MAC" "bad MAC" -- add 52:54:00:zz:00:01 port=5900
bad 1 "invalid MATCH '10\\.1\\.0\\.1/16'" "CIDR with host bits" -- add 10.1.0.1/16 host=x port=1
bad 1 "unknown key 'porty' \\(known keys: name, group" "unknown key" -- set 52:54:00:12:34:56 porty=1
bad 1 "port: '70000' is not a port" "bad port" -- set 52:54:00:12:34:56 port=70000
bad 1 "protocol" "bad protocol" -- set 52:54:00:12:34:56 protocol=x11
bad 1 "'port': expected key=value" "argument without =" -- set 52:54:00:12:34:56 port
bad 1 ":[0-9]+: group 'nope' is not defined" "unknown group" -- add 52:54:00:00:00:77 group=nope port=5900
bad 1 "has no host" "station without a host" -- add 10.9.9.9 port=5900
bad 1 "has no host" "removing a required key" -- set 10.1.0.0/16 host=
bad 1 "group 'lab' is not defined" "deleting a group in use" -- del group:lab
bad 7 "\\[52:54:00:12:34:56\\] exists already" "duplicate add" -- add 52:54:00:12:34:56 port=5900
bad 7 "exists already" "duplicate add, other spelling" -- add 52-54-00-AA-BB-CC port=5900
bad 6 "no section \\[10\\.3\\.0\\.1\\].*use add" "set of a missing section" -- set 10.3.0.1 port=1
bad 6 "no section \\[10\\.3\\.0\\.1\\]" "del of a missing section" -- del 10.3.0.1
bad 2 "MATCH missing" "add without MATCH" -- add
bad 2 "no key=value" "set without keys" -- set 10.1.0.0/16
bad 2 "only MATCH" "del with extra arguments" -- del 10.1.0.0/16 port=1
bad 1 "empty value" "add with an empty value" -- add 10.9.9.8 host=

# A hand-broken file: edits are refused until it is fixed, and the file is
# not replaced.
cp "$DATA/broken.conf" "$T/hand.conf"
hand=$(sum "$T/hand.conf")
run "$CTL" -f "$T/hand.conf" add 10.9.9.9 host=10.0.0.1 port=5900
is "$rc" 1 "edit of a broken file: exit 1"
like "$err" "hand.conf:8: unknown key 'hots'" "edit of a broken file: the file's errors are listed"
is "$(sum "$T/hand.conf")" "$hand" "edit of a broken file: file unchanged"
[ ! -e "$T/hand.conf.prev" ]
ok $? "edit of a broken file: no FILE.prev"
run "$CTL" -f "$T/hand.conf" list
is "$rc" 1 "list of a broken file: exit 1"

# ---- lock ----
flock "$F.lock" sleep 3 &
holder=$!
at_exit "kill $holder"
sleep 0.3
run "$CTL" --lock-timeout 0.5 set 10.1.0.0/16 port=3392
is "$rc" 4 "edit while another holds the lock: exit 4 after the time-out"
like "$err" "being edited by another process" "lock time-out: message"
wait "$holder"
is "$(sum "$F")" "$good" "lock time-out: file unchanged"

# ---- revert ----
run "$CTL" revert
is "$rc" 0 "revert exits 0"
cmp -s "$T/before-last" "$F"
ok $? "revert restores the previous version"
cmp -s "$DATA/stations.edited.conf" "$F.prev"
ok $? "revert keeps the replaced version as FILE.prev"
run "$CTL" revert
cmp -s "$DATA/stations.edited.conf" "$F"
ok $? "a second revert undoes the first"
run "$CTL" -f "$T/new.conf" revert
is "$rc" 6 "revert without FILE.prev: exit 6"
like "$err" "no previous version" "revert without FILE.prev: message"

# An invalid FILE.prev does not replace a good file.
cp "$DATA/broken.conf" "$F.prev"
cur=$(sum "$F")
run "$CTL" revert
is "$rc" 1 "revert to an invalid FILE.prev: exit 1"
is "$(sum "$F")" "$cur" "revert to an invalid FILE.prev: file unchanged"

# ---- a stations file that is a symlink stays one ----
mkdir -p "$T/git"
cp "$DATA/stations.conf" "$T/git/stations.conf"
ln -s "$T/git/stations.conf" "$T/link.conf"
run "$CTL" -f "$T/link.conf" set 10.2.0.7 port=5903
is "$rc" 0 "edit through a symlink exits 0"
[ -L "$T/link.conf" ]
ok $? "the symlink is still a symlink"
grep -q '^port = 5903$' "$T/git/stations.conf"
ok $? "the edit landed in the symlink's target"
cmp -s "$DATA/stations.conf" "$T/git/stations.conf.prev"
ok $? "FILE.prev is kept next to the target"
run "$CTL" -f "$T/link.conf" revert
cmp -s "$DATA/stations.conf" "$T/git/stations.conf"
ok $? "revert through a symlink"
[ -L "$T/link.conf" ]
ok $? "the symlink survives a revert"

# ---- a new file ----
run "$CTL" -f "$T/new.conf" add default maintenance=yes
is "$rc" 0 "add creates a missing file"
is "$(cat "$T/new.conf")" "[default]
maintenance = yes" "the new file holds the section"
is "$(stat -c %a "$T/new.conf")" 644 "a new file gets mode 644"

done_testing
