#!/bin/bash
# mk-sdcard.sh FWDIR OUT.img
#
# A bootable SD card (or USB stick) image of the station in FWDIR: an MBR
# with one active FAT32 partition labelled VDISTATION that holds
#
#   vmlinuz, initrd.img          the station
#   ldlinux.sys, syslinux.cfg    BIOS boot (syslinux) and its menu
#   EFI/BOOT/BOOTX64.EFI         UEFI boot (GRUB) and EFI/BOOT/grub.cfg
#   station.conf                 the station's settings, to edit on any PC
#   broker-ca.pem                the broker's CA, when BROKER_CA is given
#
# Environment: BROKER_URL and BROKER_CA (a PEM file) fill in station.conf.
# Runs as any user: the file system is made in a file of its own with
# mkfs.fat and mtools, then written into the image behind the partition
# table; nothing is mounted.
set -euo pipefail

# shellcheck source=tools/image/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || media_die "usage: ${0##*/} FWDIR OUT.img"
fw=$1
out=$2
media_check_fw "$fw"
media_need mkfs.fat mcopy mmd syslinux sfdisk truncate
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$mbr" ] || media_die "$mbr missing (package syslinux-common)"

label=VDISTATION
# The partition starts at 1 MiB, where SD cards' erase blocks are aligned.
start_sector=2048
mib=$((1024 * 1024))

broker_url=${BROKER_URL:-}
broker_ca=${BROKER_CA:-}
if [ -n "$broker_url" ]; then
	case $broker_url in
	https://* | http://*) ;;
	*) media_die "BROKER_URL must start with https:// (or http://), not '$broker_url'" ;;
	esac
	case $broker_url in
	*[[:space:]\"\\]*) media_die "BROKER_URL has a blank, quote or backslash" ;;
	esac
fi
if [ -n "$broker_ca" ]; then
	grep -q -- '-----BEGIN CERTIFICATE-----' "$broker_ca" 2>/dev/null ||
		media_die "BROKER_CA=$broker_ca is not a readable PEM certificate"
fi

mkdir -p "$(dirname "$out")"
# Absolute: the copy loop below works from inside the staging folder.
tmp=$(mktemp -d "$(cd "$(dirname "$out")" && pwd)/.sdcard.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
files=$tmp/files
mkdir -p "$files/EFI/BOOT"

# What goes on the card.
cp "$fw/vmlinuz" "$fw/initrd.img" "$files/"
media_syslinux_menu sd no >"$files/syslinux.cfg"
media_syslinux_modules "$files"
# The syslinux installer writes its own ldlinux.c32, of the same version as
# ldlinux.sys; ours would only be in the way.
rm -f "$files/ldlinux.c32"
media_background "$files/bootmenu.png"
media_grub_efi "$files/EFI/BOOT/BOOTX64.EFI" /EFI/BOOT "${MEDIA_GRUB_MODULES[@]}" \
	part_msdos fat
media_grub_menu sd '' >"$files/EFI/BOOT/grub.cfg"

{
	cat <<'EOF'
# VDI Station settings on this card. Edit this file on any computer (the
# card's partition is called VDISTATION), then put the card back and
# restart the station. One "key = value" a line; lines starting with # are
# comments. The settings are described in the administrator's guide
# (configuration reference, station launcher); the kernel command line and
# DHCP (option 224, the broker URL) take precedence over this file.
#
# The broker that tells this station which desktop to show:
EOF
	if [ -n "$broker_url" ]; then
		echo "broker = $broker_url"
	else
		echo "#broker = https://broker.example.org:8443"
	fi
	cat <<'EOF'
#
# The CA certificate that signed the broker's certificate: a PEM file on
# this card, named relative to the card's top folder. Only this CA is
# trusted for the broker.
EOF
	if [ -n "$broker_ca" ]; then
		echo "ca = broker-ca.pem"
	else
		echo "#ca = broker-ca.pem"
	fi
} >"$files/station.conf"
if [ -n "$broker_ca" ]; then
	cp "$broker_ca" "$files/broker-ca.pem"
fi

# Size: what the card holds plus 16 MiB for edits and an updated image,
# rounded up to 4 MiB; at least 64 MiB (FAT32 wants 65,525 clusters).
payload=$(du -sb "$files" | cut -f1)
blocks=$(((payload + 16 * mib + 4 * mib - 1) / (4 * mib)))
part_mib=$((blocks * 4))
[ "$part_mib" -ge 64 ] || part_mib=64
part_sectors=$((part_mib * mib / 512))

# The file system, in a file of its own. -h: the hidden sectors before the
# partition, which syslinux's boot sector adds to find its files.
part=$tmp/part.img
mkfs.fat -F 32 -s 1 -n "$label" -h "$start_sector" -C "$part" $((part_mib * 1024)) >/dev/null ||
	media_die "mkfs.fat failed"
syslinux --install "$part" || media_die "syslinux --install failed"
export MTOOLS_SKIP_CHECK=1
(
	cd "$files"
	for f in *; do
		mcopy -s -Q -i "$part" "$f" "::$f"
	done
) || media_die "mcopy failed"

# The disk: MBR boot code, one active FAT32 (LBA) partition, the file system.
img=$tmp/sdcard.img
truncate -s $(((start_sector + part_sectors) * 512)) "$img"
printf 'label: dos\nlabel-id: 0x56444953\nstart=%d, size=%d, type=c, bootable\n' \
	"$start_sector" "$part_sectors" | sfdisk --quiet --no-reread --no-tell-kernel "$img" ||
	media_die "sfdisk failed"
dd if="$mbr" of="$img" bs=440 count=1 conv=notrunc status=none
dd if="$part" of="$img" bs=1M seek=$((start_sector * 512 / mib)) conv=notrunc,sparse status=none

mv "$img" "$out"
echo "${0##*/}: $out ready ($((part_mib + 1)) MiB, partition $label)"
