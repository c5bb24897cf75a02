#!/bin/bash
# A stations file cut short or emptied is not applied by itself.
#
# What the admin's side does: a writer truncates the 3-mapping file in place,
# writes the first mapping and is killed (kill -9) before it writes the rest;
# the file is emptied (: >FILE); it is replaced by one with comments only.
# Each of these leaves a valid file with fewer than half of the mappings, so
# the broker holds it. Then the admin confirms it with `stationctl reload
# --force`, or with SIGHUP; an intended edit (`stationctl del` of one
# mapping of three) applies at once, and so does a script's in-place rewrite
# in two steps, once, after the second; `stationctl del` of the very last
# mapping waits for --force like any file without mappings.
#
# What proves it, from outside the broker's log: real POST /v1/lookup
# answers for the stations the short file lost (still their desktops while
# held, "unknown" once confirmed), the admin socket's mapping count and its
# "held" object, and stationctl reload's exit code and words.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"
command -v perl >/dev/null || skip_all "perl not installed"

mkdir -p "$T/etc"
S=$T/etc/stations.conf
export VDI_STATIONS_FILE=$S

section() {
	printf '[52:54:00:00:00:0%s]\nname = desk-%s\nhost = 10.9.0.%s\nport = 5900\n\n' "$1" "$1" "$1"
}
three() {
	printf '# three desks\n'
	section 1
	section 2
	section 3
}
# restore: the full file, renamed into place the way stationctl saves.
restore() {
	three >"$S.tmp"
	mv "$S.tmp" "$S"
}

name_of() {
	lookup "52:54:00:00:00:0$1" | jget station.name
}
status_of() {
	lookup "52:54:00:00:00:0$1" | jget status
}
health() {
	admin_get /v1/admin/health
}
mappings() {
	health | jget mappings
}
# wait_mappings N: the broker serves N mappings within 10 s.
wait_mappings() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(mappings)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# wait_held: the admin socket reports a held file within 10 s (a written
# file is looked at after 1 s without writes).
wait_held() {
	admin_wait_like /v1/admin/health '"held":' 10 >/dev/null
	health | jget held >/dev/null
}
ctl() {
	out=$("$CTL" --socket "$BROKER_SOCK" "$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}

# killed_writer: a writer that rewrites the file in place (O_TRUNC, same
# inode, as `cat new >FILE` or an editor without atomic save does), writes
# the first mapping, and is killed with SIGKILL before it writes the other
# two. The kernel closes its descriptor, so the watch sees a close after
# write just as for a finished write.
killed_writer() {
	local part pid i
	part=$(section 1)
	perl -e '
		open(my $fh, ">", $ARGV[0]) or die "open: $!";
		syswrite($fh, $ARGV[1]) or die "write: $!";
		open(my $m, ">", $ARGV[2]) and close($m);
		sleep 60;
		syswrite($fh, $ARGV[3]);
	' "$S" "$part" "$T/written" "$(section 2; section 3)" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -e "$T/written" ] && break
		sleep 0.05
	done
	rm -f "$T/written"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
}

restore
broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}
is "$(mappings)" 3 "start: 3 mappings served"

# --- a writer killed half-way ---
killed_writer
is "$(grep -c '^\[' "$S")" 1 "killed writer: the file on disk has 1 section of 3"
wait_held
ok $? "killed writer: the admin socket reports the file as held"
h=$(health)
is "$(jget held.mappings <<<"$h")" 1 "held: the file has 1 mapping"
is "$(jget held.serving <<<"$h")" 3 "held: 3 still served"
is "$(jget mappings <<<"$h")" 3 "health: the broker still serves 3 mappings"
is "$(name_of 2)" desk-2 "lookup of a station the short file lost (02): still its desktop"
is "$(name_of 3)" desk-3 "lookup of 03: still its desktop"
is "$(name_of 1)" desk-1 "lookup of 01: its desktop"
like "$(grep 'event=reload status=held' "$BROKER_LOG" | tail -n 1)" \
	'level=warn .*trigger=inotify mappings=1 serving=3' "the log says held, with both counts"

# stationctl reload without --force: still held, says how to apply it.
ctl reload
is "$rc" 1 "stationctl reload on a held file: exit 1"
like "$err" 'holds its stations file.*file has 1 mapping.*serves 3' \
	"stationctl reload says the file is held, with both counts"
like "$err" "stationctl reload --force' \\(or SIGHUP\\)" "  ... and how to apply it"
is "$(mappings)" 3 "after stationctl reload: still 3 mappings"
is "$(name_of 2)" desk-2 "after stationctl reload: 02 still gets its desktop"
ctl reload --json
is "$(jget status <<<"$out")" held "stationctl reload --json: status held"

# --force applies it.
ctl reload --force
is "$rc" 0 "stationctl reload --force: exit 0"
like "$out" 'applied its stations file: 1 mapping' "  ... and says it applied 1 mapping"
is "$(mappings)" 1 "after --force: 1 mapping served"
is "$(status_of 2)" unknown "after --force: 02 is unknown (the file says so)"
is "$(name_of 1)" desk-1 "after --force: 01 still served"
health | jget held >/dev/null
is $? 1 "after --force: nothing held"

# --- SIGHUP confirms as well ---
restore
wait_mappings 3
ok $? "the full file renamed into place: applied by itself (1 -> 3)"
killed_writer
wait_held
ok $? "a second killed writer: held"
is "$(name_of 3)" desk-3 "held: 03 still gets its desktop"
kill -HUP "$BROKER_PID"
wait_mappings 1
ok $? "SIGHUP applies the held file"
is "$(status_of 3)" unknown "after SIGHUP: 03 is unknown"
health | jget held >/dev/null
is $? 1 "after SIGHUP: nothing held"

# --- emptied in place ---
restore
wait_mappings 3
: >"$S"
wait_held
ok $? "emptied file: held"
is "$(jget held.mappings <<<"$(health)")" 0 "emptied file: held with 0 mappings"
is "$(name_of 2)" desk-2 "emptied file: 02 still gets its desktop"
is "$(mappings)" 3 "emptied file: 3 mappings served"
# Putting the file back ends the hold without anyone confirming anything.
restore
for ((i = 0; i < 50; i++)); do
	health | jget held >/dev/null || break
	sleep 0.1
done
health | jget held >/dev/null
is $? 1 "the full file back: the hold ends"

# --- comments only, renamed into place ---
printf '# all desks moved to the new broker\n# (nothing here any more)\n' >"$S.tmp"
mv "$S.tmp" "$S"
wait_held
ok $? "comment-only file: held"
is "$(name_of 1)" desk-1 "comment-only file: 01 still gets its desktop"
is "$(mappings)" 3 "comment-only file: 3 mappings served"
restore
wait_mappings 3

# --- written in place in two steps: one reload, after both ---
# A script that rewrites the file in place in two steps, each an open, a
# write and a close: after the first, the file has 2 of 4 mappings, which the
# count rule lets through (half is not fewer than half). The second of quiet
# that a written file must have keeps the broker from applying that.
{
	section 1
	section 2
	section 3
	section 4
} >"$S.tmp"
mv "$S.tmp" "$S"
wait_mappings 4
ok $? "4 mappings served"
g0=$(health | jget generation)
(
	{
		section 1
		section 2
	} >"$S"
	sleep 0.4
	{
		section 3
		section 4
	} >>"$S"
) &
w=$!
lost=0
while kill -0 "$w" 2>/dev/null; do
	[ "$(name_of 4)" = desk-4 ] || lost=$((lost + 1))
	sleep 0.05
done
wait "$w"
for ((i = 0; i < 30; i++)); do
	[ "$(name_of 4)" = desk-4 ] || lost=$((lost + 1))
	[ "$(health | jget generation)" = $((g0 + 1)) ] && break
	sleep 0.05
done
is "$lost" 0 "a file rewritten in place in two steps 0.4 s apart: 04 answered throughout"
sleep 1.2
is "$(health | jget generation)" $((g0 + 1)) "  ... and applied by one reload, after the second step"
is "$(mappings)" 4 "  ... with its 4 mappings"
restore
wait_mappings 3

# --- an intended edit applies at once ---
# Wait for the hold of the comment-only file to end with the restore.
for ((i = 0; i < 50; i++)); do
	health | jget held >/dev/null || break
	sleep 0.1
done
ctl del 52:54:00:00:00:02
is "$rc" 0 "stationctl del of 1 mapping of 3: exit 0"
wait_mappings 2
ok $? "the edit is applied by itself (3 -> 2)"
is "$(status_of 2)" unknown "after the edit: 02 is unknown"
is "$(name_of 3)" desk-3 "after the edit: 03 still served"
health | jget held >/dev/null
is $? 1 "the edit is not held"
ctl reload
is "$rc" 0 "stationctl reload after the edit: exit 0"
like "$out" 'applied its stations file: 2 mapping' "  ... 2 mappings"

# Deleting down to one mapping applies each time (2 -> 1 keeps half); deleting
# the last one (1 -> 0) is held like any file without mappings, until the
# admin confirms it.
ctl del 52:54:00:00:00:01
wait_mappings 1
ok $? "stationctl del 2 -> 1: applied"
ctl del 52:54:00:00:00:03
is "$rc" 0 "stationctl del of the last mapping: exit 0"
wait_held
ok $? "the file without mappings is held"
is "$(name_of 3)" desk-3 "held: 03 still gets its desktop"
ctl reload --force
is "$rc" 0 "stationctl reload --force: exit 0"
is "$(mappings)" 0 "after --force: no mappings"
is "$(status_of 3)" unknown "after --force: 03 is unknown"

broker_alive
ok $? "broker alive"
broker_stop
ok $? "broker stopped cleanly"

done_testing
