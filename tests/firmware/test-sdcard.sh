#!/bin/bash
# vdi-test: once
# The SD card as an admin would prepare it: a copy of sdcard.img whose
# station.conf (edited with mtools, as on any PC) names a real HTTPS broker
# and its CA, copied next to it. The station boots the card in BIOS mode
# from a read-only USB disk, takes the broker and the CA from the card, gets
# its SPICE desktop (autoconnect) and shows what the desktop VM shows. Then
# the same card boots under UEFI (OVMF) to the login screen.
#
# The user turns the station on with the card in it. What proves it worked:
# the broker only speaks HTTPS and the kernel command line names no broker,
# so the broker's admin socket listing this station (and its session) means
# the station used the card's broker URL and trusted the card's CA; the
# desktop VM's own SPICE server has a display client and its screendump is
# what the station shows (not its mirror image). Under UEFI a fresh broker
# (an empty station list) must hear the station again, and the station's
# screen must read as the login screen (OCR: the name the broker gave this
# station and the Connect button), not as an error screen.
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
command -v tesseract >/dev/null || skip_all "tesseract is not installed"
plan 13
export MTOOLS_SKIP_CHECK=1

# The desktop.
qemu_pattern_disk "$T/disk.img"
dport=$(free_port)
qemu_start desk "$dport" --disk "$T/disk.img" || exit 1
# The broker, over HTTPS with a certificate for 10.0.2.100 (gen_tls).
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = SD card desk
host = 10.0.2.100
port = 5930
autoconnect = yes
CONF
broker_start "$T/stations.conf" || exit 1
bport=${BROKER_URL##*:}
qemu_wait_pattern desk 60
ok $? "the desktop VM shows its test pattern"

# The card: station.conf and the CA written with mtools.
cp "$M/sdcard.img" "$T/sd.img"
off=$(station_fat_offset "$T/sd.img")
mcopy -n -i "$T/sd.img@@$off" ::station.conf "$T/station.conf.orig"
{
	grep -Ev '^#?(broker|ca) *=' "$T/station.conf.orig"
	echo "broker = https://10.0.2.100:8443"
	echo "ca = broker-ca.pem"
} >"$T/station.conf"
mcopy -o -i "$T/sd.img@@$off" "$T/station.conf" ::station.conf &&
	mcopy -o -i "$T/sd.img@@$off" "$BROKER_CA" ::broker-ca.pem
ok $? "station.conf and broker-ca.pem written to the card with mtools"

# No broker on the kernel command line: it can only come from the card.
station_start sdcard-bios --image "$T/sd.img" --params "console=ttyS0 vdi.diag=1" \
	--fwd "8443:$bport" --fwd "5930:$dport" || exit 1
station_wait_stage login 300
ok $? "BIOS boot from the card to the first screen (stage login at $(station_stage_time login) s, $(station_since_start) s after power-on)"
station_wait_stage desktop 180
ok $? "the station connected by itself (stage desktop at $(station_stage_time desktop) s)"
like "$(admin_wait_like /v1/admin/stations '"state":"connected"')" \
	"\"mac\":\"$STATION_MAC\".*\"state\":\"connected\"" \
	"the broker, reached over HTTPS with the card's CA, has the session"
spice=$(qemu_hmp desk 'info spice')
[ "$(spice_display_clients "$spice")" -ge 1 ]
ok $? "the desktop VM's SPICE server has a display client"

qemu_screendump desk "$T/vm.png"
station_matches "$T/vm.png" 30
ok $? "the station's screen matches the desktop's screendump (RMSE $MATCH_RMSE < 0.08, area $MATCH_AREA)"
below 0.15 "$MATCH_FLOP"
ok $? "and not a mirrored picture (RMSE $MATCH_FLOP > 0.15)"

# The card is read-only for the station (a write-protected card).
# shellcheck disable=SC2016 # expanded by the station's shell
station_serial_send 'echo RO=$(cat /sys/block/sda/ro)'
station_wait_console '^RO=1$' 30
ok $? "the station sees the card as read-only"
station_stop

# The same card under UEFI: OVMF starts EFI/BOOT/BOOTX64.EFI (GRUB). A new
# broker, whose station list starts empty, so that only this boot can put
# the station on it; the same certificate, so the card's CA still fits. No
# autoconnect: the station stays on its login screen, which shows the name
# only this broker's answer carries.
broker_stop
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Card UEFI desk
host = 10.0.2.100
port = 5930
CONF
broker_start "$T/stations.conf" || exit 1
bport=${BROKER_URL##*:}
station_start sdcard-uefi --image "$T/sd.img" --params "console=ttyS0" \
	--fwd "8443:$bport" --fwd "5930:$dport" || exit 1
station_wait_stage init 300
ok $? "UEFI boot from the card started the kernel ($(station_since_start) s after power-on)"
station_wait_stage login 300
ok $? "and painted its first screen (stage login at $(station_stage_time login) s)"
like "$(admin_wait_like /v1/admin/stations "\"mac\":\"$STATION_MAC\"" 60)" \
	"\"mac\":\"$STATION_MAC\"" \
	"the new broker heard the station over HTTPS: the card's broker and CA were used"
station_status_like '^state=idle ' 60
text=$(station_screen_text "Card UEFI desk.*Connect")
like "$text" "Card UEFI desk.*Connect" \
	"the screen is the login screen: the broker's name for the station and the Connect button"
