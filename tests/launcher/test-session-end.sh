#!/bin/bash
# How sessions end besides the server quitting: the station's network link
# goes down (the session ends at once, not when TCP gives up), and the
# broker is unreachable when the end is to be reported (the report waits and
# goes out once the broker is back). With autoconnect, the launcher connects
# again by itself after a short wait.
#
# The station reaches the broker through a TCP relay (socat) that the test
# cuts and restores: an outage on the way, while the broker itself keeps
# running with the session token it gave the station. (A restarted broker
# knows no token of an earlier session, and refuses its reports.)
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

plan 20

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
carrier=$T/sysroot/sys/class/net/eth9/carrier
port=$(free_port)
bport=$(free_port)
qemu_start desk "$port" || exit 1
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Ward 4
host = 127.0.0.1
port = $port
autoconnect = yes
CONF
broker_start "$T/stations.conf" || exit 1

# relay_start / relay_stop: the station's way to the broker, on $bport.
# Every relay started is stopped, also one whose start failed.
RELAY_PIDS=()
relay_start() {
	local i pid
	setsid socat "TCP-LISTEN:$bport,bind=127.0.0.1,reuseaddr,fork" \
		"TCP:127.0.0.1:${BROKER_URL##*:}" 2>>"$T/relay.log" &
	pid=$!
	RELAY_PIDS+=("$pid")
	for ((i = 0; i < 50; i++)); do
		# Listening, and it is this relay that listens.
		kill -0 "$pid" 2>/dev/null || return 1
		(exec 3<>"/dev/tcp/127.0.0.1/$bport") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
relay_stop() {
	local pid
	# Whole groups: socat forks one child per open connection.
	for pid in "${RELAY_PIDS[@]}"; do
		kill -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	RELAY_PIDS=()
}
at_exit relay_stop
relay_start || exit 1

launcher_start --broker "https://127.0.0.1:$bport" --ca "$BROKER_CA" --mac "$STATION_MAC" \
	-o retry_base=2
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$port "
ok $? "autoconnect: connected without a key press: $(cat "$T/status")"
wait_for spice_clients desk 1
ok $? "the desktop's SPICE server has the viewer ($(spice_channels desk) channels)"
is "$(count_log 'purpose=connect')" 0 "with the endpoints of the first lookup (no second query)"

# 1. The cable is pulled.
t0=$(date +%s%3N)
echo 0 >"$carrier"
launcher_wait_state '^state=idle ' 5
ok $? "link down: the session ends: $(cat "$T/status")"
wait_for spice_clients desk 0
ok $? "and the desktop's SPICE server has no viewer left ($(spice_channels desk || echo 'no answer') channels)"
took=$(($(launcher_log_ms 'painted page=login') - t0))
[ "$took" -le 1500 ]
ok $? "login screen ${took} ms after the link went down (polled each second)"
like "$(grep event=session_end "$T/launcher.log")" 'reason=network_lost' "reason: network_lost"
broker_got_ends 1
ok $? "the broker got the end (it is on loopback, still reachable)"
echo 1 >"$carrier"
launcher_wait_log 'Connecting automatically|state=querying purpose=connect' 5
launcher_wait_state '^state=connected ' 10
ok $? "autoconnect again after the wait: $(cat "$T/status")"
wait_for spice_clients desk 1
ok $? "the desktop's SPICE server has the viewer again ($(spice_channels desk) channels)"

# 2. The broker is down when the session ends. The start of the session
# above is reported in the background; it must have gone out first, or the
# end would queue behind its retry (10 s) rather than be tried at once.
wait_count 'event=session_report event=start result=ok' 2 10
relay_stop
qemu_quit desk
launcher_wait_state '^state=idle ' 5
ok $? "server gone: back at the login screen while the broker is unreachable"
launcher_wait_log 'event=session_report event=end result=retry' 5
ok $? "the end report could not go out and is kept"
# Until the report arrives the broker still has the station connected.
is "$(admin_get /v1/admin/stations | grep -Eo "\"mac\":\"$STATION_MAC\",[^}]*\"state\":\"[a-z]*\"" | grep -Eo '[a-z]*"$')" \
	'connected"' "the broker has not heard of the end yet"
relay_start || exit 1
# The first end (link down) was reported at once; this is the second.
wait_count 'event=session_report event=end result=ok' 2 15
ok $? "once the broker is back, the kept report goes out"
sleep 0.5
is "$(count_log 'event=session_report event=end result=ok')" 2 "two session ends, each reported once"
# The broker's own record: two sessions from this station, each started and
# ended, the last end with the reason of the second session (the server
# quit), accepted with the token of that session's ready answer. Its admin
# socket has the station idle, with no endpoint.
reports=$(grep -E "event=session mac=$STATION_MAC " "$BROKER_LOG")
is "$(printf '%s\n' "$reports" | grep -Ec ' kind=end( |$)')/$(printf '%s\n' "$reports" | grep -Ec ' kind=start( |$)')" \
	2/2 "the broker got two starts and two ends: $(printf '%s' "$reports" | sed -n 's/.*\( kind=[a-z]*\).*\( reason=[a-z_]*\).*/\1\2/p' | tr '\n' ' ')"
like "$(printf '%s\n' "$reports" | tail -n 1)" ' kind=end .*reason=server_closed' "the last end says why: the server closed"
station=$(admin_wait_like /v1/admin/stations "\"mac\":\"$STATION_MAC\"")
like "$station" "\"mac\":\"$STATION_MAC\",[^}]*\"state\":\"idle\"" \
	"the broker's admin socket has the station idle again"
! printf '%s' "$station" | grep -q '"endpoint"'
ok $? "with no session endpoint: $station"
launcher_stop
ok $? "stops cleanly"
