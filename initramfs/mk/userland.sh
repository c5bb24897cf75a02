# shellcheck shell=bash
# The station's programs and their data, taken from the build host's Debian
# packages (tools/deps.d/firmware-image.list). Libraries come later, by
# closure (add_library_closure); here go the programs, what they dlopen(),
# and their data files.

MA=/usr/lib/x86_64-linux-gnu

# Busybox provides the shell and the small tools. Applets that would offer a
# way in over the network, or a login, are not linked.
userland_busybox() {
	local applet
	put /bin/busybox /usr/bin/busybox
	for applet in $(/bin/busybox --list); do
		case $applet in
		busybox | telnetd | httpd | ftpd | tcpsvd | udhcpd | login | su | sulogin | passwd | getty | \
			modprobe | insmod | rmmod | lsmod | modinfo | depmod) continue ;;
		esac
		[ -e "$ROOT/usr/bin/$applet" ] || link busybox "/usr/bin/$applet"
	done
	# kmod's tools understand what udev's module loader does.
	put /bin/kmod /usr/bin/kmod
	for applet in modprobe insmod rmmod lsmod modinfo; do
		link ../bin/kmod "/usr/sbin/$applet"
	done
}

# udev: the daemon (one binary with udevadm), the rules a station needs,
# and a hardware database compiled from the input-related parts only.
userland_udev() {
	local r hwdb
	put /bin/udevadm /usr/bin/udevadm
	link ../../bin/udevadm /usr/lib/systemd/systemd-udevd
	for r in 50-udev-default 60-drm 60-evdev 60-input-id 60-persistent-input \
		70-mouse 70-touchpad 78-sound-card 80-drivers \
		80-libinput-device-groups 90-libinput-fuzz-override; do
		put "/lib/udev/rules.d/$r.rules" "/usr/lib/udev/rules.d/$r.rules"
	done
	for r in libinput-device-group libinput-fuzz-extract libinput-fuzz-to-zero; do
		put "/lib/udev/$r" "/usr/lib/udev/$r"
	done
	for hwdb in 60-evdev 60-input-id 60-keyboard 70-mouse 70-pointingstick 70-touchpad; do
		put "/lib/udev/hwdb.d/$hwdb.hwdb" "/usr/lib/udev/hwdb.d/$hwdb.hwdb"
	done
	systemd-hwdb --root="$ROOT" --usr update
	[ -s "$ROOT/usr/lib/udev/hwdb.bin" ] || die "systemd-hwdb made no hwdb.bin"
	rm -rf "$ROOT/usr/lib/udev/hwdb.d"
}

# Xorg with the modesetting and fbdev drivers and libinput. No GLX and no
# glamor: they would pull in Mesa (and LLVM) for GL that nothing here uses;
# modesetting then draws with its shadow framebuffer.
userland_xorg() {
	local m
	put /usr/lib/xorg/Xorg
	put /usr/lib/xorg/protocol.txt
	for m in drivers/modesetting_drv.so drivers/fbdev_drv.so input/libinput_drv.so \
		libfbdevhw.so libshadow.so libshadowfb.so; do
		put "/usr/lib/xorg/modules/$m"
	done
	put /usr/bin/xkbcomp
	# The keymaps, without the XML and list files (for layout pickers).
	put_tree /usr/share/X11/xkb /usr/share/X11/xkb ! -name '*.xml' ! -name '*.lst' ! -name README
	put_tree /usr/share/libinput /usr/share/libinput
}

# The launcher, and what it loads at run time: GStreamer plugins for SPICE
# audio (playback and the microphone; spice-gtk decodes Opus itself), the
# ALSA configuration, fonts, the few icons GTK draws on the launcher's
# screens. Video streams: spice-gtk decodes MJPEG itself and offers the
# server other codecs only when GStreamer has a decoder for them. VP8/VP9
# (libvpx, over 1 MB of the boot payload) and H.264 (not in Debian's main
# plugins) are left out, so servers stream MJPEG, and no GStreamer video
# plugin is needed.
userland_launcher() {
	local p
	put "$LAUNCHER" /usr/bin/vdi-launcher
	# spice-gtk, built with polkit support, runs this helper for every USB
	# device it redirects and gives up on the device if it cannot. The
	# station's own helper (tools/usb-acl-helper/) answers for a launcher
	# running as root, with no D-Bus and no polkit.
	put "$USB_ACL_HELPER" /usr/libexec/spice-client-glib-usb-acl-helper
	chmod 755 "$ROOT/usr/libexec/spice-client-glib-usb-acl-helper"
	put_tree "$SRC/branding" /usr/share/vdi-station/branding
	put "$MA/gstreamer1.0/gstreamer-1.0/gst-plugin-scanner"
	for p in coreelements app audioconvert audioresample volume autodetect alsa; do
		put "$MA/gstreamer-1.0/libgst$p.so"
	done
	put /usr/share/alsa/alsa.conf
	put_tree /usr/share/alsa/cards /usr/share/alsa/cards
	put_tree /usr/share/alsa/pcm /usr/share/alsa/pcm
	# alsa.conf includes ctl/default.conf: without it alsa-lib knows no
	# default PCM, and GStreamer's alsasink never opens the card.
	put_tree /usr/share/alsa/ctl /usr/share/alsa/ctl
	# Cards come up muted; udev unmutes each one with amixer as it appears
	# (rootfs-overlay/usr/lib/udev/rules.d/90-vdi-sound.rules).
	put /usr/bin/amixer
	# libepoxy dlopen()s libGL whenever GTK asks about GLX (the GTK
	# inspector does, and the launcher sets the inspector up to switch it
	# off), and aborts the program if there is none. libglvnd's libGL is
	# only a dispatcher: with no GLX on the X server it answers "no GLX"
	# and never loads a driver, so Mesa stays out.
	put "$MA/libGL.so.1"
	put /etc/ssl/certs/ca-certificates.crt
	# gdk-pixbuf picks its image loader by MIME type (GIO's sniffing), so
	# even the built-in PNG loader needs the MIME database.
	put /usr/share/mime/mime.cache
	userland_fonts
	userland_icons
}

userland_fonts() {
	local f
	# Sans in two weights only: fontconfig maps "monospace" to it (its
	# digits all have the same width, which is what the MAC and the tables
	# of the diagnostics screen need), and other weights are synthesized.
	for f in DejaVuSans DejaVuSans-Bold; do
		put "/usr/share/fonts/truetype/dejavu/$f.ttf"
	done
	# The cache is built for the root's own paths (--sysroot), so fontconfig
	# on the station finds it valid and never scans at start-up. It records
	# the folders' times to the nanosecond, and squashfs keeps whole
	# seconds: the folders get whole-second times first.
	mkdir -p "$ROOT/var/cache/fontconfig"
	find "$ROOT/usr/share/fonts" -type d -exec touch -d "@$(date +%s)" {} +
	FONTCONFIG_FILE=$ROOT/etc/fonts/fonts.conf fc-cache -s -f -y "$ROOT" >/dev/null ||
		die "fc-cache failed"
}

# GTK's own resources hold most of what the launcher draws; the rest are
# symbolic icons from Adwaita, as Debian ships them pre-rendered (PNG), so
# that no SVG loader (librsvg, some 10 MB) is needed. The spinner's icon
# exists only as SVG and is rendered here, at build time.
userland_icons() {
	local theme=/usr/share/icons/Adwaita size icon f dirs=''
	local icons='dialog-warning-symbolic dialog-error-symbolic dialog-information-symbolic
		pan-down-symbolic pan-up-symbolic pan-start-symbolic pan-end-symbolic
		window-close-symbolic object-select-symbolic edit-clear-symbolic
		view-reveal-symbolic view-conceal-symbolic changes-prevent-symbolic
		list-add-symbolic list-remove-symbolic'
	for size in 16 24 32 48 64; do
		dirs+="${dirs:+,}${size}x${size}/vdi"
		mkdir -p "$ROOT$theme/${size}x${size}/vdi"
		for icon in $icons; do
			f=$(find "$theme/${size}x${size}" -name "$icon.symbolic.png" | head -n1)
			[ -n "$f" ] && put "$f" "$theme/${size}x${size}/vdi/$icon.symbolic.png"
		done
		gtk-encode-symbolic-svg -o "$ROOT$theme/${size}x${size}/vdi" \
			"$theme/scalable-up-to-32/status/process-working-symbolic.svg" "${size}x${size}" ||
			die "cannot render process-working-symbolic"
	done
	{
		printf '[Icon Theme]\nName=Adwaita\nComment=The icons the station launcher uses\n'
		printf 'Directories=%s\n' "$dirs"
		for size in 16 24 32 48 64; do
			printf '\n[%sx%s/vdi]\nSize=%s\nType=Fixed\nContext=Status\n' "$size" "$size" "$size"
		done
	} >"$ROOT$theme/index.theme"
	gtk-update-icon-cache -q -f "$ROOT$theme"
}

# xfreerdp, which the launcher runs for RDP desktops. Its channels (sound
# through ALSA, drives, USB) are built into its libraries;
# FFmpeg's codec libraries that it never uses become stand-ins
# (codec-stubs.sh).
userland_rdp() {
	put /usr/bin/xfreerdp
}

# chronyd sets the clock once at boot (busybox in Debian has no ntpd).
userland_chrony() {
	local dir
	dir=$(unpack "$CHRONY_DEB")
	put "$dir/usr/sbin/chronyd" /usr/sbin/chronyd
}
