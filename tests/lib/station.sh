#!/bin/bash
# A VDI Station in QEMU (TCG, q35), booted the way real stations boot. Source
# after tests/lib/tap.sh and tests/lib/qemu.sh.
#
#   station_media_dir             prints the built media folder (tftpboot/,
#                                 sdcard.img, nfsroot.tar);
#                                 $VDI_BUILD/firmware/qemu/media unless
#                                 STATION_MEDIA is set
#   station_start MODE [OPTION]... [-- QEMU ARGS...]
#       MODE: pxe-bios     QEMU's NIC ROM, TFTP from a copy of tftpboot/,
#                          pxelinux.0
#             pxe-uefi     OVMF, TFTP, grubx64.efi
#             pxe-ipxe     QEMU's NIC ROM (iPXE) runs boot.ipxe over TFTP
#             pxe-http     the same over HTTP (busybox httpd on loopback,
#                          http://10.0.2.100:8000/ in the guest)
#             pxe-http-uefi  the same with OVMF and the ROM's iPXE driver
#             sdcard-bios  SeaBIOS boots the SD card image (read-only USB disk)
#             sdcard-uefi  OVMF boots it
#             direct       -kernel/-initrd from the media's tftpboot/
#       --params "P..."    kernel parameters added to every menu entry (PXE:
#                          pxelinux.cfg/01-<mac> and grub.cfg-01-<mac> in the
#                          copy; SD card: its menus, in a copy of the image)
#       --entry ID         boot this menu entry instead of the default
#       --fwd PORT:HOSTPORT   guest 10.0.2.100:PORT reaches 127.0.0.1:HOSTPORT
#                          (one host connection per guest connection);
#                          repeatable
#       --image FILE       the SD card image (default: the media's sdcard.img)
#       --tree DIR         the boot tree (default: the media's tftpboot/)
#       --stick FILE       a USB stick (raw image); repeatable
#       --mem MIB          memory (default $STATION_MEM, 512)
#       --input KIND       the user's keyboard and mouse: usb (default: usb-kbd
#                          and usb-tablet on the xHCI controller), ps2 (the
#                          machine's own PS/2 keyboard and mouse only), none
#                          (no keyboard or mouse at all: i8042=off, nothing
#                          on USB)
#       --audio SPEC       a sound card (intel-hda with hda-duplex) whose
#                          sound goes to QEMU's audiodev SPEC, e.g.
#                          "wav,path=FILE" (its id is given here)
#   station_wait_stage NAME [SECS]   waits for the console line
#                                 "vdi: t=<uptime> stage=NAME"
#   station_stage_time NAME       its uptime (seconds), empty when not seen
#   station_wait_console REGEX [SECS]   waits for any console line
#   station_screendump FILE       the station's screen as PNG
#   station_serial_send TEXT      types TEXT and Enter on the serial console
#   station_since_start           whole seconds since QEMU was started
#   colour_near RRGGBB RRGGBB TOL true when no channel differs by more than TOL
#   station_alive                 true while QEMU runs
#   station_stop                  quits QEMU (also done at exit)
#
# Files in $T: station.console (everything the serial port printed),
# station.serial (its socket, for typing), station.qmp and station.hmp (the
# monitor), station.qemu.log (QEMU's own messages). STATION_BOOT_T0 is the
# host time (s since the epoch, with fractions) when QEMU was started.

# shellcheck shell=bash

STATION_MAC=${STATION_MAC:-52:54:00:12:34:56}
STATION_MEM=${STATION_MEM:-512}
# The NIC and display the station has; override for other drivers.
STATION_NIC=${STATION_NIC:-virtio-net-pci}
STATION_VGA=${STATION_VGA:-VGA}
STATION_OVMF_CODE=${STATION_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
STATION_OVMF_VARS=${STATION_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
# For the tests that source this file.
# shellcheck disable=SC2034
STATION_BOOT_T0=
# The station's name in qemu.sh's table of VMs (declared there; again here
# so that this file stands on its own).
_STATION=station
declare -p QEMU_PID >/dev/null 2>&1 || declare -gA QEMU_PID=()

station_media_dir() {
	echo "${STATION_MEDIA:-$VDI_BUILD/firmware/qemu/media}"
}

# 52:54:00:12:34:56 -> 01-52-54-00-12-34-56, the name pxelinux and the
# tree's grub.cfg look for.
_station_mac_file() {
	echo "01-$(echo "$STATION_MAC" | tr 'A-F:' 'a-f-')"
}

# _station_menu_edit FILE KIND PARAMS ENTRY: appends PARAMS to every kernel
# command line of a pxelinux/syslinux (KIND=syslinux) or GRUB (KIND=grub)
# menu, and makes ENTRY the default.
_station_menu_edit() {
	local file=$1 kind=$2 params=$3 entry=$4
	KIND=$kind PARAMS=$params ENTRY=$entry perl -i -pe '
		if ($ENV{KIND} eq "syslinux") {
			s/^(\s*APPEND .*)$/$1 $ENV{PARAMS}/ if length $ENV{PARAMS};
			if (length $ENV{ENTRY}) {
				$_ = "" if /^\s*MENU DEFAULT\s*$/;
				s/^DEFAULT .*/DEFAULT $ENV{ENTRY}/;
			}
		} elsif ($ENV{KIND} eq "ipxe") {
			s/^(kernel .*?)( \|\| goto failed)?$/$1 $ENV{PARAMS}$2/ if length $ENV{PARAMS};
			s/--default \S+/--default $ENV{ENTRY}/ if length $ENV{ENTRY};
			s/^set vdi_entry \S+$/set vdi_entry $ENV{ENTRY}/ if length $ENV{ENTRY};
			s/^goto (?!\$)\S+$/goto $ENV{ENTRY}/ if length $ENV{ENTRY};
		} else {
			s/^(\s*linux .*)$/$1 $ENV{PARAMS}/ if length $ENV{PARAMS};
			s/^set default=.*/set default=$ENV{ENTRY}/ if length $ENV{ENTRY};
		}' "$file"
}

# _station_tree SRC PARAMS ENTRY: a private copy of the boot tree in
# $T/tftp, with per-station menus when PARAMS or ENTRY are given (and
# boot.ipxe changed in place: iPXE has no per-station files).
_station_tree() {
	local src=$1 params=$2 entry=$3 mac
	rm -rf "$T/tftp"
	cp -a "$src" "$T/tftp" || return 1
	[ -n "$params$entry" ] || return 0
	mac=$(_station_mac_file)
	cp "$T/tftp/pxelinux.cfg/default" "$T/tftp/pxelinux.cfg/$mac"
	_station_menu_edit "$T/tftp/pxelinux.cfg/$mac" syslinux "$params" "$entry"
	cp "$T/tftp/grub.cfg" "$T/tftp/grub.cfg-$mac"
	_station_menu_edit "$T/tftp/grub.cfg-$mac" grub "$params" "$entry"
	_station_menu_edit "$T/tftp/boot.ipxe" ipxe "$params" "$entry"
}

# _station_httpd: serves $T/tftp on 127.0.0.1 (busybox httpd); sets
# STATION_HTTP_PORT. Not in a subshell, so that its clean-up is the test's.
STATION_HTTP_PORT=
_station_httpd() {
	local pid
	STATION_HTTP_PORT=$(free_port) || return 1
	busybox httpd -f -p "127.0.0.1:$STATION_HTTP_PORT" -h "$T/tftp" >"$T/station.httpd.log" 2>&1 &
	pid=$!
	at_exit "kill $pid"
	for _ in $(seq 1 50); do
		curl -sf -o /dev/null "http://127.0.0.1:$STATION_HTTP_PORT/boot.ipxe" && return 0
		sleep 0.1
	done
	diag "busybox httpd did not start: $(cat "$T/station.httpd.log")"
	return 1
}

# _station_sdcard SRC PARAMS ENTRY: prints the image to boot: SRC, or a copy
# in $T with PARAMS added to both of its menus.
_station_sdcard() {
	local src=$1 params=$2 entry=$3 off img f
	if [ -z "$params$entry" ]; then
		echo "$src"
		return 0
	fi
	img=$T/station-sd.img
	cp "$src" "$img" || return 1
	off=$(station_fat_offset "$img") || return 1
	for f in syslinux.cfg EFI/BOOT/grub.cfg; do
		mcopy -n -i "$img@@$off" "::$f" "$T/sd-menu" || return 1
		if [ "$f" = syslinux.cfg ]; then
			_station_menu_edit "$T/sd-menu" syslinux "$params" "$entry"
		else
			_station_menu_edit "$T/sd-menu" grub "$params" "$entry"
		fi
		mcopy -o -i "$img@@$off" "$T/sd-menu" "::$f" || return 1
	done
	echo "$img"
}

# station_fat_offset IMG: byte offset of the first partition (mtools'
# IMG@@OFFSET).
station_fat_offset() {
	local start
	start=$(sfdisk --dump "$1" 2>/dev/null |
		sed -n 's/^[^:]*1 : start= *\([0-9]*\),.*/\1/p' | head -n 1)
	[ -n "$start" ] || return 1
	echo $((start * 512))
}

station_start() {
	local mode=$1 params='' entry='' image='' tree='' mem=$STATION_MEM
	local fwds=() sticks=() netdev args=() i media input=usb audio='' machine=q35
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--params) params=$2 && shift 2 ;;
		--entry) entry=$2 && shift 2 ;;
		--fwd) fwds+=("$2") && shift 2 ;;
		--image) image=$2 && shift 2 ;;
		--tree) tree=$2 && shift 2 ;;
		--stick) sticks+=("$2") && shift 2 ;;
		--mem) mem=$2 && shift 2 ;;
		--input) input=$2 && shift 2 ;;
		--audio) audio=$2 && shift 2 ;;
		--) shift && break ;;
		*)
			diag "station_start: unknown option $1"
			return 1
			;;
		esac
	done
	media=$(station_media_dir)
	tree=${tree:-$media/tftpboot}
	image=${image:-$media/sdcard.img}

	netdev="user,id=n0,restrict=on"
	for i in "${fwds[@]}"; do
		netdev+=",guestfwd=tcp:10.0.2.100:${i%%:*}-cmd:socat -lf /dev/null - TCP:127.0.0.1:${i#*:}"
	done
	case $input in
	usb | ps2) ;;
	none) machine+=",i8042=off" ;;
	*)
		diag "station_start: unknown input $input"
		return 1
		;;
	esac
	args=(-machine "$machine" -m "$mem" -smp 2 -nodefaults -no-user-config -display none
		-name station -device "$STATION_VGA"
		-chardev "socket,id=ser0,path=$T/station.serial,server=on,wait=off,logfile=$T/station.console"
		-serial "chardev:ser0"
		-qmp "unix:$T/station.qmp,server=on,wait=off"
		-monitor "unix:$T/station.hmp,server=on,wait=off"
		-device "qemu-xhci,id=xhci")
	if [ "$input" = usb ]; then
		args+=(-device "usb-kbd,bus=xhci.0" -device "usb-tablet,bus=xhci.0")
	fi
	if [ -n "$audio" ]; then
		args+=(-audiodev "$audio,id=sa0" -device intel-hda -device "hda-duplex,audiodev=sa0")
	fi

	case $mode in
	pxe-bios | pxe-uefi | pxe-ipxe | pxe-http | pxe-http-uefi)
		_station_tree "$tree" "$params" "$entry" || return 1
		case $mode in
		pxe-bios) netdev+=",tftp=$T/tftp,bootfile=pxelinux.0" ;;
		pxe-uefi) netdev+=",tftp=$T/tftp,bootfile=grubx64.efi" ;;
		pxe-ipxe) netdev+=",tftp=$T/tftp,bootfile=boot.ipxe" ;;
		pxe-http*)
			_station_httpd || return 1
			netdev+=",bootfile=http://10.0.2.100:8000/boot.ipxe"
			netdev+=",guestfwd=tcp:10.0.2.100:8000-cmd:socat - TCP:127.0.0.1:$STATION_HTTP_PORT"
			;;
		esac
		# UEFI: the firmware's own network stack, as on real hardware, not
		# the iPXE driver in QEMU's NIC ROM.
		if [ "$mode" = pxe-uefi ]; then
			args+=(-device "$STATION_NIC,netdev=n0,mac=$STATION_MAC,bootindex=0,romfile=")
		else
			args+=(-device "$STATION_NIC,netdev=n0,mac=$STATION_MAC,bootindex=0")
		fi
		;;
	sdcard-bios | sdcard-uefi)
		image=$(_station_sdcard "$image" "$params" "$entry") || return 1
		args+=(-device "$STATION_NIC,netdev=n0,mac=$STATION_MAC"
			-drive "if=none,id=sd,file=$image,format=raw,readonly=on"
			-device "usb-storage,bus=xhci.0,drive=sd,removable=on,bootindex=0")
		;;
	direct)
		args+=(-device "$STATION_NIC,netdev=n0,mac=$STATION_MAC"
			-kernel "$tree/vmlinuz" -initrd "$tree/initrd.img"
			-append "console=tty0 BOOTIF=$(_station_mac_file) $params")
		;;
	*)
		diag "station_start: unknown mode $mode"
		return 1
		;;
	esac
	args+=(-netdev "$netdev")
	case $mode in
	*-uefi)
		cp "$STATION_OVMF_VARS" "$T/station.vars.fd" || return 1
		args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$STATION_OVMF_CODE"
			-drive "if=pflash,format=raw,unit=1,file=$T/station.vars.fd")
		;;
	esac
	for i in "${!sticks[@]}"; do
		args+=(-drive "if=none,id=stick$i,file=${sticks[i]},format=raw"
			-device "usb-storage,bus=xhci.0,drive=stick$i,removable=on")
	done

	: >"$T/station.console"
	# shellcheck disable=SC2034 # for the tests
	STATION_BOOT_T0=$(date +%s.%N)
	qemu-system-x86_64 "${args[@]}" "$@" >"$T/station.qemu.log" 2>&1 &
	QEMU_PID[$_STATION]=$!
	at_exit station_stop
	for ((i = 0; i < 200; i++)); do
		if [ -S "$T/station.qmp" ] && qemu_qmp station '{"execute":"query-status"}' \
			>/dev/null 2>&1; then
			return 0
		fi
		station_alive || break
		sleep 0.05
	done
	diag "the station's QEMU did not start:" "$(cat "$T/station.qemu.log")"
	return 1
}

station_alive() {
	local pid=${QEMU_PID[$_STATION]:-}
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# station_wait_console REGEX [SECS]: a console line matches (extended regex).
station_wait_console() {
	local re=$1 secs=${2:-180} i
	for ((i = 0; i < secs * 4; i++)); do
		if tr -d '\r' <"$T/station.console" 2>/dev/null | grep -aEq -- "$re"; then
			return 0
		fi
		if ! station_alive; then
			diag "the station's QEMU exited:" "$(tail -n 5 "$T/station.qemu.log")"
			break
		fi
		sleep 0.25
	done
	diag "no console line /$re/ within ${secs} s; the console ended with:"
	tr -d '\r' <"$T/station.console" 2>/dev/null | tail -n 25 | sed 's/^/#   /' >&2
	return 1
}

station_wait_stage() {
	station_wait_console "vdi: t=[0-9.]+ stage=$1( |\$)" "${2:-180}"
}

station_stage_time() {
	tr -d '\r' <"$T/station.console" 2>/dev/null |
		sed -n "s/.*vdi: t=\([0-9.]*\) stage=$1\( .*\)\{0,1\}\$/\1/p" | head -n 1
}

station_since_start() {
	awk -v t0="$STATION_BOOT_T0" -v now="$(date +%s.%N)" 'BEGIN { printf "%d\n", now - t0 }'
}

colour_near() {
	perl -e '
		my ($a, $b, $tol) = @ARGV;
		exit 1 unless $a =~ /^[0-9a-f]{6}/i && $b =~ /^[0-9a-f]{6}/i;
		for my $i (0, 2, 4) {
			exit 1 if abs(hex(substr($a, $i, 2)) - hex(substr($b, $i, 2))) > $tol;
		}
		exit 0;' "$1" "$2" "$3"
}

station_screendump() {
	qemu_screendump station "$1" && [ -s "$1" ]
}

# The serial port is a listening socket. One connection stays open for all
# typing: QEMU takes bytes from it only as fast as the guest empties the
# UART's 16-byte FIFO, and it drops what it has not read yet when the
# client hangs up, so a connection per line would lose the end of longer
# lines. The connection also gets everything the station prints, and must
# read it: a client that does not leaves QEMU's socket full, and the
# station's console (and the log file the tests read) stalls mid-line.
STATION_SERIAL_FD=
station_serial_send() {
	if [ -z "$STATION_SERIAL_FD" ]; then
		# Closed by station_stop (which runs at exit).
		exec {STATION_SERIAL_FD}> >(exec socat - "UNIX-CONNECT:$T/station.serial" >/dev/null 2>&1)
	fi
	# Type at a quiet console (half a second without output, at most 3 s of
	# waiting): not into a shell that is still writing its last answer or
	# its prompt.
	local size last='' i
	for ((i = 0; i < 12; i++)); do
		size=$(stat -c %s "$T/station.console" 2>/dev/null)
		[ "$size" = "$last" ] && break
		last=$size
		sleep 0.5
	done
	# A few characters at a time, as a person types: a whole line in one
	# write has lost characters on the way to the guest's shell. In a
	# subshell: a station that is gone must not take the test with it.
	local text="$1"$'\r' at
	for ((at = 0; at < ${#text}; at += 4)); do
		(printf '%s' "${text:at:4}" >&"$STATION_SERIAL_FD") 2>/dev/null
		sleep 0.05
	done
}

station_stop() {
	if [ -n "$STATION_SERIAL_FD" ]; then
		exec {STATION_SERIAL_FD}>&-
		STATION_SERIAL_FD=
	fi
	station_alive || return 0
	qemu_quit station
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		station_alive || break
		sleep 0.2
	done
	qemu_stop station
}
