#!/bin/bash
# Installs the Debian packages listed in tools/deps.list and tools/deps.d/*.list
# that are not installed yet. Idempotent and non-interactive: with nothing missing it only reads the
# dpkg database, so every make target can afford to call it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lists=("$here/deps.list")
for f in "$here"/deps.d/*.list; do
	[ -e "$f" ] && lists+=("$f")
done

mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "${lists[@]}" | grep -v '^$' | sort -u)

missing=()
for pkg in "${wanted[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [ "$status" != "installed" ]; then
		missing+=("$pkg")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "deps: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "deps: missing packages (${missing[*]}) and not root; run 'make deps' as root" >&2
		exit 1
	fi
	sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent on a fresh machine; refresh them once.
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done" >&2
