#!/bin/bash
# A "probe" desktop: a QEMU VM with a SPICE server on 127.0.0.1 whose own
# devices report what reached them, so that a test can prove on the
# desktop's side what a station's user did. It runs the station image's
# own kernel with a tiny initramfs (busybox, a few of the kernel's modules,
# aplay/arecord and amixer with libasound, a 1 kHz tone). Source after
# tap.sh and qemu.sh.
#
#   probe_build                   builds the initramfs (cached in
#                                 $VDI_BUILD/test-probe/<hash>/, keyed by its
#                                 inputs) and prints that folder (vmlinuz,
#                                 initrd.img)
#   probe_start NAME PORT [QEMU ARGS...]   starts it as qemu.sh's VM NAME
#                                 (q35, 256 MiB, qxl-vga, SPICE on PORT, the
#                                 two usb-redir ports of qemu_start
#                                 --usbredir, a usb-tablet, intel-hda with
#                                 hda-duplex on a spice audiodev); its serial
#                                 console is logged to $T/NAME.console; waits
#                                 for "probe: ready"
#   probe_wait NAME REGEX [SECS]  waits for a console line (extended regex)
#   probe_count NAME REGEX        how many console lines match
#   probe_lines NAME              console lines so far (a mark for probe_since)
#   probe_since NAME MARK REGEX   how many lines after line MARK match
#   probe_send NAME COMMAND       a command to its /init over the serial port
#   probe_text NAME               OCR of its own screen's title box (its
#                                 screendump), with the typed keys
#
# What the probe reports on its serial console (and partly on its screen):
#   probe: ready
#   probe: key <decimal byte>     each byte its own keyboard (VT, raw) gave;
#                                 the screen's "typed:" line shows them too
#   probe: pointer <event> <type> <code> <value>   evdev events (buttons,
#                                 relative and absolute axes) of its pointing
#                                 devices
#   probe: usb <port> added <vid>:<pid> <speed> <product>, probe: usb <port>
#                                 removed: USB devices on its buses
#   probe: disk <sdX> added <bytes> <vendor> <model>, probe: disk <sdX> removed
#   probe: played <status>        after "play": the tone went to its sound card
#   probe: mic <Hz> <peak>        after "record SECS": the strongest line of
#                                 the spectrum (100-3500 Hz; 0 for silence)
#                                 and the peak level its microphone got
# Its screen: coloured diagonal stripes (VGA text mode), a title box
# "VDI PROBE DESKTOP" and the typed keys.

# shellcheck shell=bash

PROBE_FW=${PROBE_FW:-$VDI_BUILD/firmware/qemu}
# What the probe loads, by name; their dependencies come from modules.dep.
# The HDA codec driver before the controller: the controller binds its codecs
# as it probes, and gives up if no driver is there yet.
PROBE_MODULES="xhci_pci usb_storage sd_mod evdev usbhid hid_generic psmouse snd_hda_codec_generic snd_hda_intel"
declare -A PROBE_SERIAL_FD=()

# _probe_modules ROOT VERSION: the module files for PROBE_MODULES in load
# order, from the station image's modules, else from the unpacked kernel
# package the image build cached.
_probe_modules() {
	local ver=$1 m roots=("$PROBE_FW/rootfs") r out
	for r in "$VDI_BUILD"/cache/unpacked/linux-image-"$ver"_*; do
		[ -d "$r/lib/modules/$ver" ] && roots+=("$r")
	done
	for m in $PROBE_MODULES; do
		out=
		for r in "${roots[@]}"; do
			out=$(modprobe -d "$r" -S "$ver" --show-depends "$m" 2>/dev/null) && break
			out=
		done
		if [ -z "$out" ]; then
			diag "probe: no module $m for $ver"
			return 1
		fi
		printf '%s\n' "$out" | sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | awk '!seen[$0]++'
}

probe_build() {
	local ver key dir tmp f lib mods
	ver=$(cat "$PROBE_FW/kernel-version" 2>/dev/null) || {
		diag "probe: no station kernel in $PROBE_FW"
		return 1
	}
	mods=$(_probe_modules "$ver") || return 1
	key=$( {
		cat "${BASH_SOURCE[0]}" "$PROBE_FW/vmlinuz" /usr/bin/busybox /usr/bin/aplay /usr/bin/amixer
		printf '%s\n' "$mods"
		# shellcheck disable=SC2086 # one path a word
		cat $mods
	} | sha256sum | cut -c1-16)
	dir=$VDI_BUILD/test-probe/$key
	if [ -s "$dir/initrd.img" ]; then
		echo "$dir"
		return 0
	fi
	mkdir -p "$VDI_BUILD/test-probe" || return 1
	tmp=$(mktemp -d "$VDI_BUILD/test-probe/new.XXXXXX") || return 1
	mkdir -p "$tmp/root"/{bin,dev,proc,sys,tmp,mod,usr/share,lib64,lib/x86_64-linux-gnu}
	cp /usr/bin/busybox "$tmp/root/bin/busybox"
	ln -s busybox "$tmp/root/bin/sh"
	for f in $mods; do
		cp "$f" "$tmp/root/mod/"
		basename "$f" >>"$tmp/root/mod/order"
	done
	# aplay (arecord is the same program), amixer and what they load.
	cp /usr/bin/aplay "$tmp/root/bin/aplay"
	ln -s aplay "$tmp/root/bin/arecord"
	cp /usr/bin/amixer "$tmp/root/bin/amixer"
	for lib in $(ldd /usr/bin/aplay /usr/bin/amixer | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }'); do
		case $lib in
		/lib64/*) cp -L "$lib" "$tmp/root/lib64/" ;;
		*) cp -L "$lib" "$tmp/root/lib/x86_64-linux-gnu/" ;;
		esac
	done
	cp -a /usr/share/alsa "$tmp/root/usr/share/alsa"
	# The tone it plays: 1 kHz, 4 s, at the rate and format the HDA codec
	# takes as it is.
	sox -n -r 48000 -b 16 -c 2 -e signed "$tmp/root/tone.wav" synth 4 sine 1000 vol 0.5 ||
		return 1
	_probe_init >"$tmp/root/init"
	chmod 755 "$tmp/root/init"
	(cd "$tmp/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.img" ||
		return 1
	cp "$PROBE_FW/vmlinuz" "$tmp/vmlinuz" || return 1
	rm -rf "$tmp/root"
	rm -rf "$dir"
	mv "$tmp" "$dir" || return 1
	# Builds for other inputs (an older image's kernel): gone once nothing
	# can still be booting them.
	find "$VDI_BUILD/test-probe" -mindepth 1 -maxdepth 1 -type d ! -path "$dir" -mmin +60 \
		-exec rm -rf {} + 2>/dev/null
	echo "$dir"
}

# The probe's /init (busybox sh).
_probe_init() {
	cat <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "/mod/$m" 2>/dev/null; done </mod/order
# The serial port is ttyS1 (qemu_start's "-serial none" takes the first
# index). Without carrier checks (an open would wait for a carrier that a
# socket chardev without a client never raises) and without echo.
ser=/dev/ttyS1
stty -F $ser clocal -echo 2>/dev/null
say() { echo "probe: $*" >$ser; }
tty=/dev/tty1

# The picture: diagonal stripes of the 8 background colours, a title box.
paint() {
	printf '\033[?25l\033[0m\033[2J' >$tty
	r=1
	while [ $r -le 25 ]; do
		line=''
		c=0
		while [ $c -lt 10 ]; do
			line="$line$(printf '\033[4%dm        ' $(((r / 2 + c) % 8)))"
			c=$((c + 1))
		done
		printf '\033[%d;1H%s' $r "$line" >$tty
		r=$((r + 1))
	done
	printf '\033[0m\033[1;37;40m' >$tty
	for r in 5 6 7 8 9 10 11; do printf '\033[%d;6H%60s' $r '' >$tty; done
	printf '\033[7;24HVDI PROBE DESKTOP' >$tty
	printf '\033[9;10Htyped:' >$tty
	printf '\033[0m' >$tty
}
paint

# Keys: the VT in raw mode, every byte reported, the printable ones shown.
keys() {
	exec 4<$tty
	stty -icanon -echo min 1 <&4
	typed=''
	while :; do
		b=$(dd bs=1 count=1 <&4 2>/dev/null | od -An -tu1 | tr -d ' ')
		[ -n "$b" ] || continue
		say "key $b"
		if [ "$b" -ge 32 ] && [ "$b" -lt 127 ]; then
			typed="$typed$(printf "\\$(printf '%03o' "$b")")"
			typed=$(printf '%s' "$typed" | tail -c 40)
			printf '\033[1;37;40m\033[9;17H%-40s\033[0m' "$typed" >$tty
		fi
	done
}
keys &

# Pointers: every device with relative or absolute axes; one event of 24
# bytes at a time (x86_64 struct input_event), SYN reports left out.
pointer() {
	ev=$1
	exec 3<"/dev/input/$ev"
	while :; do
		set -- $(dd bs=24 count=1 <&3 2>/dev/null | od -An -v -tu2 -w24)
		[ $# -ge 12 ] || continue
		[ "$9" = 0 ] && continue
		say "pointer $ev $9 ${10} $((${11} + ${12} * 65536))"
	done
}
sleep 1
for d in /sys/class/input/event*; do
	[ -e "$d" ] || continue
	caps=$(cat "$d/device/capabilities/rel" "$d/device/capabilities/abs" 2>/dev/null | tr -d ' 0\n')
	[ -n "$caps" ] && pointer "${d##*/}" &
done

# USB devices and disks, as they come and go.
usbinfo() {
	printf '%s:%s %s %s' "$(cat "$1/idVendor")" "$(cat "$1/idProduct")" \
		"$(cat "$1/speed")" "$(cat "$1/product" 2>/dev/null)"
}
diskinfo() {
	printf '%s %s %s' "$(($(cat "$1/size") * 512))" \
		"$(cat "$1/device/vendor" 2>/dev/null | tr -s ' ')" \
		"$(cat "$1/device/model" 2>/dev/null | tr -s ' ')"
}
watch() {
	usb_old=' '
	disk_old=' '
	while :; do
		usb_new=' '
		for d in /sys/bus/usb/devices/[0-9]*-*; do
			[ -e "$d/idVendor" ] || continue
			n=${d##*/}
			case $n in *:*) continue ;; esac
			usb_new="$usb_new$n "
			case $usb_old in *" $n "*) ;; *) say "usb $n added $(usbinfo "$d")" ;; esac
		done
		for n in $usb_old; do
			case $usb_new in *" $n "*) ;; *) say "usb $n removed" ;; esac
		done
		usb_old=$usb_new
		disk_new=' '
		for d in /sys/block/sd*; do
			[ -e "$d/size" ] || continue
			n=${d##*/}
			# A disk whose size is still 0 is being probed: next round.
			[ "$(cat "$d/size")" = 0 ] && continue
			disk_new="$disk_new$n "
			case $disk_old in *" $n "*) ;; *) say "disk $n added $(diskinfo "$d")" ;; esac
		done
		for n in $disk_old; do
			case $disk_new in *" $n "*) ;; *) say "disk $n removed" ;; esac
		done
		disk_old=$disk_new
		sleep 0.3
	done
}
watch &

# The microphone. The frequency is the strongest line of the spectrum
# (Goertzel's filter over the candidates, coarse then fine): counting zero
# crossings is thrown off by the gaps and clicks of sound that went through
# two resamplers and the network. The window starts where the sound does
# (the first sample above half the peak), so the silence before the remote
# microphone's first packet does not count; the peak says whether anything
# but silence came.
record() {
	# The codec's capture amplifier comes up muted at volume 0.
	amixer -q -c 0 sset Capture 100% cap 2>/dev/null
	arecord -q -D plughw:0,0 -f S16_LE -r 8000 -c 1 -t raw -d "$1" /tmp/rec.raw 2>/tmp/rec.err
	st=$?
	if [ $st != 0 ]; then
		say "mic failed $st $(head -c 200 /tmp/rec.err | tr '\n' ' ')"
		return
	fi
	od -An -v -td2 -w2 /tmp/rec.raw | awk '
		# cos() by its series: the host'"'"'s busybox awk may have no maths.
		function cosine(a,   t, s, k) {
			t = 1; s = 1
			for (k = 1; k <= 16; k++) { t = -t * a * a / ((2 * k - 1) * 2 * k); s += t }
			return s
		}
		function power(f, from, len,   c, i, s, s1, s2) {
			c = 2 * cosine(2 * 3.14159265 * f / 8000); s1 = 0; s2 = 0
			for (i = from; i < from + len; i++) { s = x[i] + c * s1 - s2; s2 = s1; s1 = s }
			return s1 * s1 + s2 * s2 - c * s1 * s2
		}
		{ v = $1 + 0; x[n++] = v; if (v > peak) peak = v; if (-v > peak) peak = -v }
		END {
			if (peak < 100) { printf "probe: mic 0 %d\n", peak; exit }
			for (from = 0; from < n; from++) if (x[from] > peak / 2 || -x[from] > peak / 2) break
			# A twentieth of a second in 20 Hz steps, then a quarter of a
			# second in 1 Hz steps around the best.
			len = n - from; if (len > 2000) len = 2000
			short = len; if (short > 400) short = 400
			best = 0; m = -1
			for (f = 100; f <= 3500; f += 20) { p = power(f, from, short); if (p > m) { m = p; best = f } }
			lo = best - 20; m = -1
			for (f = lo; f <= lo + 40; f++) { p = power(f, from, len); if (p > m) { m = p; best = f } }
			printf "probe: mic %d %d\n", best, peak
		}' >$ser
}

say ready
while read -r cmd arg; do
	case $cmd in
	play)
		aplay -q -D plughw:0,0 /tone.wav 2>/tmp/play.err
		say "played $? $(head -c 200 /tmp/play.err | tr '\n' ' ')"
		;;
	record) record "${arg:-2}" ;;
	paint) paint ;;
	esac
done <$ser
# The console went away: stay up.
while :; do sleep 3600; done
INIT
}

probe_start() {
	local name=$1 port=$2 dir
	shift 2
	dir=$(probe_build) || return 1
	: >"$T/$name.console"
	qemu_start "$name" "$port" --usbredir -- -m 256 \
		-kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
		-append "console=ttyS1 loglevel=4 panic=-1" \
		-chardev "socket,id=pser,path=$T/$name.serial,server=on,wait=off,logfile=$T/$name.console" \
		-serial chardev:pser \
		-device qxl-vga,id=video0 -device usb-tablet,bus=xhci.0 \
		-audiodev spice,id=psnd -device intel-hda -device hda-duplex,audiodev=psnd \
		"$@" || return 1
	probe_wait "$name" '^probe: ready' 120
}

probe_wait() {
	local name=$1 re=$2 secs=${3:-30} i
	for ((i = 0; i < secs * 4; i++)); do
		tr -d '\r' <"$T/$name.console" 2>/dev/null | grep -aEq -- "$re" && return 0
		sleep 0.25
	done
	diag "probe $name: no console line /$re/ within $secs s; it ended with:"
	tr -d '\r' <"$T/$name.console" 2>/dev/null | tail -n 15 | sed 's/^/#   /' >&2
	return 1
}

probe_count() {
	tr -d '\r' <"$T/$1.console" 2>/dev/null | grep -acE -- "$2"
}

probe_lines() {
	tr -d '\r' <"$T/$1.console" 2>/dev/null | wc -l
}

probe_since() {
	tr -d '\r' <"$T/$1.console" 2>/dev/null | tail -n +"$(($2 + 1))" | grep -acE -- "$3"
}

# One connection for all commands (QEMU drops what the guest has not read
# when a client hangs up); it reads what the probe prints so that the
# socket never fills.
probe_send() {
	local name=$1 fd=${PROBE_SERIAL_FD[$1]:-}
	if [ -z "$fd" ]; then
		exec {fd}> >(exec socat - "UNIX-CONNECT:$T/$name.serial" >/dev/null 2>&1)
		PROBE_SERIAL_FD[$name]=$fd
		at_exit "exec $fd>&-"
	fi
	(printf '%s\r' "$2" >&"$fd") 2>/dev/null
}

# The title box (text rows 5-11 of the 720x400 text screen), scaled up: the
# VGA font is too small for tesseract as it is.
probe_text() {
	qemu_screendump "$1" "$T/$1.text.png" || return 1
	convert "$T/$1.text.png" -crop 640x112+40+64 +repage -resize 300% -colorspace Gray \
		-negate "$T/$1.text-big.png" &&
		tesseract "$T/$1.text-big.png" - --psm 6 2>/dev/null | tr '\n' ' '
}
