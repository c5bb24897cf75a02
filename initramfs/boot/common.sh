# shellcheck shell=sh
# Shared by /init and the station's boot scripts (installed in
# /usr/lib/vdi-station): console messages with time stamps, the kernel
# command line, small checks. POSIX sh for busybox ash.

# shellcheck disable=SC2034 # used by the scripts that source this
VDI_LIB=/usr/lib/vdi-station
VDI_RUN=/run/vdi-station
export PATH=/usr/sbin:/usr/bin

# Seconds since boot with two decimals, as /proc/uptime gives them.
vdi_uptime() {
	read -r _vdi_up _ </proc/uptime
	printf '%s' "$_vdi_up"
}

# Whole seconds since boot.
vdi_secs() {
	_vdi_s=$(vdi_uptime)
	printf '%s' "${_vdi_s%%.*}"
}

# The consoles the kernel writes to (console= may name several, and
# /dev/console is only the last of them). Looked up once and inherited.
vdi_find_consoles() {
	VDI_CONSOLES=
	if [ -r /sys/class/tty/console/active ]; then
		read -r VDI_CONSOLES </sys/class/tty/console/active
	fi
	export VDI_CONSOLES
}

# vdi_say TEXT: one line on every console, and in the kernel log at debug
# level (kept by dmesg, but not printed on the consoles a second time).
vdi_say() {
	if [ -n "${VDI_CONSOLES:-}" ]; then
		for _vdi_c in $VDI_CONSOLES; do
			printf '%s\n' "$*" >"/dev/$_vdi_c" 2>/dev/null
		done
	else
		printf '%s\n' "$*" >/dev/console 2>/dev/null
	fi
	printf '<7>%s\n' "$*" >/dev/kmsg 2>/dev/null
	if [ -d "$VDI_RUN" ]; then
		printf '%s\n' "$*" >>"$VDI_RUN/boot.log"
	fi
	return 0
}

# vdi_stage NAME [KEY=VALUE...]: a boot time stamp, "vdi: t=3.14 stage=NAME".
vdi_stage() {
	_vdi_s=$1
	shift
	vdi_say "vdi: t=$(vdi_uptime) stage=$_vdi_s${*:+ $*}"
}

# vdi_stage_at SECONDS NAME [KEY=VALUE...]: the same with a time measured
# elsewhere (the launcher's own paint time stamps).
vdi_stage_at() {
	_vdi_t=$1 _vdi_s=$2
	shift 2
	vdi_say "vdi: t=$_vdi_t stage=$_vdi_s${*:+ $*}"
}

# vdi_event NAME [KEY=VALUE...]: "vdi: t=3.14 event=NAME ...".
vdi_event() {
	_vdi_s=$1
	shift
	vdi_say "vdi: t=$(vdi_uptime) event=$_vdi_s${*:+ $*}"
}

# vdi_warn TEXT: something an admin should know; the boot goes on.
vdi_warn() {
	vdi_say "vdi: t=$(vdi_uptime) warning: $*"
}

# Debug output only with vdi.debug=1.
vdi_debug() {
	[ "${VDI_DEBUG:-0}" = 1 ] && vdi_say "vdi: debug: $*"
	return 0
}

# vdi_arg NAME: the value of NAME=VALUE on the kernel command line (the
# last one wins), "1" for a bare NAME; status 1 when absent. Values with
# blanks (in quotes) are not supported here; the launcher reads its own
# vdi.KEY settings with full quoting.
vdi_arg() {
	_vdi_v='' _vdi_rc=1
	set -f
	# shellcheck disable=SC2013 # words, not lines
	for _vdi_w in $(cat /proc/cmdline); do
		case $_vdi_w in
		"$1")
			_vdi_v=1
			_vdi_rc=0
			;;
		"$1"=*)
			_vdi_v=${_vdi_w#*=}
			_vdi_rc=0
			;;
		esac
	done
	set +f
	printf '%s' "$_vdi_v"
	return $_vdi_rc
}

# vdi_true VALUE: yes/true/on/1 (and nothing else) mean true.
vdi_true() {
	case $1 in
	1 | [Yy][Ee][Ss] | [Tt][Rr][Uu][Ee] | [Oo][Nn]) return 0 ;;
	esac
	return 1
}

# vdi_quote VALUE: VALUE in single quotes, for files that are sourced.
vdi_quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# Checks for values that come from the network or an SD card.
vdi_valid_url() {
	[ ${#1} -le 1024 ] || return 1
	printf '%s\n' "$1" | grep -Eqx 'https?://[][A-Za-z0-9._~:/?#@!$&()*+,;=%-]+'
}

vdi_valid_hostname() {
	[ ${#1} -le 63 ] || return 1
	printf '%s\n' "$1" | grep -Eqx '[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?'
}

vdi_valid_ipv4_list() {
	[ ${#1} -le 256 ] || return 1
	printf '%s\n' "$1" | grep -Eqx '[0-9]{1,3}(\.[0-9]{1,3}){3}( [0-9]{1,3}(\.[0-9]{1,3}){3})*'
}

# The file system type of / ("rootfs" for an initramfs, "squashfs" for the
# station's image, "nfs" or "nfs4").
vdi_root_type() {
	while read -r _ _vdi_d _vdi_t _; do
		if [ "$_vdi_d" = / ]; then
			_vdi_rt=$_vdi_t
		fi
	done </proc/mounts
	printf '%s' "${_vdi_rt:-}"
}
