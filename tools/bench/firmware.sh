#!/bin/bash
# The station firmware's benchmarks:
#
#  payload  bytes of kernel + initramfs for each profile built so far
#           (make firmware, make firmware PROFILE=spice-only; budget:
#           generic <= 40 MB, which spice-only meets too).
#  boot     a PXE boot of the qemu profile under TCG, to the desktop: the
#           stage time stamps the station prints (uptime), with the time
#           before the kernel (BIOS, PXE, TFTP) from the host clock. The
#           userspace share is /init -> first screen painted, over power-on
#           -> first screen painted (budget: <= 40 %), and also over the
#           kernel's own uptime only.
#  memory   the smallest -m (MiB) at which a station still shows the
#           desktop over SPICE, trying 512, 384, 256, 192, 160, 128, 112 and
#           96 until one fails (budget: 256 must work).
#
# Usage: tools/bench/firmware.sh   (after make and make firmware-test;
# VDI_BUILD=build). Knobs: BENCH_BOOT_RUNS (PXE boots, 3). Output: standard
# output and $VDI_BUILD/bench/firmware.txt.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VDI_ROOT=$(cd "$here/../.." && pwd)
export VDI_ROOT
# shellcheck source=tests/lib/tap.sh
. "$VDI_ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/firmware/common.sh
. "$VDI_ROOT/tests/firmware/common.sh"

runs=${BENCH_BOOT_RUNS:-3}
out=$VDI_BUILD/bench
mkdir -p "$out"
# shellcheck source=tools/bench/lib.sh
. "$here/lib.sh"
bench_report "$out/firmware.txt"

# --- payload ---
say "== payload (kernel + initramfs) =="
for d in "$VDI_BUILD"/firmware/*/; do
	p=$(basename "$d")
	if [ ! -f "$d/vmlinuz" ] || [ ! -f "$d/initrd.img" ]; then
		continue
	fi
	k=$(stat -c %s "$d/vmlinuz")
	i=$(stat -c %s "$d/initrd.img")
	say "$(printf '%-10s kernel %9d  initramfs %9d  total %9d bytes (%.1f MB)%s' "$p" "$k" "$i" \
		$((k + i)) "$(echo "($k + $i) / 1000000" | bc -l)" \
		"$(case $p in generic | spice-only) echo ", budget 40 MB" ;; esac)")"
done

media=$(station_media_dir)
[ -f "$media/tftpboot/vmlinuz" ] || die "no qemu-profile media in $media (make firmware-test)"

qemu_pattern_disk "$T/disk.img"
dport=$(free_port)
qemu_start desk "$dport" --disk "$T/disk.img" || die "desktop VM did not start"
printf '[%s]\nhost = 10.0.2.100\nport = 5930\nautoconnect = yes\n' "$STATION_MAC" >"$T/stations.conf"
BROKER_HTTP=1 broker_start "$T/stations.conf" >/dev/null || die "broker did not start"
bport=${BROKER_URL##*:}
params="$FW_PARAMS vdi.broker=http://10.0.2.100:8080"

# Notes the host time (s since QEMU start) at which each stage line first
# shows on the console; polled every 0.1 s, so late by up to that much.
watch_stages() {
	local s
	while station_alive; do
		for s in init login desktop; do
			[ -f "$T/stage-host.$s" ] && continue
			if tr -d '\r' <"$T/station.console" 2>/dev/null | grep -aq "stage=$s\\b"; then
				echo "$(date +%s.%N) - $STATION_BOOT_T0" | bc -l >"$T/stage-host.$s"
			fi
		done
		sleep 0.1
	done
}

# boot_once MODE MEM: boots to the desktop; sets BOOT to "pre_kernel=S
# init=S ... desktop=S" (stage uptimes; pre_kernel from the host clock).
# Returns 1 when the desktop never showed.
boot_once() {
	local mode=$1 mem=$2 w s
	BOOT=
	rm -f "$T"/stage-host.*
	station_start "$mode" --mem "$mem" --params "$params" --fwd "8080:$bport" \
		--fwd "5930:$dport" >/dev/null 2>&1 || return 1
	watch_stages &
	w=$!
	if ! station_wait_stage desktop 400 2>/dev/null; then
		station_stop
		wait "$w" 2>/dev/null
		return 1
	fi
	sleep 0.3
	BOOT="pre_kernel=$(echo "$(cat "$T/stage-host.init") - $(station_stage_time init)" | bc -l)"
	for s in init udev network clock x launcher login desktop; do
		BOOT+=" $s=$(station_stage_time "$s")"
	done
	station_stop
	wait "$w" 2>/dev/null
}

say ""
say "== boot (PXE, BIOS, TCG, -m 512; $runs runs; seconds) =="
declare -a pre kern user total desk
for ((r = 1; r <= runs; r++)); do
	boot_once pxe-bios 512 || die "PXE boot $r did not reach the desktop"
	say "run $r: $BOOT"
	eval "$(echo "$BOOT" | tr ' ' '\n' | sed 's/^/b_/')"
	# shellcheck disable=SC2154
	{
		pre+=("$b_pre_kernel")
		kern+=("$b_init")
		user+=("$(echo "$b_login - $b_init" | bc -l)")
		total+=("$(echo "$b_pre_kernel + $b_login" | bc -l)")
		desk+=("$b_desktop")
	}
done
mp=$(median 2 "${pre[@]}")
mk=$(median 2 "${kern[@]}")
mu=$(median 2 "${user[@]}")
mt=$(median 2 "${total[@]}")
say "median: firmware+PXE ${mp} s, kernel ${mk} s, userspace (/init -> first screen) ${mu} s," \
	"power-on -> first screen ${mt} s, desktop shown at uptime $(median 2 "${desk[@]}") s"
say "userspace share: $(echo "100 * $mu / $mt" | bc -l | xargs printf '%.0f') % of power-on -> first screen" \
	"(budget 40 %); $(echo "100 * $mu / ($mk + $mu)" | bc -l | xargs printf '%.0f') % of kernel start -> first screen"

say ""
say "== memory (direct boot of the same kernel and initramfs, TCG) =="
smallest=
for mem in 512 384 256 192 160 128 112 96; do
	if boot_once direct "$mem"; then
		say "-m $mem: desktop shown"
		smallest=$mem
	else
		say "-m $mem: no desktop"
		break
	fi
done
say "smallest -m with a working SPICE session: ${smallest:-none} MiB (budget: 256 works)"
