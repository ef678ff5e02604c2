#!/usr/bin/env bash
# Install everything ocrops needs on a Debian/Ubuntu machine: system packages, then a virtualenv.
#   bash scripts/install.sh          # runtime
#   bash scripts/install.sh --test   # runtime + test tools (and the browser for UI tests)
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
apt_packages=(tesseract-ocr-eng tesseract-ocr-osd tesseract-ocr-deu fonts-dejavu-core)
for arg in "$@"; do
  case "$arg" in
    --test) extras="[test]"; apt_packages+=(chromium) ;;  # Chromium: the browser of the UI tests
    --bench) extras="[test,bench]"; apt_packages+=(chromium tesseract-ocr ghostscript) ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "please install these system packages (Tesseract language data, DejaVu fonts; Chromium for the UI tests): ${missing[*]}" >&2
    exit 1
  fi
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing system packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "ocrops needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2> >(grep -v "is ignored" >&2) >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}" 2> >(grep -v "is ignored" >&2)
