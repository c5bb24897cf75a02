#!/bin/bash
# vdi-test: once
# A user at a SPICE station, as a person uses it, on one PXE boot of the
# built image under QEMU. The station has only the PS/2 keyboard and mouse
# of the pc machine, a USB stick plugged in at boot and a sound card whose
# output QEMU writes to a file. Its mapping (login = broker) names a probe
# desktop (tests/lib/probe.sh): a VM whose own keyboard, pointer, USB buses
# and sound card report on its serial console what reached them.
#
# What the user does (QEMU sendkey, QMP input-send-event, device_add and
# device_del on the station), and what proves it worked:
# - types the user name, Tab, a wrong password, Enter: the station's screen
#   says the login failed (OCR) and the broker logged the refused login;
# - types them again with the right password: the station's screen shows
#   the probe desktop's own screendump (RMSE), and the broker's admin
#   socket has the station connected with that user;
# - types a word: the probe's keyboard got exactly those bytes (its console)
#   and its own screen shows the word (its screendump, OCR);
# - moves the mouse and clicks: the probe's pointer device got motion and a
#   button press (its console);
# - the stick present at boot: the probe desktop sees a disk of its size,
#   and its QEMU lists a usb-redir device with a real speed (not the idle
#   port's 1.5 Mb/s);
# - plugs a second stick in: the probe sees a disk of that size; unplugs
#   it: the disk leaves the probe;
# - plugs a USB mouse in: nothing new arrives on the probe's USB buses and
#   its QEMU's redirected devices stay the same;
# - the desktop plays a 1 kHz tone: the station's sound card plays it; the
#   recording's frequency (sox) is near 1 kHz;
# - speaks into the station's microphone (its sound card's input, which QEMU
#   reads from a 600 Hz tone file): the probe desktop's own microphone
#   records it (SPICE's record channel), and the strongest frequency it
#   heard is near 600 Hz.
# Timings (diagnostics): Enter on the login screen to the desktop's first
# frame on the station's screen; device_add of a stick to the desktop
# seeing its disk.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/lib/probe.sh
. "$VDI_ROOT/tests/lib/probe.sh"
# shellcheck source=tests/firmware/common.sh
. "$VDI_ROOT/tests/firmware/common.sh"

firmware_media_or_skip
command -v tesseract >/dev/null || skip_all "tesseract is not installed"
command -v sox >/dev/null || skip_all "sox is not installed"
plan 20

good='horse42'
bad='battery7'

pport=$(free_port)
probe_start desk "$pport"
ok $? "the probe desktop is up" || exit 1
qemu_screendump desk "$T/desk.png"

printf 'alice:%s\n' "$(openssl passwd -6 "$good")" >"$T/users"
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Probe desk
host = 10.0.2.100
port = 5930
login = broker
CONF
BROKER_HTTP=1 broker_start "$T/stations.conf" || exit 1
bport=${BROKER_URL##*:}

# Two sticks as users bring them, told apart by their sizes.
truncate -s 16M "$T/stick1.img"
mkfs.fat -n STICKONE "$T/stick1.img" >/dev/null
truncate -s 24M "$T/stick2.img"
mkfs.fat -n STICKTWO "$T/stick2.img" >/dev/null
size1=$((16 * 1024 * 1024))
size2=$((24 * 1024 * 1024))

# The station's sound card goes to SDL's disk driver, through QEMU's sdl
# audiodev: its output is written to a raw file and its input is read from
# a tone file, both at the pace of the sound card's own clock (the driver
# waits one buffer's play time per buffer). A microphone read with no clock
# (ALSA's file plugin over its null device) was drained in two seconds
# when the station first opened it, before the desktop recorded anything.
# QEMU's voices are 44.1 kHz, 16 bit, stereo.
sox -n -r 44100 -b 16 -c 2 -e signed -t raw "$T/mic.raw" synth 900 sine 600 vol 0.5 ||
	{ diag "sox could not make the microphone's tone" && exit 1; }
SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=$T/station.raw SDL_DISKAUDIOFILEIN=$T/mic.raw \
	station_start pxe-bios --params "$FW_PARAMS vdi.broker=http://10.0.2.100:8080" \
	--fwd "8080:$bport" --fwd "5930:$pport" --stick "$T/stick1.img" \
	--input ps2 --audio "sdl,in.frequency=44100,in.channels=2,out.frequency=44100,out.channels=2" ||
	exit 1
station_wait_stage login 300 && station_status_like '^state=idle login=broker ' 60
ok $? "PXE boot to the login screen with user name and password (at $(station_stage_time login) s)"

# key_name CHAR: QEMU's name for the key that types CHAR.
key_name() {
	case $1 in
	[a-z0-9]) echo "$1" ;;
	[A-Z]) echo "shift-${1,,}" ;;
	' ') echo spc ;;
	-) echo minus ;;
	.) echo dot ;;
	*) return 1 ;;
	esac
}

# type_text TEXT: one key press a character, on the station's keyboard.
type_text() {
	local s=$1 i k
	for ((i = 0; i < ${#s}; i++)); do
		k=$(key_name "${s:i:1}") || return 1
		qemu_hmp station "sendkey $k" >/dev/null
		sleep 0.1
	done
}

key() {
	qemu_hmp station "sendkey $1" >/dev/null
	sleep 0.1
}

# type_login USER PASSWORD: into the fields (whatever they hold is replaced),
# then Enter, as the user does.
type_login() {
	key ctrl-a
	type_text "$1"
	key tab
	key ctrl-a
	type_text "$2"
}

# --- a wrong password ---
type_login alice "$bad"
key ret
station_status_like '^state=message kind=login_refused' 60
text=$(station_screen_text 'Login failed')
like "$text" 'Login failed' "a wrong password: the station's screen says the login failed"
broker_wait_log 'event=login .*user=alice .*result=failed' 10
ok $? "the broker refused alice's login: $(grep -a 'event=login' "$BROKER_LOG" | tail -n 1)"

# Back to the login screen (the focused button), then the right password.
key ret
station_status_like '^state=idle login=broker ' 30
type_login alice "$good"

# Enter, and the time until the station's screen shows the desktop's own
# picture.
read -r sw sh < <(station_screendump "$T/login.png" && identify -format '%w %h' "$T/login.png")
read -r gw gh < <(identify -format '%w %h' "$T/desk.png")
area=$(desktop_area "$sw" "$sh" "$gw" "$gh")
convert "$T/desk.png" -flop "$T/desk-flop.png"
t_enter=$(date +%s.%N)
key ret
shown=1
for _ in $(seq 1 240); do
	if station_screendump "$T/shot.png"; then
		convert "$T/shot.png" -crop "$area" +repage -resize "${gw}x${gh}!" "$T/shot-scaled.png"
		rmse=$(img_rmse "$T/shot-scaled.png" "$T/desk.png")
		if below "$rmse" 0.08; then
			shown=0
			break
		fi
	fi
	sleep 0.25
done
t_frame=$(date +%s.%N)
wrong=$(img_rmse "$T/shot-scaled.png" "$T/desk-flop.png")
[ "$shown" = 0 ] && below 0.15 "$wrong"
ok $? "the right password: the station shows the probe desktop (RMSE $rmse < 0.08, mirror $wrong > 0.15, area $area)"
[ "$shown" = 0 ] &&
	diag "timing: Enter on the login screen to the desktop's first frame: $(awk -v a="$t_enter" -v b="$t_frame" 'BEGIN { printf "%.1f", b - a }') s"
like "$(admin_wait_like /v1/admin/stations '"user":"alice"')" '"state":"connected".*"user":"alice"|"user":"alice".*"state":"connected"' \
	"the broker's admin socket has the station connected as alice"

# --- keys reach the desktop's own keyboard ---
mark=$(probe_lines desk)
word=zebra
type_text "$word"
want=$(printf '%s' "$word" | od -An -tu1 | xargs)
got=
for _ in $(seq 1 80); do
	got=$(tr -d '\r' <"$T/desk.console" | tail -n +"$((mark + 1))" |
		sed -n 's/^probe: key \([0-9]*\)$/\1/p' | xargs)
	[ "$got" = "$want" ] && break
	sleep 0.25
done
is "$got" "$want" "the desktop's keyboard got the typed keys ($word)"
text=
for _ in 1 2 3 4 5; do
	text=$(probe_text desk)
	[[ $text =~ typed:\ *$word ]] && break
	sleep 1
done
like "$text" "typed: *$word" "the desktop's own screen shows them"

# --- the pointer: a move and a click on the station's mouse ---
mark=$(probe_lines desk)
for d in 40 -25; do
	qemu_qmp station "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":[{\"type\":\"rel\",\"data\":{\"axis\":\"x\",\"value\":$d}},{\"type\":\"rel\",\"data\":{\"axis\":\"y\",\"value\":$d}}]}}" >/dev/null
	sleep 0.3
done
moved() { [ "$(probe_since desk "$mark" '^probe: pointer \S+ [23] ')" -ge 1 ]; }
WAIT_FOR_SECS=20 wait_for moved
ok $? "a mouse move on the station moves the desktop's pointer ($(probe_since desk "$mark" '^probe: pointer \S+ [23] ') axis events)"
mark=$(probe_lines desk)
for b in true false; do
	qemu_qmp station "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":[{\"type\":\"btn\",\"data\":{\"down\":$b,\"button\":\"left\"}}]}}" >/dev/null
	sleep 0.2
done
clicked() { [ "$(probe_since desk "$mark" '^probe: pointer \S+ 1 272 1$')" -ge 1 ]; }
WAIT_FOR_SECS=20 wait_for clicked
ok $? "a click on the station presses the desktop's left button"

# --- USB ---
# redirected: usb-redir devices the desktop's QEMU has with a real speed
# (an idle port says 1.5 Mb/s); fails when QEMU does not answer.
redirected() {
	local out
	out=$(qemu_hmp desk 'info usb') || return 1
	[ -n "$out" ] || return 1
	printf '%s\n' "$out" | grep 'USB Redirection' | grep -vc 'Speed 1.5 Mb/s'
}
probe_wait desk "^probe: disk sd[a-z]+ added $size1 " 90
ok $? "the stick plugged in at boot: the desktop sees a disk of $size1 bytes"
n=$(redirected)
is "$n" 1 "and the desktop's QEMU has one redirected device: $(qemu_hmp desk 'info usb' | grep 'USB Redirection' | xargs)"

mark=$(probe_lines desk)
qemu_hmp station "drive_add 0 if=none,id=hot2,file=$T/stick2.img,format=raw" >/dev/null
t_plug=$(date +%s.%N)
qemu_hmp station 'device_add usb-storage,bus=xhci.0,drive=hot2,id=ustick2,removable=on' >/dev/null
probe_wait desk "^probe: disk sd[a-z]+ added $size2 " 90
arrived=$?
t_seen=$(date +%s.%N)
ok $arrived "a second stick plugged in during the session arrives at the desktop"
plug_s=$(awk -v a="$t_plug" -v b="$t_seen" 'BEGIN { printf "%.1f", b - a }')
[ "$arrived" = 0 ] && diag "timing: device_add of a stick to the desktop seeing its disk: $plug_s s"
disk2=$(tr -d '\r' <"$T/desk.console" | sed -n "s/^probe: disk \(sd[a-z]*\) added $size2 .*/\1/p" | tail -n 1)
qemu_hmp station 'device_del ustick2' >/dev/null
probe_wait desk "^probe: disk ${disk2:-none} removed" 60
ok $? "unplugged: its disk ($disk2) leaves the desktop"
one_redirected() { [ "$(redirected)" = 1 ]; }
WAIT_FOR_SECS=20 wait_for one_redirected
ok $? "and the desktop's QEMU is back to one redirected device"

# A mouse is never redirected: for twice as long as a stick took to arrive
# (10 to 30 s), nothing new on the desktop's USB buses.
mark=$(probe_lines desk)
before=$(qemu_hmp desk 'info usb' | grep 'USB Redirection')
qemu_hmp station 'device_add usb-mouse,bus=xhci.0,id=umouse' >/dev/null
quiet=$(awk -v s="$plug_s" 'BEGIN { s = 2 * s; if (s < 10) s = 10; if (s > 30) s = 30; printf "%d", s + 0.5 }')
sleep "$quiet"
is "$(probe_since desk "$mark" '^probe: usb .* added')" 0 "a USB mouse plugged into the station never reaches the desktop's USB buses (${quiet} s)"
is "$(qemu_hmp desk 'info usb' | grep 'USB Redirection')" "$before" "and the desktop's QEMU has the same redirected devices as before"
qemu_hmp station 'device_del umouse' >/dev/null

# --- sound: the desktop plays a tone, the station's sound card plays it ---
probe_send desk play
# While it plays, for the diagnostics of a failure: the station's playback
# device, as its kernel sees it (vdi.diag=1 puts a shell on its console).
sleep 1
cmark=$(tr -d '\r' <"$T/station.console" | wc -l)
# shellcheck disable=SC2016 # expanded by the station's shell
station_serial_send 'echo "pcm: $(head -n 1 /proc/asound/card0/pcm0p/sub0/status)"'
probe_wait desk '^probe: played' 30
pcm=$(tr -d '\r' <"$T/station.console" | tail -n +"$((cmark + 1))" | grep -a '^pcm: ' | tail -n 1)
like "$(tr -d '\r' <"$T/desk.console" | grep -a '^probe: played' | tail -n 1)" '^probe: played 0' \
	"the desktop played its 1 kHz tone"

# --- sound: the station's microphone reaches the desktop's ---
# mic_heard SECS: the desktop records SECS seconds from its own microphone;
# prints the frequency and peak the probe reported.
mic_heard() {
	local mark
	mark=$(probe_lines desk)
	probe_send desk "record $1"
	for _ in $(seq 1 $((($1 + 60) * 4))); do
		[ "$(probe_since desk "$mark" '^probe: mic ')" -ge 1 ] && break
		sleep 0.25
	done
	tr -d '\r' <"$T/desk.console" | tail -n +"$((mark + 1))" | sed -n 's/^probe: mic //p' | head -n 1
}
near600() { [ -n "$1" ] && [ "$1" -ge 570 ] 2>/dev/null && [ "$1" -le 630 ]; }
# The first recording starts the station's side (its launcher opens the
# microphone with GStreamer, seconds on an emulated CPU), and may end before
# any sound came: up to three recordings.
for _ in 1 2 3; do
	heard=$(mic_heard 3)
	read -r mic_hz mic_peak <<<"$heard"
	near600 "$mic_hz" && break
	diag "the desktop's microphone: ${heard:-no report}"
done
near600 "$mic_hz"
if ! ok $? "the station's microphone reaches the desktop: it heard ${mic_hz:-nothing} Hz (570-630), peak ${mic_peak:-none}"; then
	cmark=$(tr -d '\r' <"$T/station.console" | wc -l)
	station_serial_send 'tail -n 15 /run/vdi-station/launcher.log | sed "s/^/launcher: /"'
	sleep 3
	tr -d '\r' <"$T/station.console" | tail -n +"$((cmark + 1))" | grep -a '^launcher: ' | sed 's/^/#   /' >&2
fi
# The recording is complete once QEMU quits; sox makes it a wav.
station_stop
sox -t raw -r 44100 -b 16 -c 2 -e signed "$T/station.raw" "$T/station.wav" 2>/dev/null
freq=
samples=$(soxi -s "$T/station.wav" 2>/dev/null)
if [ "${samples:-0}" -gt 0 ]; then
	# Past the silence before the tone, one second of it.
	sox "$T/station.wav" "$T/tone.wav" silence 1 0.05 2% trim 0 1 2>/dev/null
	# The strongest line of the spectrum (sox's "Rough frequency" counts
	# zero crossings, which a resampled stereo tone throws off: 706 Hz for
	# this 1 kHz tone).
	freq=$(sox "$T/tone.wav" -n remix 1 stat -freq 2>&1 |
		awk 'NF == 2 && $1 + 0 > 0 && $2 + 0 > m { m = $2 + 0; f = $1 } END { if (m > 0) printf "%d", f + 0.5 }')
fi
[ -n "$freq" ] && [ "$freq" -ge 950 ] && [ "$freq" -le 1050 ]
ok $? "the station's sound card played it: the recording ($((${samples:-0} / 44100)) s) has its strongest frequency at ${freq:-no} Hz (950-1050)" ||
	diag "the station's playback device during the tone: ${pcm:-unknown}"
