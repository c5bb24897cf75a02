#!/bin/bash
# vdi-test: once
# RDP from the station image itself: a station PXE-boots under QEMU, the
# real broker on loopback maps its MAC to an RDP desktop (FreeRDP's shadow
# server on the host, reached through guestfwd) with autoconnect, and the
# station's own screen shows the server's test picture, drawn by the
# image's xfreerdp with its stand-in codec libraries. The user types a word
# at the station (HMP sendkey, the PS/2 keyboard): the server's own X
# display receives those key presses (xev on its root window). The user
# moves the station's USB tablet: the server's own pointer goes there
# (xdotool getmouselocation on its display). The server goes away: the
# station is back on its login screen.
#
# The station has a sound card (intel-hda, recorded to a WAV file), so
# xfreerdp's sound channel meets a real ALSA device, but nothing here claims
# that sound plays: no RDP server that Debian 12 packages sends any.
# FreeRDP 2.11's shadow server opens the rdpsnd channel
# (server/shadow/shadow_rdpsnd.c) but its X11 subsystem never produces
# audio samples (server/shadow/X11/x11_shadow.c posts pointer messages
# only; SHADOW_MSG_OUT_AUDIO_OUT_SAMPLES_ID is never sent), and xrdp
# 0.9.21's rdpsnd (sesman/chansrv/sound.c) plays what PulseAudio's xrdp
# sink module hands it, a module Debian 12 does not package.
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
# shellcheck source=tests/lib/input.sh
. "$VDI_ROOT/tests/lib/input.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/firmware/common.sh
. "$VDI_ROOT/tests/firmware/common.sh"

firmware_media_or_skip
command -v freerdp-shadow-cli >/dev/null || skip_all "freerdp-shadow-cli missing (make deps)"
command -v tesseract >/dev/null || skip_all "tesseract is not installed"
plan 12

# The station's screen (QEMU's VGA) may be larger than the server's
# desktop, which xfreerdp then shows unscaled in its top-left corner.
rport=$(free_port)
rdp_server_start "$rport" 1024x768 || exit 1
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = RDP desk
protocol = rdp
host = 10.0.2.100
port = 3389
autoconnect = yes
CONF
BROKER_HTTP=1 broker_start "$T/stations.conf" || exit 1
bport=${BROKER_URL##*:}

# HMP sendkey goes to the PS/2 keyboard only when the USB keyboard (which
# QEMU otherwise prefers: it makes itself the active one when it is
# created) is bound to a display, here the station's VGA. The tablet is
# bound too, for input-send-event on that display.
STATION_VGA="VGA,id=vga0"
# retry_base: after the session the login screen waits 30 s before it
# connects again, time enough to look at it.
station_start pxe-bios --params "$FW_PARAMS vdi.broker=http://10.0.2.100:8080 vdi.retry_base=30" \
	--fwd "8080:$bport" --fwd "3389:$rport" -- \
	-audiodev "wav,id=snd0,path=$T/station.wav" -device intel-hda -device hda-duplex,audiodev=snd0 \
	-global usb-kbd.display=vga0 -global usb-tablet.display=vga0 || exit 1
station_wait_stage login 300
ok $? "PXE boot to the first screen (stage login at $(station_stage_time login) s)"
station_status_like '^state=connected protocol=rdp endpoint=10\.0\.2\.100:3389 ' 180
ok $? "the station connects over RDP by itself"
like "$(admin_wait_like /v1/admin/stations '"state":"connected"')" '"state":"connected"' "the broker has the session"

# The picture: the station's screen, cut to the server's desktop where the
# screen is larger.
read -r pw ph < <(identify -format '%w %h' "$RDP_PICTURE")
rmse=
for _ in $(seq 1 60); do
	station_screendump "$T/shot.png"
	convert "$T/shot.png" -crop "${pw}x${ph}+0+0" +repage "$T/shot-cut.png"
	rmse=$(img_rmse "$T/shot-cut.png" "$RDP_PICTURE")
	below "$rmse" 0.08 && break
	sleep 1
done
read -r sw sh < <(identify -format '%w %h' "$T/shot.png")
below "$rmse" 0.08
ok $? "the station's screen (${sw}x$sh) shows the RDP server's picture (RMSE $rmse < 0.08)"
convert "$RDP_PICTURE" -flop "$T/flop.png"
wrong=$(img_rmse "$T/shot-cut.png" "$T/flop.png")
below 0.15 "$wrong"
ok $? "and not a mirrored picture (RMSE $wrong > 0.15)"
# Keys typed at the station reach the desktop: the server's display gets
# them. The launcher grabs the keyboard for xfreerdp, whose window is the
# whole screen.
rdp_keys_watch || diag "xev could not watch the RDP server's display"
for k in v d i 4 2; do
	qemu_hmp station "sendkey $k" >/dev/null
	sleep 0.3
done
keys=
for _ in $(seq 1 30); do
	keys=$(rdp_keys_seen)
	[[ $keys == *vdi42* ]] && break
	sleep 1
done
like "$keys" "vdi42" "keys typed at the station reach the RDP server's display (it saw \"$keys\")"

# The pointer: the server's desktop is drawn unscaled at the top left of the
# station's screen, so a station pixel is the same server pixel. The
# server's pointer starts elsewhere (the middle of its screen).
input_move station vga0 300 200 "$sw" "$sh"
at=
for _ in $(seq 1 30); do
	at=$(DISPLAY=$RDP_DISPLAY xdotool getmouselocation 2>/dev/null | sed -n 's/^x:\([0-9]*\) y:\([0-9]*\) .*/\1 \2/p')
	read -r px py <<<"${at:-0 0}"
	[ $((px - 300)) -ge -2 ] && [ $((px - 300)) -le 2 ] && [ $((py - 200)) -ge -2 ] && [ $((py - 200)) -le 2 ] && break
	sleep 1
done
[ $((px - 300)) -ge -2 ] && [ $((px - 300)) -le 2 ] && [ $((py - 200)) -ge -2 ] && [ $((py - 200)) -le 2 ]
ok $? "the station's USB tablet moves the RDP server's own pointer to 300,200 (it is at $px,$py)"

# The server goes away: back to the login screen.
rdp_server_stop
station_status_like '^state=idle login=none ' 60
ok $? "server stopped: the station is back on its login screen"
like "$(admin_wait_like /v1/admin/stations '"state":"idle"')" '"state":"idle"' "the broker has the session end"
like "$(station_screen_text "RDP desk.*automatically in")" "RDP desk.*automatically in" \
	"its screen is the login screen, with the station's name"
# In the station's launcher log (through the diagnostics shell on the
# serial line): xfreerdp, with its sound channel on the station's sound
# card, neither called a stand-in library nor crashed.
# The shell shows each command before it runs it: the marker it prints is
# made by the shell, so the command's own text cannot match it.
log=/run/vdi-station/launcher.log
station_serial_send "grep -q 'event=rdp_start' $log && ! grep -qE 'not in this image|Caught signal' $log && echo stand-ins-\$((6 * 7))"
station_wait_console 'stand-ins-42' 60
ok $? "xfreerdp called no stand-in library and did not crash (launcher.log)"
station_alive
ok $? "the station is still running"
