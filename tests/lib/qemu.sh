#!/bin/bash
# QEMU helpers for tests: a small desktop VM with a SPICE server on
# 127.0.0.1, driven over QMP (a unix socket in $T). Source after tap.sh.
#
#   free_port                     prints a free TCP port on 127.0.0.1
#   free_port_range N             the first of N consecutive free ports
#   qemu_pattern_disk FILE        a disk whose boot sector paints a test
#                                 pattern (VGA mode 13h colour blocks), so the
#                                 desktop shows a picture that is easy to tell
#                                 from anything else
#   qemu_start NAME PORT [--password PW] [--disk FILE] [--tls DIR TLSPORT]
#              [--usbredir] [-- QEMU ARGS...]  starts VM NAME with SPICE on PORT (TCG, q35,
#                                 64 MiB, qxl-vga); sets QEMU_PID[NAME]. With
#                                 --tls, also SPICE over TLS on TLSPORT with
#                                 DIR/{ca-cert,server-cert,server-key}.pem;
#                                 PORT 0 means TLS only. --usbredir: an xHCI
#                                 controller with two SPICE usb-redir ports
#   qemu_qmp NAME JSON            one QMP command, prints the reply line
#   qemu_hmp NAME COMMAND         a human-monitor command, prints its output
#   qemu_screendump NAME FILE [DEVICE [HEAD]]   the VM's own picture (PNG)
#   qemu_wait_pattern NAME [SECS] waits until the boot sector's pattern shows
#   qemu_quit NAME                QMP quit (the desktop goes away at once)
#   qemu_revive NAME              starts NAME again if it died (see below)
#   qemu_stop NAME                kill, if still running

# shellcheck shell=bash

declare -A QEMU_PID=()
declare -A QEMU_ARGS=()

free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1",
			LocalPort => 0, ReuseAddr => 1) or die "no port: $!\n";
		print $s->sockport, "\n";'
}

# free_port_range N: the first of N consecutive loopback ports that are
# all free now (at or above 5900: libvirt's display ports may not be lower).
free_port_range() {
	perl -MIO::Socket::INET -e '
		my $n = shift;
		for my $try (1 .. 200) {
			my $base = 20000 + int(rand(30000));
			my @s;
			for my $p ($base .. $base + $n - 1) {
				my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1",
					LocalPort => $p, ReuseAddr => 1) or last;
				push @s, $s;
			}
			if (@s == $n) { print "$base\n"; exit 0 }
		}
		die "no $n free ports in a row\n";' "$1"
}

qemu_pattern_disk() {
	local out=$1 dir
	dir=$(mktemp -d "$T/boot.XXXXXX")
	# Mode 13h, then each pixel gets colour 32 + 8 * (row / 32) + col / 32:
	# blocks of 32x32 pixels from the VGA palette's colour ramp.
	cat >"$dir/boot.S" <<'ASM'
	.code16
	.globl _start
_start:
	mov $0x0013, %ax
	int $0x10
	mov $0xa000, %ax
	mov %ax, %es
	xor %di, %di
	mov $320, %bx
1:	mov %di, %ax
	xor %dx, %dx
	div %bx
	shr $5, %ax
	shr $5, %dx
	mov %al, %cl
	shl $3, %cl
	add %dl, %cl
	add $32, %cl
	mov %cl, %al
	stosb
	cmp $64000, %di
	jb 1b
2:	hlt
	jmp 2b
	.org 510
	.word 0xaa55
ASM
	as --32 -o "$dir/boot.o" "$dir/boot.S" &&
		ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$dir/boot.bin" "$dir/boot.o" ||
		return 1
	cp "$dir/boot.bin" "$out"
	truncate -s 1M "$out"
}

qemu_start() {
	local name=$1 port=$2 pw='' disk='' tls='' tls_port='' usbredir='' spice i
	QEMU_ARGS[$name]=$(printf '%q ' "$@")
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--password)
			pw=$2
			shift 2
			;;
		--disk)
			disk=$2
			shift 2
			;;
		--tls)
			tls=$2
			tls_port=$3
			shift 3
			;;
		--usbredir)
			usbredir=1
			shift
			;;
		--)
			shift
			break
			;;
		*) break ;;
		esac
	done
	local args=(-machine q35 -m 64 -nodefaults -no-user-config -display none
		-serial none -parallel none -net none
		-qmp "unix:$T/$name.qmp,server=on,wait=off"
		-monitor "unix:$T/$name.hmp,server=on,wait=off"
		-name "$name")
	spice="addr=127.0.0.1"
	[ "$port" != 0 ] && spice+=",port=$port"
	[ -n "$tls" ] && spice+=",tls-port=$tls_port,x509-dir=$tls"
	if [ -n "$pw" ]; then
		printf '%s' "$pw" >"$T/$name.pw"
		args+=(-object "secret,id=spicepw,file=$T/$name.pw")
		spice+=",password-secret=spicepw"
	else
		spice+=",disable-ticketing=on"
	fi
	args+=(-spice "$spice")
	if [ $# -eq 0 ]; then
		args+=(-device "qxl-vga,id=video0")
	fi
	if [ -n "$usbredir" ]; then
		args+=(-device "qemu-xhci,id=xhci"
			-chardev "spicevmc,name=usbredir,id=ur0"
			-device "usb-redir,chardev=ur0,id=redir0,bus=xhci.0"
			-chardev "spicevmc,name=usbredir,id=ur1"
			-device "usb-redir,chardev=ur1,id=redir1,bus=xhci.0")
	fi
	if [ -n "$disk" ]; then
		args+=(-drive "file=$disk,format=raw,if=none,id=d0" -device "ide-hd,drive=d0,bus=ide.0")
	fi
	qemu-system-x86_64 "${args[@]}" "$@" >"$T/$name.qemu.log" 2>&1 &
	QEMU_PID[$name]=$!
	at_exit "qemu_stop $name"
	for ((i = 0; i < 200; i++)); do
		if [ -S "$T/$name.qmp" ] && qemu_qmp "$name" '{"execute":"query-status"}' \
			>/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "${QEMU_PID[$name]}" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	diag "qemu $name did not start:" "$(cat "$T/$name.qemu.log")"
	return 1
}

qemu_qmp() {
	local name=$1 cmd=$2
	perl -MIO::Socket::UNIX -e '
		my ($path, $cmd) = @ARGV;
		my $s = IO::Socket::UNIX->new(Peer => $path) or die "connect: $!\n";
		$SIG{ALRM} = sub { die "qmp: timeout\n" };
		alarm 20;
		my $greet = <$s>;
		print $s "{\"execute\":\"qmp_capabilities\"}\n";
		while (my $l = <$s>) { last if $l =~ /"return"/ }
		print $s "$cmd\n";
		while (my $l = <$s>) {
			next if $l =~ /"event"/;
			print $l;
			exit($l =~ /"error"/ ? 1 : 0);
		}
		exit 1;' "$T/$name.qmp" "$cmd"
}

qemu_hmp() {
	local name=$1 cmd=$2 json
	json=$(perl -MJSON::PP -e 'print JSON::PP->new->encode(
		{execute => "human-monitor-command", arguments => {"command-line" => $ARGV[0]}})' "$cmd")
	qemu_qmp "$name" "$json" | perl -MJSON::PP -ne '
		my $r = eval { decode_json($_) } or next; print $r->{return} // ""'
}

qemu_screendump() {
	local name=$1 file=$2 dev=${3:-} head=${4:-} args
	args="\"filename\":\"$file\",\"format\":\"png\""
	[ -n "$dev" ] && args+=",\"device\":\"$dev\""
	[ -n "$head" ] && args+=",\"head\":$head"
	rm -f "$file"
	qemu_qmp "$name" "{\"execute\":\"screendump\",\"arguments\":{$args}}" >/dev/null
}

# The pattern is up when the picture has many colours: SeaBIOS's text
# screens have a handful, the pattern 70.
qemu_wait_pattern() {
	local name=$1 secs=${2:-30} i f=$T/$1.wait.png colours
	for ((i = 0; i < secs * 4; i++)); do
		if qemu_screendump "$name" "$f" 2>/dev/null && [ -s "$f" ]; then
			colours=$(identify -format '%k' "$f" 2>/dev/null)
			if [ "${colours:-0}" -ge 40 ]; then
				return 0
			fi
		fi
		sleep 0.25
	done
	return 1
}

# qemu_revive NAME: should VM NAME have died, says so and starts it again
# as it was started. Debian 12's SPICE server (libspice-server 0.15.1)
# sometimes dies of a NULL pointer in its worker thread when a client
# leaves (the kernel logs "SPICE Worker ... segfault ... in
# libspice-server.so"); a test that uses the same VM for another client
# afterwards is testing the client, not that crash.
qemu_revive() {
	local pid=${QEMU_PID[$1]:-}
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && return 0
	wait "$pid" 2>/dev/null
	diag "QEMU $1 died (status $?) after its client left; started again. Kernel: $(dmesg 2>/dev/null | grep -a 'SPICE Worker.*segfault' | tail -n 1)"
	eval "qemu_start ${QEMU_ARGS[$1]}"
}

qemu_quit() {
	qemu_qmp "$1" '{"execute":"quit"}' >/dev/null 2>&1
}

qemu_stop() {
	local pid=${QEMU_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	QEMU_PID[$1]=
}
