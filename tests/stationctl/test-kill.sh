#!/bin/bash
# kill -9 during edits of a big stations file (100,000 sections, so that an
# edit takes long enough to be hit at every stage: reading, validating,
# writing, renaming). After every kill the file must be exactly the old or the
# new version and pass `stationctl check`; the temp files a killed edit leaves
# are removed by the next edit.
# shellcheck source=SCRIPTDIR/../lib/tap.sh disable=SC1091
. "$(dirname "$0")/../lib/tap.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"

SECTIONS=100000
# The sanitizer build is several times slower; fewer rounds keep it short.
case $VDI_BUILD in
*/asan) ROUNDS=6 ;;
*) ROUNDS=20 ;;
esac

F=$T/stations.conf
export VDI_STATIONS_FILE=$F
awk -v n=$SECTIONS 'BEGIN {
	print "# kill -9 test: a big file\n[group:big]\nprotocol = spice\nhost = 10.0.0.5\n"
	for (i = 0; i < n; i++)
		printf "[52:54:%02x:%02x:%02x:%02x]\ngroup = big\nport = %d\n\n",
			int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256, i % 256,
			5901 + i % 1000
}' >"$F"
TARGET=52:54:00:00:00:00 # port 5901 in the generated file
sum() { sha256sum "$1" | cut -d' ' -f1; }

# The two versions an edit can leave: A (port 5901) and B (port 5902).
sum_a=$(sum "$F")
cp "$F" "$T/b.conf"
start=$(date +%s%N)
"$CTL" -f "$T/b.conf" set "$TARGET" port=5902 >/dev/null
ok $? "a full edit of the big file works"
dur_ms=$((($(date +%s%N) - start) / 1000000))
sum_b=$(sum "$T/b.conf")
rm -f "$T/b.conf"*
diag "one edit of $SECTIONS sections takes ${dur_ms} ms; $ROUNDS kill rounds"

bad_content=0 bad_check=0 bad_prev=0 killed=0 temps_seen=0
cur=a
for round in $(seq 1 "$ROUNDS"); do
	if [ "$cur" = a ]; then port=5902; else port=5901; fi
	# Kill points spread over the whole edit, from right after exec to just
	# after it would have finished; every other round aims at the end,
	# where the new version is written, fsynced and renamed.
	if ((round % 2)); then
		delay_ms=$((dur_ms * 12 * round / (10 * ROUNDS)))
	else
		delay_ms=$((dur_ms * (80 + 30 * round / ROUNDS) / 100))
	fi
	"$CTL" --lock-timeout 60 set "$TARGET" port=$port >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null

	s=$(sum "$F")
	if [ "$s" = "$sum_a" ]; then
		cur=a
	elif [ "$s" = "$sum_b" ]; then
		cur=b
	else
		bad_content=$((bad_content + 1))
		diag "round $round (kill after ${delay_ms} ms): the file is neither version"
	fi
	if [ -e "$F.prev" ]; then
		p=$(sum "$F.prev")
		[ "$p" = "$sum_a" ] || [ "$p" = "$sum_b" ] || bad_prev=$((bad_prev + 1))
	fi
	if ! "$CTL" check -q 2>"$T/check.err"; then
		bad_check=$((bad_check + 1))
		diag "round $round: check failed: $(head -3 "$T/check.err")"
	fi
	if ls "$F".tmp.* >/dev/null 2>&1; then
		temps_seen=$((temps_seen + 1))
	fi
done
diag "$killed of $ROUNDS edits killed mid-way; $temps_seen rounds left temp files"
ok $((killed == 0)) "some edits were really killed"
is "$bad_content" 0 "after every kill the file is exactly the old or the new version"
is "$bad_check" 0 "after every kill stationctl check passes"
is "$bad_prev" 0 "FILE.prev is always a complete version"

# The next complete edit cleans up whatever the killed ones left. A kill
# between creating the temp file and renaming it is a narrow window, so
# temp files as such an edit leaves them are added here too: a half-written
# new version and a link meant to become FILE.prev.
head -c 100000 "$F" >"$F.tmp.Ab12Cd"
ln "$F" "$F.tmp.prevXy34Zw"
"$CTL" --lock-timeout 5 set "$TARGET" port=5903 >/dev/null
ok $? "an edit after the kills works (no stale lock)"
left=$(ls -li "$F".tmp.* 2>/dev/null)
[ -z "$left" ]
ok $? "no temp files remain after the next edit" || diag "left: $left" "dir: $(ls -lia "$T")"
"$CTL" show "$TARGET" | grep -Eq '^  port += 5903 '
ok $? "the last edit took effect"

done_testing
