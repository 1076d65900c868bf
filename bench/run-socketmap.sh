#!/bin/bash
# NAME
#	run-socketmap.sh - mxtlsd against postfix-mta-sts-resolver and against
#	the echo server, over the socketmap protocol, in the hermetic testbed
# SYNOPSIS
#	bench/run-socketmap.sh	(from a build directory, or with top_builddir=)
# DESCRIPTION
#	Run by hand, not in CI (root or an unprivileged user namespace; the
#	peer and a few hundred MB of /tmp are needed). Inside the loopback-only
#	network namespace of tests/net/lib.sh it:
#	  1. builds the testbed plus COUNT (default 1000) cheap enforce
#	     domains per set with "testbed.sh bulk" (one signed wildcard zone,
#	     see testbed.sh): d1..dCOUNT.bulk.test (the warm set),
#	     c1..cCOUNT.bulk.test and p1..pCOUNT.bulk.test (never seen before
#	     the cold runs of mxtlsd and of the peer), and n1..nCOUNT.nopol.
#	     bulk.test (an MX, no policy: the negative lookups);
#	  2. starts mxtlsd (inet:127.0.0.1:18461), postfix-mta-sts-resolver's
#	     mta-sts-daemon (127.0.0.1:18462; it resolves through
#	     /etc/resolv.conf, so it runs in a private mount namespace that
#	     points it at the testbed's validating unbound on 127.0.0.1:53, and
#	     trusts the test CA through SSL_CERT_FILE) and "bench_socketmap
#	     --echo 18463" (a constant reply: the physical limit);
#	  3. cold: COUNT never-seen domains, CONNS_COLD (16) at a time, on
#	     each daemon (mxtlsd with lookup_deadline = 60000, so every reply
#	     is the resolved one);
#	  4. warm: each daemon's set is asked once to warm it, then REQUESTS
#	     (20000) requests at 1, 4 and 16 connections, the median of RUNS
#	     (3) runs, on the three servers, and the ratios;
#	  5. negative lookups (n*.nopol.bulk.test) at 1 and 4 connections;
#	  6. with RECHECK=S (mxtlsd's sts_recheck_interval, seconds): once S
#	     seconds have passed since the warm-up, every cached answer is
#	     stale; one pass over the d set at one connection, where each
#	     lookup is answered from memory and starts a background
#	     revalidation (TXT lookup, cache writes), then a second pass: how
#	     much a refresh storm slows cached answers;
#	  7. VmRSS of mxtlsd and of the peer with their domains cached, and
#	     how much of it is private (RssAnon) and file-backed (RssFile:
#	     shared libraries, the LMDB map).
#	With POLICY_SERVER=nginx the policies are served by nginx (2
#	workers; apt-get install nginx-light) instead of the fixture's Python
#	HTTPS server, which is what bounds both daemons' cold resolutions.
#	Environment: COUNT, REQUESTS, RUNS, CONNS_COLD, MXTLSD,
#	BENCH_SOCKETMAP, top_builddir, PEER (mta-sts-daemon; "none": mxtlsd
#	alone, e.g. for COUNT=100000), POLICY_SERVER, MEM_WAIT (65 s),
#	RECHECK (unset: no stale pass).
#	Prints a table; MXTLS_KEEP_TESTBED=1 keeps the directory.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${top_srcdir:-$HERE/..}
top_builddir=${top_builddir:-$PWD}
MXTLSD=${MXTLSD:-$top_builddir/milter/mxtlsd}
. "$SRC/tests/mta/lib_mta.sh"
BS=${BENCH_SOCKETMAP:-$top_builddir/bench/bench_socketmap}
PEER=${PEER:-$(command -v mta-sts-daemon)}
[ "$PEER" != none ] || PEER=	# PEER=none: mxtlsd alone (large COUNTs)
MEM_WAIT=${MEM_WAIT:-65}	# mxtlsd returns freed heap once a minute
COUNT=${COUNT:-1000} REQUESTS=${REQUESTS:-20000} RUNS=${RUNS:-3}
CONNS_COLD=${CONNS_COLD:-16}
for f in "$MXTLSD" "$BS"; do
	[ -x "$f" ] || { echo "run-socketmap.sh: no $f (make milter/mxtlsd bench/bench_socketmap)" >&2; exit 2; }
done
[ -n "$PEER" ] || echo "run-socketmap.sh: no mta-sts-daemon (apt-get install postfix-mta-sts-resolver): the peer is skipped" >&2
PEER_ARG=${PEER:-none}	# what the re-run in the namespace is told
export MXTLSD BS COUNT REQUESTS RUNS CONNS_COLD top_builddir MEM_WAIT POLICY_SERVER RECHECK
export PEER=$PEER_ARG
tb_enter "$0" "$@"
[ "$PEER" != none ] || PEER=
ulimit -n 8192 2>/dev/null || :
mta_init
D=$TB
SETS="d c${PEER:+ p}"
echo "# testbed in $D; adding $COUNT bulk domains to each of the sets $SETS"
# shellcheck disable=SC2086
bash "$MXTLS_TB_SH" bulk "$D" "$COUNT" $SETS || bail_out "testbed.sh bulk failed"
for p in $SETS; do
	for ((i = 1; i <= COUNT; i++)); do echo "$p$i.bulk.test"; done >"$D/keys.$p"
done
for ((i = 1; i <= COUNT; i++)); do echo "n$i.nopol.bulk.test"; done >"$D/keys.n"
tb_start_unbound "$D"
printf 'nameserver 127.0.0.1\noptions trust-ad\n' >"$D/resolv.conf"

# POLICY_SERVER=nginx: nginx on 127.0.0.1:443 in place of the Python one
if [ "${POLICY_SERVER:-python}" = nginx ]; then
	NGINX=$(PATH=$PATH:/usr/sbin command -v nginx) ||
	    bail_out "POLICY_SERVER=nginx: no nginx (apt-get install nginx-light)"
	while read -r pid name start; do
		[ "$name" = https ] && tb__alive "$pid" "$start" && kill "$pid"
	done <"$D/pids"
	mkdir -p "$D/nginx"
	{
		echo "worker_processes 2; pid $D/nginx/pid; error_log $D/nginx/err;"
		echo "daemon off; events { worker_connections 4096; }"
		echo "http { access_log off; default_type text/plain;"
		echo "  client_body_temp_path $D/nginx; proxy_temp_path $D/nginx;"
		echo "  fastcgi_temp_path $D/nginx; uwsgi_temp_path $D/nginx; scgi_temp_path $D/nginx;"
		echo "  server_names_hash_max_size 4194304; server_names_hash_bucket_size 128;"
		for p in $SETS; do
			for ((k = 0; k * 50 < COUNT; k++)); do
				printf '  server { listen 127.0.0.1:443 ssl; server_name'
				for ((i = k * 50 + 1; i <= (k + 1) * 50 && i <= COUNT; i++)); do
					printf ' mta-sts.%s%d.bulk.test' "$p" "$i"
				done
				echo ";"
				echo "    ssl_certificate $D/pki/bulk-$p-$k.chain.pem; ssl_certificate_key $D/pki/bulk-$p-$k.key;"
				echo "    location = /.well-known/mta-sts.txt {"
				echo "      alias $D/www/mta-sts.${p}1.bulk.test/policy; } }"
			done
		done
		echo "}"
	} >"$D/nginx.conf"
	tb__spawn "$D" nginx "$NGINX" -c "$D/nginx.conf" -p "$D/nginx"
	for ((i = 0; i < 200; i++)); do
		curl -sf --cacert "$D/pki/ca.pem" --resolve mta-sts.d1.bulk.test:443:127.0.0.1 \
		    https://mta-sts.d1.bulk.test/.well-known/mta-sts.txt >/dev/null && break
		tb__sleep 0.05
	done
	[ $i -lt 200 ] || bail_out "nginx did not serve: $(cat "$D/nginx/err" "$D/nginx.err" 2>/dev/null | tail -5)"
	echo "# policies served by nginx"
fi

# servers
tb_mxtlsd_start "$D" "lookup_deadline = 60000" "answer_cache_max = 1000000" \
    "cache_map_size = 2G" ${RECHECK:+"sts_recheck_interval = $RECHECK"} ||
    bail_out "mxtlsd: $(head -c 2000 "$D/mxtlsd.err")"
tb_start_server "$D" echo "$BS" --echo 18463 || bail_out "echo server"
if [ -n "$PEER" ]; then
	cat >"$D/peer.yml" <<EOF
host: 127.0.0.1
port: 18462
reuse_port: true
shutdown_timeout: 5
cache_grace: 60
cache: {type: internal, options: {cache_size: 100000}}
default_zone: {strict_testing: false, timeout: 4, require_sni: true}
EOF
	# shellcheck disable=SC2016
	tb__spawn "$D" peer unshare -m -- /bin/sh -c 'mount --bind "$1" /etc/resolv.conf || exit 1
		shift; exec "$@"' sh "$D/resolv.conf" env SSL_CERT_FILE="$D/pki/ca.pem" \
	    "$PEER" -c "$D/peer.yml" -v warn -l "$D/peer.log"
	PEER_PID=$TB_PID
	for ((i = 0; i < 500; i++)); do
		"$BS" -p 18462 -n 1 -k none.test >/dev/null 2>&1 && break
		tb__sleep 0.02
	done
	[ $i -lt 500 ] || bail_out "the peer did not start: $(tail -5 "$D/peer.err" "$D/peer.log")"
fi

# field NAME LINE - the value of NAME=... in a bench_socketmap line
field() { local l=" $2 "; l=${l#* "$1"=}; echo "${l%% *}"; }
# median LABEL ARGS... - RUNS runs, the line of the median rps
median() {
	local label=$1 r lines=()
	shift
	for ((r = 0; r < RUNS; r++)); do
		lines+=("$("$BS" -l "$label" "$@")")
	done
	printf '%s\n' "${lines[@]}" | sort -t= -k6 -n | awk -v m=$(((RUNS + 1) / 2)) 'NR == m'
}
declare -A RES=()
say() { echo "$1"; }

# cpu PID... - CPU time (ms) used so far by the PIDs and their children
cpu() {
	local p f ticks=0 hz
	hz=$(getconf CLK_TCK)
	for p in "$@"; do
		for f in /proc/[0-9]*/stat; do
			read -r -a st <"$f" 2>/dev/null || continue
			# fields: pid (comm) state ppid ...; comm has no blanks here
			if [ "${st[0]}" = "$p" ] || [ "${st[3]}" = "$p" ]; then
				ticks=$((ticks + st[13] + st[14]))
			fi
		done
	done
	echo $((ticks * 1000 / hz))
}
pid_of() { local p n s; while read -r p n s; do [ "$n" = "$1" ] && echo "$p"; done <"$D/pids"; }
WEB=$(pid_of "${POLICY_SERVER:-https}" | tail -1); [ "${POLICY_SERVER:-}" = nginx ] || WEB=$(pid_of https | tail -1)
UNB=$(pid_of unbound | tail -1)

echo "# cold: $COUNT never-seen domains, $CONNS_COLD at a time"
c0=$(cpu "$MXTLSD_PID"); w0=$(cpu "$WEB")
l=$("$BS" -l cold-mxtlsd -p 18461 -c "$CONNS_COLD" -n "$COUNT" -f "$D/keys.c" -e "OK secure")
say "$l"; RES[cold-mxtlsd]=$(field rps "$l")
say "  CPU during it: mxtlsd $(( $(cpu "$MXTLSD_PID") - c0 )) ms, policy server $(( $(cpu "$WEB") - w0 )) ms"
if [ -n "$PEER" ]; then
	c0=$(cpu "$PEER_PID"); w0=$(cpu "$WEB"); u0=$(cpu "$UNB")
	l=$("$BS" -l cold-peer -p 18462 -c "$CONNS_COLD" -n "$COUNT" -f "$D/keys.p" -e "OK secure")
	say "$l"; RES[cold-peer]=$(field rps "$l")
	say "  CPU during it: peer $(( $(cpu "$PEER_PID") - c0 )) ms, policy server $(( $(cpu "$WEB") - w0 )) ms, its resolver (unbound) $(( $(cpu "$UNB") - u0 )) ms"
fi

echo "# warm-up of the d set"
"$BS" -l warmup-mxtlsd -p 18461 -c 16 -n "$COUNT" -f "$D/keys.d" -e "OK secure"
WARMED=$SECONDS
[ -z "$PEER" ] || "$BS" -l warmup-peer -p 18462 -c 16 -n "$COUNT" -f "$D/keys.d" -e "OK secure"

echo "# cached enforce: $REQUESTS requests over $COUNT domains, median of $RUNS runs"
for c in 1 4 16; do
	for s in echo:18463 mxtlsd:18461 ${PEER:+peer:18462}; do
		l=$(median "warm-${s%%:*}" -p "${s#*:}" -c "$c" -n "$REQUESTS" -f "$D/keys.d" -e "OK secure")
		say "$l"
		RES[${s%%:*}-$c]=$(field rps "$l")
		RES[${s%%:*}-$c-p99]=$(field p99_us "$l")
		RES[${s%%:*}-$c-p50]=$(field p50_us "$l")
	done
done

echo "# negative lookups (no policy): the first pass fills mxtlsd's negative cache"
"$BS" -l neg-warmup-mxtlsd -p 18461 -c 16 -n "$COUNT" -f "$D/keys.n" -e "NOTFOUND"
for c in 1 4; do
	l=$(median neg-mxtlsd -p 18461 -c "$c" -n "$REQUESTS" -f "$D/keys.n" -e "NOTFOUND")
	say "$l"; RES[neg-mxtlsd-$c]=$(field rps "$l")
	if [ -n "$PEER" ]; then
		l=$(median neg-peer -p 18462 -c "$c" -n $((REQUESTS / 4)) -f "$D/keys.n" -e "NOTFOUND")
		say "$l"; RES[neg-peer-$c]=$(field rps "$l")
	fi
done

if [ -n "${RECHECK:-}" ]; then
	left=$((WARMED + RECHECK + 2 - SECONDS))
	echo "# stale: waiting ${left} s until every answer of the d set is past its recheck ($RECHECK s)"
	[ "$left" -le 0 ] || sleep "$left"
	l=$("$BS" -l stale-pass1-mxtlsd -p 18461 -c 1 -n "$COUNT" -f "$D/keys.d" -e "OK secure")
	say "$l"; RES[stale1]=$(field rps "$l"); RES[stale1-p99]=$(field p99_us "$l")
	l=$("$BS" -l stale-pass2-mxtlsd -p 18461 -c 1 -n "$COUNT" -f "$D/keys.d" -e "OK secure")
	say "$l"; RES[stale2]=$(field rps "$l"); RES[stale2-p99]=$(field p99_us "$l")
fi

rss() { local k v u; while read -r k v u; do [ "$k" = VmRSS: ] && echo "$v"; done <"/proc/$1/status"; }
rss_parts() {	# PID - "anon A kB, file F kB, shmem S kB"
	local k v u a=0 f=0 sh=0
	while read -r k v u; do
		case $k in RssAnon:) a=$v ;; RssFile:) f=$v ;; RssShmem:) sh=$v ;; esac
	done <"/proc/$1/status"
	echo "private (RssAnon) $a kB, file-backed (RssFile: libraries, LMDB map) $f kB, shmem $sh kB"
}
echo "# memory (after ${MEM_WAIT} s: mxtlsd trims its heap once a minute)"
sleep "$MEM_WAIT"
RES[rss-mxtlsd]=$(rss "$MXTLSD_PID")
say "mxtlsd VmRSS ${RES[rss-mxtlsd]} kB with $((COUNT * 2)) policies and $COUNT negative answers cached"
say "  mxtlsd: $(rss_parts "$MXTLSD_PID")"
if [ -n "$PEER" ]; then
	# the peer's python process (unshare execs sh, which execs env, then it)
	RES[rss-peer]=$(rss "$PEER_PID")
	say "peer VmRSS ${RES[rss-peer]} kB"
	say "  peer: $(rss_parts "$PEER_PID")"
fi

echo "# summary (requests/s; ratios mxtlsd/echo, mxtlsd/peer; p99 mxtlsd/echo)"
for c in 1 4 16; do
	awk -v c="$c" -v e="${RES[echo-$c]}" -v m="${RES[mxtlsd-$c]}" -v p="${RES[peer-$c]:-0}" \
	    -v ep="${RES[echo-$c-p99]}" -v mp="${RES[mxtlsd-$c-p99]}" -v pp="${RES[peer-$c-p99]:-0}" \
	    'BEGIN { printf "conns %2d: echo %7d  mxtlsd %7d  peer %7d   mxtlsd/echo %.2f  mxtlsd/peer %s  p99 us echo %s mxtlsd %s peer %s (x%.2f of echo)\n",
		c, e, m, p, m / e, (p > 0 ? sprintf("%.2f", m / p) : "-"), ep, mp, pp, mp / ep }'
done
awk -v m="${RES[cold-mxtlsd]}" -v p="${RES[cold-peer]:-0}" \
    'BEGIN { printf "cold: mxtlsd %.0f/s, peer %.0f/s, ratio %s\n", m, p, (p > 0 ? sprintf("%.2f", m / p) : "-") }'
[ -z "${RECHECK:-}" ] || awk -v a="${RES[stale1]}" -v ap="${RES[stale1-p99]}" \
    -v b="${RES[stale2]}" -v bp="${RES[stale2-p99]}" -v w="${RES[mxtlsd-1]}" -v wp="${RES[mxtlsd-1-p99]}" \
    'BEGIN { printf "stale, 1 conn: pass 1 %.0f/s (%.2f of cached, p99 %s us vs %s), pass 2 %.0f/s (p99 %s us)\n", a, a / w, ap, wp, b, bp }'
awk -v m="${RES[neg-mxtlsd-1]}" -v p="${RES[neg-peer-1]:-0}" -v w="${RES[mxtlsd-1]}" \
    'BEGIN { printf "negative, 1 conn: mxtlsd %.0f/s (%.2f of its cached), peer %.0f/s\n", m, m / w, p }'
