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

tb_set_txt() { bash "$TB_HERE/testbed.sh" set-txt "$@"; }
tb_del_txt() { bash "$TB_HERE/testbed.sh" set-txt "$1" "$2"; }
tb_set_rr() { bash "$TB_HERE/testbed.sh" set-rr "$@"; }
tb_set_policy() { bash "$TB_HERE/testbed.sh" set-policy "$@"; }
tb_set_meta() { bash "$TB_HERE/testbed.sh" set-meta "$@"; }
tb_requests() { bash "$TB_HERE/testbed.sh" requests "$@"; }
