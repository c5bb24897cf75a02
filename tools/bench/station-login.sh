#!/bin/bash
# What a user waits for at a PXE-booted station (qemu profile, TCG), in one
# boot against one desktop VM (the pattern disk) and the real broker:
#
#  login      Enter pressed on the login screen (user name and password
#             typed with QEMU's keyboard) -> the station's screen shows the
#             desktop's own picture. Includes the broker's password check
#             and lookup.
#  auto       the same mapping switched to autoconnect: the launcher starts
#             connecting by itself (its state line on the serial console)
#             -> the desktop's picture. The login path's own "connecting ->
#             picture" part is given too, so that the two can be compared
#             like for like; the ratio is login (from Enter) over auto.
#  usb        a stick hot-plugged on the station (QEMU device_add) -> the
#             desktop's usb-redir port carries a device at its own speed.
#
# Each session is ended by stopping the desktop VM, which is started again.
# "Picture shown" is polled from QEMU screendumps every 0.25 s or so (TCG
# screendumps take time of their own): every figure is late by about that,
# the same for both paths.
#
# Usage: tools/bench/station-login.sh (after make and make firmware-test).
# Knobs: BENCH_LOGIN_RUNS (3). Output: standard output and
# $VDI_BUILD/bench/station-login.txt.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VDI_ROOT=$(cd "$here/../.." && pwd)
export VDI_ROOT
# shellcheck source=tests/lib/tap.sh
. "$VDI_ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/firmware/common.sh
. "$VDI_ROOT/tests/firmware/common.sh"
# shellcheck source=tools/bench/lib.sh
. "$here/lib.sh"

runs=${BENCH_LOGIN_RUNS:-3}
out=$VDI_BUILD/bench
mkdir -p "$out"
bench_report "$out/station-login.txt"
media=$(station_media_dir)
[ -f "$media/tftpboot/vmlinuz" ] || die "no qemu-profile media in $media (make firmware-test)"

qemu_pattern_disk "$T/disk.img"
dport=$(free_port)
desk_up() {
	qemu_start desk "$dport" --disk "$T/disk.img" --usbredir >/dev/null 2>&1 &&
		qemu_wait_pattern desk 60
}
desk_up || die "the desktop VM did not start"
qemu_screendump desk "$T/desk.png"

password='bench-pass-42'
printf 'alice:%s\n' "$(openssl passwd -6 "$password")" >"$T/users"
mapping() {
	printf '[%s]\nname = Bench desk\nhost = 10.0.2.100\nport = 5930\n%s\n' "$STATION_MAC" "$1" \
		>"$T/stations.conf.new"
	mv "$T/stations.conf.new" "$T/stations.conf"
}
mapping 'login = broker'
BROKER_HTTP=1 broker_start "$T/stations.conf" >/dev/null || die "the broker did not start"
bport=${BROKER_URL##*:}

truncate -s 16M "$T/stick.img"
mkfs.fat -n BENCHSTICK "$T/stick.img" >/dev/null
station_start pxe-bios --params "$FW_PARAMS vdi.broker=http://10.0.2.100:8080 vdi.retry_base=2" \
	--fwd "8080:$bport" --fwd "5930:$dport" >/dev/null || die "the station did not start"
station_wait_stage login 300 >/dev/null 2>&1 || die "the station never showed its login screen"
station_status_like '^state=idle login=broker ' 60 >/dev/null 2>&1 || die "no login screen"

read -r gw gh < <(identify -format '%w %h' "$T/desk.png")
station_screendump "$T/first.png" || die "no station screendump"
read -r sw sh < <(identify -format '%w %h' "$T/first.png")
area=$(desktop_area "$sw" "$sh" "$gw" "$gh")

connecting_lines() {
	tr -d '\r' <"$T/station.console" | grep -ac 'event=state state=connecting'
}

# wait_picture: until the station shows the desktop's picture (at most
# 120 s). Sets T_FRAME, and T_CONNECT to when the launcher's latest
# "connecting" line was first seen.
wait_picture() {
	local n0 n rmse
	n0=$(connecting_lines)
	T_CONNECT=
	for _ in $(seq 1 480); do
		n=$(connecting_lines)
		if [ "$n" -gt "$n0" ]; then
			T_CONNECT=$(date +%s.%N)
			n0=$n
		fi
		if station_screendump "$T/shot.png"; then
			convert "$T/shot.png" -crop "$area" +repage -resize "${gw}x${gh}!" "$T/shot-s.png"
			rmse=$(img_rmse "$T/shot-s.png" "$T/desk.png")
			if below "$rmse" 0.08; then
				T_FRAME=$(date +%s.%N)
				[ -n "$T_CONNECT" ] || T_CONNECT=$T_FRAME
				return 0
			fi
		fi
		sleep 0.25
	done
	return 1
}

key() {
	qemu_hmp station "sendkey $1" >/dev/null
	sleep 0.1
}
type_text() {
	local s=$1 i c
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in -) c=minus ;; esac
		key "$c"
	done
}

end_session() {
	qemu_quit desk
	qemu_stop desk
	station_status_like '^state=(idle|message|error)' 60 >/dev/null 2>&1
	desk_up || die "the desktop VM did not start again"
}

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

declare -a login_enter login_conn auto_conn usb
for ((r = 1; r <= runs; r++)); do
	station_status_like '^state=idle login=broker ' 60 >/dev/null 2>&1 || die "run $r: no login screen"
	key ctrl-a
	type_text alice
	key tab
	key ctrl-a
	type_text "$password"
	t_enter=$(date +%s.%N)
	key ret
	wait_picture || die "login run $r: the desktop never showed"
	login_enter+=("$(secs "$t_enter" "$T_FRAME")")
	login_conn+=("$(secs "$T_CONNECT" "$T_FRAME")")
	say "login run $r: Enter -> picture ${login_enter[-1]} s (connecting -> picture ${login_conn[-1]} s)"
	if [ "$r" = "$runs" ]; then
		# The stick, plugged in during the last session.
		qemu_hmp station "drive_add 0 if=none,id=benchstick,file=$T/stick.img,format=raw" >/dev/null
		t_plug=$(date +%s.%N)
		qemu_qmp station '{"execute":"device_add","arguments":{"driver":"usb-storage","bus":"xhci.0","drive":"benchstick","id":"benchstick","removable":true}}' \
			>/dev/null || die "device_add of the stick failed"
		for _ in $(seq 1 240); do
			if qemu_hmp desk 'info usb' | grep -Eq 'Speed (12|480|5000|10000) Mb/s.*USB Redirection'; then
				usb+=("$(secs "$t_plug" "$(date +%s.%N)")")
				break
			fi
			sleep 0.25
		done
		say "usb: device_add -> desktop port ${usb[-1]:-never} s"
	fi
	end_session
done

# The launcher takes up autoconnect only when it starts (an idle station
# whose mapping becomes autoconnect keeps showing Connect): switch the
# mapping, then restart the launcher from the diagnostics shell.
mapping 'autoconnect = yes'
sleep 2
station_serial_send 'killall vdi-launcher'

for ((r = 1; r <= runs; r++)); do
	wait_picture || die "autoconnect run $r: the desktop never showed"
	auto_conn+=("$(secs "$T_CONNECT" "$T_FRAME")")
	say "autoconnect run $r: connecting -> picture ${auto_conn[-1]} s"
	end_session
done

ml=$(median 2 "${login_enter[@]}")
mlc=$(median 2 "${login_conn[@]}")
ma=$(median 2 "${auto_conn[@]}")
say ""
say "median: login Enter -> picture $ml s (its connecting -> picture $mlc s); autoconnect connecting -> picture $ma s"
say "ratio login/autoconnect: $(awk -v a="$ml" -v b="$ma" 'BEGIN { printf "%.2f", a / b }')" \
	"(connecting -> picture only: $(awk -v a="$mlc" -v b="$ma" 'BEGIN { printf "%.2f", a / b }'))"
say "stick plugged in -> desktop's USB port: $(median 2 "${usb[@]}") s"
