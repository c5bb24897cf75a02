#!/bin/bash
# A user's hands on a QEMU VM through QMP input-send-event: typed text, key
# chords, absolute pointer clicks. Source after tests/lib/qemu.sh (the VM's
# QMP socket is $T/NAME.qmp).
#
# DEVICE names the display (the VGA device's id) whose input devices get the
# events. QEMU gives an event for a display to the input devices bound to it
# (usb-kbd/usb-tablet with display=ID) before any unbound one, so a VM with
# both a PS/2 and a bound USB keyboard gets these keys on the USB one, while
# HMP sendkey (no display) goes to the PS/2 one. Empty DEVICE: QEMU's
# default routing.
#
#   input_type NAME DEVICE TEXT    types TEXT (letters, digits, space and
#                                  - . _ @ !), one key press at a time
#   input_keys NAME DEVICE KEY...  a chord: presses the QEMU key codes (qcode:
#                                  ctrl, alt, shift, d, tab, ret, esc ...) in
#                                  order, releases them in reverse order
#   input_click NAME DEVICE X Y W H   moves the absolute pointer to pixel X,Y
#                                  of a W x H screen and clicks the left
#                                  button
#   input_move NAME DEVICE X Y W H    only moves it there

# shellcheck shell=bash

# _input_send NAME DEVICE ACTION...: one QMP connection; ACTION is
# down:QCODE, up:QCODE, abs:X:Y (0..32767), btn:down|up, or sleep:MS.
_input_send() {
	local name=$1 dev=$2
	shift 2
	perl -MIO::Socket::UNIX -MTime::HiRes=usleep -e '
		my ($path, $dev, @actions) = @ARGV;
		my $s = IO::Socket::UNIX->new(Peer => $path) or die "connect: $!\n";
		$SIG{ALRM} = sub { die "qmp: timeout\n" };
		alarm 60;
		<$s>;
		print $s "{\"execute\":\"qmp_capabilities\"}\n";
		while (my $l = <$s>) { last if $l =~ /"return"/ }
		my $target = length $dev ? "\"device\":\"$dev\"," : "";
		sub send_events {
			my ($events) = @_;
			print $s "{\"execute\":\"input-send-event\",\"arguments\":{$target\"events\":[$events]}}\n";
			while (my $l = <$s>) {
				next if $l =~ /"event"/;
				die "input-send-event: $l" if $l =~ /"error"/;
				last;
			}
		}
		for my $a (@actions) {
			my @f = split /:/, $a;
			if ($f[0] eq "sleep") {
				usleep($f[1] * 1000);
			} elsif ($f[0] eq "down" || $f[0] eq "up") {
				my $down = $f[0] eq "down" ? "true" : "false";
				send_events("{\"type\":\"key\",\"data\":{\"down\":$down,\"key\":{\"type\":\"qcode\",\"data\":\"$f[1]\"}}}");
			} elsif ($f[0] eq "abs") {
				send_events("{\"type\":\"abs\",\"data\":{\"axis\":\"x\",\"value\":$f[1]}}," .
					"{\"type\":\"abs\",\"data\":{\"axis\":\"y\",\"value\":$f[2]}}");
			} elsif ($f[0] eq "btn") {
				my $down = $f[1] eq "down" ? "true" : "false";
				send_events("{\"type\":\"btn\",\"data\":{\"down\":$down,\"button\":\"left\"}}");
			}
		}' "$T/$name.qmp" "$dev" "$@"
}

# _input_qcode CHAR: prints "QCODE" or "shift QCODE".
_input_qcode() {
	local c=$1
	case $c in
	[a-z0-9]) echo "$c" ;;
	[A-Z]) echo "shift ${c,,}" ;;
	' ') echo spc ;;
	-) echo minus ;;
	.) echo dot ;;
	_) echo "shift minus" ;;
	@) echo "shift 2" ;;
	!) echo "shift 1" ;;
	*) return 1 ;;
	esac
}

input_type() {
	local name=$1 dev=$2 text=$3 i q actions=()
	for ((i = 0; i < ${#text}; i++)); do
		q=$(_input_qcode "${text:i:1}") || {
			diag "input_type: no key for '${text:i:1}'"
			return 1
		}
		# A person's pace: the guest's HID driver polls every few ms, and
		# X repeats a key held for long.
		if [ "${q% *}" = shift ]; then
			actions+=(down:shift sleep:20 "down:${q#* }" sleep:40 "up:${q#* }" sleep:20 up:shift sleep:40)
		else
			actions+=("down:$q" sleep:40 "up:$q" sleep:40)
		fi
	done
	_input_send "$name" "$dev" "${actions[@]}"
}

input_keys() {
	local name=$1 dev=$2 k actions=() up=()
	shift 2
	for k in "$@"; do
		actions+=("down:$k" sleep:30)
		up=("up:$k" sleep:30 "${up[@]}")
	done
	_input_send "$name" "$dev" "${actions[@]}" sleep:60 "${up[@]}"
}

input_click() {
	local name=$1 dev=$2 x=$3 y=$4 w=$5 h=$6
	_input_send "$name" "$dev" "abs:$((x * 32767 / (w - 1))):$((y * 32767 / (h - 1)))" sleep:200 \
		btn:down sleep:100 btn:up
}

input_move() {
	local name=$1 dev=$2 x=$3 y=$4 w=$5 h=$6
	_input_send "$name" "$dev" "abs:$((x * 32767 / (w - 1))):$((y * 32767 / (h - 1)))" sleep:100
}
