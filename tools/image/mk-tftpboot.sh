#!/bin/bash
# mk-tftpboot.sh FWDIR OUTDIR
#
# Makes OUTDIR a complete network boot tree for the station image in FWDIR
# (vmlinuz, initrd.img from initramfs/build.sh), ready to copy to a TFTP
# server, an HTTP server, or both:
#
#   pxelinux.0, lpxelinux.0       BIOS PXE (lpxelinux also fetches over HTTP)
#   ldlinux.c32, vesamenu.c32...  its modules; pxelinux.cfg/default the menu
#   bootmenu.png                  the menu background (from branding/)
#   grubx64.efi, grub.cfg         UEFI PXE and UEFI HTTP boot (GRUB)
#   boot.ipxe                     iPXE script (HTTP); undionly.kpxe and
#                                 snponly.efi chain-load iPXE from PXE ROMs
#   vmlinuz, initrd.img           the station
#
# Every menu is made from pxe/boot-entries.conf. OUTDIR is replaced as a
# whole. Needs no root.
set -euo pipefail

# shellcheck source=tools/image/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || media_die "usage: ${0##*/} FWDIR OUTDIR"
fw=$1
out=$2
media_check_fw "$fw"
media_need install
for f in "$MEDIA_PXELINUX/pxelinux.0" "$MEDIA_PXELINUX/lpxelinux.0"; do
	[ -f "$f" ] || media_die "$f missing (package pxelinux)"
done

# Build next to OUTDIR and swap it in at the end, so a failed build never
# leaves half a tree where a server may be reading.
parent=$(dirname "$out")
mkdir -p "$parent"
tmp=$(mktemp -d "$parent/.tftpboot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

# BIOS: pxelinux with its menu.
install -m 644 "$MEDIA_PXELINUX/pxelinux.0" "$MEDIA_PXELINUX/lpxelinux.0" "$tmp/"
media_syslinux_modules "$tmp"
media_background "$tmp/bootmenu.png"
mkdir -m 755 "$tmp/pxelinux.cfg"
media_syslinux_menu net yes >"$tmp/pxelinux.cfg/default"

# UEFI: GRUB, looking for grub.cfg in the folder it was loaded from, over
# TFTP or HTTP (whichever the firmware used).
media_grub_efi "$tmp/grubx64.efi" '' "${MEDIA_GRUB_MODULES[@]}" efinet tftp http
# shellcheck disable=SC2016 # GRUB's \$prefix, expanded by GRUB
media_grub_menu net '$prefix' >"$tmp/grub.cfg"

# iPXE: the script, and iPXE itself for PXE ROMs that should chain-load it.
media_ipxe_script >"$tmp/boot.ipxe"
for f in undionly.kpxe snponly.efi; do
	if [ -f "/usr/lib/ipxe/$f" ]; then
		install -m 644 "/usr/lib/ipxe/$f" "$tmp/$f"
	else
		echo "${0##*/}: /usr/lib/ipxe/$f missing (package ipxe); iPXE chain-loading left out" >&2
	fi
done

# The station itself.
install -m 644 "$fw/vmlinuz" "$fw/initrd.img" "$tmp/"
if [ -f "$fw/kernel-version" ]; then
	install -m 644 "$fw/kernel-version" "$tmp/kernel-version"
fi

rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "${0##*/}: $out ready ($(du -sh "$out" | cut -f1))"
