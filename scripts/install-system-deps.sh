#!/usr/bin/env bash
# Debian packages the browser tests (and later the PDFs) need: Chromium, which Playwright
# drives, and a Korean font so pages render Hangul. Installs only what is missing, and
# only as root; otherwise it warns and the browser tests skip with a reason.
# Idempotent and quick when everything is there.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ! command -v fc-list >/dev/null 2>&1; then
    missing+=(fontconfig fonts-nanum)
# Not `grep -q`: it would close the pipe early and pipefail would report fc-list's SIGPIPE.
elif ! fc-list 2>/dev/null | grep -i nanum >/dev/null; then
    missing+=(fonts-nanum)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "경고 / warning: missing ${missing[*]} and not root; install them with" >&2
    echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    echo "The browser tests will skip until then." >&2
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "경고 / warning: missing ${missing[*]} and no apt-get here; the browser tests will skip." >&2
    exit 0
fi

echo "Installing ${missing[*]} …"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
