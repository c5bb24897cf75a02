#!/bin/bash
# vdi-test: once
# A station that boots while the broker is down shows the retry screen, and
# gets on by itself once the broker starts. Its MAC is in no mapping: the
# unknown-station screen shows the MAC (read off the station's screen), the
# broker lists it, an admin adopts it with stationctl, and the station
# connects to its new desktop without anyone touching it.
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
plan 10

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
ok $? "it shows the broker-unreachable screen with a retry countdown"
like "$(station_screen_text "[Tt]rying again in")" "[Tt]rying again in" \
	"the screen says when it tries again"

# The broker starts, with a stations file that does not know this station.
printf '# nothing mapped yet\n[52:54:00:99:99:99]\nhost = 10.0.2.100\nport = 5999\n' \
	>"$T/stations.conf"
BROKER_HTTP=1 BROKER_LISTEN=127.0.0.1:$bport broker_start "$T/stations.conf" || exit 1
station_status_like '^state=message kind=unknown ' 60
ok $? "broker up: the station says it is unknown"
like "$(station_screen_text "$STATION_MAC")" "$STATION_MAC" \
	"the unknown screen shows the MAC, readable off the screen"
like "$(admin_get /v1/admin/unknown)" "$STATION_MAC" "the broker lists the unknown station"

"$CTL" -f "$T/stations.conf" --socket "$BROKER_SOCK" adopt "$STATION_MAC" host=10.0.2.100 \
	port=5930 autoconnect=yes >"$T/adopt.out" 2>&1
ok $? "stationctl adopt maps it: $(tr '\n' ' ' <"$T/adopt.out")"
station_wait_stage desktop 120
ok $? "the station connects to its desktop by itself"
station_status_like '^state=connected protocol=spice endpoint=10\.0\.2\.100:5930 ' 30
ok $? "connected to the adopted mapping's desktop"
unlike_unknown=$(admin_get /v1/admin/unknown)
[[ $unlike_unknown != *"$STATION_MAC"* ]]
ok $? "the broker no longer lists it as unknown"
