#!/bin/bash
# The files of a pool of one-time desktops, for tests and benchmarks: a
# folder with a base image (base.qcow2), an overlay folder (overlays/) and a
# domain XML template (desk.xml), as a [pool:NAME] section names them.
#
#   pool_files_test DIR PORT [--nic]   for libvirt's test driver: an empty
#       1 MiB base image; <domain type='test'> with SPICE on 127.0.0.1 at the
#       fixed PORT (the test driver assigns no autoport ports); --nic adds a
#       network interface with MAC 52:54:00:aa:bb:cc
#   pool_files_qemu DIR [--base RAW] [--nic]   for a real libvirtd's QEMU
#       (tests/lib/libvirt.sh): the base image is RAW converted to qcow2, or
#       an empty 1 MiB one; <domain type='qemu'>, 64 MiB, boots its disk,
#       SPICE with autoport on 127.0.0.1; --nic adds a user-mode NIC with
#       MAC 52:54:00:aa:bb:cc whose link is down. The daemon's QEMU runs as
#       nobody when the test is root: it can read the base image and write
#       the overlays.
# Both return non-zero when the base image cannot be made.
#
#   pool_keys SUB   the template, base_image and overlay_dir lines of a
#       [pool:NAME] section for those files, in folder SUB of the stations
#       file's folder (. for that folder itself)

# shellcheck shell=bash

pool_files_test() {
	local dir=$1 port=$2 nic=''
	[ "${3:-}" = --nic ] &&
		nic="<interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/></interface>"
	mkdir -p "$dir/overlays" || return 1
	cat >"$dir/desk.xml" <<XML
<domain type='test'>
  <name>template</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory>65536</memory>
  <os><type>hvm</type></os>
  <devices>
    $nic
    <graphics type='spice' port='$port' autoport='no'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
  </devices>
</domain>
XML
	qemu-img create -q -f qcow2 "$dir/base.qcow2" 1M
}

pool_files_qemu() {
	local dir=$1 raw='' nic=''
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--base) raw=$2 && shift 2 ;;
		# The NIC is there for its MAC (each VM gets its own); its link
		# is down, as libvirt's user networking cannot be restricted:
		# no guest traffic at all.
		--nic)
			nic="<interface type='user'><mac address='52:54:00:aa:bb:cc'/><model type='virtio'/><link state='down'/></interface>"
			shift
			;;
		*) return 1 ;;
		esac
	done
	mkdir -p "$dir/overlays" || return 1
	if [ -n "$raw" ]; then
		qemu-img convert -q -O qcow2 "$raw" "$dir/base.qcow2" || return 1
	else
		qemu-img create -q -f qcow2 "$dir/base.qcow2" 1M || return 1
	fi
	chmod 755 "$dir"
	chmod 644 "$dir/base.qcow2"
	[ "$(id -u)" = 0 ] && chown nobody:nogroup "$dir/overlays"
	cat >"$dir/desk.xml" <<XML
<domain type='qemu'>
  <name>template</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/nowhere.qcow2'/><target dev='vda' bus='virtio'/></disk>
    $nic
    <graphics type='spice' autoport='yes'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video><model type='qxl'/></video>
  </devices>
</domain>
XML
}

pool_keys() {
	local d=$1/
	[ "$1" = . ] && d=
	printf 'template = %sdesk.xml\nbase_image = %sbase.qcow2\noverlay_dir = %soverlays\n' \
		"$d" "$d" "$d"
}
