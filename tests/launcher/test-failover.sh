#!/bin/bash
# Failover across protocols: the mapping's SPICE desktop is dead (nothing
# listens), its fallbacks are RDP and VNC. The launcher tries SPICE, moves
# on to RDP within the connect timeout, says a fallback is in use, and the
# status file names the live protocol. With RDP dead too, VNC is next.
# Proof from outside: the notice is read off the screen (OCR), the screen
# is compared with the RDP server's own picture, the broker logs the start.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/lib/rdp.sh
. "$VDI_ROOT/tests/lib/rdp.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

if ! command -v xfreerdp >/dev/null || ! command -v freerdp-shadow-cli >/dev/null; then
	skip_all "xfreerdp or freerdp-shadow-cli missing (make deps)"
fi

plan 11

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
dead=$(free_port)
rport=$(free_port)
rdp_server_start "$rport" 1024x768 || exit 1
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Ward 2
protocol = spice
host = 127.0.0.1
port = $dead
fallback = rdp://127.0.0.1:$rport
CONF
broker_start "$T/stations.conf" || exit 1

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" \
	-o connect_timeout=3 -o audio=no
launcher_wait_state '^state=idle login=none '
launcher_wait_log 'event=painted page=login'
t0=$(date +%s%3N)
xdotool key Return
launcher_wait_state "^state=connected protocol=rdp endpoint=127\\.0\\.0\\.1:$rport displays=1 fallback=yes " 20
ok $? "SPICE dead, connected to the RDP fallback: $(cat "$T/status")"
took=$(($(date +%s%3N) - t0))
[ "$took" -le 8000 ]
ok $? "within the connect timeout and a login ($took ms)"
like "$(grep 'event=endpoint_failed' "$T/launcher.log" | head -n 1)" 'protocol=spice' \
	"the SPICE endpoint's failure is logged"
like "$(grep 'event=state state=connecting' "$T/launcher.log" | tr '\n' ' ')" \
	"protocol=spice .*attempt=1/2.*protocol=rdp .*attempt=2/2" "tried in the broker's order"
# The notice, read off the screen; and on that same picture, the rest of the
# screen is the RDP server's: only the notice's own box (about 650x45, 4%
# of the screen) may differ. (It used to come with a black box of about
# 600x170 over the desktop, 13%.)
# The notice may come up before the desktop's first picture: look again
# for as long as it shows (8 s).
seen='' covered=1 text='' read=''
for _ in $(seq 1 16); do
	x11_screenshot "$T/notice.png"
	text=$(tesseract "$T/notice.png" - 2>/dev/null | tr -s '\n' ' ')
	if printf '%s' "$text" | grep -Eq 'fallback \(RDP\)'; then
		seen=1
		read=$text
		covered=$(convert "$T/notice.png" "$RDP_PICTURE" -compose difference -composite \
			-colorspace gray -threshold 8% -format '%[fx:mean]' info:)
		below "$covered" 0.05 && break
	elif [ -n "$seen" ]; then
		break
	fi
	sleep 0.3
done
[ -n "$seen" ]
ok $? "the screen says a fallback is in use: '$(printf '%s' "${read:-$text}" | cut -c 1-90)'"
below "$covered" 0.05
ok $? "while it shows, the RDP desktop stays on screen around it (differs on $covered of the screen, < 0.05)"
rmse=
for _ in $(seq 1 40); do
	x11_screenshot "$T/shot.png"
	rmse=$(img_rmse "$T/shot.png" "$RDP_PICTURE")
	below "$rmse" 0.05 && break
	sleep 0.25
done
below "$rmse" 0.05
ok $? "the RDP desktop is on screen (RMSE $rmse)"
broker_wait_log 'event=session .*kind=start endpoint=rdp://' 10
like "$(grep 'event=session ' "$BROKER_LOG" | tail -n 1)" 'kind=start endpoint=rdp://' \
	"the broker's session report names RDP"

# RDP gone too: the next time, VNC (QEMU's console) is the one that works.
rdp_server_stop
launcher_wait_state '^state=idle ' 10
vn=$((100 + RANDOM % 800))
qemu_start desk "$(free_port)" -- -device qxl-vga,id=video0 -vnc "127.0.0.1:$vn" || exit 1
stations_write "$T/stations.conf" <<CONF
[$STATION_MAC]
name = Ward 2
protocol = spice
host = 127.0.0.1
port = $dead
fallback = rdp://127.0.0.1:$rport
fallback = vnc://127.0.0.1:$((5900 + vn))
CONF
xdotool key Return
launcher_wait_state "^state=connected protocol=vnc endpoint=127\\.0\\.0\\.1:$((5900 + vn)) displays=1 fallback=yes " 25
ok $? "SPICE and RDP dead: connected to the VNC fallback: $(cat "$T/status")"
text=$(x11_screen_text 'fallback \(VNC\)' 8)
ok $? "the notice on screen names VNC: '$(printf '%s' "$text" | cut -c 1-90)'"
launcher_stop
ok $? "the launcher stops cleanly"
