#!/bin/bash
# A private libvirtd with its QEMU driver, for tests that need real domains.
# Source after tests/lib/tap.sh (uses $T, at_exit, skip_all).
#
# libvirt's qemu:///session driver is the one that runs without a system
# installation, but only for an unprivileged user: as root, qemu:///session
# names the system daemon's socket and qemu:///system needs the packaged
# system daemon. So when the test runs as root, the daemon runs as nobody,
# with its whole state (sockets, domain definitions, logs) under
# $T/libvirt, and root talks to it through its socket.
#
#   libvirt_skip_unless_usable   skip_all, with the reason, unless libvirtd,
#                                virsh and QEMU are there and the daemon starts;
#                                it is left running (libvirt_start)
#   libvirt_start                starts the daemon (again, after libvirt_kill);
#                                sets LIBVIRT_URI, LIBVIRT_PID, LIBVIRT_LOG,
#                                LIBVIRT_DIR; 1 with LIBVIRT_ERROR on failure
#   libvirt_kill                 SIGKILL to the daemon (a crash): its domains
#                                keep running, the next start finds them again
#   libvirt_stop                 destroys every domain of the daemon, stops it
#                                (and virtlogd, if it was spawned), kills any
#                                QEMU left; registered with at_exit
#   lvirsh ARGS...               virsh on the private daemon
#   libvirt_define_tiny NAME [--off] [--disk RAW]   defines (and, without
#                                --off, starts) a tiny SPICE domain: 64 MiB, qxl,
#                                SPICE on 127.0.0.1 with autoport and a password
#                                that expired long ago (see below); no disk, or
#                                the raw image RAW, read-only, as its boot disk
#                                (the daemon's user must be able to read it)
#   libvirt_spice_port NAME      the SPICE port of the running domain
#   libvirt_spice_info NAME      the domain's QEMU's own "info spice" answer
#                                (its SPICE server and the clients it has)
#
# LIBVIRT_DISPLAY_PORTS="MIN MAX", set before the daemon first starts,
# keeps its autoport displays in that range (qemu.conf's
# remote_display_port_min/max), for a test that must forward them.

# shellcheck shell=bash

LIBVIRT_DIR=$T/libvirt
LIBVIRT_PID=
LIBVIRT_ERROR=
LIBVIRT_LOG=$T/libvirtd.log
LIBVIRT_URI=
_libvirt_n=0
_libvirt_user=

lvirsh() {
	virsh -q -c "$LIBVIRT_URI" "$@"
}

# Replaces the (sub)shell with a command run as the daemon's user and with
# the daemon's environment: the XDG variables put every path libvirt uses
# for a session under $LIBVIRT_DIR. The exec matters: started with &, the
# daemon's PID is then $!, not that of a subshell waiting for it.
_libvirt_exec_as_user() {
	local envs=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$LIBVIRT_DIR"
		XDG_RUNTIME_DIR="$LIBVIRT_DIR/run" XDG_CONFIG_HOME="$LIBVIRT_DIR/config"
		XDG_CACHE_HOME="$LIBVIRT_DIR/cache" XDG_DATA_HOME="$LIBVIRT_DIR/data")
	if [ -n "$_libvirt_user" ]; then
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups env -i "${envs[@]}" "$@"
	else
		exec env -i "${envs[@]}" "$@"
	fi
}

_libvirt_prepare() {
	[ -d "$LIBVIRT_DIR/run" ] && return 0
	mkdir -p "$LIBVIRT_DIR"/{run,config/libvirt,cache,data} || return 1
	# QEMU's output goes to a file in the cache folder: no virtlogd needed,
	# so there is one daemon less to start and stop.
	printf 'stdio_handler = "file"\n' >"$LIBVIRT_DIR/config/libvirt/qemu.conf"
	if [ -n "${LIBVIRT_DISPLAY_PORTS:-}" ]; then
		# shellcheck disable=SC2086 # two words on purpose
		set -- $LIBVIRT_DISPLAY_PORTS
		printf 'remote_display_port_min = %s\nremote_display_port_max = %s\n' "$1" "$2" \
			>>"$LIBVIRT_DIR/config/libvirt/qemu.conf"
	fi
	if [ "$(id -u)" = 0 ]; then
		_libvirt_user=nobody
		chown -R nobody:nogroup "$LIBVIRT_DIR" || return 1
		# mktemp made $T 0700 for root: nobody needs to pass through it
		# (only pass: o+x lists nothing) to reach its own folder.
		chmod o+x "$T" || return 1
	fi
	chmod 700 "$LIBVIRT_DIR/run"
}

libvirt_start() {
	local sock i
	LIBVIRT_ERROR=
	_libvirt_prepare || {
		LIBVIRT_ERROR="cannot prepare $LIBVIRT_DIR"
		return 1
	}
	# $T's parents are not ours to open up: a TMPDIR that others cannot
	# pass through is reported, not changed.
	if ! (_libvirt_exec_as_user test -w "$LIBVIRT_DIR/run"); then
		LIBVIRT_ERROR="user ${_libvirt_user:-$(id -un)} cannot reach $LIBVIRT_DIR (a folder above it is not searchable by others; set TMPDIR to one that is)"
		return 1
	fi
	sock=$LIBVIRT_DIR/run/libvirt/libvirt-sock
	LIBVIRT_URI="qemu:///session?socket=$sock"
	export LIBVIRT_URI
	_libvirt_n=$((_libvirt_n + 1))
	[ "$_libvirt_n" = 1 ] && at_exit libvirt_stop
	# --timeout: should this script be killed before its at_exit runs,
	# an idle daemon still goes away by itself.
	_libvirt_exec_as_user libvirtd --timeout 600 >>"$LIBVIRT_LOG" 2>&1 &
	LIBVIRT_PID=$!
	for ((i = 0; i < 200; i++)); do
		if ! kill -0 "$LIBVIRT_PID" 2>/dev/null; then
			LIBVIRT_ERROR="libvirtd exited at start: $(grep -m1 ' error : ' "$LIBVIRT_LOG" | sed 's/.* error : //')"
			LIBVIRT_PID=
			return 1
		fi
		[ -S "$sock" ] && virsh -q -c "$LIBVIRT_URI" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	LIBVIRT_ERROR="libvirtd did not answer on $sock within 20 s"
	return 1
}

libvirt_kill() {
	[ -n "$LIBVIRT_PID" ] || return 0
	kill -KILL "$LIBVIRT_PID" 2>/dev/null
	wait "$LIBVIRT_PID" 2>/dev/null
	LIBVIRT_PID=
}

libvirt_stop() {
	local d pidfile pid
	if [ -n "$LIBVIRT_PID" ] && kill -0 "$LIBVIRT_PID" 2>/dev/null; then
		for d in $(lvirsh list --name 2>/dev/null); do
			lvirsh destroy "$d" >/dev/null 2>&1
		done
		kill -TERM "$LIBVIRT_PID" 2>/dev/null
		wait "$LIBVIRT_PID" 2>/dev/null
	fi
	LIBVIRT_PID=
	# A QEMU whose daemon died (libvirt_kill) and was not started again,
	# a virtlogd a daemon may have spawned, and a daemon that is not
	# $LIBVIRT_PID (should the test have lost track): their pid files.
	for pidfile in "$LIBVIRT_DIR"/run/libvirt/qemu/run/*.pid "$LIBVIRT_DIR"/run/libvirt/virtlogd.pid \
		"$LIBVIRT_DIR"/run/libvirt/libvirtd.pid; do
		[ -f "$pidfile" ] || continue
		pid=$(cat "$pidfile" 2>/dev/null)
		_libvirt_ours "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

# A pid file left by a process that died with its daemon is stale, and PIDs
# come round again within minutes on a busy machine: kill only a process
# that runs with this daemon's XDG_RUNTIME_DIR (libvirtd, virtlogd) or
# names its folder on its command line (QEMU). LIBVIRT_URI in an
# environment does not count: the broker and virsh inherit it.
_libvirt_ours() {
	local pid=$1
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	grep -qzF -- "$LIBVIRT_DIR/" "/proc/$pid/cmdline" 2>/dev/null ||
		grep -qzxF -- "XDG_RUNTIME_DIR=$LIBVIRT_DIR/run" "/proc/$pid/environ" 2>/dev/null
}

libvirt_skip_unless_usable() {
	local c
	for c in libvirtd virsh qemu-system-x86_64; do
		command -v "$c" >/dev/null || PATH=$PATH:/usr/sbin command -v "$c" >/dev/null ||
			skip_all "$c is not installed (tools/deps.d/libvirt.list)"
	done
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip_all "setpriv (util-linux) is not installed"
		id nobody >/dev/null 2>&1 || skip_all "there is no user nobody to run libvirtd as"
	fi
	[ -n "$LIBVIRT_PID" ] && return 0
	libvirt_start || skip_all "a private libvirtd cannot run here: $LIBVIRT_ERROR"
	lvirsh capabilities 2>/dev/null | grep -q "<domain type='qemu'" ||
		skip_all "libvirtd runs, but its QEMU driver offers no qemu domains"
}

# A display needs a password defined at start, or libvirt starts QEMU with
# ticketing off and every later one-time password fails; one that expired
# in 2000 lets nobody in until the broker sets a real one.
libvirt_define_tiny() {
	local name=$1 xml=$T/$1.xml off='' disk='' boot=''
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--off) off=1 && shift ;;
		--disk)
			# A desktop that shows a picture of its own (a boot sector
			# that paints one), so that a screen can be told from it.
			disk="<disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$2'/><target dev='vda' bus='virtio'/><readonly/></disk>"
			boot="<boot dev='hd'/>"
			shift 2
			;;
		*) return 1 ;;
		esac
	done
	cat >"$xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>$boot</os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    $disk
    <graphics type='spice' autoport='yes' passwd='unused' passwdValidTo='2000-01-01T00:00:00'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video><model type='qxl'/></video>
  </devices>
</domain>
XML
	lvirsh define "$xml" >/dev/null || return 1
	[ -n "$off" ] && return 0
	lvirsh start "$name" >/dev/null
}

libvirt_spice_port() {
	lvirsh domdisplay --type spice "$1" 2>/dev/null | sed -n 's/^spice:[^:]*:\([0-9]*\).*/\1/p'
}

libvirt_spice_info() {
	lvirsh qemu-monitor-command "$1" --hmp 'info spice' 2>/dev/null
}
