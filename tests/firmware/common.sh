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
#                                state line can come a frame before its screen
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
		text=$(tesseract "$T/screen-text.png" - 2>/dev/null | tr '\n' ' ')
		[[ $text =~ $re ]] && break
		sleep 1
	done
	printf '%s' "$text"
}
