#!/bin/bash
# vdi-test: once
# The SD card as an admin would prepare it: a copy of sdcard.img whose
# station.conf (edited with mtools, as on any PC) names a real HTTPS broker
# and its CA, copied next to it. The station boots the card in BIOS mode
# from a read-only USB disk, takes the broker and the CA from the card, gets
# its SPICE desktop (autoconnect) and shows what the desktop VM shows. Then
# the same card boots under UEFI (OVMF) to the login screen.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

M=$(station_media_dir)
[ -d "$M" ] || skip_all "no station media in $M (make firmware-test builds them)"
plan 10
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
ok $? "BIOS boot from the card to the login screen (stage login at $(station_stage_time login) s, $(station_since_start) s after power-on)"
station_wait_stage desktop 180
ok $? "the station connected by itself (stage desktop at $(station_stage_time desktop) s)"
like "$(admin_wait_like /v1/admin/stations '"state":"connected"')" '"state":"connected"' \
	"the broker, reached over HTTPS with the card's CA, has the session"

qemu_screendump desk "$T/vm.png"
read -r gw gh < <(identify -format '%w %h' "$T/vm.png")
rmse='' area=''
for _ in $(seq 1 30); do
	station_screendump "$T/shot.png" || true
	read -r sw sh < <(identify -format '%w %h' "$T/shot.png" 2>/dev/null)
	area=$(desktop_area "${sw:-1}" "${sh:-1}" "$gw" "$gh")
	convert "$T/shot.png" -crop "$area" +repage -resize "${gw}x${gh}!" "$T/shot-scaled.png" 2>/dev/null
	rmse=$(img_rmse "$T/shot-scaled.png" "$T/vm.png")
	below "$rmse" 0.08 && break
	sleep 1
done
below "$rmse" 0.08
ok $? "the station's screen matches the desktop's screendump (RMSE $rmse < 0.08, area $area)"
convert "$T/vm.png" -flop "$T/vm-flop.png"
wrong=$(img_rmse "$T/shot-scaled.png" "$T/vm-flop.png")
below 0.15 "$wrong"
ok $? "and not a mirrored picture (RMSE $wrong > 0.15)"

# The card is read-only for the station (a write-protected card).
# shellcheck disable=SC2016 # expanded by the station's shell
station_serial_send 'echo RO=$(cat /sys/block/sda/ro)'
station_wait_console '^RO=1$' 30
ok $? "the station sees the card as read-only"
station_stop

# The same card under UEFI: OVMF starts EFI/BOOT/BOOTX64.EFI (GRUB).
station_start sdcard-uefi --image "$T/sd.img" --params "console=ttyS0" \
	--fwd "8443:$bport" --fwd "5930:$dport" || exit 1
station_wait_stage init 300
ok $? "UEFI boot from the card started the kernel ($(station_since_start) s after power-on)"
station_wait_stage login 300
ok $? "and reached the login screen (stage login at $(station_stage_time login) s)"
