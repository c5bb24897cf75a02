#!/bin/bash
# The broker side going wrong: the broker is down, its certificate is not
# from the station's CA, its address is plain http://. Each gives its own
# screen and state, the launcher retries with a growing delay, and it
# recovers by itself once the broker is back.
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

plan 17

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Lab 3
host = 127.0.0.1
port = 5999
CONF
gen_tls "$T/tls" || exit 1
port=$(free_port)

# 1. The broker is down: unreachable, with back-off, until it comes up.
launcher_start --broker "https://127.0.0.1:$port" --ca "$T/tls/ca.crt" --mac "$STATION_MAC" \
	-o retry_base=1 -o retry_max=8
launcher_wait_state '^state=message kind=unreachable retry=1 '
ok $? "broker down: $(cat "$T/status")"
launcher_wait_log 'state=message kind=unreachable retry=2 ' 5
ok $? "second failure waits longer (2 s)"
launcher_wait_log 'state=message kind=unreachable retry=4 ' 5
ok $? "third failure waits longer still (4 s)"
BROKER_LISTEN=127.0.0.1:$port broker_start "$T/stations.conf" || exit 1
launcher_wait_state '^state=idle login=none ' 10
ok $? "the broker is up: login screen by itself: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'
x11_screenshot "$T/secure.png"
launcher_stop
ok $? "stops cleanly"

# 2. The broker's certificate is from another CA: nothing is sent to it.
# (Each part uses its own MAC: the broker lists every station that asked.)
: >"$T/launcher.log"
gen_tls "$T/other" || exit 1
mac2=52:54:00:00:00:02
launcher_start --broker "$BROKER_URL" --ca "$T/other/ca.crt" --mac "$mac2" \
	-o retry_base=1 -o retry_max=1
launcher_wait_state '^state=message kind=tls retry=1 '
ok $? "wrong CA: TLS failure screen: $(cat "$T/status")"
wait_count 'state=message kind=tls' 3 5
ok $? "it retries, and fails the same way ($(count_log 'state=message kind=tls') times)"
seen=$(admin_get /v1/admin/stations)$(admin_get /v1/admin/unknown)
unlike() { ! printf '%s' "$1" | grep -q -- "$2"; }
unlike "$seen" "$mac2"
ok $? "the broker never got a request from it"
like "$(grep 'event=broker_error' "$T/launcher.log" | head -n 1)" 'certificate|SSL|issuer' \
	"the log says why"
launcher_stop

# 3. A CA file that does not exist is the station's own fault: state error.
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --ca "$T/missing.crt" --mac "$STATION_MAC"
launcher_wait_state '^state=error kind=config '
ok $? "missing CA file: configuration error: $(cat "$T/status")"
launcher_stop

# 4. Plain http:// only with --insecure, and then with a warning.
broker_stop
: >"$T/launcher.log"
BROKER_HTTP=1 broker_start "$T/stations.conf" || exit 1
mac3=52:54:00:00:00:03
launcher_start --broker "$BROKER_URL" --mac "$mac3"
launcher_wait_state '^state=error kind=config '
ok $? "http:// without --insecure is refused: $(cat "$T/status")"
unlike "$(admin_get /v1/admin/stations)$(admin_get /v1/admin/unknown)" "$mac3"
ok $? "and nothing was sent"
launcher_stop
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --mac "$mac3" --insecure
launcher_wait_state '^state=message kind=unknown '
ok $? "with --insecure it asks the broker: $(cat "$T/status")"
like "$(admin_get /v1/admin/unknown)" "$mac3" "which now knows the station"
launcher_stop
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --mac "$STATION_MAC" --insecure
launcher_wait_state '^state=idle '
ok $? "a mapped station gets its login screen: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'
x11_screenshot "$T/insecure.png"
# The warning is drawn in the warning colour (#ffb020), which the logo also
# has a little of: compare with the login screen of the https broker.
warn_pixels() {
	convert "$1" -fuzz 12% -fill black +opaque '#ffb020' -fill white -opaque '#ffb020' \
		-format '%[fx:int(mean*w*h)]' info:
}
orange=$(warn_pixels "$T/insecure.png")
orange_https=$(warn_pixels "$T/secure.png")
[ "$orange" -gt $((orange_https + 500)) ]
ok $? "and the login screen shows the insecure-mode warning ($orange warning-coloured pixels, $orange_https with https)"
launcher_stop
ok $? "stops cleanly"
