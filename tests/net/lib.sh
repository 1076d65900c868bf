#!/bin/bash
# NAME
#	lib.sh - shell library of the hermetic test network (bash only)
# SYNOPSIS
#	#!/bin/bash
#	. "$(dirname "$0")/lib.sh"	# or "$top_srcdir/tests/net/lib.sh"
#	tb_enter "$0" "$@"		# now in a loopback-only network namespace
#	tb_tmpdir			# TB_DIR; servers and dir go at exit
#	tb_setup "$TB_DIR"		# PKI, signed zones, confs, HTTPS on :443
#	... ok $? "description" ...
#	done_testing
# DESCRIPTION
#	Every DNS or HTTPS test runs inside a private network namespace that
#	has only "lo", so nothing can leave the machine, against a fake signed
#	root zone (the trust anchor) and the scenario zones of testbed.sh, all
#	loaded in-process by libunbound as auth-zones (DIR/unbound.conf). The
#	policy server listens on the real port 127.0.0.1:443.
#
#	tb_enter SCRIPT [ARGS...]
#		Unless MXTLS_IN_NETNS=1, re-executes SCRIPT with bash under
#		"unshare -n" (root) or "unshare -rn" (others) with
#		MXTLS_IN_NETNS=1; prints "1..0 # SKIP ..." and exits 0 when no
#		namespace can be made. Then exits 3 unless /proc/net/dev lists
#		only lo, and brings lo up.
#	tb_tmpdir
#		TB_DIR = a new temporary directory; an EXIT trap (also run on
#		INT/TERM) tears the testbed down and removes it, unless
#		MXTLS_KEEP_TESTBED=1 (then it says where it is).
#	tb_setup DIR
#		Fills DIR (testbed.sh generate), starts the HTTPS server and
#		waits for its READY line. Exports MXTLS_TB_DIR=DIR,
#		MXTLS_TB_CONF=DIR/mxtls.conf and MXTLS_TB_SH=<path of
#		testbed.sh> for programs under test. On failure prints
#		"Bail out!" and exits 1.
#		Generating costs about 1.5 s of CPU (two dozen ldns-signzone
#		and a dozen openssl runs), so the result is also kept as a
#		template, per user, testbed.sh version and day, in
#		MXTLS_TB_CACHE_DIR (default $TMPDIR/mxtls-testbed-cache.UID,
#		mode 700, must be ours). Later tb_setup calls copy it and only
#		rewrite the two confs (TB_FROM_CACHE=1 then). Keys and
#		certificates are test-only; signatures and certificates stay
#		valid for 30 days. MXTLS_TB_CACHE=0 always generates.
#	tb_teardown DIR
#		SIGTERM to exactly the processes in DIR/pids (PID and start
#		time must both match; SIGKILL after 5 s), waits for them.
#	tb_set_txt DIR DOMAIN TXT...	replace the _mta-sts TXT RRset, re-sign
#	tb_del_txt DIR DOMAIN		delete it, re-sign
#	tb_set_rr DIR ZONE OWNER TYPE [RDATA...]  any RRset, re-sign
#	tb_set_policy DIR DOMAIN FILE|-	body served for mta-sts.DOMAIN
#	tb_set_meta DIR DOMAIN [JSON]	server behaviour for mta-sts.DOMAIN
#	tb_requests DIR HOST		number of logged requests for Host HOST
#	tb_start_server DIR NAME CMD...	start CMD in the background with
#		stdout in DIR/NAME.out and stderr in DIR/NAME.err, wait (10 s)
#		until its stdout has a line starting with READY, record its
#		PID in DIR/pids (for later SMTP servers and the like)
#	tb_start_smtp DIR
#		After tb_setup: starts the DANE SMTP servers (smtp_server.py,
#		port 25, one per behaviour, all in parallel, ~0.2 s) and waits
#		for their READY lines; "Bail out!" on failure. NAME, address,
#		certificate chain (DIR/pki) or behaviour:
#		  smtp-good          127.0.0.11  mx.chain.pem (the good leaf)
#		  smtp-expired       127.0.0.12  mxexpired.chain.pem
#		  smtp-ta            127.0.0.14  daneta.chain.pem (dane-ca)
#		  smtp-tawrong       127.0.0.15  danewrong.chain.pem (dane-ca)
#		  smtp-notls         127.0.0.18  no STARTTLS
#		  smtp-stall-connect 127.0.0.25  never completes a TCP connect
#		  smtp-stall-banner  127.0.0.21  silent before the banner
#		  smtp-stall-ehlo    127.0.0.22  silent after EHLO
#		  smtp-stall-starttls 127.0.0.23 silent after STARTTLS
#		  smtp-stall-handshake 127.0.0.24 silent in the TLS handshake
#		(the stalling ones present mx.chain.pem). Each logs its
#		sessions to DIR/smtp-NAME.log (see smtp_server.py).
#	tb_smtp_sessions DIR NAME	number of logged sessions of smtp-NAME
#	tb_start_unbound DIR
#		After tb_setup: an unbound daemon on 127.0.0.1:53 (validating,
#		the same auth-zones and trust anchor; DIR/unbound-daemon.conf),
#		for programs that use the system resolver; waits until it
#		answers. Needs the unbound package; "Bail out!" on failure.
#	tb_posttls_finger DIR DOMAIN [ARGS...]
#		Runs Postfix's posttls-finger -c -t 5 -T 10 -l dane -L summary
#		[ARGS] DOMAIN with MAIL_CONFIG=DIR/postfix and, in a private
#		mount namespace, DIR/resolv.conf (nameserver 127.0.0.1, options
#		trust-ad) over /etc/resolv.conf; starts tb_start_unbound first
#		if it is not running. Its stdout and stderr go to stdout; the
#		status is posttls-finger's, 0 even when verification failed,
#		so look at the text ("Verified TLS connection", "Untrusted
#		...", "Matched DANE EE" with -L summary,certmatch). Prints
#		"SKIP <reason>" and returns 77 when it cannot run (no
#		posttls-finger, no unbound, no private mount namespace).
#		Works as root and under "unshare -rn" (then posttls-finger
#		runs as the real user in a nested user namespace). ~0.2 s.
#
#	TAP (a test script must not use "set -e"; each returns 0 on a pass):
#	ok STATUS DESCRIPTION...	passes when STATUS is 0: "cmd; ok $? desc"
#	is GOT WANT DESCRIPTION...	string equality, shows both on failure
#	like GOT ERE DESCRIPTION...	bash =~ match
#	skip DESCRIPTION REASON		"ok N - DESCRIPTION # SKIP REASON"
#	diag TEXT...			"# TEXT" (each line)
#	bail_out TEXT...		"Bail out! TEXT", exit 1
#	done_testing			prints the plan "1..N"; returns 1 if any
#					test failed, so it can end the script
#
#	Testbed directory layout (see testbed.sh for the details):
#	  DIR/mxtls.conf      cache_dir, trust_anchor_file, unbound_conf,
#	                      ca_file, fetch_timeout = 3, dns_timeout = 5
#	  DIR/unbound.conf    auth-zones ".", "test." and one per scenario
#	  DIR/cache/          empty, the program's cache_dir
#	  DIR/zones/          ta.ds (root DS), ta-test.ds, zonelist,
#	                      F.zone, F.signed, F.kind, keys/
#	  DIR/pki/            ca.pem ca.key, untrusted-ca.*, policy.*,
#	                      wrongname.*, expired.*, untrusted.*, mx.pem
#	                      mx.chain.pem mx.key mx.tlsa, mxself.pem mxself.key
#	  DIR/www/HOST/       policy, meta.json, cert.pem + key.pem
#	  DIR/https.log       JSON lines, one per request or TLS failure
#	  DIR/https.out .err  the server's stdout (READY line) and stderr
#	  DIR/smtp-NAME.log .out .err   the same for each SMTP server
#	  DIR/pki/tlsa.tokens "TOKEN HEX" of the TLSA data in the zones
#	  DIR/pids            "PID NAME START" of every process tb_* started
#	                      (START: field 22 of /proc/PID/stat)
#
#	From a C test driver started by such a script: read the environment
#	above and run the same commands through testbed.sh, e.g.
#	  bash "$MXTLS_TB_SH" set-txt "$MXTLS_TB_DIR" changing.test 'v=STSv1; id=x2;'
#	  bash "$MXTLS_TB_SH" requests "$MXTLS_TB_DIR" mta-sts.enforce.test
#	libunbound reads the zone files when a context loads DIR/unbound.conf
#	and then caches answers (TTL 300): a DNS change is seen by the next
#	process, or by a new ub_ctx, not by a context that already answered.
#	Policy body and meta.json changes are seen by the very next request.

TB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_PYTHON3=${PYTHON3:-/usr/bin/python3}
TB_TAP_N=0
TB_TAP_FAILED=0
TB__DIRS=()	# every directory tb_setup used (torn down at exit)

# ------------------------------------------------------------------ netns
# tb_guard - exit 3 unless this process sees no network interface but lo
tb_guard() {
	local line name bad=
	if [ ! -r /proc/net/dev ]; then
		echo "Bail out! cannot read /proc/net/dev"
		echo "lib.sh: cannot read /proc/net/dev" >&2
		exit 3
	fi
	while IFS= read -r line; do
		case $line in *:*) ;; *) continue ;; esac
		name=${line%%:*}
		name=${name//[[:space:]]/}
		[ "$name" = lo ] || bad="$bad $name"
	done </proc/net/dev
	if [ -n "$bad" ]; then
		echo "Bail out! refusing to run: network interfaces other than lo:$bad"
		echo "lib.sh: refusing to run outside a loopback-only network" \
		    "namespace (interfaces:$bad); use tb_enter" >&2
		exit 3
	fi
}

tb_enter() {
	local script=$1 how
	shift
	if [ "${MXTLS_IN_NETNS:-}" != 1 ]; then
		if [ "$EUID" = 0 ] && unshare -n true 2>/dev/null; then
			how=-n
		elif unshare -rn true 2>/dev/null; then
			how=-rn
		else
			echo "1..0 # SKIP cannot create a network namespace"
			exit 0
		fi
		MXTLS_IN_NETNS=1 exec unshare "$how" -- "${BASH:-/bin/bash}" "$script" "$@"
	fi
	export MXTLS_IN_NETNS=1
	tb_guard
	if ! PATH=$PATH:/usr/sbin:/sbin ip link set lo up 2>/dev/null; then
		echo "Bail out! cannot bring lo up (is iproute2 installed?)"
		exit 3
	fi
}

# ------------------------------------------------------------------ TAP
ok() {
	local status=$1
	shift
	TB_TAP_N=$((TB_TAP_N + 1))
	if [ "$status" = 0 ]; then
		echo "ok $TB_TAP_N - $*"
		return 0
	fi
	echo "not ok $TB_TAP_N - $*"
	TB_TAP_FAILED=$((TB_TAP_FAILED + 1))
	return 1
}

diag() {
	local line
	while IFS= read -r line; do echo "# $line"; done <<<"$*"
}

is() {
	local got=$1 want=$2
	shift 2
	[ "$got" = "$want" ]
	ok $? "$@" && return 0
	diag "     got: '$got'"
	diag "expected: '$want'"
	return 1
}

like() {
	local got=$1 re=$2
	shift 2
	[[ $got =~ $re ]]
	ok $? "$@" && return 0
	diag "     got: '$got'"
	diag "expected to match: $re"
	return 1
}

skip() {
	TB_TAP_N=$((TB_TAP_N + 1))
	echo "ok $TB_TAP_N - $1 # SKIP $2"
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$TB_TAP_N"
	[ "$TB_TAP_FAILED" = 0 ]
}

# ------------------------------------------------------------------ testbed
# tb__sleep SECONDS - sleep without a fork per call (read on a silent pipe)
tb__sleep() {
	[ -n "${TB__SLEEP_FD:-}" ] || exec {TB__SLEEP_FD}<> <(:)
	read -r -t "$1" -u "$TB__SLEEP_FD" || :
}

# tb__stat PID - TB_STATE and TB_START (state letter, start time in
# clock ticks since boot) of PID; false if there is no such process
tb__stat() {
	local stat f
	TB_STATE='' TB_START=''
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	read -ra f <<<"${stat##*) }"	# f[0] is field 3 (state)
	TB_STATE=${f[0]} TB_START=${f[19]}
}

# tb__alive PID [START] - true while PID exists, is not a zombie and (if
# given) started at START: a recycled PID is never taken for ours
tb__alive() {
	tb__stat "$1" || return 1
	[ "$TB_STATE" != Z ] && { [ -z "${2:-}" ] || [ "$2" = "$TB_START" ]; }
}

# tb__spawn DIR NAME CMD... - start CMD, record it; TB_PID = its PID
tb__spawn() {
	local dir=$1 name=$2
	shift 2
	: >"$dir/$name.out"	# no stale READY line from an earlier run
	"$@" </dev/null >"$dir/$name.out" 2>"$dir/$name.err" &
	TB_PID=$!
	tb__stat "$TB_PID"
	echo "$TB_PID $name $TB_START" >>"$dir/pids"
}

# tb__ready DIR NAME PID - wait (10 s) for READY on DIR/NAME.out
tb__ready() {
	local dir=$1 name=$2 pid=$3 line i
	for ((i = 0; i < 1000; i++)); do
		line=
		[ -s "$dir/$name.out" ] && read -r line <"$dir/$name.out"
		case $line in READY*) return 0 ;; esac
		if ! tb__alive "$pid"; then
			echo "lib.sh: $name exited before READY:" >&2
			cat "$dir/$name.err" >&2
			return 1
		fi
		tb__sleep 0.01
	done
	echo "lib.sh: $name not READY after 10 s" >&2
	return 1
}

tb_start_server() {
	local dir=$1 name=$2
	shift 2
	tb__spawn "$dir" "$name" "$@"
	tb__ready "$dir" "$name" "$TB_PID"
}

# tb__cache - TB_CACHE = the template directory for this testbed.sh and
# this day, in a private per-user directory; false when caching is off or
# that directory is not safely ours
tb__cache() {
	local root uid inner outer sum day
	TB_CACHE=''
	[ "${MXTLS_TB_CACHE:-1}" = 1 ] || return 1
	# the real user, also inside "unshare -r" (where EUID is 0)
	uid=$EUID
	if read -r inner outer _ 2>/dev/null </proc/self/uid_map; then
		uid=$((outer + EUID - inner))
	fi
	root=${MXTLS_TB_CACHE_DIR:-${TMPDIR:-/tmp}/mxtls-testbed-cache.$uid}
	[ -d "$root" ] || mkdir -m 700 "$root" 2>/dev/null || return 1
	[ ! -L "$root" ] && [ -O "$root" ] && [ -w "$root" ] || return 1
	read -r sum _ < <(cksum "$TB_HERE/testbed.sh") || return 1
	printf -v day '%(%Y%m%d)T' -1
	TB_CACHE=$root/$sum-$day
}

# tb__cache_save DIR - keep DIR's generated files as the template; drop
# templates of other testbed.sh versions or days
tb__cache_save() {
	local dir=$1 root=${TB_CACHE%/*} tmp old
	tmp=$(mktemp -d "$root/.new.XXXXXX") || return 0
	if cp -a "$dir/pki" "$dir/zones" "$dir/www" "$dir/cache" "$tmp/" &&
	    mv -T "$tmp" "$TB_CACHE" 2>/dev/null; then
		for old in "$root"/*; do
			[ "$old" = "$TB_CACHE" ] || rm -rf "$old"
		done
	else
		rm -rf "$tmp"
	fi
	return 0
}

tb_setup() {
	local dir=$1 gen
	tb_guard
	mkdir -p "$dir" || bail_out "tb_setup: cannot create $dir"
	dir=$(cd "$dir" && pwd)
	[ -f "$dir/pids" ] || : >"$dir/pids"
	TB__DIRS+=("$dir")
	TB_FROM_CACHE=0
	if tb__cache && [ -d "$TB_CACHE" ] &&
	    cp -a "$TB_CACHE/pki" "$TB_CACHE/zones" "$TB_CACHE/www" \
		"$TB_CACHE/cache" "$dir/" 2>/dev/null &&
	    bash "$TB_HERE/testbed.sh" confs "$dir"; then
		# shellcheck disable=SC2034 # for test scripts
		TB_FROM_CACHE=1
		tb__spawn "$dir" https "$TB_PYTHON3" "$TB_HERE/https_server.py" \
		    --root "$dir/www" --cert "$dir/pki/policy.chain.pem" \
		    --key "$dir/pki/policy.key" --log "$dir/https.log" \
		    --listen 127.0.0.1:443 --die-with-parent
	else
		# the server (~0.1 s of Python start-up) starts as soon as the
		# PKI is there, while testbed.sh still signs the zones
		rm -f "$dir/.pki-ready"
		bash "$TB_HERE/testbed.sh" generate "$dir" &
		gen=$!
		while [ ! -e "$dir/.pki-ready" ] && tb__alive "$gen"; do
			tb__sleep 0.01
		done
		TB_PID=''
		if [ -e "$dir/.pki-ready" ]; then
			tb__spawn "$dir" https "$TB_PYTHON3" "$TB_HERE/https_server.py" \
			    --root "$dir/www" --cert "$dir/pki/policy.chain.pem" \
			    --key "$dir/pki/policy.key" --log "$dir/https.log" \
			    --listen 127.0.0.1:443 --die-with-parent
		fi
		wait "$gen" || bail_out "tb_setup: testbed.sh generate $dir failed"
		[ -z "$TB_CACHE" ] || [ -d "$TB_CACHE" ] || tb__cache_save "$dir"
	fi
	tb__ready "$dir" https "$TB_PID" ||
	    bail_out "tb_setup: the HTTPS server did not start"
	export MXTLS_TB_DIR=$dir MXTLS_TB_CONF=$dir/mxtls.conf
	export MXTLS_TB_SH=$TB_HERE/testbed.sh
}

tb_teardown() {
	local dir=$1 pid name start pids=() starts=() i j
	[ -f "$dir/pids" ] || return 0
	while read -r pid name start; do
		[ -n "$pid" ] || continue
		tb__alive "$pid" "$start" || { wait "$pid" 2>/dev/null || :; continue; }
		pids+=("$pid") starts+=("$start")
		kill "$pid" 2>/dev/null
	done <"$dir/pids"
	for j in "${!pids[@]}"; do
		pid=${pids[j]} start=${starts[j]}
		for ((i = 0; i < 500; i++)); do
			tb__alive "$pid" "$start" || break
			tb__sleep 0.01
		done
		if tb__alive "$pid" "$start"; then
			echo "lib.sh: PID $pid ignored SIGTERM; SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null || :
	done
	: >"$dir/pids"
	return 0
}

tb_tmpdir() {
	TB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mxtls-tb.XXXXXX") ||
	    bail_out "cannot create a temporary directory"
	trap tb__cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

tb__cleanup() {
	local rc=$? d
	for d in "${TB__DIRS[@]}"; do tb_teardown "$d"; done
	[ -n "${TB_DIR:-}" ] || return $rc
	tb_teardown "$TB_DIR"
	if [ "${MXTLS_KEEP_TESTBED:-}" = 1 ]; then
		echo "# testbed kept in $TB_DIR" >&2
	else
		rm -rf "$TB_DIR"
	fi
	return $rc
}

# ------------------------------------------------------------------ SMTP
# NAME ADDRESS CHAIN-STEM [smtp_server.py options] ("-": no certificate)
TB_SMTP_SERVERS=(
	"good 127.0.0.11 mx"
	"good2 127.0.0.16 mx"
	"expired 127.0.0.12 mxexpired"
	"ta 127.0.0.14 daneta"
	"tawrong 127.0.0.15 danewrong"
	"notls 127.0.0.18 - --no-starttls"
	"stall-connect 127.0.0.25 mx --stall connect"
	"stall-banner 127.0.0.21 mx --stall banner"
	"stall-ehlo 127.0.0.22 mx --stall ehlo"
	"stall-starttls 127.0.0.23 mx --stall starttls"
	"stall-handshake 127.0.0.24 mx --stall handshake"
)

tb_start_smtp() {
	local dir=$1 spec name addr stem rest opts pids=() names=() i
	for spec in "${TB_SMTP_SERVERS[@]}"; do
		read -r name addr stem rest <<<"$spec"
		read -ra opts <<<"$rest"
		[ "$stem" = - ] ||
		    opts+=(--cert "$dir/pki/$stem.chain.pem" --key "$dir/pki/$stem.key")
		tb__spawn "$dir" "smtp-$name" "$TB_PYTHON3" "$TB_HERE/smtp_server.py" \
		    --listen "$addr:25" --hostname "smtp-$name.testbed.test" \
		    --log "$dir/smtp-$name.log" --die-with-parent "${opts[@]}"
		pids+=("$TB_PID") names+=("smtp-$name")
	done
	for i in "${!pids[@]}"; do
		tb__ready "$dir" "${names[i]}" "${pids[i]}" ||
		    bail_out "tb_start_smtp: ${names[i]} did not start"
	done
}

tb_smtp_sessions() {
	local log=$1/smtp-$2.log n=0 line
	if [ -f "$log" ]; then
		while IFS= read -r line; do
			case $line in *'"event": "session"'*) n=$((n + 1)) ;; esac
		done <"$log"
	fi
	echo "$n"
}

# ------------------------------------------------------------------ unbound daemon
# tb__find CMD - TB_CMD = path of CMD on PATH or in the sbin directories
tb__find() {
	TB_CMD=$(PATH=$PATH:/usr/sbin:/sbin:/usr/local/sbin command -v "$1" 2>/dev/null)
}

# tb__running DIR NAME - true if DIR/pids has a live process called NAME
tb__running() {
	local pid name start
	[ -f "$1/pids" ] || return 1
	while read -r pid name start; do
		[ "$name" = "$2" ] && tb__alive "$pid" "$start" && return 0
	done <"$1/pids"
	return 1
}

tb_start_unbound() {
	local dir=$1 i line
	tb__find unbound || bail_out "tb_start_unbound: no unbound (package unbound)"
	# the auth-zones and trust anchor of DIR/unbound.conf, re-read by
	# include:, served on 127.0.0.1:53 and validated again
	cat >"$dir/unbound-daemon.conf" <<EOF
# generated by tests/net/lib.sh: validating resolver of the testbed
server:
	interface: 127.0.0.1
	port: 53
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 1
	do-not-query-localhost: no
	trust-anchor-signaling: no
	root-key-sentinel: no
	module-config: "validator iterator"
	val-log-level: 2
remote-control:
	control-enable: no
include: "$dir/unbound.conf"
EOF
	tb__spawn "$dir" unbound "$TB_CMD" -d -c "$dir/unbound-daemon.conf"
	# "start of service" comes after the zones are loaded
	for ((i = 0; i < 1000; i++)); do
		if [ -s "$dir/unbound.err" ]; then
			while IFS= read -r line; do
				case $line in *"start of service"*) return 0 ;; esac
			done <"$dir/unbound.err"
		fi
		if ! tb__alive "$TB_PID"; then
			cat "$dir/unbound.err" >&2
			bail_out "tb_start_unbound: unbound exited"
		fi
		tb__sleep 0.01
	done
	bail_out "tb_start_unbound: unbound not ready after 10 s"
}

# ------------------------------------------------------------------ posttls-finger
tb_posttls_finger() {
	local dir=$1 domain=$2 finger inner outer count gouter wrap
	shift 2
	if ! tb__find posttls-finger; then
		echo "SKIP posttls-finger not installed (package postfix)"
		return 77
	fi
	finger=$TB_CMD
	if ! tb__find unbound; then
		echo "SKIP no unbound daemon (package unbound)"
		return 77
	fi
	if ! unshare -m true 2>/dev/null; then
		echo "SKIP cannot make a private mount namespace for resolv.conf"
		return 77
	fi
	mkdir -p "$dir/postfix"
	[ -f "$dir/postfix/main.cf" ] || cat >"$dir/postfix/main.cf" <<EOF
# generated by tests/net/lib.sh for posttls-finger (MAIL_CONFIG)
compatibility_level = 3.6
maillog_file = /dev/stdout
smtp_dns_support_level = dnssec
EOF
	# Postfix re-reads a main.cf changed in the last seconds until it
	# is old enough (~2 s): make it old
	touch -d "@$((EPOCHSECONDS - 60))" "$dir/postfix/main.cf"
	[ -f "$dir/resolv.conf" ] ||
	    printf 'nameserver 127.0.0.1\noptions trust-ad\n' >"$dir/resolv.conf"
	tb__running "$dir" unbound || tb_start_unbound "$dir"
	# Under "unshare -rn" (not really root) UID 0 is mapped to one user
	# only, and posttls-finger as UID 0 would switch to the unmapped
	# mail_owner ("fatal: setgid(105)"): run it as that user again, in a
	# nested user namespace.
	wrap=()
	if read -r inner outer count 2>/dev/null </proc/self/uid_map &&
	    [ "$inner:$outer" = 0:0 ] && [ "$count" = 4294967295 ]; then
		:
	else
		read -r _ gouter _ </proc/self/gid_map
		wrap=(unshare --map-user="$outer" --map-group="$gouter" --)
	fi
	# /etc/resolv.conf is the machine's: cover it only in a private
	# mount namespace (propagation private), for this one command
	# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
	unshare -m -- /bin/sh -c '
		mount --bind "$1" /etc/resolv.conf || {
			echo "SKIP cannot bind-mount over /etc/resolv.conf"; exit 77; }
		shift
		exec "$@"' sh "$dir/resolv.conf" "${wrap[@]}" \
	    env MAIL_CONFIG="$dir/postfix" "$finger" -c -t 5 -T 10 -l dane \
	    -L summary "$@" "$domain" 2>&1
}

tb_set_txt() { bash "$TB_HERE/testbed.sh" set-txt "$@"; }
tb_del_txt() { bash "$TB_HERE/testbed.sh" set-txt "$1" "$2"; }
tb_set_rr() { bash "$TB_HERE/testbed.sh" set-rr "$@"; }
tb_set_policy() { bash "$TB_HERE/testbed.sh" set-policy "$@"; }
tb_set_meta() { bash "$TB_HERE/testbed.sh" set-meta "$@"; }
tb_requests() { bash "$TB_HERE/testbed.sh" requests "$@"; }
