#!/bin/bash
# Shared steps of the station boot tests (tests/firmware/test-*.sh). Source
# after tests/lib/tap.sh, qemu.sh and station.sh.
#
#   FW_PARAMS                    kernel parameters every test boot gets: the
#                                serial console, plain HTTP to the broker (the
#                                test image has no CA) and the IT shell on the
#                                serial port
#   firmware_media_or_skip       skips the test when the qemu profile's media
#                                were not built (make firmware-test)
#   station_status_like REGEX [SECS]   waits until the launcher's latest state,
#                                as the station prints it on the serial console
#                                ("vdi: t=... event=state state=..."), matches
#   station_screen_text REGEX    reads the station's screen (screendump and OCR)
#                                until the text matches REGEX, at most 5 times
#                                a second apart, and prints the last text: a
#                                state line can come a frame before its screen.
#                                The text is that of the picture, " | ", and
#                                that of its light parts alone
#   station_matches REF [SECS]   compares the station's screen (the part a
#                                desktop of REF's size fills) with the picture
#                                REF until the RMSE is below 0.08, for at most
#                                SECS (30) seconds; sets MATCH_RMSE, MATCH_AREA
#                                and MATCH_FLOP (the RMSE against REF mirrored,
#                                which a right screen keeps above 0.15)
#   distinctive REF              true when REF is far from a flat black
#                                screen (RMSE > 0.25) and from its own mirror
#                                image (> 0.15): a picture that a black, text
#                                or wrong screen cannot match; sets DISTINCT
#                                (both RMSEs, for the message)
#   spice_display_clients TEXT   the number of display channels in a QEMU
#                                "info spice" answer: clients the desktop's
#                                own SPICE server has
#   below A B, img_rmse A B, desktop_area W H GW GH: as in the launcher tests

# shellcheck shell=bash
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

# shellcheck disable=SC2034
FW_PARAMS="console=ttyS0 vdi.insecure=1 vdi.diag=1"

firmware_media_or_skip() {
	local m
	m=$(station_media_dir)
	if [ ! -f "$m/tftpboot/vmlinuz" ] || [ ! -f "$m/tftpboot/initrd.img" ]; then
		skip_all "no station media in $m (make firmware-test builds them)"
	fi
}

station_status_like() {
	local re=$1 secs=${2:-30} i last
	for ((i = 0; i < secs * 4; i++)); do
		last=$(tr -d '\r' <"$T/station.console" | grep -aE 'vdi: t=[0-9.]+ event=state ' |
			tail -n 1 | sed 's/.* event=state //')
		printf '%s\n' "$last" | grep -Eq -- "$re" && return 0
		sleep 0.25
	done
	diag "station state never matched /$re/; last: $last"
	return 1
}

station_screen_text() {
	local re=$1 text='' i
	for ((i = 0; i < 5; i++)); do
		station_screendump "$T/screen-text.png"
		# Light text on a coloured button (Connect) is lost to OCR on
		# the picture as it is: a second pass reads only the light
		# parts, as dark text on white.
		convert "$T/screen-text.png" -colorspace Gray -threshold 60% -negate \
			"$T/screen-text-light.png" 2>/dev/null
		text="$(tesseract "$T/screen-text.png" - 2>/dev/null | tr '\n' ' ') | $(
			tesseract "$T/screen-text-light.png" - 2>/dev/null | tr '\n' ' ')"
		[[ $text =~ $re ]] && break
		sleep 1
	done
	printf '%s' "$text"
}

# MATCH_* and DISTINCT are for the tests that source this file.
# shellcheck disable=SC2034
station_matches() {
	local ref=$1 secs=${2:-30} i sw sh gw gh
	MATCH_RMSE='' MATCH_AREA='' MATCH_FLOP=''
	read -r gw gh < <(identify -format '%w %h' "$ref" 2>/dev/null)
	[ -n "$gw" ] || return 1
	convert "$ref" -flop "$T/match-ref-flop.png" || return 1
	for ((i = 0; i < secs; i++)); do
		if station_screendump "$T/match-shot.png"; then
			read -r sw sh < <(identify -format '%w %h' "$T/match-shot.png")
			MATCH_AREA=$(desktop_area "$sw" "$sh" "$gw" "$gh")
			convert "$T/match-shot.png" -crop "$MATCH_AREA" +repage -resize "${gw}x${gh}!" \
				"$T/match-scaled.png"
			MATCH_RMSE=$(img_rmse "$T/match-scaled.png" "$ref")
			MATCH_FLOP=$(img_rmse "$T/match-scaled.png" "$T/match-ref-flop.png")
			below "$MATCH_RMSE" 0.08 && return 0
		fi
		sleep 1
	done
	return 1
}

# shellcheck disable=SC2034
distinctive() {
	local black flop
	convert "$1" -fill black -colorize 100 "$T/distinct-black.png" || return 1
	convert "$1" -flop "$T/distinct-flop.png" || return 1
	black=$(img_rmse "$1" "$T/distinct-black.png")
	flop=$(img_rmse "$1" "$T/distinct-flop.png")
	DISTINCT="RMSE $black to black, $flop to its mirror image"
	below 0.25 "$black" && below 0.15 "$flop"
}

spice_display_clients() {
	printf '%s\n' "$1" | grep -c 'channel name: display'
}
