# shellcheck shell=bash
# Helpers every benchmark script shares; source it, then call bench_report.
#
#   bench_report FILE           empties FILE; say appends to it from now on
#   say TEXT...                 prints TEXT and appends it to the report
#   die TEXT...                 "bench: TEXT" on stderr, exit 1
#   median DECIMALS VALUES...   the median, with DECIMALS decimals;
#                               $BENCH_NONE ("nan" unless set) for no values

BENCH_REPORT=/dev/null
BENCH_NONE=${BENCH_NONE:-nan}

bench_report() {
	BENCH_REPORT=$1
	: >"$BENCH_REPORT"
}

say() {
	printf '%s\n' "$*" | tee -a "$BENCH_REPORT"
}

die() {
	echo "bench: $*" >&2
	exit 1
}

median() {
	local prec=$1
	shift
	if [ $# -eq 0 ]; then
		printf '%s' "$BENCH_NONE"
		return
	fi
	printf '%s\n' "$@" | sort -g | awk -v p="$prec" -v none="$BENCH_NONE" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print none; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.*f", p, m
		}'
}
