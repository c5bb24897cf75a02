#!/bin/bash
# Xvfb helpers for tests: a private X display, optional RandR monitors, and
# screenshots. Source after tap.sh (uses $T and at_exit).
#
#   x11_start [WIDTHxHEIGHT]     start Xvfb on a free display, export DISPLAY
#   x11_start_heads N [WxH]      an X server with N monitors of WxH side by side,
#                                each a real RandR output (Xorg's dummy driver:
#                                GTK ignores RandR monitors without an output,
#                                which is all xrandr --setmonitor gives Xvfb)
#   x11_screenshot FILE [GEOM]   PNG of the root window, or of GEOM (WxH+X+Y)
#   x11_wait_window NAME [SECS]  wait until a window with this name is mapped
#   x11_screen_text REGEX [SECS] reads the screen with OCR (tesseract) until the
#                                text matches REGEX (extended, case-insensitive)
#                                or SECS (10) pass; prints the last text read
#                                on one line, true when it matched

# shellcheck shell=bash

X11_PID=

x11_start() {
	local size=${1:-1024x768} n
	n=$(_x11_free_display)
	Xvfb ":$n" -screen 0 "${size}x24" -nolisten tcp -noreset +extension RANDR \
		>"$T/xvfb.log" 2>&1 &
	X11_PID=$!
	at_exit "kill $X11_PID 2>/dev/null; wait $X11_PID 2>/dev/null"
	export DISPLAY=:$n
	# No window manager and no session bus: GTK must not wait for either.
	export NO_AT_BRIDGE=1 GTK_A11Y=none
	unset XAUTHORITY DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY
	_x11_station_gtk
	if ! _x11_wait; then
		diag "Xvfb did not start:" "$(cat "$T/xvfb.log")"
		return 1
	fi
}

# _x11_station_gtk: GTK settings as on the station (rootfs-overlay's
# settings.ini, found through XDG_CONFIG_HOME), not the test machine's own.
_x11_station_gtk() {
	mkdir -p "$T/xdg-config/gtk-3.0"
	cp "$VDI_ROOT/rootfs-overlay/etc/gtk-3.0/settings.ini" "$T/xdg-config/gtk-3.0/settings.ini"
	export XDG_CONFIG_HOME=$T/xdg-config
}

_x11_free_display() {
	local n
	for _ in $(seq 1 50); do
		n=$((100 + RANDOM % 800))
		[ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || break
	done
	echo "$n"
}

_x11_wait() {
	for _ in $(seq 1 200); do
		if xdpyinfo >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$X11_PID" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	return 1
}

x11_start_heads() {
	local heads=$1 size=${2:-1024x768} n i w h
	w=${size%x*}
	h=${size#*x}
	n=$(_x11_free_display)
	cat >"$T/xorg.conf" <<CONF
Section "ServerFlags"
	Option "AutoAddDevices" "false"
	Option "AutoEnableDevices" "false"
	Option "DontVTSwitch" "true"
EndSection
Section "Device"
	Identifier "dummy"
	Driver "dummy"
	VideoRam $((w * h * heads * 4 / 1024 + 4096))
EndSection
Section "Monitor"
	Identifier "monitor"
	HorizSync 5.0-1000.0
	VertRefresh 5.0-200.0
EndSection
Section "Screen"
	Identifier "screen"
	Device "dummy"
	Monitor "monitor"
	DefaultDepth 24
	SubSection "Display"
		Depth 24
		Virtual $((w * heads)) $h
	EndSubSection
EndSection
CONF
	Xorg ":$n" -config "$T/xorg.conf" -noreset -nolisten tcp -novtswitch -sharevts \
		-logfile "$T/xorg.log" >"$T/xorg.out" 2>&1 &
	X11_PID=$!
	at_exit "kill $X11_PID 2>/dev/null; wait $X11_PID 2>/dev/null"
	export DISPLAY=:$n
	export NO_AT_BRIDGE=1 GTK_A11Y=none
	unset XAUTHORITY DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY
	_x11_station_gtk
	if ! _x11_wait; then
		diag "Xorg (dummy) did not start:" "$(tail -n 20 "$T/xorg.log" 2>/dev/null)"
		return 1
	fi
	# Output 0 is on; the others are switched on with the same mode, each
	# right of the one before. The driver then reports them connected.
	xrandr --output DUMMY0 --mode "$size" || return 1
	for ((i = 1; i < heads; i++)); do
		xrandr --addmode "DUMMY$i" "$size" &&
			xrandr --output "DUMMY$i" --mode "$size" --right-of "DUMMY$((i - 1))" ||
			return 1
	done
}

x11_screenshot() {
	local file=$1 geom=${2:-}
	if [ -n "$geom" ]; then
		import -window root -crop "$geom" +repage "$file"
	else
		import -window root "$file"
	fi
}

x11_wait_window() {
	local name=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		if xdotool search --name "$name" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

x11_screen_text() {
	local re=$1 secs=${2:-10} text='' i
	for ((i = 0; i < secs; i++)); do
		x11_screenshot "$T/ocr.png" &&
			text=$(tesseract "$T/ocr.png" - 2>/dev/null | tr -s '\n' ' ')
		if printf '%s' "$text" | grep -Eiq -- "$re"; then
			printf '%s' "$text"
			return 0
		fi
		sleep 1
	done
	printf '%s' "$text"
	return 1
}
