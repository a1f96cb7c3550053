#!/usr/bin/env bash
# Install the optional OCR engine used by `lexcompare ... --ocr` / read_source(ocr=True):
# Debian/Ubuntu packages tesseract-ocr (engine) and tesseract-ocr-fra (French model).
# lexcompare calls the `tesseract` binary through a pipe (stdin -> stdout, OMP_THREAD_LIMIT=1),
# so no Python package is needed. Re-running is harmless.
set -euo pipefail

if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx fra; then
    echo "tesseract with French (fra) already installed: $(tesseract --version 2>&1 | head -1)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get not found: install Tesseract and its French model with your package manager" >&2
    echo "(e.g. 'brew install tesseract tesseract-lang' on macOS), or supply a .txt file." >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    tesseract-ocr tesseract-ocr-fra

tesseract --version 2>&1 | head -1
tesseract --list-langs 2>/dev/null | grep -qx fra && echo "French model (fra) available."
