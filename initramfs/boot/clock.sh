# shellcheck shell=sh
# The clock, before anything speaks TLS (certificates have validity dates):
# first the RTC, then NTP once when DHCP named servers.

# The RTC keeps UTC, as on every Linux system that owns the machine.
vdi_clock_rtc() {
	[ -e /dev/rtc0 ] || [ -e /dev/rtc ] || return 1
	hwclock -s -u 2>/dev/null
}

# vdi_clock_ntp "SERVER...": one measurement round with chronyd, which sets
# the clock and exits; at most vdi.ntp_timeout seconds (default 5). On
# success the RTC is set too, so that the next boot starts closer.
vdi_clock_ntp() {
	_t=$(vdi_arg vdi.ntp_timeout) || _t=5
	case $_t in '' | *[!0-9]*) _t=5 ;; esac
	set --
	for _s in $1; do
		set -- "$@" "server $_s iburst minpoll -2 maxpoll -2"
	done
	[ $# -gt 0 ] || return 1
	mkdir -p "$VDI_RUN/chrony"
	if timeout "$((_t + 1))" chronyd -q -t "$_t" -u root -U \
		"pidfile $VDI_RUN/chrony/chronyd.pid" "cmdport 0" "$@" \
		>"$VDI_RUN/chrony/log" 2>&1; then
		hwclock -w -u 2>/dev/null
		return 0
	fi
	vdi_warn "NTP ($1) did not answer within ${_t}s; the clock stays as the RTC had it"
	return 1
}
