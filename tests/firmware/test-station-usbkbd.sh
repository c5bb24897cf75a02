#!/bin/bash
# vdi-test: once
# A station with 256 MiB, a USB keyboard and a USB tablet on xHCI (beside
# the machine's PS/2 pair, which stays idle), a USB stick, and a
# login = broker mapping. What the user does, with QEMU's USB input devices
# (QMP input-send-event to the display the usb-kbd and usb-tablet are bound
# to):
#   - presses Ctrl+Alt+Shift+D on the login screen: the diagnostics screen
#     opens (its own headings, read off the station's screen by OCR), and
#     Esc closes it;
#   - types a user name, Tab and a password, and clicks the "Log in" button
#     (found on the screen by OCR) with the tablet: the broker's admin
#     socket has the user's session, and the station's screen matches the
#     desktop VM's own screendump. The station's interrupt counters show
#     the keys came through xHCI and not the PS/2 controller;
#   - the mapping denies mass storage (usb_deny): the desktop's usb-redir
#     ports never carry a device with its own speed (info usb on the
#     desktop's monitor);
#   - control: the desktop goes away, the admin allows storage, the user
#     logs in again (typed, Enter): now the stick arrives on the desktop's
#     usb-redir port at its own speed. Without the control the deny check
#     would pass on a station that redirects nothing at all.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/input.sh
. "$VDI_ROOT/tests/lib/input.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/firmware/common.sh
. "$VDI_ROOT/tests/firmware/common.sh"

firmware_media_or_skip
command -v tesseract >/dev/null || skip_all "tesseract is not installed"
plan 16

# The station's display gets an id, and its USB keyboard and tablet are
# bound to it: input-send-event for that display reaches them, never the
# PS/2 keyboard.
STATION_VGA="VGA,id=vga0"
VGA=vga0

qemu_pattern_disk "$T/disk.img"
dport=$(free_port)
qemu_start desk "$dport" --disk "$T/disk.img" --usbredir || exit 1
user=alice
pass='Usb-Key 42'
printf '%s:%s\n' "$user" "$(openssl passwd -6 "$pass")" >"$T/users"
# Storage denied (and HID, as always).
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = USB desk
host = 10.0.2.100
port = 5930
login = broker
usb_deny = 0x03,-1,-1,-1,0|0x08,-1,-1,-1,0|-1,-1,-1,-1,1
CONF
BROKER_HTTP=1 broker_start "$T/stations.conf" || exit 1
bport=${BROKER_URL##*:}
qemu_wait_pattern desk 60 || diag "the desktop VM shows no test pattern"

truncate -s 16M "$T/stick.img"
mkfs.fat -n USBSTICK "$T/stick.img" >/dev/null

station_start pxe-bios --mem 256 --params "$FW_PARAMS vdi.broker=http://10.0.2.100:8080" \
	--fwd "8080:$bport" --fwd "5930:$dport" --stick "$T/stick.img" -- \
	-global "usb-kbd.display=$VGA" -global "usb-tablet.display=$VGA" || exit 1
station_wait_stage login 300
ok $? "PXE boot with 256 MiB to the first screen (stage login at $(station_stage_time login) s)"
station_status_like '^state=idle login=broker ' 60
ok $? "the login screen asks for a user name and password"

# station_irqs TAG: "I8042 XHCI", the station's interrupt counts (all CPUs)
# of the PS/2 controller and the xHCI controller, read through the
# diagnostics shell on the serial line.
station_irqs() {
	local tag=irq$1
	station_serial_send "grep -E 'i8042|xhci' /proc/interrupts | sed 's/^/$tag /'"
	station_wait_console "^$tag .*xhci" 30 >/dev/null || return 1
	sleep 1
	tr -d '\r' <"$T/station.console" | awk -v tag="$tag" '
		$1 == tag {
			n = 0
			for (i = 3; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
			if ($NF ~ /i8042/) k += n
			if ($NF ~ /xhci/) x += n
		}
		END { printf "%d %d\n", k, x }'
}

# screen_word_box WORD: "X Y" of the middle of the first word WORD that
# OCR reads on the station's screen, as a user finds a button by its label.
# OCR reads a copy twice the size, in black and white: light text on a
# coloured button (the "Log in" button) is lost in plain grey.
screen_word_box() {
	station_screendump "$T/find.png" || return 1
	convert "$T/find.png" -resize 200% -colorspace gray -threshold 70% -negate "$T/find2.png"
	tesseract "$T/find2.png" - tsv 2>/dev/null | awk -F '\t' -v w="$1" '
		$12 == w && $11 > 30 { printf "%d %d\n", ($7 + $9 / 2) / 2, ($8 + $10 / 2) / 2; exit }'
}

# station_log_tail N: the last N lines of the station's launcher log, read
# through the diagnostics shell, for diagnostics.
station_log_tail() {
	local tag=lg$RANDOM
	station_serial_send "tail -n $1 /run/vdi-station/launcher.log | sed 's/^/$tag /'"
	sleep 3
	tr -d '\r' <"$T/station.console" | sed -n "s/^$tag //p"
}

# 1. The diagnostics chord on the login screen.
station_screendump "$T/login.png"
read -r sw sh < <(identify -format '%w %h' "$T/login.png")
input_keys station "$VGA" ctrl alt shift d
text=$(station_screen_text "Station diagnostics.*(Recent errors|Versions|Settings)")
like "$text" "Station diagnostics.*(Recent errors|Versions|Settings)" "Ctrl+Alt+Shift+D on the USB keyboard opens the diagnostics screen" ||
	diag "the station's launcher log:" "$(station_log_tail 15)"
input_keys station "$VGA" esc
text=$(station_screen_text "Password")
! [[ $text =~ Station\ diagnostics ]] && [[ $text =~ Password ]]
ok $? "Esc closes it: back on the login screen"

# 2. Typed login on the USB keyboard, the button clicked with the tablet.
read -r irq_k0 irq_x0 < <(station_irqs 0)
input_type station "$VGA" "$user"
input_keys station "$VGA" tab
input_type station "$VGA" "$pass"
read -r bx by < <(screen_word_box Log)
if [ -z "$bx" ]; then
	diag "no \"Log in\" button found on the screen"
	bx=0 by=0
fi
input_click station "$VGA" "$bx" "$by" "$sw" "$sh"
station_status_like '^state=connected protocol=spice endpoint=10\.0\.2\.100:5930 ' 120
ok $? "a click on \"Log in\" (at $bx,$by of ${sw}x$sh) with the USB tablet connects"
like "$(admin_wait_like /v1/admin/stations "\"user\":\"$user\".*\"state\":\"connected\"|\"state\":\"connected\".*\"user\":\"$user\"" 30)" \
	"\"user\":\"$user\"" "the broker has $user's session (admin socket)"
read -r irq_k1 irq_x1 < <(station_irqs 1)
is "$irq_k1" "$irq_k0" "the PS/2 controller raised no interrupt while the user typed and clicked"
below "$irq_x0" "$irq_x1"
ok $? "the xHCI controller did ($irq_x0 -> $irq_x1)"

# The desktop on the station's screen: compared with the desktop's own
# picture.
qemu_screendump desk "$T/vm.png"
station_matches "$T/vm.png" 60 && below 0.15 "$MATCH_FLOP"
ok $? "the station's screen matches the desktop's screendump (RMSE $MATCH_RMSE < 0.08, mirror $MATCH_FLOP > 0.15)"

# 3. The deny filter: the stick is on the station, and never on the
# desktop. A redirected device shows with its own speed; an idle usb-redir
# port says 1.5 Mb/s.
redirected() {
	local out
	out=$(qemu_hmp desk 'info usb') || return 1
	[ -n "$out" ] || return 1
	printf '%s\n' "$out" | grep -cE 'Speed (12|480|5000) Mb/s' || true
}
like "$(qemu_hmp station 'info usb')" "USB MSD|HARDDRIVE|Storage" "the station has the stick"
n=0
for _ in $(seq 1 30); do
	n=$(redirected) || n=gone
	[ "$n" = 0 ] || break
	sleep 1
done
is "$n" 0 "usb_deny denies storage: no device reached the desktop in 30 s"
desk_gone() {
	kill -0 "${QEMU_PID[desk]}" 2>/dev/null && return 0
	wait "${QEMU_PID[desk]}"
	diag "the desktop VM exited with status $?:" "$(cat "$T/desk.qemu.log")"
	cp "$T/desk.qemu.log" "$T/desk.qemu.log.$RANDOM"
}
[ "$n" = gone ] && desk_gone

# 4. Control: storage allowed (the defaults), the user logs in again.
qemu_quit desk
station_status_like '^state=idle login=broker ' 60
ok $? "desktop gone: the station is back on its login screen"
stations_write "$T/stations.conf" <<CONF
[$STATION_MAC]
name = USB desk
host = 10.0.2.100
port = 5930
login = broker
CONF
qemu_start desk "$dport" --disk "$T/disk.img" --usbredir || exit 1
input_type station "$VGA" "$user"
input_keys station "$VGA" tab
input_type station "$VGA" "$pass"
input_keys station "$VGA" ret
station_status_like '^state=connected protocol=spice ' 120
ok $? "logged in again with the default USB policy"
n=0
for _ in $(seq 1 60); do
	n=$(redirected) || n=gone
	[ "$n" = 0 ] || break
	sleep 1
done
is "$n" 1 "control: with storage allowed the stick reaches the desktop at its own speed"
[ "$n" = gone ] && desk_gone
[ "$n" = 1 ] || diag "the station's launcher on USB:" "$(station_log_tail 60 | grep -a 'usb_' | tail -n 5)"
! tr -d '\r' <"$T/station.console" | grep -aq 'event=restart what=launcher'
ok $? "the launcher never died on the way"
station_alive
ok $? "the station is still running"
