#!/bin/bash
# vdi-test: once
# docs/configuration.md's two key tables are what `stationctl keys
# --markdown` prints from the key table (tools/common/stations_keys.c): a key
# added to the table without its docs, or a doc row edited by hand, fails
# here. The fix is to paste what stationctl prints between the markers.
# shellcheck source=SCRIPTDIR/../lib/tap.sh disable=SC1091
. "$(dirname "$0")/../lib/tap.sh"

CTL=$VDI_BUILD/bin/stationctl
DOC=$VDI_ROOT/docs/configuration.md
[ -x "$CTL" ] || skip_all "$CTL not built"

plan 6

# between SCOPE: the lines between the scope's begin and end markers.
between() {
	sed -n "/^<!-- keys:$1 begin/,/^<!-- keys:$1 end -->/p" "$DOC" | sed '1d;$d'
}

for scope in mapping pool; do
	grep -q "^<!-- keys:$scope begin" "$DOC" && grep -q "^<!-- keys:$scope end -->" "$DOC"
	ok $? "docs/configuration.md marks its $scope key table"
	between "$scope" >"$T/doc.md"
	"$CTL" keys --markdown "$scope" >"$T/gen.md"
	ok $? "stationctl keys --markdown $scope"
	diff -u "$T/doc.md" "$T/gen.md" >"$T/diff"
	if ! ok $? "the $scope key table in docs/configuration.md is the key table's"; then
		diag "paste 'stationctl keys --markdown $scope' between the markers:"
		sed 's/^/# /' "$T/diff" >&2
	fi
done
