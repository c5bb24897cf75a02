#!/bin/bash
# Runs every test under one prove: unit test programs and shell tests against
# the normal build, then the same again against the ASan+UBSan build
# (build/asan), plus the short fuzz runs. One summary at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
gen=build/check
rm -rf "$gen"
mkdir -p "$gen"

tests=()
# wrap NAME BUILD CMD: a tiny script so prove shows which pass a test is in.
# A GLib unit test that fails an assertion prints "Bail out!", which makes
# prove stop the whole run and hide every later result; its wrapper turns
# that line into a comment, and the test still fails by its exit status.
wrap() {
	local name=$1 build=$2 cmd=$3
	local f="$gen/$name"
	mkdir -p "$(dirname "$f")"
	case $name in
	*/unit/*)
		printf '#!/bin/bash\nset -o pipefail\nVDI_ROOT=%q VDI_BUILD=%q %q | sed -u "s/^Bail out!/# Bail out!/"\n' \
			"$root" "$root/$build" "$cmd" >"$f"
		;;
	*)
		printf '#!/bin/sh\nVDI_ROOT=%q VDI_BUILD=%q exec %q\n' "$root" "$root/$build" "$cmd" >"$f"
		;;
	esac
	chmod +x "$f"
	tests+=("$f")
}

for build in build build/asan; do
	pass=$([ "$build" = build ] && echo plain || echo asan)
	for t in "$build"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		wrap "$pass/unit/$(basename "$t")" "$build" "$root/$t"
	done
	for t in tests/*/test-*.sh; do
		[ -e "$t" ] || continue
		# Tests marked "vdi-test: once" are not repeated in the asan pass.
		if [ "$pass" = asan ] && grep -q 'vdi-test: once' "$t"; then
			continue
		fi
		wrap "$pass/$(basename "$(dirname "$t")")/$(basename "$t" .sh)" "$build" "$root/$t"
	done
done

exec prove --exec '' --timer "${tests[@]}"
