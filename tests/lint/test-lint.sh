#!/bin/bash
# vdi-test: once
# Style is checked by machine: every tracked C file is clang-format clean,
# every shell script is shellcheck clean, and every test script is executable
# in git (a clean clone runs them directly).
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
cd "$VDI_ROOT" || exit 1

git rev-parse --git-dir >/dev/null 2>&1 || skip_all "not a git checkout"
plan 3

mapfile -t csrc < <(git ls-files '*.c' '*.h')
out=$(clang-format --dry-run -Werror "${csrc[@]}" 2>&1)
ok $? "clang-format: ${#csrc[@]} C files formatted" || printf '%s\n' "$out" | head -40 | sed 's/^/# /' >&2

mapfile -t scripts < <({ git ls-files '*.sh'; echo .ci/run; echo tools/deps.sh; } | sort -u)
out=$(shellcheck -x "${scripts[@]}" 2>&1)
ok $? "shellcheck: ${#scripts[@]} scripts clean" || printf '%s\n' "$out" | head -60 | sed 's/^/# /' >&2

mapfile -t notexec < <(git ls-files -s 'tests/*/test-*.sh' | awk '$1 != "100755" { print $4 }')
[ ${#notexec[@]} -eq 0 ]
ok $? "test scripts are executable in git${notexec[*]:+: not ${notexec[*]}}"
