#!/bin/bash
# vdi-test: once
# UEFI network boot: OVMF's own PXE client fetches grubx64.efi over QEMU's
# TFTP, GRUB reads grub.cfg (here the per-station grub.cfg-01-<mac> that
# adds the test's kernel parameters) and starts the station with BOOTIF from
# the NIC's MAC; the station asks the real broker on loopback and shows its
# login screen.
#
# The user turns the station on. What proves it worked: the kernel's own
# /proc/cmdline (read on the serial shell) has GRUB's BOOTIF and the menu's
# parameters, the broker's admin socket lists the station, and the
# station's screen reads as the login screen (OCR: the name only the
# broker's answer carries, and the Connect button no other screen has) on
# the branded background.
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

M=$(station_media_dir)
[ -d "$M" ] || skip_all "no station media in $M (make firmware-test builds them)"
plan 7

cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = UEFI desk
host = 10.0.2.100
port = 5930
CONF
BROKER_HTTP=1 broker_start "$T/stations.conf" || exit 1
bport=${BROKER_URL##*:}

station_start pxe-uefi --fwd "8080:$bport" \
	--params "console=ttyS0 vdi.diag=1 vdi.insecure=1 vdi.broker=http://10.0.2.100:8080" || exit 1
station_wait_stage init 300
ok $? "OVMF, PXE and GRUB started the station's kernel ($(station_since_start) s after power-on)"
station_wait_stage login 300
ok $? "the station painted its first screen (stage login at $(station_stage_time login) s)"

# The diagnostics shell on the serial port shows what GRUB passed. The
# typed line itself holds no BOOTIF, so only the answer can match.
# shellcheck disable=SC2016 # expanded by the station's shell
station_serial_send 'echo CMDLINE=$(cat /proc/cmdline)'
station_wait_console '^CMDLINE=.*(^| )BOOTIF=01-52-54-00-12-34-56( |$)' 30
ok $? "GRUB gave the kernel BOOTIF=01-52-54-00-12-34-56 (from \$net_default_mac)"
like "$(tr -d '\r' <"$T/station.console" | grep -a '^CMDLINE=' | tail -n 1)" \
	'(^| )console=tty0( |.*)vdi\.broker=http://10\.0\.2\.100:8080' \
	"with the menu's parameters and the test's own"
admin_get /v1/admin/stations | grep -qi "$STATION_MAC"
ok $? "the broker was asked for this station's desktop"

# The login screen: the launcher's background colour (branding/launcher.css,
# vdi_bg #1d2733) fills the corner, and the screen is not a flat colour.
shot=
for _ in $(seq 1 30); do
	station_screendump "$T/login.png" || true
	corner=$(convert "$T/login.png" -crop 40x40+0+0 +repage -scale 1x1\! -format '%[hex:u]' info: 2>/dev/null)
	colours=$(identify -format '%k' "$T/login.png" 2>/dev/null)
	shot="corner #$corner, $colours colours"
	if [ "${colours:-0}" -ge 16 ] && colour_near "$corner" 1d2733 24; then
		break
	fi
	sleep 2
done
colour_near "$corner" 1d2733 24
ok $? "the screen shows the branded background ($shot)"
if command -v tesseract >/dev/null; then
	# An error screen has the same background: the button is the login
	# screen's own.
	text=$(station_screen_text 'UEFI desk.*Connect')
	like "$text" 'UEFI desk.*Connect' \
		"the login screen names the station as the broker does, with its Connect button"
else
	ok 0 "# SKIP tesseract is not installed"
fi
