#!/usr/bin/env bash
# Debian packages the project needs outside Python:
#   runtime  Pango, HarfBuzz (with its subsetter) and Fontconfig, which WeasyPrint loads to
#            make the PDFs (receipts, statements, quotes), and a Korean font
#   all      the above plus Chromium, which Playwright drives for the browser tests
# `make run` installs the runtime set, `make test` all of it. Installs only what is missing,
# and only as root; otherwise it warns, and the PDF and browser tests skip with a reason.
# Idempotent and quick when everything is there.
#
# usage: scripts/install-system-deps.sh [runtime|all]   (default: all)
set -euo pipefail

set_name=${1:-all}
case "$set_name" in
    runtime|all) ;;
    *) echo "usage: $0 [runtime|all]" >&2; exit 2 ;;
esac

# ldconfig lives in /sbin, which an unprivileged PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

# have_lib SONAME: the shared library is known to the dynamic linker. awk reads all of
# ldconfig's output, so no SIGPIPE reaches pipefail.
have_lib() { ldconfig -p 2>/dev/null | awk -v so="$1" '$1 == so { found = 1 } END { exit !found }'; }

missing=()
# What WeasyPrint dlopens (weasyprint/text/ffi.py), by library and the Debian package with it.
have_lib libpango-1.0.so.0 || missing+=(libpango-1.0-0)
have_lib libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
have_lib libharfbuzz.so.0 || missing+=(libharfbuzz0b)
have_lib libharfbuzz-subset.so.0 || missing+=(libharfbuzz-subset0)
have_lib libfontconfig.so.1 || missing+=(libfontconfig1)
if [ "$set_name" = all ]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi
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
    echo "PDFs cannot be made and the PDF and browser tests will skip until then." >&2
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "경고 / warning: missing ${missing[*]} and no apt-get here; PDFs cannot be made and their tests will skip." >&2
    exit 0
fi

echo "Installing ${missing[*]} …"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
