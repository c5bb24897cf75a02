#!/bin/bash
# vdi-test: once
# Style and completeness are checked by machine: every tracked C file is
# clang-format clean, every shell script (by name or by its #! line)
# passes shellcheck, every test script is executable in git (a clean clone
# runs them directly), no file in a source folder is ignored by git (a
# clean clone, and so CI and every new machine, would build without it),
# and every repository path the docs and build scripts name is tracked.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
cd "$VDI_ROOT" || exit 1

git rev-parse --git-dir >/dev/null 2>&1 || skip_all "not a git checkout"
plan 5

SOURCE_DIRS=(client tools initramfs rootfs-overlay pxe branding tests docs)

mapfile -t csrc < <(git ls-files '*.c' '*.h')
out=$(clang-format --dry-run -Werror "${csrc[@]}" 2>&1)
ok $? "clang-format: ${#csrc[@]} C files formatted" || printf '%s\n' "$out" | head -40 | sed 's/^/# /' >&2

# Scripts: *.sh, and every tracked file whose first line runs a shell (the
# boot scripts /init, supervisor, udhcpc.script ... have no suffix).
shell_scripts() {
	local f
	git ls-files '*.sh'
	while IFS= read -r f; do
		[ -f "$f" ] || continue
		head -n 1 "$f" 2>/dev/null | grep -qE '^#!(/usr)?/bin/(env )?(sh|bash|ash)( |$)' && printf '%s\n' "$f"
	done < <(git ls-files)
}
mapfile -t scripts < <(shell_scripts | sort -u)
out=$(shellcheck -x "${scripts[@]}" 2>&1)
ok $? "shellcheck: ${#scripts[@]} scripts clean" || printf '%s\n' "$out" | head -60 | sed 's/^/# /' >&2

mapfile -t notexec < <(git ls-files -s 'tests/*/test-*.sh' | awk '$1 != "100755" { print $4 }')
[ ${#notexec[@]} -eq 0 ]
ok $? "test scripts are executable in git${notexec[*]:+: not ${notexec[*]}}"

# A file that exists here but that git ignores never reaches a clean clone:
# this is how the X input configuration once went missing from every image.
mapfile -t ignored < <(git ls-files --others --ignored --exclude-standard --directory -- "${SOURCE_DIRS[@]}")
[ ${#ignored[@]} -eq 0 ]
ok $? "no file under the source folders is ignored by git${ignored[*]:+: ${ignored[*]}}"

# Paths that the docs and build scripts name must be tracked. Placeholders
# (NAME, *, a trailing _) are skipped; files that are optional by design
# are listed with the reason.
optional=(
	branding/bootmenu.png # a site's own menu background; made from the logo when absent
)
named_paths() {
	local f
	for f in README.md docs/*.md ./*/README.md tools/*/README.md initramfs/*.sh initramfs/mk/*.sh \
		tools/image/*.sh Makefile; do
		[ -f "$f" ] || continue
		grep -ohE "\\b($(
			IFS='|'
			echo "${SOURCE_DIRS[*]}"
		))/[A-Za-z0-9_./*-]+" "$f"
	done
	# rootfs-overlay/README.md's table names files relative to the overlay.
	local bq='`'
	grep -oE "^\\| ${bq}etc/[^${bq}]+${bq}" rootfs-overlay/README.md |
		sed "s/^| ${bq}/rootfs-overlay\\//; s/${bq}\$//"
}
mapfile -t tracked < <(git ls-files)
missing=()
while IFS= read -r p; do
	p=${p%/}
	case $p in *'*'* | *_ | *[A-Z][A-Z][A-Z]* | *.o) continue ;; esac
	[[ " ${optional[*]} " == *" $p "* ]] && continue
	printf '%s\n' "${tracked[@]}" | grep -qxF -e "$p" && continue
	printf '%s\n' "${tracked[@]}" | grep -qF -e "$p/" && continue
	missing+=("$p")
done < <(named_paths | sed 's/[.,:;)]*$//' | sort -u)
[ ${#missing[@]} -eq 0 ]
ok $? "every path the docs and build scripts name is tracked${missing[*]:+; not: ${missing[*]}}"
