#!/bin/bash
# vdi-test: once
# The boot media that make firmware-test built from the qemu profile
# (build/firmware/qemu/media): the TFTP/HTTP tree and its menus, the SD card
# image's partition table, file system and files, and the NFS root archive.
# Nothing is booted here; test-pxe-uefi.sh and test-sdcard.sh boot them.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/firmware/media.sh
. "$VDI_ROOT/tests/firmware/media.sh"

M=$(station_media_dir)
[ -d "$M" ] || skip_all "no station media in $M (make firmware-test builds them)"
export MTOOLS_SKIP_CHECK=1

# --- the TFTP/HTTP tree -----------------------------------------------------
tb=$M/tftpboot
missing=
for f in pxelinux.0 lpxelinux.0 ldlinux.c32 vesamenu.c32 menu.c32 libcom32.c32 \
	libutil.c32 pxelinux.cfg/default bootmenu.png grubx64.efi grub.cfg boot.ipxe \
	undionly.kpxe snponly.efi vmlinuz initrd.img; do
	[ -s "$tb/$f" ] || missing+=" $f"
done
is "$missing" "" "the boot tree has every file"
cmp -s "$tb/pxelinux.0" /usr/lib/PXELINUX/pxelinux.0 &&
	cmp -s "$tb/lpxelinux.0" /usr/lib/PXELINUX/lpxelinux.0 &&
	cmp -s "$tb/ldlinux.c32" /usr/lib/syslinux/modules/bios/ldlinux.c32 &&
	cmp -s "$tb/vesamenu.c32" /usr/lib/syslinux/modules/bios/vesamenu.c32
ok $? "pxelinux, lpxelinux and their modules are Debian's, of one version"
fw=$(dirname "$M")
if [ -f "$fw/vmlinuz" ]; then
	cmp -s "$tb/vmlinuz" "$fw/vmlinuz" && cmp -s "$tb/initrd.img" "$fw/initrd.img"
	ok $? "kernel and initramfs are the image's ($fw)"
else
	ok 0 "# SKIP no $fw/vmlinuz to compare with"
fi
is "$(identify -format '%wx%h' "$tb/bootmenu.png" 2>/dev/null)" 640x480 \
	"the menu background is a 640x480 picture"
size=$(stat -c %s "$tb/bootmenu.png")
[ "$size" -lt 131072 ]
ok $? "and small ($size bytes)"
is "$(pe_kind "$tb/grubx64.efi")" "x86-64 efi-app" "grubx64.efi is an x86-64 EFI application"

# --- the pxelinux menu ------------------------------------------------------
cfg=$tb/pxelinux.cfg/default
like "$(grep -E '^(UI|DEFAULT|TIMEOUT|PROMPT|MENU BACKGROUND) ' "$cfg" | tr '\n' ';')" \
	'UI vesamenu\.c32;DEFAULT station;TIMEOUT ([1-9]|[1-4][0-9]|50);PROMPT 0;MENU BACKGROUND bootmenu\.png;' \
	"pxelinux: vesamenu, default 'station' after at most 5 s, the branded background"
is "$(syslinux_labels "$cfg")" "station|Station;diag|Station (diagnostics);nfs|NFS root;" \
	"pxelinux: entries Station, Station (diagnostics), NFS root"
bad=$(syslinux_entries "$cfg" | awk -F'\t' '$3 != "vmlinuz" || $4 != "initrd.img" || $6 != "2"')
is "$bad" "" "pxelinux: each entry loads vmlinuz and initrd.img with IPAPPEND 2"
bad=$(syslinux_entries "$cfg" | awk -F'\t' '$5 !~ /(^| )console=tty0( |$)/')
is "$bad" "" "pxelinux: each entry has console=tty0"
like "$(syslinux_params "$cfg" diag)" '(^| )vdi\.diag=1 vdi\.debug=1( |$)' \
	"pxelinux: the diagnostics entry adds vdi.diag=1 vdi.debug=1"
like "$(syslinux_params "$cfg" nfs)" '(^| )nfsroot=[^ :]+:/[^ ]+' \
	"pxelinux: the NFS root entry names an export"
unlike_diag=$(syslinux_params "$cfg" station)
case " $unlike_diag " in *" vdi.diag="*) rc=1 ;; *) rc=0 ;; esac
ok $rc "pxelinux: the default entry has no diagnostics shell"
grep -qx 'ALLOWOPTIONS 0' "$cfg" && grep -qx 'NOESCAPE 1' "$cfg"
ok $? "pxelinux: the kernel command line cannot be edited at the station"

# --- GRUB and iPXE give the same entries the same parameters ----------------
gcfg=$tb/grub.cfg
is "$(grub_entries "$gcfg" | cut -f1,2 | tr '\t\n' '|;')" \
	"station|Station;diag|Station (diagnostics);nfs|NFS root;" "grub.cfg: the same entries"
like "$(grep -E '^set (default|timeout)=' "$gcfg" | sort | tr '\n' ';')" \
	'^set default=station;set timeout=[1-5];$' "grub.cfg: default 'station', a short time-out"
# shellcheck disable=SC2016 # GRUB's variable, as the menu has it
is "$(same_params "$cfg" <(grub_entries "$gcfg") 'BOOTIF=01-${vdi_mac}')" "" \
	"grub.cfg: every entry has pxelinux's parameters and BOOTIF from the NIC's MAC"
grep -q 'net_default_mac' "$gcfg"
ok $? "grub.cfg: BOOTIF comes from \$net_default_mac"
head -n 1 "$tb/boot.ipxe" | grep -qx '#!ipxe'
ok $? "boot.ipxe is an iPXE script"
# shellcheck disable=SC2016 # iPXE's variable, as the script has it
is "$(same_params "$cfg" <(ipxe_entries "$tb/boot.ipxe") 'BOOTIF=${vdi_bootif}')" "" \
	"boot.ipxe: every entry has pxelinux's parameters and BOOTIF"
grep -Eq '^set vdi_bootif 01-\$\{net[0-9X]/mac:hexhyp\}$' "$tb/boot.ipxe" &&
	! grep -Eq '^(kernel|initrd) [a-z]+://' "$tb/boot.ipxe"
ok $? "boot.ipxe: BOOTIF from the NIC's MAC; files relative to the script's URL"

# --- the SD card --------------------------------------------------------------
img=$M/sdcard.img
[ -s "$img" ] || {
	ok 1 "sdcard.img exists"
	done_testing
	exit 1
}
is "$(od -An -tx1 -j510 -N2 "$img" | tr -d ' \n')" 55aa "sdcard.img: MBR signature"
cmp -s -n 440 "$img" /usr/lib/syslinux/mbr/mbr.bin
ok $? "sdcard.img: syslinux's MBR boot code"
dump=$(sfdisk --dump "$img" 2>/dev/null)
is "$(echo "$dump" | grep -c ' : start=')" 1 "sdcard.img: one partition"
like "$(echo "$dump" | grep ' : start=')" 'type=(c|b|e|6), bootable' \
	"sdcard.img: it is FAT and active"
off=$(station_fat_offset "$img")
is "$(dd if="$img" bs=1 skip=$((off + 3)) count=8 status=none)" SYSLINUX \
	"the partition's boot sector is syslinux's"
like "$(mlabel -s -i "$img@@$off" :: 2>&1)" 'Volume label is VDISTATION *$' \
	"the file system is labelled VDISTATION"
listing=$(mdir -a -b -/ -i "$img@@$off" :: 2>&1 | sed 's|^::||' | tr '[:upper:]' '[:lower:]')
missing=
for f in /ldlinux.sys /ldlinux.c32 /syslinux.cfg /vesamenu.c32 /libcom32.c32 \
	/libutil.c32 /bootmenu.png /vmlinuz /initrd.img /station.conf \
	/efi/boot/bootx64.efi /efi/boot/grub.cfg; do
	echo "$listing" | grep -qx "$f" || missing+=" $f"
done
is "$missing" "" "the card has syslinux, GRUB for UEFI, the station and station.conf"
mcopy -n -i "$img@@$off" ::vmlinuz ::initrd.img ::syslinux.cfg ::station.conf \
	::EFI/BOOT/BOOTX64.EFI ::EFI/BOOT/grub.cfg "$T/" 2>/dev/null
cmp -s "$T/vmlinuz" "$tb/vmlinuz" && cmp -s "$T/initrd.img" "$tb/initrd.img"
ok $? "its kernel and initramfs are the network boot's"
is "$(pe_kind "$T/BOOTX64.EFI")" "x86-64 efi-app" "BOOTX64.EFI is an x86-64 EFI application"
is "$(syslinux_labels "$T/syslinux.cfg")" "station|Station;diag|Station (diagnostics);" \
	"syslinux.cfg: Station and Station (diagnostics)"
is "$(syslinux_entries "$T/syslinux.cfg" | awk -F'\t' '$6 != ""')" "" \
	"syslinux.cfg: no IPAPPEND (the card is not booted from a NIC)"
is "$(for id in station diag; do [ "$(syslinux_params "$cfg" "$id")" = \
	"$(syslinux_params "$T/syslinux.cfg" "$id")" ] || echo "$id"; done)" "" \
	"syslinux.cfg: the same parameters as the network menu"
is "$(same_params "$T/syslinux.cfg" <(grub_entries "$T/grub.cfg") '')" "" \
	"EFI/BOOT/grub.cfg: the same entries and parameters"
is "$(grep -Ev '^(#.*|[a-z_]+ = [^ ].*|[[:space:]]*)$' "$T/station.conf")" "" \
	"station.conf: only comments and key = value lines"
grep -Eq '^#? *broker = https://' "$T/station.conf" &&
	grep -Eq '^#? *ca = broker-ca\.pem$' "$T/station.conf"
ok $? "station.conf: shows how to set the broker and its CA"
bytes=$(stat -c %s "$img")
[ $((bytes % 1048576)) -eq 0 ] && [ "$bytes" -le $(($(stat -c %s "$tb/vmlinuz") + \
	$(stat -c %s "$tb/initrd.img") + 64 * 1048576)) ]
ok $? "sdcard.img: whole MiB, the payload plus some slack ($((bytes / 1048576)) MiB)"

# --- the NFS root ---------------------------------------------------------------
tar=$M/nfsroot.tar
owners=$(tar --numeric-owner -tvf "$tar" 2>/dev/null | awk '{print $2}' | sort -u | tr '\n' ' ')
is "$owners" "0/0 " "nfsroot.tar: everything belongs to root:root (0/0)"
if [ -d "$fw/rootfs" ]; then
	is "$(tar -tf "$tar" | sed 's|/$||' | sort | md5sum)" \
		"$(cd "$fw/rootfs" && find . | sort | md5sum)" "nfsroot.tar: exactly the image's rootfs/"
else
	ok 0 "# SKIP no $fw/rootfs to compare with"
fi
tar -tf "$tar" | grep -qx './init'
ok $? "nfsroot.tar has the station's /init"

done_testing
