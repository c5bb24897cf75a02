# shellcheck shell=sh
# The launcher's settings, made at boot into $VDI_RUN/launcher.conf from,
# lowest first: the file built into the image (/etc/vdi-station/
# launcher.conf), station.conf on the SD card, DHCP. The launcher reads
# that file, and lets vdi.KEY=VALUE on the kernel command line override it
# (the highest source). The launcher's file format takes the last value of
# a key, so each source simply comes after the ones it overrides.

VDI_SD_LABEL=VDISTATION
VDI_SD_MAX=65536
VDI_CA_MAX=262144

# Is a storage device still on its way (a USB stick or SD card whose disk
# has not appeared yet)? Then the SD card may be worth waiting for.
vdi_storage_pending() {
	for _d in /sys/bus/usb/drivers/usb-storage/*:* /sys/bus/usb/drivers/uas/*:*; do
		[ -e "$_d" ] || continue
		set -- "$_d"/host*/target*/*/block/*
		[ -e "$1" ] || return 0
	done
	for _d in /sys/bus/mmc/devices/*; do
		[ -e "$_d" ] || continue
		set -- "$_d"/block/*
		[ -e "$1" ] || return 0
	done
	return 1
}

# vdi_sd_find: prints the device of the partition labelled VDISTATION.
# Waits while storage devices are still appearing, at most vdi.sdwait
# seconds (default 5) after udev settled.
vdi_sd_find() {
	_w=$(vdi_arg vdi.sdwait) || _w=5
	case $_w in '' | *[!0-9]*) _w=5 ;; esac
	_end=$((${VDI_UDEV_DONE:-0} + _w))
	# Without BOOTIF= the station did not boot from the network (pxelinux,
	# GRUB and iPXE all add it), so it booted from the card: wait for it
	# even while its USB reader has not shown up as a device yet.
	_local=
	grep -q 'BOOTIF=' /proc/cmdline || _local=1
	while :; do
		findfs "LABEL=$VDI_SD_LABEL" 2>/dev/null && return 0
		[ -n "$_local" ] || vdi_storage_pending || return 1
		[ "$(vdi_secs)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

# Removes blanks (spaces, tabs, a Windows CR) at both ends of $1.
vdi_trim() {
	_t=$1
	_t=${_t%"$(printf '\r')"}
	_t=${_t#"${_t%%[! 	]*}"}
	_t=${_t%"${_t##*[! 	]}"}
	printf '%s' "$_t"
}

# A quoted value the launcher accepts: "...", with \" and \\ inside only.
vdi_quotes_ok() {
	case $1 in
	\"*) ;;
	*) return 0 ;;
	esac
	[ ${#1} -ge 2 ] || return 1
	case $1 in *\") ;; *) return 1 ;; esac
	_in=$(printf '%s' "$1" | sed -e 's/^"//' -e 's/"$//' -e 's/\\\\//g' -e 's/\\"//g')
	case $_in in *\"*) return 1 ;; esac
	return 0
}

# vdi_sd_ca MNT VALUE: copies the CA named relative to the card's root
# into $VDI_RUN and prints the path the launcher should use. A CA that
# cannot be copied still gets that path: the launcher then says the CA file
# is missing, rather than trusting the system's CAs instead.
vdi_sd_ca() {
	_rel=$2
	case $_rel in \"*\") _rel=${_rel#\"} _rel=${_rel%\"} ;; esac
	case /$_rel/ in
	*/../* | *//*)
		vdi_warn "station.conf: ca = $_rel leaves the card; refused"
		;;
	*)
		if [ ! -f "$1/$_rel" ]; then
			vdi_warn "station.conf: CA file $_rel is not on the card"
		elif [ "$(wc -c <"$1/$_rel")" -gt "$VDI_CA_MAX" ]; then
			vdi_warn "station.conf: CA file $_rel is larger than $VDI_CA_MAX bytes"
		else
			cp "$1/$_rel" "$VDI_RUN/sd-ca.pem" && chmod 644 "$VDI_RUN/sd-ca.pem"
		fi
		;;
	esac
	printf '%s' "$VDI_RUN/sd-ca.pem"
}

# vdi_station_filter MNT: station.conf on stdin, the lines the launcher can
# use on stdout. A line the launcher would reject as a syntax error (which
# would make it ignore the whole file) is left out with a warning instead.
vdi_station_filter() {
	_n=0
	while IFS= read -r _line || [ -n "$_line" ]; do
		_n=$((_n + 1))
		_line=$(vdi_trim "$_line")
		case $_line in
		'' | '#'* | ';'*)
			continue
			;;
		*=*) ;;
		*)
			vdi_warn "station.conf:$_n: expected key = value; line ignored"
			continue
			;;
		esac
		_key=$(vdi_trim "${_line%%=*}")
		_val=$(vdi_trim "${_line#*=}")
		if ! vdi_quotes_ok "$_val"; then
			vdi_warn "station.conf:$_n: unbalanced quotes; line ignored"
			continue
		fi
		_key=$(printf '%s' "$_key" | tr 'A-Z-' 'a-z_')
		if [ "$_key" = ca ]; then
			case $_val in
			/* | \"/*) ;;
			?*) _val=$(vdi_sd_ca "$1" "$_val") ;;
			esac
		fi
		printf '%s = %s\n' "$_key" "$_val"
	done
}

# vdi_sd_read: station.conf from the SD card into $VDI_RUN/station.conf.
vdi_sd_read() {
	_dev=$(vdi_sd_find) || return 1
	_mnt=$VDI_RUN/sd
	mkdir -p "$_mnt"
	modprobe -q vfat 2>/dev/null
	if ! mount -t vfat -o ro,nosuid,nodev,noexec "$_dev" "$_mnt"; then
		vdi_warn "cannot mount the SD card's $VDI_SD_LABEL partition ($_dev)"
		return 1
	fi
	if [ -f "$_mnt/station.conf" ]; then
		if [ "$(wc -c <"$_mnt/station.conf")" -gt "$VDI_SD_MAX" ]; then
			vdi_warn "station.conf is larger than $VDI_SD_MAX bytes; only its start is read"
		fi
		head -c "$VDI_SD_MAX" "$_mnt/station.conf" |
			vdi_station_filter "$_mnt" >"$VDI_RUN/station.conf"
		vdi_event config source=sd device="$_dev"
	fi
	umount "$_mnt"
	rmdir "$_mnt"
	return 0
}

# vdi_config_compose: (re)makes $VDI_RUN/launcher.conf; status 0 when it
# changed.
vdi_config_compose() {
	_out=$VDI_RUN/launcher.conf
	{
		printf '# Made at boot from the sources below, each overriding the ones\n'
		printf '# before it; vdi.KEY=VALUE on the kernel command line overrides all.\n'
		if [ -f /etc/vdi-station/launcher.conf ]; then
			printf '\n# built into the image: /etc/vdi-station/launcher.conf\n'
			cat /etc/vdi-station/launcher.conf
		fi
		if [ -f "$VDI_RUN/station.conf" ]; then
			printf '\n# the SD card: station.conf\n'
			cat "$VDI_RUN/station.conf"
		fi
		if [ -f "$VDI_RUN/net.env" ]; then
			(
				# shellcheck disable=SC1091 # written by udhcpc.script
				. "$VDI_RUN/net.env"
				if [ -n "${net_broker:-}" ]; then
					printf '\n# DHCP (option 224)\nbroker = %s\n' "$net_broker"
				fi
			)
		fi
	} >"$_out.new"
	if cmp -s "$_out.new" "$_out"; then
		rm -f "$_out.new"
		return 1
	fi
	mv -f "$_out.new" "$_out"
	return 0
}
