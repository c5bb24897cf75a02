#!/bin/bash
# An RDP server for tests: FreeRDP's shadow server sharing a second Xvfb
# display that shows a known picture. Source after tap.sh, x11.sh and
# qemu.sh (for free_port).
#
#   rdp_server_start PORT [WxH] [--sam FILE]
#                          Xvfb with a test picture and freerdp-shadow-cli
#                          on 127.0.0.1:PORT; with --sam, NLA only, users
#                          and NT hashes from FILE (rdp_sam_file writes one).
#                          Sets RDP_DISPLAY, RDP_PID, RDP_PICTURE.
#   rdp_server_stop        kills the server (the session ends at once)
#   rdp_sam_file FILE USER PASSWORD   a SAM file with one user
#   rdp_keys_watch         records the key presses the server's X display
#                          receives (xev on its root window, where the
#                          server's injected keys land: it has no other
#                          window), from now on
#   rdp_keys_seen          prints the keys recorded so far, as one string of
#                          key names ("v d i 4 2" -> "vdi42"; others in <>)
#
# RDP_SERVER_ARGS (a string, split on blanks): more freerdp-shadow-cli
# options, such as -may-interact (the server ignores the client's input).

# shellcheck shell=bash

RDP_PID=
RDP_XPID=

rdp_sam_file() {
	winpr-hash -u "$2" -p "$3" -f sam >"$1" && chmod 600 "$1"
}

rdp_server_start() {
	local port=$1 size=${2:-1024x768} sam='' n i
	shift 2 2>/dev/null || shift
	if [ "${1:-}" = --sam ]; then
		sam=$2
	fi
	n=$(_x11_free_display)
	Xvfb ":$n" -screen 0 "${size}x24" -nolisten tcp -noreset >"$T/rdp-xvfb.log" 2>&1 &
	RDP_XPID=$!
	at_exit "kill $RDP_XPID 2>/dev/null"
	RDP_DISPLAY=:$n
	for ((i = 0; i < 100; i++)); do
		DISPLAY=$RDP_DISPLAY xdpyinfo >/dev/null 2>&1 && break
		sleep 0.05
	done
	# Colour blocks and a gradient: a picture no blank or mirrored screen
	# resembles.
	RDP_PICTURE=$T/rdp-picture.png
	convert -size "$size" gradient:navy-orange \
		-fill red -draw 'rectangle 40,40 300,260' \
		-fill lime -draw 'circle 600,400 700,480' \
		-fill white -draw 'rectangle 800,80 980,700' -alpha off -depth 8 \
		"PNG24:$RDP_PICTURE" || return 1
	# display exits 1 even when it has set the root window's picture: look.
	DISPLAY=$RDP_DISPLAY display -window root "$RDP_PICTURE"
	DISPLAY=$RDP_DISPLAY import -window root "$T/rdp-root.png"
	if ! below "$(img_rmse "$T/rdp-root.png" "$RDP_PICTURE")" 0.01; then
		diag "the RDP server's display does not show the test picture"
		return 1
	fi
	local args=("/port:$port" /bind-address:127.0.0.1)
	if [ -n "$sam" ]; then
		args+=(+auth /sec:nla "/sam-file:$sam")
	else
		args+=(-auth)
	fi
	# shellcheck disable=SC2206 # options split on blanks on purpose
	args+=(${RDP_SERVER_ARGS:-})
	DISPLAY=$RDP_DISPLAY freerdp-shadow-cli "${args[@]}" >"$T/rdp-server.log" 2>&1 &
	RDP_PID=$!
	at_exit "kill $RDP_PID 2>/dev/null"
	for ((i = 0; i < 100; i++)); do
		if (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
			return 0
		fi
		kill -0 "$RDP_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "freerdp-shadow-cli did not start:" "$(tail -n 5 "$T/rdp-server.log")"
	return 1
}

rdp_server_stop() {
	[ -n "$RDP_PID" ] && kill -KILL "$RDP_PID" 2>/dev/null
	wait "$RDP_PID" 2>/dev/null
	RDP_PID=
}

rdp_keys_watch() {
	local pid
	: >"$T/rdp-keys.log"
	# Line-buffered: xev writes to a file, read while it runs.
	DISPLAY=$RDP_DISPLAY stdbuf -oL xev -root -event keyboard >"$T/rdp-keys.log" 2>&1 &
	pid=$!
	at_exit "kill $pid 2>/dev/null"
	sleep 0.5
	kill -0 "$pid" 2>/dev/null
}

rdp_keys_seen() {
	# KeyPress event, serial 18, ...
	#     root 0x..., subw 0x0, ... state 0x0, keycode 55 (keysym 0x76, v), ...
	awk '/^KeyPress event/ { p = 1; next }
		p && /keysym/ {
			k = $0
			sub(/.*\(keysym 0x[0-9a-f]+, /, "", k)
			sub(/\).*/, "", k)
			printf "%s", (length(k) == 1 ? k : "<" k ">")
			p = 0
		}' "$T/rdp-keys.log"
}
