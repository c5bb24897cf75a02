#!/bin/bash
# vdi-test: once
# Short libFuzzer runs of every target (build/fuzz/fuzz_*), seeded from
# tests/fuzz/corpus/<target>/ (fuzz_client_reply also from the replies of
# tests/data/lookup). A crash, leak or sanitizer report fails the test
# and leaves the reproducer in build/fuzz/artifacts/. FUZZ_SECONDS sets the time
# per target (default 15); see tests/fuzz/README.md for long runs.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

seconds=${FUZZ_SECONDS:-15}
fuzz_dir=$VDI_ROOT/build/fuzz
mapfile -t targets < <(find "$fuzz_dir" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
[ ${#targets[@]} -gt 0 ] || skip_all "no fuzz targets built (make fuzz)"
plan ${#targets[@]}
mkdir -p "$fuzz_dir/artifacts"

for bin in "${targets[@]}"; do
	name=$(basename "$bin")
	seeds=$VDI_ROOT/tests/fuzz/corpus/${name#fuzz_}
	# New inputs go to a scratch corpus, never into the checked-in seeds.
	work=$T/$name
	mkdir -p "$work"
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
	# The broker's replies of the lookup cases seed the launcher's reply
	# parser as well; they live in tests/data/lookup only.
	extra='' n=''
	if [ "$name" = fuzz_client_reply ]; then
		n=0
		for f in "$VDI_ROOT"/tests/data/lookup/*/*/reply.json; do
			[ -f "$f" ] || continue
			rel=${f#"$VDI_ROOT"/tests/data/lookup/}
			cp "$f" "$work/lookup-${rel//\//-}"
			n=$((n + 1))
		done
		extra=", with $n replies of tests/data/lookup"
	fi
	log=$T/$name.log
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$fuzz_dir/artifacts/$name-" "$work" >"$log" 2>&1
	rc=$?
	if [ "$n" = 0 ]; then
		diag "no tests/data/lookup/*/*/reply.json under $VDI_ROOT"
		rc=1
	fi
	runs=$(grep -o 'Done [0-9]* runs' "$log" | awk '{print $2}')
	if ! ok $rc "$name: ${runs:-?} runs in ${seconds}s without a finding$extra"; then
		tail -n 30 "$log" | sed 's/^/# /' >&2
	fi
done
