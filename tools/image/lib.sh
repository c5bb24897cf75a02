# shellcheck shell=bash
# Shared by the boot media scripts (mk-tftpboot.sh, mk-sdcard.sh): the boot
# menus of every medium, generated from one list of entries
# (pxe/boot-entries.conf), the menu background, and the boot loader files
# taken from Debian's packages. Source it; it defines functions only.

MEDIA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MEDIA_ENTRIES=${VDI_BOOT_ENTRIES:-$MEDIA_ROOT/pxe/boot-entries.conf}
MEDIA_SYSLINUX_BIOS=/usr/lib/syslinux/modules/bios
# shellcheck disable=SC2034 # used by the scripts that source this file
MEDIA_PXELINUX=/usr/lib/PXELINUX
MEDIA_GRUB_EFI=/usr/lib/grub/x86_64-efi
# Boot menu: seconds before the default entry starts.
MEDIA_TIMEOUT=${VDI_BOOT_TIMEOUT:-3}
MEDIA_TITLE="VDI Station"

media_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# media_check_fw FWDIR: the kernel and initramfs the media carry are there.
media_check_fw() {
	local fw=$1 f
	[ -d "$fw" ] || media_die "no firmware folder $fw (build it with initramfs/build.sh)"
	for f in vmlinuz initrd.img; do
		[ -s "$fw/$f" ] || media_die "$fw/$f is missing or empty"
	done
}

# media_need CMD...: every tool is installed (tools/deps.d/firmware-media.list).
media_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			media_die "$c not found; run 'make deps' (tools/deps.d/firmware-media.list)"
	done
}

# media_entries MEDIUM: the entries for MEDIUM (net or sd), one per line as
# ID<tab>LABEL<tab>PARAMETERS, "common" parameters in front, default first.
media_entries() {
	local medium=$1
	[ -r "$MEDIA_ENTRIES" ] || media_die "cannot read $MEDIA_ENTRIES"
	awk -F'|' -v medium="$medium" -v file="$MEDIA_ENTRIES" '
		function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
		/^[ \t]*(#|$)/ { next }
		NF != 4 { printf "%s:%d: want ID | MEDIA | LABEL | PARAMETERS\n", file, NR > "/dev/stderr"; bad = 1; next }
		{
			id = trim($1); media = "," trim($2) ","; label = trim($3); params = trim($4)
			if (id !~ /^[A-Za-z0-9-]+$/ || label ~ /["\\$]/ || params ~ /["\\$`;]/) {
				printf "%s:%d: bad id, label or parameters\n", file, NR > "/dev/stderr"; bad = 1; next
			}
			if (id == "common") { common = params; next }
			if (index(media, "," medium ",") == 0) next
			ids[++n] = id; labels[n] = label; ps[n] = params
		}
		END {
			if (bad) exit 1
			if (n == 0) { printf "%s: no entry for %s\n", file, medium > "/dev/stderr"; exit 1 }
			for (i = 1; i <= n; i++) {
				p = common; if (ps[i] != "") p = p (p == "" ? "" : " ") ps[i]
				printf "%s\t%s\t%s\n", ids[i], labels[i], p
			}
		}' "$MEDIA_ENTRIES"
}

# media_colour NAME DEFAULT: a colour from branding/launcher.css
# ("@define-color NAME #rrggbb;"), so the boot menu matches the launcher.
media_colour() {
	local c
	c=$(sed -n "s/^@define-color $1 \(#[0-9a-fA-F]\{6\}\);.*/\1/p" \
		"$MEDIA_ROOT/branding/launcher.css" 2>/dev/null | head -n 1)
	echo "${c:-$2}"
}

# media_background OUT: the 640x480 pxelinux/syslinux menu background: the
# launcher's background gradient with the logo on top. Made at build time
# from branding/, so a rebrand needs no other change. A committed
# branding/bootmenu.png, if there is one, wins.
media_background() {
	local out=$1 top bottom
	if [ -f "$MEDIA_ROOT/branding/bootmenu.png" ]; then
		cp "$MEDIA_ROOT/branding/bootmenu.png" "$out"
		return
	fi
	media_need convert
	top=$(media_colour vdi_bg '#1d2733')
	bottom=$(media_colour vdi_bg_deep '#111922')
	# A palette of 64 colours keeps it a few KB (vesamenu reads any PNG);
	# no time stamps, so rebuilding gives the same bytes.
	convert -size 640x480 "gradient:$top-$bottom" \
		\( "$MEDIA_ROOT/branding/logo.png" -resize x112 \) \
		-gravity north -geometry +0+20 -composite \
		-alpha off -colors 64 -strip -define png:exclude-chunks=date,time \
		"PNG8:$out" || media_die "cannot make the menu background"
}

# media_syslinux_menu MEDIUM IPAPPEND: a pxelinux/syslinux configuration on
# stdout. IPAPPEND is yes for PXE (the station learns its boot NIC).
media_syslinux_menu() {
	local medium=$1 ipappend=$2 id label params fg dim accent first=1 entries default
	entries=$(media_entries "$medium") || media_die "no boot menu for $medium"
	default=${entries%%$'\t'*}
	fg=$(media_colour vdi_fg '#f2f4f7')
	dim=$(media_colour vdi_dim '#9fb0c3')
	accent=$(media_colour vdi_accent '#3aa0ff')
	fg="#ff${fg#\#}" dim="#ff${dim#\#}" accent="#ff${accent#\#}"
	cat <<EOF
# $MEDIA_TITLE boot menu. Generated from pxe/boot-entries.conf by
# tools/image/; edit that file and rebuild rather than this one.
UI vesamenu.c32
DEFAULT $default
TIMEOUT $((MEDIA_TIMEOUT * 10))
PROMPT 0
# No editing of the kernel command line and no boot prompt: a user at the
# station cannot start anything but these entries.
NOESCAPE 1
ALLOWOPTIONS 0

MENU TITLE $MEDIA_TITLE
MENU BACKGROUND bootmenu.png
MENU RESOLUTION 640 480
MENU WIDTH 80
MENU MARGIN 24
MENU ROWS 6
MENU VSHIFT 9
MENU TIMEOUTROW 19
MENU TABMSGROW 21
MENU TABMSG
MENU AUTOBOOT Starting in # s
# element       ansi      foreground  background  shadow
MENU COLOR screen      37;40     #00000000   #00000000   none
MENU COLOR border      30;44     #00000000   #00000000   none
MENU COLOR title       1;37;44   $fg   #00000000   none
MENU COLOR unsel       37;44     $fg   #00000000   none
MENU COLOR hotkey      1;37;44   $fg   #00000000   none
MENU COLOR sel         7;37;40   #ffffffff   $accent   none
MENU COLOR hotsel      1;7;37;40 #ffffffff   $accent   none
MENU COLOR timeout_msg 37;40     $dim   #00000000   none
MENU COLOR timeout     1;37;40   $dim   #00000000   none
MENU COLOR tabmsg      37;40     $dim   #00000000   none
MENU COLOR help        37;40     $dim   #00000000   none
EOF
	while IFS=$'\t' read -r id label params; do
		echo
		echo "LABEL $id"
		echo "  MENU LABEL $label"
		if [ "$first" = 1 ]; then
			echo "  MENU DEFAULT"
			first=0
		fi
		echo "  KERNEL vmlinuz"
		echo "  INITRD initrd.img"
		echo "  APPEND $params"
		if [ "$ipappend" = yes ]; then
			echo "  IPAPPEND 2"
		fi
	done <<<"$entries"
}

# media_grub_menu MEDIUM DIR: a GRUB configuration on stdout. DIR is where
# vmlinuz and initrd.img are, as GRUB sees it: '$prefix' for the network
# (the folder GRUB was loaded from, whatever it is on the server), '' for
# the SD card (the partition's root).
media_grub_menu() {
	local medium=$1 dir=$2 id label params bootif='' first='' entries
	entries=$(media_entries "$medium") || media_die "no boot menu for $medium"
	if [ "$medium" = net ]; then
		# shellcheck disable=SC2016 # a GRUB variable, expanded by GRUB
		bootif=' BOOTIF=01-${vdi_mac}'
	fi
	cat <<EOF
# $MEDIA_TITLE boot menu for UEFI (GRUB). Generated from pxe/boot-entries.conf
# by tools/image/; edit that file and rebuild rather than this one.
set timeout=$MEDIA_TIMEOUT
set timeout_style=menu
set color_normal=light-gray/black
set menu_color_normal=white/black
set menu_color_highlight=black/light-cyan
# A superuser without a password: nobody can edit an entry or open GRUB's
# command line, and the entries below (--unrestricted) still boot.
set superusers=vdi-station-admin
EOF
	if [ "$medium" = net ]; then
		cat <<'EOF'

# BOOTIF=01-aa-bb-cc-dd-ee-ff, as pxelinux's IPAPPEND 2 gives it, from the
# MAC of the NIC GRUB was loaded through.
if regexp --set=1:m1 --set=2:m2 --set=3:m3 --set=4:m4 --set=5:m5 --set=6:m6 \
	'^([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})$' \
	"$net_default_mac"; then
	set vdi_mac="${m1}-${m2}-${m3}-${m4}-${m5}-${m6}"
	# Settings for one station, as pxelinux.cfg/01-<mac> does for BIOS: a
	# file grub.cfg-01-<mac> next to this one replaces this menu.
	if [ -z "$vdi_station_cfg" -a -f "$prefix/grub.cfg-01-$vdi_mac" ]; then
		set vdi_station_cfg=1
		export vdi_station_cfg vdi_mac
		configfile "$prefix/grub.cfg-01-$vdi_mac"
	fi
fi
EOF
	fi
	while IFS=$'\t' read -r id label params; do
		[ -n "$first" ] || first=$id
		cat <<EOF

menuentry '$label' --id $id --unrestricted {
	echo 'Loading $MEDIA_TITLE...'
	linux $dir/vmlinuz $params$bootif
	initrd $dir/initrd.img
}
EOF
	done <<<"$entries"
	echo
	echo "set default=$first"
}

# media_ipxe_script: the iPXE script on stdout. Paths are relative, so iPXE
# loads the kernel and initramfs from wherever it loaded the script.
media_ipxe_script() {
	local id label params first='' entries
	entries=$(media_entries net) || media_die "no boot menu for iPXE"
	cat <<EOF
#!ipxe
# $MEDIA_TITLE network boot over HTTP (or TFTP). Generated from
# pxe/boot-entries.conf by tools/image/; edit that file and rebuild rather
# than this one.
EOF
	cat <<'EOF'
# BOOTIF=01-aa-bb-cc-dd-ee-ff like pxelinux's IPAPPEND 2: the NIC iPXE
# booted through.
set vdi_bootif 01-${netX/mac:hexhyp}
EOF
	echo
	echo "menu $MEDIA_TITLE || goto vdi_default"
	while IFS=$'\t' read -r id label params; do
		[ -n "$first" ] || first=$id
		echo "item $id $label || goto vdi_default"
	done <<<"$entries"
	cat <<EOF
choose --timeout $((MEDIA_TIMEOUT * 1000)) --default $first vdi_entry || goto vdi_default
goto \${vdi_entry}

# An iPXE built without menus (or a menu that failed): the default entry.
:vdi_default
set vdi_entry $first
goto $first
EOF
	while IFS=$'\t' read -r id label params; do
		cat <<EOF

:$id
echo Loading $MEDIA_TITLE: $label
kernel vmlinuz initrd=initrd.img $params BOOTIF=\${vdi_bootif} || goto failed
initrd initrd.img || goto failed
boot || goto failed
EOF
	done <<<"$entries"
	cat <<'EOF'

:failed
echo Boot failed, trying again in 10 s
sleep 10
goto ${vdi_entry}
EOF
}

# media_syslinux_modules DEST: the BIOS menu's COM32 modules.
media_syslinux_modules() {
	local dest=$1 m
	for m in ldlinux.c32 vesamenu.c32 menu.c32 libcom32.c32 libutil.c32; do
		install -m 644 "$MEDIA_SYSLINUX_BIOS/$m" "$dest/$m" ||
			media_die "$MEDIA_SYSLINUX_BIOS/$m missing (package syslinux-common)"
	done
}

# media_grub_efi OUT PREFIX MODULE...: one self-contained GRUB EFI program
# with the modules built in, so it never fetches a module at boot (slow over
# TFTP, and one file fewer that can be missing). PREFIX is where it looks
# for grub.cfg ('' = the folder it was loaded from).
media_grub_efi() {
	local out=$1 prefix=$2
	shift 2
	media_need grub-mkimage
	[ -d "$MEDIA_GRUB_EFI" ] || media_die "$MEDIA_GRUB_EFI missing (package grub-efi-amd64-bin)"
	grub-mkimage --format=x86_64-efi --directory="$MEDIA_GRUB_EFI" \
		--prefix="$prefix" --output="$out" "$@" ||
		media_die "grub-mkimage failed"
}

# The modules both GRUB images carry: the menu, the Linux loader (EFI
# handover, so the kernel gets the firmware's frame buffer), the commands
# grub.cfg uses.
# shellcheck disable=SC2034 # used by the scripts that source this file
MEDIA_GRUB_MODULES=(normal configfile linux echo test regexp sleep reboot halt
	all_video efi_gop gzio)
