#!/bin/bash
# stationctl pool create|resize|drain|list, and pools in list, show, check
# and status: create writes exactly the section add would, a bad create
# leaves the file as it was, resize and drain change size and max, list
# shows the file's figures without a broker and the broker's with one, and
# status shows which station holds a pool VM after its lookup. The broker
# runs its pool against libvirt's test driver (test:///default), in its own
# process, as in tests/broker/test-pool.sh.
# shellcheck source=SCRIPTDIR/../lib/tap.sh disable=SC1091
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=SCRIPTDIR/../lib/broker.sh disable=SC1091
. "$(dirname "$0")/../lib/broker.sh"
# shellcheck source=SCRIPTDIR/../lib/pool.sh disable=SC1091
. "$(dirname "$0")/../lib/pool.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"
[ -x "$VDI_BUILD/bin/vdi-broker" ] || skip_all "vdi-broker not built"
command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"

S=$T/stations.conf
export VDI_STATIONS_FILE=$S VDI_ADMIN_SOCKET=$T/no-broker.sock

# run CMD...: sets $out (stdout), $err (stderr) and $rc.
run() {
	out=$("$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$T/state"
pool_files_test "$T" 5960
ok $? "a base image"
cat >"$S" <<'CONF'
# pool test
[52:54:00:00:02:01]
pool = lab
CONF

# ---- help ----
run "$CTL" pool --help
is "$rc" 0 "pool --help exits 0"
like "$out" "^usage: stationctl \\[OPTIONS\\] pool" "  ... prints its usage"
like "$out" "destroys the pool's ready VMs" "  ... and says what drain does"
run "$CTL" pool
is "$rc" 2 "pool without a subcommand: exit 2"
run "$CTL" pool frob lab
is "$rc" 2 "pool frob: exit 2"
like "$err" "no subcommand 'frob'" "  ... with a message"

# ---- create ----
run "$CTL" pool create lab libvirt_uri=test:///default template=desk.xml \
	base_image=base.qcow2 overlay_dir=overlays size=1 max=2 idle_timeout=600
is "$rc" 0 "pool create exits 0"
is "$out" "added [pool:lab] to $S" "  ... and says so"
cat >"$T/expected" <<'CONF'
# pool test
[52:54:00:00:02:01]
pool = lab

[pool:lab]
libvirt_uri = test:///default
template = desk.xml
base_image = base.qcow2
overlay_dir = overlays
size = 1
max = 2
idle_timeout = 600
CONF
cmp -s "$T/expected" "$S"
ok $? "  ... the file is exactly the expected one" || diag "$(diff -u "$T/expected" "$S")"
run "$CTL" check
is "$rc" 0 "check accepts it"
is "$out" "$S: valid (1 station section, 0 groups, 1 pool)" "  ... and counts the pool as a pool"

# ---- bad creates leave the file alone ----
before=$(sum "$S")
run "$CTL" pool create lab2 size=1
is "$rc" 1 "create without template: exit 1"
like "$err" "\\[pool:lab2\\] has no 'template'" "  ... the message names the missing key"
is "$(sum "$S")" "$before" "  ... the file is unchanged"
run "$CTL" pool create lab2 template=desk.xml base_image=base.qcow2 overlay_dir=overlays host=10.0.0.1
is "$rc" 1 "create with a station key: exit 1"
is "$(sum "$S")" "$before" "  ... the file is unchanged"
run "$CTL" pool create lab template=desk.xml base_image=base.qcow2 overlay_dir=overlays
is "$rc" 7 "create of an existing pool: exit 7"
is "$(sum "$S")" "$before" "  ... the file is unchanged"
run "$CTL" pool create lab2
is "$rc" 2 "create without keys: exit 2"
run "$CTL" pool create --dry-run lab2 template=desk.xml base_image=base.qcow2 overlay_dir=overlays
is "$rc" 0 "create --dry-run exits 0"
like "$out" "^dry run: \\[pool:lab2\\] would be added" "  ... says it is a dry run"
is "$(sum "$S")" "$before" "  ... and writes nothing"

# ---- list, show ----
run "$CTL" list
is "$rc" 0 "list exits 0"
like "$out" "^pool:lab +pool +- +pool:lab \\(1/2\\) +no " "list: the pool is KIND pool with its size/max"
like "$out" "^52:54:00:00:02:01 +mac +- +pool:lab +no " "list: the station names its pool"
run "$CTL" show pool:lab
is "$rc" 0 "show pool:lab exits 0"
like "$out" "^  template += desk.xml +\\(pool:lab, line 7\\)" "  ... prints template with its line"
like "$out" "^  size += 1 " "  ... and size"
! grep -qE '^  (host|usb_redirect) ' <<<"$out"
ok $? "  ... and no station keys"
like "$out" "at most 2 in all, at test:///default" "  ... and what the broker makes of it"

# ---- resize, drain ----
run "$CTL" pool resize lab 2 3
is "$rc" 0 "resize lab 2 3 exits 0"
grep -q '^size = 2$' "$S" && grep -q '^max = 3$' "$S"
ok $? "  ... size = 2 and max = 3 in the file"
before=$(sum "$S")
run "$CTL" pool resize lab 4
is "$rc" 1 "resize above max: exit 1"
like "$err" "max \\(3\\) is smaller than size \\(4\\)" "  ... with the reason"
is "$(sum "$S")" "$before" "  ... the file is unchanged"
run "$CTL" pool resize lab x
is "$rc" 1 "resize to a non-number: exit 1"
is "$(sum "$S")" "$before" "  ... the file is unchanged"
run "$CTL" pool resize nosuch 1
is "$rc" 6 "resize of a missing pool: exit 6"
run "$CTL" pool drain lab
is "$rc" 0 "drain exits 0"
grep -q '^size = 0$' "$S" && grep -q '^max = 3$' "$S"
ok $? "  ... size = 0, max kept"
cp "$S" "$T/drained"
run "$CTL" pool resize lab 2
is "$rc" 0 "resize back to 2"
cmp -s "$S.prev" "$T/drained"
ok $? "  ... the drained version is FILE.prev"

# ---- list without a broker ----
run "$CTL" pool list
is "$rc" 0 "pool list without a broker exits 0"
like "$out" "^NAME +SIZE +MAX +READY +IN-USE +QUEUE +MAINT$" "  ... header"
like "$out" "^lab +2 +3 +- +- +- +no$" "  ... from the file, live figures as -"
like "$out" "^# broker not reachable .*alone" "  ... the footer says so"
run "$CTL" pool list --no-header
is "$out" "lab   2     3    -      -       -      no" "  ... --no-header: the row alone"

# ---- with a broker ----
broker_start "$S" --state-dir "$T/state" || {
	echo "Bail out! broker did not start"
	exit 1
}
export VDI_ADMIN_SOCKET=$BROKER_SOCK
ready_is() {
	"$CTL" pool list --no-header | awk -v n="$1" '$1 == "lab" && $4 == n { f = 1 } END { exit !f }'
}
wait_for ready_is 2
ok $? "pool list with the broker: READY reaches size 2"
run "$CTL" pool list
like "$out" "^lab +2 +3 +2 +0 +0 +no$" "  ... 2 ready, none in use, no queue"
like "$out" "^# live: from the running broker" "  ... the footer says so"

r=$(lookup 52:54:00:00:02:01)
is "$(jget status <<<"$r")" ready "the station gets a pool VM"
run "$CTL" pool list
like "$out" "^lab +2 +3 +[0-9] +1 +0 +no$" "pool list: 1 in use"
run "$CTL" status
is "$rc" 0 "status exits 0"
like "$out" "^52:54:00:00:02:01 " "status lists the station"
like "$out" "^POOL +VM +STATE +STATION +ASSIGNED +CONNECTED +VIEWER_IN +CREATED$" \
	"status has a table of pool VMs"
like "$out" "^lab +lab-[0-9]+ +assigned +52:54:00:00:02:01 +[0-9TZ:-]+ +no +no " \
	"  ... the VM held by the station"
like "$out" "^lab +lab-[0-9]+ +(ready|creating) +- " "  ... and a VM nobody holds"
run "$CTL" status --no-header
[[ "$out" != *POOL* ]]
ok $? "status --no-header: no pool header either"

broker_stop
ok $? "broker stops cleanly"
done_testing
