#!/bin/bash
# vdi-test: once
# Open sessions from the broker's side, with real parts: the broker, its
# admin socket through stationctl, a private libvirtd with QEMU
# (tests/lib/libvirt.sh) and the launcher under Xvfb.
#
# A station opens a session through the broker's API (login, start report
# with the token, an alive report with its idle time): stationctl sessions
# lists user, station, desktop, since and idle. stationctl disconnect on a
# fixed endpoint says that the broker cannot drop that viewer; the
# station's next alive report is answered with the end and its sentence,
# and the session is gone. Then the launcher connects to a libvirt domain:
# its alive reports carry the X server's idle time, and stationctl
# disconnect STATION drops its SPICE client, as QEMU's own "info spice"
# shows (no channel left), and the launcher shows why and goes back to
# its login screen.
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
# shellcheck source=tests/lib/libvirt.sh
. "$VDI_ROOT/tests/lib/libvirt.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "stationctl not built"
command -v Xvfb >/dev/null || skip_all "Xvfb is not installed"
libvirt_skip_unless_usable

plan 26

COUNTER=52:54:00:00:00:0a
qemu_pattern_disk "$T/pattern.img"
libvirt_define_tiny tiny --disk "$T/pattern.img"

printf 'alice-pw\n' | "$CTL" -u "$T/users" passwd alice >/dev/null 2>&1
S=$T/stations.conf
cat >"$S" <<CONF
[$COUNTER]
name = counter-a
login = broker
protocol = spice
host = 127.0.0.1
port = 5999

[$STATION_MAC]
name = libvirt desk
domain = tiny
libvirt_uri = $LIBVIRT_URI
autoconnect = yes
CONF
broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}
ctl() { "$CTL" --socket "$BROKER_SOCK" "$@"; }

# --- a session opened through the API: listed with user, station, idle ---
r=$(bpost /v1/login '{"mac":"'$COUNTER'","username":"alice","password":"alice-pw"}')
tok=$(jget session <<<"$r")
like "$tok" '^[0-9a-f]{32}$' "alice logs in at counter-a: a session token"
start='{"mac":"'$COUNTER'","event":"start","protocol":"spice","host":"127.0.0.1","port":5999,"user":"alice","session":"'$tok'"}'
is "$(bpost_code /v1/session "$start")" 200 "  ... the station's start report: 200"
r=$(bpost /v1/session '{"mac":"'$COUNTER'","event":"alive","reason":"7","session":"'"$tok"'"}')
is "$(jget status <<<"$r")" ok "  ... an alive report with 7 s idle: ok"
like "$(jget retry_after <<<"$r")" '^[1-9][0-9]*$' "  ... saying when to report again"
is "$(bpost_code /v1/session '{"mac":"'$COUNTER'","event":"alive","reason":"1","session":"0123456789abcdef0123456789abcdef"}')" \
	403 "  ... an alive report with another token: 403"

out=$(ctl sessions)
line=$(grep -- "$COUNTER" <<<"$out")
like "$line" '^alice +counter-a +52:54:00:00:00:0a +spice://127\.0\.0\.1:5999 +[0-9TZ:-]+ +(7|8|9)s +open' \
	"stationctl sessions: user, station, MAC, desktop, since, idle, open"
like "$(head -n 1 <<<"$out")" '^USER +STATION +MAC +DESKTOP +SINCE +IDLE +STATE' "  ... under its header"
j=$(ctl sessions --json)
[ "$(jget sessions.0.idle_s <<<"$j")" -ge 7 ] 2>/dev/null
ok $? "  ... --json: idle_s $(jget sessions.0.idle_s <<<"$j") (the report's 7 s and the time since)"
is "$(jget sessions.0.user <<<"$j")" alice "  ... user alice, as the broker checked her"

# --- disconnect of a fixed endpoint: told, then ended at the next report ---
out=$(ctl disconnect counter-a)
is $? 0 "stationctl disconnect counter-a: exit 0"
like "$out" "ended: alice at counter-a .*cannot drop this viewer.*next report" \
	"  ... says the broker cannot drop a fixed endpoint's viewer"
like "$(ctl sessions | grep -- "$COUNTER")" 'ending:disconnected' "  ... sessions: ending:disconnected until the station hears"
r=$(bpost /v1/session '{"mac":"'$COUNTER'","event":"alive","reason":"9","session":"'"$tok"'"}')
is "$(jget error <<<"$r")" session_disconnected "  ... the next alive report is answered session_disconnected"
is "$(jget message <<<"$r")" "Your session was ended by an administrator." "  ... with the station's sentence"
is "$(ctl sessions --no-header | grep -c -- "$COUNTER")" 0 "  ... and the session is gone"
ctl disconnect nobody >/dev/null 2>&1
is $? 6 "stationctl disconnect of nobody in a session: exit 6"

# --- the launcher on a libvirt domain: disconnect drops its SPICE client ---
x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=connected protocol=spice ' 60
ok $? "the launcher connects to the domain: $(cat "$T/status")"
channels() { libvirt_spice_info tiny | grep -c '^ *Channel:' || true; }
has_client() { [ "$(channels)" -ge 1 ]; }
WAIT_FOR_SECS=20 wait_for has_client
ok $? "  ... QEMU's SPICE server has its channels: $(channels)"
# Alive reports every 3 s carry the X server's idle time (nothing is typed).
j=$(admin_wait_like /v1/admin/sessions '"idle_s":' 10)
like "$j" '"name":"libvirt desk".*"desktop":"domain tiny".*"idle_s":[0-9]+' \
	"  ... stationctl sessions shows it, desktop domain tiny, with the X idle time"

# The station is frozen meanwhile: whatever closes its SPICE channels now
# is the broker's doing, not the station's own end at its next report.
kill -STOP "$LAUNCHER_PID"
out=$(ctl disconnect "libvirt desk")
like "$out" 'ended: - at libvirt desk .*desktop domain tiny: viewer disconnected by libvirt' \
	"stationctl disconnect 'libvirt desk': the viewer is dropped by libvirt"
no_client() { [ "$(channels)" = 0 ]; }
WAIT_FOR_SECS=5 wait_for no_client
ok $? "  ... QEMU's own view, the station frozen: no SPICE channel left ($(channels))" ||
	libvirt_spice_info tiny | sed 's/^/#   /' >&2
kill -CONT "$LAUNCHER_PID"
launcher_wait_state '^state=message kind=session_ended ' 10
ok $? "  ... the station, running again, says its session has ended: $(cat "$T/status")"
launcher_wait_log 'event=session_ended_by_broker code=session_disconnected' 5
ok $? "  ... told so by the broker (session_disconnected)"
launcher_wait_state '^state=idle ' 15
ok $? "  ... and goes back to its login screen: $(cat "$T/status")"
launcher_stop
ok $? "the launcher stops cleanly"
broker_stop
ok $? "the broker stops cleanly"
