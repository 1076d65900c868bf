#!/bin/bash
# run-exim.sh - the Exim plugin's cached call through a real Exim:
# "exim -be" expanding ${dlfunc{mxtls_exim.so}{policy}{DOMAIN}{CONF}}
# 10,000 times (1,000 cached domains, round robin) against the same
# number of expansions of a dlfunc that does nothing (the same arguments,
# a one-line .so built here: Exim's own cost of a dlfunc call) and of
# ${lc:DOMAIN} (Exim's expansion loop alone). Run by
# hand, as root, after tests/mta/fetch-exim (no network: every call is a
# cache hit; exim_daemon is empty and exim_inline_resolve off).
# Environment: top_builddir (default .), N (default 10000).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-.}
N=${N:-10000}
. "$here/../tests/mta/lib_mta.sh"
mta_exim_prepare || { echo "run-exim.sh: $EXIM_SKIP" >&2; exit 1; }
so=$(cd "$top/exim-plugin/.libs" && pwd)/mxtls_exim.so
dir=$(mktemp -d /tmp/mxtls-run-exim.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
"$top/bench/bench_exim" -p "$dir"
chgrp -R Debian-exim "$dir/cache"; chmod -R g+rwX "$dir/cache"
mkdir -p "$dir/spool"; chown Debian-exim "$dir/spool"
printf 'spool_directory = %s/spool\nprimary_hostname = bench.invalid\n' "$dir" >"$dir/exim.conf"
for ((i = 0; i < N; i++)); do
	printf '${dlfunc{%s}{policy}{d%d.example}{%s/mxtls.conf}}\n' "$so" $((i % 1000)) "$dir"
done >"$dir/plugin.in"
for ((i = 0; i < N; i++)); do printf '${lc:D%d.example}\n' $((i % 1000)); done >"$dir/base.in"
printf '%s\n' 'int noop(unsigned char **y, int c, unsigned char **v)' \
    '{ (void)c; (void)v; *y = (unsigned char *)"sts-enforce"; return 0; }' >"$dir/noop.c"
${CC:-gcc} -O2 -shared -fPIC -o "$dir/noop.so" "$dir/noop.c"
for ((i = 0; i < N; i++)); do
	printf '${dlfunc{%s}{noop}{d%d.example}{%s/mxtls.conf}}\n' "$dir/noop.so" $((i % 1000)) "$dir"
done >"$dir/noop.in"
run() {	# INPUT - seconds for one exim -be over INPUT
	local t0 t1
	t0=$(date +%s%N)
	"$EXIM_ROOT/usr/sbin/exim4" -C "$dir/exim.conf" -be <"$1" >"$dir/out" 2>&1
	t1=$(date +%s%N)
	echo $((t1 - t0))
}
best() { local b= t; for _ in 1 2 3; do t=$(run "$1"); [ -z "$b" ] || [ "$t" -lt "$b" ] && b=$t; done; echo "$b"; }
tp=$(best "$dir/plugin.in")
hits=$(grep -c '^> sts-enforce$' "$dir/out" || :)
tb=$(best "$dir/base.in")
tn=$(best "$dir/noop.in")
printf 'exim -be, %d expansions (best of 3):\n' "$N"
awk -v tp="$tp" -v tb="$tb" -v tn="$tn" -v n="$N" -v hits="$hits" 'BEGIN {
	printf "  ${dlfunc mxtls_exim.so policy}  %6.2f us each  (%d answered sts-enforce)\n", tp / n / 1000, hits
	printf "  ${dlfunc noop.so noop}          %6.2f us each  (Exim calling a dlfunc)\n", tn / n / 1000
	printf "  ${lc:...}                       %6.2f us each  (Exim expanding)\n", tb / n / 1000
	printf "  the plugin itself               %6.2f us per call (goal: under 5); %.2fx the no-op dlfunc\n", (tp - tn) / n / 1000, tp / tn
}'
