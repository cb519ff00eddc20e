#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (real peers: Chromium, PostgreSQL,
# zbarimg, pdftoppm, qpdf, oathtool; libsecret + gnome-keyring for the keychain). Idempotent:
# does nothing when every tool is present. Not Debian, or not root without sudo: prints what
# to install and exits non-zero, so a missing peer is never mistaken for a passing test.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium fonts-liberation)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
command -v oathtool >/dev/null 2>&1 || need+=(oathtool)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
# keytar builds from source against libsecret, found through pkg-config.
command -v pkg-config >/dev/null 2>&1 || need+=(pkgconf)
[ -e /usr/include/libsecret-1/libsecret/secret.h ] || need+=(libsecret-1-dev)
command -v gnome-keyring-daemon >/dev/null 2>&1 || need+=(gnome-keyring)
command -v dbus-run-session >/dev/null 2>&1 || need+=(dbus)
[ ${#need[@]} -eq 0 ] && exit 0

echo "test deps: installing ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test deps: not a Debian/Ubuntu machine: install the equivalents of: ${need[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "test deps: run as root or install: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "test deps: installed"
