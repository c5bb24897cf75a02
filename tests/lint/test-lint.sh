#!/bin/bash
# vdi-test: once
# Style and completeness are checked by machine: every tracked C file is
# clang-format clean, every shell script (found by its #! line, not by its
# name, and checked as the shell it names) passes shellcheck, every test
# script is executable in git (a clean clone runs them directly), no file
# in a source folder is ignored by git (a clean clone, and so CI and every
# new machine, would build without it), and every repository path the docs
# and build scripts name is tracked.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
cd "$VDI_ROOT" || exit 1

git rev-parse --git-dir >/dev/null 2>&1 || skip_all "not a git checkout"
plan 5

SOURCE_DIRS=(client tools initramfs rootfs-overlay pxe branding tests docs)

mapfile -t csrc < <(git ls-files '*.c' '*.h')
out=$(clang-format --dry-run -Werror "${csrc[@]}" 2>&1)
ok $? "clang-format: ${#csrc[@]} C files formatted" || printf '%s\n' "$out" | head -40 | sed 's/^/# /' >&2

# Scripts are found by what runs them, not by their name: every tracked
# text file whose #! line names a shell (PID 1's init, supervisor,
# udhcpc.script ... have no suffix), and every sourced part whose first
# line names its shell ("# shellcheck shell=sh"). Each is checked as the
# shell its first line names; busybox sh and ash are POSIX sh. A *.sh file
# that names no shell is an error, not a skip, and so is a bash script
# among the files that run on the station (busybox has no bash).
# script_shell FIRST-LINE: sh, bash, dash or ksh, or nothing for a file no
# shell runs (perl, python, an iPXE script).
script_shell() {
	local word
	local -a words
	case $1 in
	'#!'*) read -r -a words <<<"${1#'#!'}" ;;
	'# shellcheck shell='*) read -r -a words <<<"${1#'# shellcheck shell='}" ;;
	*) return 0 ;;
	esac
	# /usr/bin/env [-S] NAME and /bin/busybox NAME run NAME.
	for word in "${words[@]}"; do
		word=${word##*/}
		case $word in
		env | busybox | -*) continue ;;
		sh | ash) echo sh ;;
		bash | dash | ksh) echo "$word" ;;
		esac
		return 0
	done
}
declare -A shell_of=()
while IFS= read -r -d '' f && IFS= read -r -d '' n && IFS= read -r line; do
	[ "$n" = 1 ] || continue
	s=$(script_shell "$line")
	[ -n "$s" ] && shell_of[$f]=$s
done < <(git grep -z -I -n -E '^(#!|# shellcheck shell=)' -- .)
unnamed=()
while IFS= read -r f; do
	[ -f "$f" ] && [ -z "${shell_of[$f]:-}" ] && unnamed+=("$f")
done < <(git ls-files '*.sh')
not_posix=()
for f in "${!shell_of[@]}"; do
	case $f in
	initramfs/init | initramfs/stage0-init | initramfs/boot/* | rootfs-overlay/*)
		[ "${shell_of[$f]}" = sh ] || not_posix+=("$f")
		;;
	esac
done
out=
rc=0
counts=()
for s in sh bash dash ksh; do
	group=()
	for f in "${!shell_of[@]}"; do
		[ "${shell_of[$f]}" = "$s" ] && group+=("$f")
	done
	[ ${#group[@]} -gt 0 ] || continue
	counts+=("$s ${#group[@]}")
	# Which scripts, folder by folder: a script missing here is not checked.
	printf '%s\n' "${group[@]}" | sort | awk -v s="$s" '
		{ d = $0; sub(/\/[^\/]*$/, "", d); if (d == $0) d = "."; f = substr($0, length(d) + 2)
		  if (d == ".") f = $0
		  if (d != last && NR > 1) { print "# shellcheck --shell=" s " " last " (" n "):" l; n = 0; l = "" }
		  last = d; n++; l = l " " f }
		END { print "# shellcheck --shell=" s " " last " (" n "):" l }' >&2
	out+=$(shellcheck -x --shell="$s" "${group[@]}" 2>&1) || rc=1
done
[ ${#unnamed[@]} -eq 0 ] || {
	rc=1
	out+=$'\n'"no #! line or \"# shellcheck shell=\" first line: ${unnamed[*]}"
}
[ ${#not_posix[@]} -eq 0 ] || {
	rc=1
	out+=$'\n'"run on the station but not POSIX sh: ${not_posix[*]}"
}
counts_text=$(printf '%s, ' "${counts[@]}")
ok $rc "shellcheck: ${#shell_of[@]} scripts checked (${counts_text%, }), all clean" || printf '%s\n' "$out" | head -60 | sed 's/^/# /' >&2

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
		# What a build writes ($(BUILD)/tests/unit/NAME, build/...) is
		# matched with its prefix and dropped: it is never tracked.
		grep -ohE "(\\\$\\([A-Za-z_]+\\)/|build/)?\\b($(
			IFS='|'
			echo "${SOURCE_DIRS[*]}"
		))/[A-Za-z0-9_./*-]+" "$f" | grep -vE '^(\$\(|build/)'
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
