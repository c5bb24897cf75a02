#!/bin/bash
# vdi-test: once
# A station that boots while the broker is down shows the retry screen, and
# gets on by itself once the broker starts. Its MAC is in no mapping: it
# shows the unknown-station screen, an admin adopts it with stationctl, and
# the station connects to its new desktop without anyone touching it.
#
# The user turns the station on and waits; the admin runs stationctl. What
# proves each step, besides the station's own state lines: the words on the
# station's screen (screendump and OCR: "cannot be reached" and the retry
# countdown; "not set up yet" with the MAC, text no other screen has), the
# broker's admin socket (the station in /v1/admin/unknown, then no longer),
# and the desktop VM itself (its SPICE server has a display client, and the
# station's screen is the VM's own screendump, not its mirror image).
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/firmware/common.sh
. "$VDI_ROOT/tests/firmware/common.sh"

firmware_media_or_skip
command -v tesseract >/dev/null || skip_all "tesseract is not installed"
plan 13

CTL=$VDI_BUILD/bin/stationctl
bport=$(free_port)
dport=$(free_port)
qemu_pattern_disk "$T/disk.img"
qemu_start desk "$dport" --disk "$T/disk.img" || exit 1

# No broker yet. retry_max keeps the back-off short enough for a test.
station_start pxe-bios --params "$FW_PARAMS vdi.broker=http://10.0.2.100:8080 vdi.retry_max=10" \
	--fwd "8080:$bport" --fwd "5930:$dport" || exit 1
station_wait_stage login 300
ok $? "the station boots with the broker down (first screen at $(station_stage_time login) s)"
station_status_like '^state=message kind=unreachable retry=' 60
ok $? "its state: the broker is unreachable, with a retry countdown"
# Other screens say "Trying again in" too: the title is this screen's own.
text=$(station_screen_text "cannot be reached.*[Tt]rying again in")
like "$text" "cannot be reached.*[Tt]rying again in" \
	"the screen says the broker cannot be reached and when it tries again"

# The broker starts, with a stations file that does not know this station.
printf '# nothing mapped yet\n[52:54:00:99:99:99]\nhost = 10.0.2.100\nport = 5999\n' \
	>"$T/stations.conf"
BROKER_HTTP=1 BROKER_LISTEN=127.0.0.1:$bport broker_start "$T/stations.conf" || exit 1
station_status_like '^state=message kind=unknown ' 60
ok $? "broker up: the station says it is unknown"
# Every screen's footer has the MAC: the title is what only this screen shows.
text=$(station_screen_text "not set up yet.*$STATION_MAC")
like "$text" "not set up yet.*$STATION_MAC" \
	"the screen says the station is not set up yet, and shows its MAC"
# unknown_macs: the MACs the broker lists as unknown; fails when the
# broker gives no list (a dead broker must not pass for "not listed").
unknown_macs() {
	admin_get /v1/admin/unknown | python3 -c '
import json, sys
print(" ".join(u["mac"] for u in json.load(sys.stdin)["unknown"]))' 2>/dev/null
}
like "$(unknown_macs)" "(^| )$STATION_MAC( |\$)" "the broker lists the unknown station"

"$CTL" -f "$T/stations.conf" --socket "$BROKER_SOCK" adopt "$STATION_MAC" host=10.0.2.100 \
	port=5930 autoconnect=yes >"$T/adopt.out" 2>&1
ok $? "stationctl adopt maps it: $(tr '\n' ' ' <"$T/adopt.out")"
station_wait_stage desktop 120
ok $? "the station connects to its desktop by itself"
station_status_like '^state=connected protocol=spice endpoint=10\.0\.2\.100:5930 ' 30
ok $? "connected to the adopted mapping's desktop"
spice=$(qemu_hmp desk 'info spice')
[ "$(spice_display_clients "$spice")" -ge 1 ]
ok $? "the desktop VM's SPICE server has a display client"
qemu_wait_pattern desk 10 && qemu_screendump desk "$T/vm.png"
station_matches "$T/vm.png" 30
ok $? "the station's screen is the desktop VM's own picture (RMSE $MATCH_RMSE < 0.08, area $MATCH_AREA)"
below 0.15 "$MATCH_FLOP"
ok $? "  ... and not its mirror image (RMSE $MATCH_FLOP > 0.15)"
macs=$(unknown_macs) && [[ " $macs " != *" $STATION_MAC "* ]]
ok $? "the broker's unknown list no longer has the station (${macs:-empty})"
