# shellcheck shell=sh
# An NFS root: the station's programs come from a server instead of the
# image in the initramfs, so that the RAM the image took is given back. The
# same tree (the image's rootfs/, packed as nfsroot.tar) is on the server;
# its /init goes on where this one stops, and detaches the image.
#
#   root=/dev/nfs nfsroot=[SERVER:]PATH[,OPTIONS]
#   root=/dev/nfs                 (path from DHCP option 17, root-path)
#
# SERVER defaults to the DHCP server's next-server. The export is mounted
# with NFS version 3 over TCP, read-only, without locking; OPTIONS are added
# (e.g. port=2049,mountport=2049 for a server without rpcbind).

# vdi_nfsroot_wanted: status 0 when the command line asks for an NFS root.
vdi_nfsroot_wanted() {
	[ "$(vdi_arg root)" = /dev/nfs ] || vdi_arg nfsroot >/dev/null
}

# vdi_nfsroot_mount NEWROOT: mounts the export on NEWROOT.
vdi_nfsroot_mount() {
	# shellcheck disable=SC1091 # written by udhcpc.script
	. "$VDI_RUN/net.env"
	_spec=$(vdi_arg nfsroot) || _spec=${net_rootpath:-}
	[ -n "$_spec" ] || {
		vdi_warn "root=/dev/nfs, but no nfsroot= and no root path from DHCP"
		return 1
	}
	_opts=${_spec#*,}
	[ "$_opts" = "$_spec" ] && _opts=
	_spec=${_spec%%,*}
	case $_spec in
	*:/*)
		_server=${_spec%%:*}
		_path=${_spec#*:}
		;;
	*)
		_server=${net_server:-}
		_path=$_spec
		;;
	esac
	[ -n "$_server" ] || {
		vdi_warn "nfsroot=$_spec names no server, and DHCP gave no next-server"
		return 1
	}
	modprobe -q nfsv3
	mkdir -p "$1"
	# The kernel's NFS client takes text options; addr= spares it a name
	# lookup (the server is an address).
	if ! mount -t nfs -o "ro,nolock,vers=3,proto=tcp,addr=$_server${_opts:+,$_opts}" \
		"$_server:$_path" "$1"; then
		vdi_warn "cannot mount the NFS root $_server:$_path"
		return 1
	fi
	if [ ! -x "$1/init" ] || [ ! -x "$1/usr/bin/busybox" ]; then
		vdi_warn "$_server:$_path is not a station root (no /init)"
		umount "$1"
		return 1
	fi
	vdi_event nfsroot server="$_server" path="$_path"
	return 0
}

# vdi_nfsroot_switch NEWROOT: hands over to NEWROOT's /init; the image's
# root goes to NEWROOT/mnt, where the new /init unmounts it. The mounts
# move along. udevd, udhcpc and the diagnostics shells are stopped (their
# programs are in the old root, which switch_root empties) and started
# again by the new /init.
vdi_nfsroot_switch() {
	: >"$VDI_RUN/nfsroot"
	udevadm control --exit 2>/dev/null
	if [ -f "$VDI_RUN/diag.pids" ]; then
		# shellcheck disable=SC2046 # one PID a line
		kill $(cat "$VDI_RUN/diag.pids") 2>/dev/null
		rm -f "$VDI_RUN/diag.pids"
	fi
	if [ -s "$VDI_RUN/udhcpc.pid" ]; then
		kill "$(cat "$VDI_RUN/udhcpc.pid")" 2>/dev/null
	fi
	if [ "$(vdi_root_type)" = rootfs ]; then
		# Running from a plain initramfs: switch_root empties it.
		for _m in /dev /proc /sys /run /tmp; do
			mount --move "$_m" "$1$_m" || vdi_warn "cannot move $_m into the NFS root"
		done
		exec env VDI_RESUME=nfsroot switch_root "$1" /init
	fi
	if ! (cd "$1" && pivot_root . mnt); then
		vdi_warn "cannot change to the NFS root"
		/usr/lib/systemd/systemd-udevd --daemon --resolve-names=never
		umount "$1"
		return 1
	fi
	cd /
	for _m in /dev /proc /sys /run /tmp; do
		mount --move "/mnt$_m" "$_m" || vdi_warn "cannot move $_m into the NFS root"
	done
	exec env VDI_RESUME=nfsroot /init
}
