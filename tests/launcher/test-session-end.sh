#!/bin/bash
# How sessions end besides the server quitting: the station's network link
# goes down (the session ends at once, not when TCP gives up), and the
# broker is unreachable when the end is to be reported (the report waits and
# goes out once the broker is back). With autoconnect, the launcher connects
# again by itself after a short wait.
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

plan 19

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
BROKER_LISTEN=127.0.0.1:$bport broker_start "$T/stations.conf" || exit 1

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" -o retry_base=2
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
broker_stop
qemu_quit desk
launcher_wait_state '^state=idle ' 5
ok $? "server gone: back at the login screen while the broker is down"
launcher_wait_log 'event=session_report event=end result=retry' 5
ok $? "the end report could not go out and is kept"
BROKER_LISTEN=127.0.0.1:$bport broker_start "$T/stations.conf" || exit 1
# The first end (link down) was reported at once; this is the second.
wait_count 'event=session_report event=end result=ok' 2 15
ok $? "once the broker is back, the kept report goes out"
sleep 0.5
is "$(count_log 'event=session_report event=end result=ok')" 2 "two session ends, each reported once"
# The new broker's own record: exactly one session report from this
# station, an end with the reason of the second session (the server quit),
# and no start (that went to the first broker). Its admin socket knows the
# station and has it idle, with no endpoint.
reports=$(grep -E "event=session mac=$STATION_MAC " "$BROKER_LOG")
is "$(printf '%s\n' "$reports" | grep -Ec ' kind=end( |$)')/$(printf '%s\n' "$reports" | grep -Ec ' kind=start( |$)')" \
	1/0 "the new broker got one end and no start: $(printf '%s' "$reports" | sed -n 's/.*\( kind=[a-z]*\).*\( reason=[a-z_]*\).*/\1\2/p' | tr '\n' ' ')"
like "$reports" ' kind=end .*reason=server_closed' "the end says why: the server closed"
station=$(admin_wait_like /v1/admin/stations "\"mac\":\"$STATION_MAC\"")
like "$station" "\"mac\":\"$STATION_MAC\",[^}]*\"state\":\"idle\"" \
	"the new broker's admin socket has the station idle"
! printf '%s' "$station" | grep -q '"endpoint"'
ok $? "with no session endpoint: $station"
launcher_stop
ok $? "stops cleanly"
