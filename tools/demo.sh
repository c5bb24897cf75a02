#!/bin/bash
# make demo: a station PXE-boots in QEMU against a local broker and a demo
# desktop, all on this machine and on loopback only.
#
#  1. a QEMU desktop VM with a SPICE server on 127.0.0.1 (it paints a colour
#     test pattern; it has usb-redir channels for the station's USB devices);
#  2. vdi-broker on 127.0.0.1, plain HTTP, with one mapping: the station's
#     MAC to that desktop;
#  3. the station: a QEMU VM that PXE-boots build/tftpboot (the image that
#     `make` built) through QEMU's own TFTP server, with restricted user
#     networking that only reaches the broker and the desktop.
#
# The station's screen is a QEMU window when there is a display ($DISPLAY);
# otherwise it is served by VNC on 127.0.0.1 and a screenshot is written to
# build/demo/ every 5 seconds. Ctrl+C stops everything (DEMO_SECONDS=N stops
# after N seconds). docs/operations.md explains the same set-up on a real
# network.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VDI_ROOT=$(cd "$here/.." && pwd)
VDI_BUILD=${VDI_BUILD:-$VDI_ROOT/build}
export VDI_ROOT VDI_BUILD
# shellcheck source=tests/lib/tap.sh
. "$VDI_ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"

out=$VDI_BUILD/demo
tree=${DEMO_TREE:-$VDI_BUILD/tftpboot}
say() { printf 'demo: %s\n' "$*"; }
die() {
	say "$*" >&2
	exit 1
}
[ -f "$tree/pxelinux.0" ] || die "no boot tree in $tree; run make first"
mkdir -p "$out"
rm -f "$out"/station-*.png

say "starting the demo desktop (QEMU, SPICE on 127.0.0.1)"
qemu_pattern_disk "$T/disk.img" || die "cannot make the desktop's disk"
dport=$(free_port)
qemu_start desk "$dport" --disk "$T/disk.img" --usbredir ||
	die "the desktop VM did not start"

cat >"$out/stations.conf" <<CONF
# The demo broker's stations file: edit it while the demo runs (the broker
# reloads it by itself), e.g. set maintenance = yes and watch the station.
[$STATION_MAC]
name = Demo station
host = 10.0.2.100
port = 5930
autoconnect = yes
message = "Welcome to the VDI Station demo.\\nThe desktop opens by itself."
CONF
BROKER_HTTP=1 broker_start "$out/stations.conf" || die "the broker did not start"
bport=${BROKER_URL##*:}
say "broker at $BROKER_URL (stations file $out/stations.conf, admin socket $BROKER_SOCK)"

view=()
vnc=
if [ -n "${DISPLAY:-}" ]; then
	view=(-display gtk)
else
	for ((n = 10; n < 60; n++)); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$((5900 + n))") 2>/dev/null; then
			vnc=$n
			break
		fi
	done
	[ -n "$vnc" ] || die "no free VNC display on 127.0.0.1"
	view=(-display "vnc=127.0.0.1:$vnc")
fi

say "PXE-booting the station (MAC $STATION_MAC) from $tree"
STATION_MEDIA=$VDI_BUILD station_start pxe-bios --tree "$tree" \
	--params "console=tty0 console=ttyS0 vdi.broker=http://10.0.2.100:8080 vdi.insecure=1" \
	--fwd "8080:$bport" --fwd "5930:$dport" -- "${view[@]}" ||
	die "the station VM did not start"
if [ -n "$vnc" ]; then
	say "no display: the station's screen is on VNC 127.0.0.1:$vnc (port $((5900 + vnc)));"
	say "screenshots every 5 s in $out/station-NNN.png"
fi
say "Ctrl+C stops the demo"

end=$((SECONDS + ${DEMO_SECONDS:-0}))
n=0
while station_alive; do
	if [ -n "$vnc" ]; then
		n=$((n + 1))
		qemu_screendump station "$(printf '%s/station-%03d.png' "$out" "$n")" 2>/dev/null
		if grep -aq 'stage=desktop' "$T/station.console" 2>/dev/null && [ ! -f "$out/desktop-shown" ]; then
			: >"$out/desktop-shown"
			say "the station shows the desktop"
		fi
	fi
	if [ "${DEMO_SECONDS:-0}" -gt 0 ] && [ "$SECONDS" -ge "$end" ]; then
		break
	fi
	sleep 5
done
grep -a 'vdi: t=' "$T/station.console" | tr -d '\r' >"$out/boot-stages.txt"
say "boot stages in $out/boot-stages.txt"
