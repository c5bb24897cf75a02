#!/bin/bash
# vdi-test: once
# Style is checked by machine: every tracked C file is clang-format clean and
# every shell script is shellcheck clean.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
cd "$VDI_ROOT" || exit 1

git rev-parse --git-dir >/dev/null 2>&1 || skip_all "not a git checkout"
plan 2

mapfile -t csrc < <(git ls-files '*.c' '*.h')
out=$(clang-format --dry-run -Werror "${csrc[@]}" 2>&1)
ok $? "clang-format: ${#csrc[@]} C files formatted" || printf '%s\n' "$out" | head -40 | sed 's/^/# /' >&2

mapfile -t scripts < <({ git ls-files '*.sh'; echo .ci/run; echo tools/deps.sh; } | sort -u)
out=$(shellcheck -x "${scripts[@]}" 2>&1)
ok $? "shellcheck: ${#scripts[@]} scripts clean" || printf '%s\n' "$out" | head -60 | sed 's/^/# /' >&2
