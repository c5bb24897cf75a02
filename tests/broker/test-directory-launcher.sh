#!/bin/bash
# Directory logins at the station: a real launcher (under Xvfb) against the
# real broker and a private slapd. A locked account shows the broker's
# message with the directory's reason on a message screen that leads back
# to the login form; a directory that is down shows "cannot check your
# password right now" and goes back to the login form after the retry
# time; the right password of a directory user then connects.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/slapd.sh
. "$VDI_ROOT/tests/lib/slapd.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

[ -x /usr/sbin/slapd ] || skip_all "slapd not installed"
[ -x "$VDI_BUILD/bin/vdi-launcher" ] || skip_all "vdi-launcher not built"

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
if ! slapd_setup "$T/ldap" || ! slapd_run; then
	echo "Bail out! slapd did not start"
	exit 1
fi
port=$(free_port)
qemu_start desk "$port" || exit 1
printf '%s\n' "$SLAPD_READER_PW" >"$T/reader.pw"
printf '%s\n' "backends = directory" "uri = ldap://127.0.0.1:$SLAPD_PORT" "starttls = yes" \
	"ca = $SLAPD_CA" "bind_dn = $SLAPD_READER" "bind_password_file = $T/reader.pw" \
	"base = ou=people,$SLAPD_BASE" "timeout = 2" >"$T/directory.conf"
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Counter 1
host = 127.0.0.1
port = $port
login = broker
CONF
broker_start "$T/stations.conf" --directory "$T/directory.conf" || exit 1

type_login() {
	xdotool key --clearmodifiers ctrl+a
	xdotool type --delay 15 "$1"
	xdotool key Tab
	xdotool key --clearmodifiers ctrl+a
	xdotool type --delay 15 "$2"
	xdotool key Return
}

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle login=broker '
ok $? "login screen: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'

# A locked account: its own screen, the directory's reason, back to login.
type_login carol carol-pw
launcher_wait_state '^state=message kind=account_locked back=8 ' 10
ok $? "locked account: account_locked screen, back in 8 s: $(cat "$T/status")"
text=$(x11_screen_text 'locked or expired.*locked' 10)
ok $? "  ... the screen shows the broker's message with the reason: $text"
xdotool key Return
launcher_wait_state '^state=idle login=broker ' 3
ok $? "  ... Back returns to the login form"

# The directory is down: the broker cannot check, the station retries.
slapd_kill
type_login alice alice-pw
launcher_wait_state '^state=message kind=broker_error retry=15 ' 10
ok $? "directory down: retry in 15 s: $(cat "$T/status")"
text=$(x11_screen_text 'check your password right now' 10)
ok $? "  ... the screen says so: $text"
slapd_run || diag "slapd did not restart"
# The station does not keep the password through a trouble answer: its
# retry asks the broker again and brings the login form back.
launcher_wait_state '^state=idle login=broker ' 25
ok $? "  ... after 15 s the station is back at the login form by itself"
launcher_wait_log 'event=painted page=login'
type_login alice alice-pw
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$port " 15
ok $? "the directory is back: alice logs in and connects: $(cat "$T/status")"
! grep -qF -e alice-pw -e carol-pw -e reader-pw "$T/launcher.log" "$BROKER_LOG"
ok $? "no password in the launcher's or the broker's log"
launcher_stop
ok $? "launcher stops cleanly"
broker_stop
ok $? "broker stops cleanly"
done_testing
