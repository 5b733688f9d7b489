#!/usr/bin/env bash
# Debian packages some tests and features use: tshark (second engine, deep
# dissection, cross-checks) and Chromium (browser tests of the report and the
# dashboard). Installs what is missing when it can (root or password-less sudo);
# otherwise says which tests will be skipped. Never fails the caller.
set -u
need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""
elif sudo -n true 2>/dev/null; then SUDO="sudo -n"
else
  echo "note: ${need[*]} not installed and no root: tests that need them will be skipped" >&2
  echo "      (install with: sudo apt-get install ${need[*]})" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: no apt-get; install ${need[*]} yourself for the full test suite" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing ${need[*]} (Debian packages) ..."
$SUDO apt-get update -qq || true
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || echo "note: could not install ${need[*]}; tests that need them will be skipped" >&2
exit 0
