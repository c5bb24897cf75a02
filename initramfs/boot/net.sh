# shellcheck shell=sh
# The boot network: pick the NIC, get a DHCP lease with busybox udhcpc.
# udhcpc stays in the background to renew the lease; its event script
# (udhcpc.script) configures the interface and writes what DHCP said to
# $VDI_RUN/net.env.

# The MAC pxelinux put in BOOTIF= (IPAPPEND 2): "01-aa-bb-cc-dd-ee-ff",
# 01 being the ARP hardware type of Ethernet. Prints aa:bb:cc:dd:ee:ff.
vdi_bootif_mac() {
	_b=$(vdi_arg BOOTIF) || return 1
	case $_b in
	01-??-??-??-??-??-??) ;;
	*)
		vdi_warn "BOOTIF=$_b is not 01-aa-bb-cc-dd-ee-ff; ignored"
		return 1
		;;
	esac
	printf '%s' "${_b#01-}" | tr 'A-F-' 'a-f:'
}

# Ethernet-like interfaces backed by a device (not lo, bridges, tunnels).
vdi_net_candidates() {
	for _n in /sys/class/net/*; do
		[ -e "$_n/device" ] || continue
		read -r _t <"$_n/type" 2>/dev/null || continue
		[ "$_t" = 1 ] && printf '%s\n' "${_n##*/}"
	done
}

# vdi_net_pick SECONDS: prints the boot interface. With BOOTIF, the one with
# that MAC (waiting for its driver); else the first with a carrier.
vdi_net_pick() {
	_deadline=$(($(vdi_secs) + $1))
	_mac=$(vdi_bootif_mac) || _mac=
	while :; do
		for _i in $(vdi_net_candidates); do
			if [ -n "$_mac" ]; then
				read -r _a <"/sys/class/net/$_i/address"
				[ "$_a" = "$_mac" ] && printf '%s' "$_i" && return 0
			else
				ip link set "$_i" up 2>/dev/null
				read -r _c <"/sys/class/net/$_i/carrier" 2>/dev/null
				[ "${_c:-0}" = 1 ] && printf '%s' "$_i" && return 0
			fi
		done
		[ "$(vdi_secs)" -lt "$_deadline" ] || break
		sleep 0.2
	done
	if [ -n "$_mac" ]; then
		vdi_warn "no interface has the BOOTIF MAC $_mac"
	else
		vdi_warn "no network interface with a link"
	fi
	return 1
}

# A host name until DHCP gives one: "vdi-" and the MAC's digits, so that
# every station has its own from the start.
vdi_default_hostname() {
	read -r _a <"/sys/class/net/$1/address" 2>/dev/null || _a=
	_a=$(printf '%s' "$_a" | tr -d ':')
	hostname "vdi-${_a:-station}"
}

# vdi_dhcp_client IFACE [UDHCPC OPTIONS]: udhcpc on IFACE. It returns once
# it has a lease or its first tries failed (-b: it then keeps trying in the
# background, so a DHCP server that comes late still gives the station its
# address), and stays in the background to renew the lease. The vendor
# class lets a DHCP server tell stations from other clients.
vdi_dhcp_client() {
	_if=$1
	shift
	if [ "${VDI_DEBUG:-0}" = 1 ]; then
		_out=/dev/console
	else
		_out=/dev/null
	fi
	udhcpc -i "$_if" -s "$VDI_LIB/udhcpc.script" -p "$VDI_RUN/udhcpc.pid" -b \
		-V vdi-station -O hostname -O ntpsrv -O domain -O rootpath -O 224 "$@" \
		>"$_out" 2>&1
}

# vdi_net_up: brings the boot NIC up and waits (at most vdi.dhcp_timeout
# seconds, default 20) for a lease. Status 0 with a lease.
vdi_net_up() {
	ip link set lo up
	_wait=$(vdi_arg vdi.dhcp_timeout) || _wait=20
	case $_wait in '' | *[!0-9]*) _wait=20 ;; esac
	VDI_IFACE=$(vdi_net_pick 10) || return 1
	vdi_default_hostname "$VDI_IFACE"
	ip link set "$VDI_IFACE" up
	vdi_dhcp_client "$VDI_IFACE" -t "$(((_wait + 2) / 3))" -T 3 -A 5
	[ -s "$VDI_RUN/net.env" ]
}
