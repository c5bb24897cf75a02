#!/bin/bash
# What the broker says about the station: maintenance (with its text), and
# unknown (identity large on screen). Each has its screen and state, polls
# again as the broker says (capped by retry_max), and leaves by itself once
# the admin changes the mapping.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

plan 14

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
stations=$T/stations.conf
cat >"$stations" <<CONF
[$STATION_MAC]
name = Library 2
maintenance = yes
message = Closed for the holidays, back on Monday.
CONF
broker_start "$stations" || exit 1

# 1. Maintenance.
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" \
	--hostname lib-02 -o retry_max=2
launcher_wait_state '^state=message kind=maintenance retry=2 '
ok $? "maintenance screen (the broker's 60 s capped to 2): $(cat "$T/status")"
text=$(x11_screen_text 'Closed for the holidays' 10)
ok $? "the screen shows the broker's message: '$(printf '%s' "$text" | cut -c 1-80)'"
# The broker's own record of the station's lookups: when it last asked.
last_seen() {
	admin_get /v1/admin/stations | jget stations.0.last_seen
}
seen0=$(last_seen)
seen_later() { [ "$(last_seen)" != "$seen0" ]; }
WAIT_FOR_SECS=6 wait_for seen_later
ok $? "it asks the broker again by itself (the broker saw it at $seen0, then $(last_seen))"
stations_write "$stations" <<CONF
[$STATION_MAC]
name = Library 2
host = 127.0.0.1
port = 5999
CONF
launcher_wait_state '^state=idle ' 5
ok $? "maintenance over: login screen by itself: $(cat "$T/status")"
# The login screen's heading is the station's name (the progress screen
# has none); the message must be gone.
text=$(x11_screen_text 'Library 2' 10) && ! printf '%s' "$text" | grep -qi 'holidays'
ok $? "the screen is the login screen, no longer the message: '$(printf '%s' "$text" | cut -c 1-80)'"
launcher_wait_log 'event=painted page=login'
x11_screenshot "$T/login.png"
launcher_stop
ok $? "stops cleanly"

# 2. Unknown station.
: >"$T/launcher.log"
mac=52:54:00:99:88:77
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$mac" --hostname lib-99 \
	-o retry_max=2
launcher_wait_state '^state=message kind=unknown retry=2 '
ok $? "unknown station screen: $(cat "$T/status")"
like "$(admin_get /v1/admin/unknown)" "$mac" "the broker lists it for adoption"
launcher_wait_log 'event=painted page=message'
x11_screenshot "$T/unknown.png"
# The identity is drawn large, in the warning colour; the login screen has
# only the logo's bit of it.
warn_pixels() {
	convert "$1" -fuzz 12% -fill black +opaque '#ffb020' -fill white -opaque '#ffb020' \
		-format '%[fx:int(mean*w*h)]' info:
}
big=$(warn_pixels "$T/unknown.png")
small=$(warn_pixels "$T/login.png")
[ "$big" -gt $((small * 10)) ]
ok $? "MAC, IP and name are shown large ($big warning-coloured pixels, login screen $small)"
# The three lines, each about 56 px high, take more than a third of the
# screen's height from the first to the last warning-coloured row.
rows=$(convert "$T/unknown.png" -fuzz 12% -fill black +opaque '#ffb020' -fill white \
	-opaque '#ffb020' -trim -format '%h' info:)
[ "$rows" -gt 150 ]
ok $? "the identity block is $rows px high (> 150)"
unknown_count() {
	admin_get /v1/admin/unknown | jget unknown.0.count
}
n0=$(unknown_count)
more_lookups() { [ "$(unknown_count)" -gt "$n0" ]; }
WAIT_FOR_SECS=6 wait_for more_lookups
ok $? "it asks again by itself (the broker counted $n0 lookups, then $(unknown_count))"
{
	cat "$stations"
	printf '\n[%s]\nname = Library 99\nhost = 127.0.0.1\nport = 5999\n' "$mac"
} >"$T/adopted.conf"
stations_write "$stations" <"$T/adopted.conf"
launcher_wait_state '^state=idle ' 5
ok $? "once mapped, the login screen comes by itself: $(cat "$T/status")"
is "$(admin_get /v1/admin/unknown | grep -c "$mac")" 0 "and the broker no longer lists it as unknown"
launcher_stop
ok $? "stops cleanly"
