#!/bin/bash
# 20 stationctl edits at the same time on one file: the lock serializes them,
# so every one of them lands (no lost update) and the file stays valid.
# shellcheck source=SCRIPTDIR/../lib/tap.sh disable=SC1091
. "$(dirname "$0")/../lib/tap.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"

F=$T/stations.conf
export VDI_STATIONS_FILE=$F
N=20
cat >"$F" <<'CONF'
# concurrency test
[group:lab]
host = 10.0.0.5

[default]
maintenance = yes
CONF

# Start all editors first, then release them together, so that they really
# race for the lock instead of running one after the other.
go=$T/go
mkfifo "$go"
pids=()
for i in $(seq 1 $N); do
	mac=$(printf '52:54:00:00:01:%02x' "$i")
	(
		read -r _ <"$go"
		exec "$CTL" --lock-timeout 60 add "$mac" group=lab port=$((5900 + i)) "name=st-$i"
	) >"$T/add.$i.out" 2>&1 &
	pids+=($!)
done
sleep 0.5
# Opening the FIFO for writing wakes every reader at once.
: >"$go"
fails=0
for p in "${pids[@]}"; do
	wait "$p" || fails=$((fails + 1))
done
is "$fails" 0 "all $N concurrent adds exit 0"
"$CTL" check -q
ok $? "the file is valid after $N concurrent adds"
is "$("$CTL" list -H | grep -c '^52:54:00:00:01:')" $N "all $N stations are in the file (no lost update)"
is "$(grep -c '^\[52:54:00:00:01:' "$F")" $N "each station appears exactly once"

# The same with set: each run changes its own station's port.
mkfifo "$go.2"
pids=()
for i in $(seq 1 $N); do
	mac=$(printf '52:54:00:00:01:%02x' "$i")
	(
		read -r _ <"$go.2"
		exec "$CTL" --lock-timeout 60 set "$mac" port=$((6900 + i))
	) >"$T/set.$i.out" 2>&1 &
	pids+=($!)
done
sleep 0.5
: >"$go.2"
fails=0
for p in "${pids[@]}"; do
	wait "$p" || fails=$((fails + 1))
done
is "$fails" 0 "all $N concurrent sets exit 0"
"$CTL" check -q
ok $? "the file is valid after $N concurrent sets"
lost=0
for i in $(seq 1 $N); do
	mac=$(printf '52:54:00:00:01:%02x' "$i")
	"$CTL" show "$mac" | grep -Eq "^  port += $((6900 + i)) " || lost=$((lost + 1))
done
is "$lost" 0 "every concurrent set took effect (no lost update)"
! ls "$F".tmp.* >/dev/null 2>&1
ok $? "no temp files left behind"

done_testing
