#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stand-in for the kernel's scripts/checker-valid.sh, which Debian's 7.x
# headers packages leave out (without it, C=2 silently runs no sparse).
# Usage: checker-valid.sh CHECKER [FLAGS...]; prints 1 when CHECKER parses
# the kernel's newest construct, __typeof_unqual__, with no error, else 0.
case "${1:-}" in -h|--help) sed -n '4,6p' "$0"; exit 0 ;; esac
command -v "${1:-}" >/dev/null 2>&1 || { echo 0; exit 0; }
t=$(mktemp) || exit 1
trap 'rm -f "$t" "$t.c"' EXIT
printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' >"$t.c"
"$@" "$t.c" 2>&1 | awk 'BEGIN { ok = 1 } /error/ { ok = 0 } END { print ok }'
