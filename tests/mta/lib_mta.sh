#!/bin/bash
# NAME
#	lib_mta.sh - mxtlsd with real MTA clients in the hermetic test network
# SYNOPSIS
#	. "$top_srcdir/tests/mta/lib_mta.sh"	# also sources tests/net/lib.sh
#	mta_sendmail_prepare			# (sendmail.test) finds Sendmail
#	tb_enter "$0" "$@"
#	mta_init				# TB = testbed dir, EXIT cleanup
#	tb_mxtlsd_start "$TB" [CONF-LINE...]
# DESCRIPTION
#	Everything runs inside the loopback-only network namespace of lib.sh.
#	Only processes started here are stopped, by PID (Postfix with
#	"postfix -c DIR stop"); the machine's /etc is never written: the
#	private resolv.conf and hosts are bind-mounted in private mount
#	namespaces, one command (or one Postfix master) at a time.
#
#	mta_need_mxtlsd
#		MXTLSD (default $top_builddir/milter/mxtlsd) must be an
#		executable: else "1..0 # SKIP" and exit 0.
#	mta_init
#		TB = a new testbed directory (tb_setup: zones, PKI, HTTPS on
#		:443), mode 755 so that Postfix's unprivileged processes reach
#		their queue and the daemon's socket; an EXIT trap stops what
#		was started here (Postfix, mxtlsd, the testbed servers) and
#		removes TB unless MXTLS_KEEP_TESTBED=1.
#	tb_mxtlsd_start DIR [LINE...]
#		DIR/NAME.conf = DIR/mxtls.conf + listen = inet:127.0.0.1:PORT
#		unix:DIR/NAME.sock + socket_mode = 0666 + the LINEs (each
#		"key = value", replacing that key of mxtls.conf); then "MXTLSD -f -R -c DIR/NAME.conf" through
#		tb_start_server (waits for READY). NAME and PORT are
#		MXTLSD_NAME (mxtlsd) and MXTLSD_PORT (18461). Sets MXTLSD_PID
#		and MXTLSD_SOCK. Returns 1 when it does not get READY.
#	tb_mxtlsd_stop DIR [SIGNAL]
#		Sends SIGNAL (TERM) to the daemon started last as NAME and
#		waits (5 s, then SIGKILL) for it.
#	mta_postmap DIR KEY [inet|unix] [MAP]
#		postmap -c DIR/pf -q KEY socketmap:...:MAP (MAP: postfix); sets
#		PM_RC, PM_OUT and PM_ERR (stdout, stderr). A KEY of "-" reads
#		the keys from stdin (postmap's batch mode).
#	mta_postfix_start DIR
#		A private Postfix instance in DIR/postfix (config), spool in
#		DIR/pfq: smtp_tls_policy_maps = socketmap:unix:MXTLSD_SOCK:postfix,
#		smtp_dns_support_level = dnssec through the testbed's validating
#		unbound (started if needed) via DIR/resolv.conf, the test CA,
#		inet_interfaces = 127.0.0.1, smtpd on 127.0.0.1:12625, short
#		queue and backoff times, maillog in DIR/maillog.
#	mta_postfix_send DIR RCPT
#		Submits a message to RCPT with the instance's sendmail;
#		MTA_QID = its queue ID.
#	mta_postfix_wait DIR QID [SECONDS]
#		Flushes the queue (postqueue -f) until the maillog has a
#		"status=" line for QID (default 20 s); MTA_STATUS = that line's
#		status (sent, deferred, bounced) and MTA_LOG = every maillog
#		line of QID.
#	mta_postfix_stop DIR
#	mta_sendmail_fetch
#		(tests/mta/fetch-sendmail, run by .ci/run; never by a test:
#		it needs Debian's archive) apt-get download sendmail-bin,
#		sendmail-base and sendmail-cf and dpkg -x them into
#		$TMPDIR/mxtls-sendmail-cache.UID/VERSION.
#	mta_sendmail_prepare
#		SM_ROOT = that unpacked tree; on failure SM_SKIP is the reason
#		(not unpacked yet, missing libraries or m4).
#	mta_exim_fetch, mta_exim_prepare
#		The same for Exim 4.96 (exim4-daemon-heavy, exim4-base;
#		tests/mta/fetch-exim, which also creates the Debian-exim user):
#		EXIM_ROOT, or EXIM_SKIP (not unpacked, missing libraries, no
#		Debian-exim user).
#	mta_sendmail_setup DIR MAPSPEC
#		DIR/sm/mta.cf from m4 with "Kmtasts socket -T<TMPF> MAPSPEC"
#		(e.g. unix:DIR/mxtlsd.sock or inet:18461@127.0.0.1), a queue,
#		hosts, resolv.conf and service.switch of its own.
#	mta_sendmail DIR ARGS...
#		Runs sendmail -C DIR/sm/mta.cf ARGS in a private mount
#		namespace with DIR/sm/hosts and DIR/sm/resolv.conf bind-mounted
#		(Sendmail resolves its own host name before reading the .cf:
#		without them it may hang 60 s on every call).

MTA_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$MTA_HERE/../net/lib.sh"

MXTLSD=${MXTLSD:-${top_builddir:-$MTA_HERE/../..}/milter/mxtlsd}
MTA_SBIN=/usr/sbin
MTA_SMTPD_PORT=12625
MTA_POSTFIX_DIRS=()

mta_need_mxtlsd() {
	if [ ! -x "$MXTLSD" ]; then
		echo "1..0 # SKIP no mxtlsd at $MXTLSD (set MXTLSD or build milter/mxtlsd)"
		exit 0
	fi
}

mta_init() {
	TB=$(mktemp -d "${TMPDIR:-/tmp}/mxtls-mta.XXXXXX") ||
	    bail_out "cannot create a temporary directory"
	chmod 755 "$TB"
	trap mta__cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	tb_setup "$TB"
}

mta__cleanup() {
	local rc=$? d
	for d in "${MTA_POSTFIX_DIRS[@]}"; do mta_postfix_stop "$d"; done
	[ -n "${TB:-}" ] || return $rc
	tb_teardown "$TB"
	if [ "${MXTLS_KEEP_TESTBED:-}" = 1 ]; then
		echo "# testbed kept in $TB" >&2
	else
		rm -rf "$TB"
	fi
	return $rc
}

# ------------------------------------------------------------------ mxtlsd
tb_mxtlsd_start() {
	local dir=$1 name=${MXTLSD_NAME:-mxtlsd} port=${MXTLSD_PORT:-18461} l k
	shift
	MXTLSD_SOCK=$dir/$name.sock
	# a LINE replaces the same key of mxtls.conf (a key twice is an error)
	local -A over=()
	for l in listen socket_mode "$@"; do l=${l%%=*}; over[${l//[[:space:]]/}]=1; done
	{
		while IFS= read -r l; do
			k=${l%%=*}; k=${k//[[:space:]]/}
			[ -n "${over[$k]+x}" ] || printf '%s\n' "$l"
		done <"$dir/mxtls.conf"
		echo "listen = inet:127.0.0.1:$port unix:$MXTLSD_SOCK"
		echo "socket_mode = 0666"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$dir/$name.conf"
	tb_start_server "$dir" "$name" "$MXTLSD" -f -R -c "$dir/$name.conf"
	local rc=$?
	MXTLSD_PID=$TB_PID
	return $rc
}

tb_mxtlsd_stop() {
	local dir=$1 sig=${2:-TERM} name=${MXTLSD_NAME:-mxtlsd} pid n start i p s
	pid='' start=''
	while read -r p n s; do
		[ "$n" = "$name" ] && pid=$p start=$s
	done <"$dir/pids"
	[ -n "$pid" ] || return 0
	tb__alive "$pid" "$start" || { wait "$pid" 2>/dev/null; return 0; }
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 500; i++)); do
		tb__alive "$pid" "$start" || break
		tb__sleep 0.01
	done
	if tb__alive "$pid" "$start"; then
		echo "lib_mta.sh: $name ($pid) ignored SIG$sig; SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# ------------------------------------------------------------------ postmap
mta__postmap_conf() {
	local dir=$1
	[ -f "$dir/pf/main.cf" ] && return 0
	mkdir -p "$dir/pf"
	echo "compatibility_level = 3.7" >"$dir/pf/main.cf"
	# Postfix re-reads a main.cf younger than ~2 s: make it old
	touch -d "@$((EPOCHSECONDS - 60))" "$dir/pf/main.cf"
}

mta_postmap() {
	local dir=$1 key=$2 how=${3:-inet} map=${4:-postfix} spec
	local port=${MXTLSD_PORT:-18461} sock=${MXTLSD_SOCK:-$1/mxtlsd.sock}
	mta__postmap_conf "$dir"
	case $how in
	inet) spec=socketmap:inet:127.0.0.1:$port:$map ;;
	unix) spec=socketmap:unix:$sock:$map ;;
	*) spec=$how ;;
	esac
	if [ "$key" = - ]; then
		timeout 60 "$MTA_SBIN/postmap" -c "$dir/pf" -q - "$spec" \
		    >"$dir/pm.out" 2>"$dir/pm.err"
	else
		timeout 60 "$MTA_SBIN/postmap" -c "$dir/pf" -q "$key" "$spec" \
		    >"$dir/pm.out" 2>"$dir/pm.err" </dev/null
	fi
	PM_RC=$?
	slurp_file "$dir/pm.out"; PM_OUT=$SLURP
	slurp_file "$dir/pm.err"; PM_ERR=$SLURP
}

# slurp_file FILE - SLURP = contents without the final newline
slurp_file() {
	SLURP=
	IFS= read -r -d '' SLURP <"$1" || :
	SLURP=${SLURP%$'\n'}
}

# ------------------------------------------------------------------ Postfix
mta__resolv() {
	[ -f "$1/resolv.conf" ] ||
	    printf 'nameserver 127.0.0.1\noptions trust-ad\n' >"$1/resolv.conf"
	tb__running "$1" unbound || tb_start_unbound "$1"
}

mta_postfix_start() {
	local dir=$1 cf=$1/postfix q=$1/pfq sock=${MXTLSD_SOCK:-$1/mxtlsd.sock}
	[ -x "$MTA_SBIN/postfix" ] || { echo "lib_mta.sh: no postfix" >&2; return 77; }
	unshare -m true 2>/dev/null || { echo "lib_mta.sh: no mount namespace" >&2; return 77; }
	mta__resolv "$dir"
	mkdir -p "$cf" "$q/spool" "$q/data"
	chown postfix "$q/data"
	cat >"$cf/main.cf" <<EOF
# generated by tests/mta/lib_mta.sh: a private Postfix instance
compatibility_level = 3.7
queue_directory = $q/spool
data_directory = $q/data
myhostname = postfix-client.test
mydomain = client.test
myorigin = client.test
mydestination =
relayhost =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
maillog_file_prefixes = /var, /dev/stdout, $dir
maillog_file = $dir/maillog
smtp_dns_support_level = dnssec
smtp_host_lookup = dns
smtp_address_preference = ipv4
smtp_tls_security_level = may
smtp_tls_CAfile = $dir/pki/ca.pem
smtp_tls_policy_maps = socketmap:unix:$sock:postfix
smtp_tls_loglevel = ${MTA_TLS_LOGLEVEL:-2}
smtp_connect_timeout = 5s
smtp_helo_timeout = 10s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
delay_warning_time = 0
EOF
	sed -e 's/^\([a-z][^ ]* *\(inet\|unix\|unix-dgram\|fifo\|pass\) *[-ny] *[-ny] *\)[-y]/\1n/' \
	    -e 's/^smtp \( *inet\)/#smtp \1/' "/etc/postfix/master.cf" >"$cf/master.cf"
	printf '127.0.0.1:%s inet n - n - - smtpd\n' "$MTA_SMTPD_PORT" >>"$cf/master.cf"
	touch -d "@$((EPOCHSECONDS - 60))" "$cf/main.cf" "$cf/master.cf"
	MTA_POSTFIX_DIRS+=("$dir")
	# the master and all its children live in a mount namespace whose
	# /etc/resolv.conf points at the testbed's unbound
	# shellcheck disable=SC2016
	unshare -m -- /bin/sh -c 'mount --bind "$1" /etc/resolv.conf || exit 77
		exec "$2" -c "$3" start' sh "$dir/resolv.conf" "$MTA_SBIN/postfix" "$cf" \
	    >"$dir/postfix-start.log" 2>&1 || {
		cat "$dir/postfix-start.log" >&2
		return 1
	}
	local i
	for ((i = 0; i < 500; i++)); do
		[ -S "$q/spool/public/pickup" ] || [ -p "$q/spool/public/pickup" ] && return 0
		tb__sleep 0.01
	done
	echo "lib_mta.sh: Postfix did not start" >&2
	return 1
}

mta_postfix_stop() {
	local dir=$1 q=$1/pfq pid i
	[ -f "$q/spool/pid/master.pid" ] || return 0
	read -r pid <"$q/spool/pid/master.pid" || return 0
	"$MTA_SBIN/postfix" -c "$dir/postfix" stop >/dev/null 2>&1
	for ((i = 0; i < 500; i++)); do
		[ -n "$pid" ] && tb__alive "$pid" || break
		tb__sleep 0.01
	done
	# the master is ours (its pid file is in our spool): force it
	[ -n "$pid" ] && tb__alive "$pid" && "$MTA_SBIN/postfix" -c "$dir/postfix" abort >/dev/null 2>&1
	rm -f "$q/spool/pid/master.pid"
	return 0
}

mta_postfix_send() {
	local dir=$1 rcpt=$2 out mid i line
	MTA_SEQ=$((${MTA_SEQ:-0} + 1))
	mid="mxtls-test-$MTA_SEQ-$$@client.test"
	out=$(printf 'Message-ID: <%s>\nSubject: mxtls test to %s\n\ntest body\n' "$mid" "$rcpt" |
	    "$MTA_SBIN/sendmail" -C "$dir/postfix" -f sender@client.test "$rcpt" 2>&1)
	# the queue ID is the one cleanup logs with our Message-ID (a file in
	# maildrop, which postqueue -p also lists, has another name)
	MTA_QID=''
	for ((i = 0; i < 500; i++)); do
		if [ -f "$dir/maillog" ]; then
			while IFS= read -r line; do
				case $line in
				*"postfix/cleanup["*"]: "*": message-id=<$mid>"*)
					MTA_QID=${line#*]: }; MTA_QID=${MTA_QID%%:*}
					return 0 ;;
				esac
			done <"$dir/maillog"
		fi
		tb__sleep 0.02
	done
	echo "lib_mta.sh: the message to $rcpt never reached cleanup: $out" >&2
	return 1
}

mta_postfix_wait() {
	local dir=$1 qid=$2 secs=${3:-20} i line st pid prev
	MTA_STATUS='' MTA_LOG=''
	for ((i = 0; i < secs * 10; i++)); do
		MTA_LOG='' st='' pid=''
		if [ -f "$dir/maillog" ]; then
			while IFS= read -r line; do
				case $line in
				*" $qid: "*)
					MTA_LOG+=$line$'\n'
					case $line in *" status="*)
						st=${line#* status=}; st=${st%% *}
						pid=${line#*postfix/smtp[}; pid=${pid%%]*} ;;
					esac ;;
				esac
			done <"$dir/maillog"
		fi
		if [ -n "$st" ]; then
			MTA_STATUS=$st
			# the smtp process's lines without a queue ID (TLS, warnings)
			# up to the last status line of QID
			prev='' MTA_LOG=''
			while IFS= read -r line; do
				case $line in
				*"postfix/smtp[$pid]: "[0-9A-F]*": "*" status="*)
					case $line in *" $qid: "*) MTA_LOG+=$prev$line$'\n' ;; esac
					prev='' ;;
				*" $qid: "*) MTA_LOG+=$line$'\n' ;;
				*"postfix/smtp[$pid]: "[0-9A-F]*": "*) ;;
				*"postfix/smtp[$pid]: "*) prev+=$line$'\n' ;;
				esac
			done <"$dir/maillog"
			return 0
		fi
		((i % 10 == 0)) && "$MTA_SBIN/postqueue" -c "$dir/postfix" -i "$qid" >/dev/null 2>&1
		tb__sleep 0.1
	done
	return 1
}

# ------------------------------------------------------------------ unpacked MTAs
# Exim and Sendmail conflict with the postfix package: their Debian
# packages are unpacked with dpkg -x into $TMPDIR/mxtls-NAME-cache.UID/
# VERSION by tests/mta/fetch-NAME (which needs Debian's archive; run by
# .ci/run and demo/quickstart, never by a test). These helpers set
# MTA_ROOT, or MTA_SKIP with the reason.

# mta__root NAME PACKAGE MODE - MTA_ROOT = where PACKAGE's apt candidate
# is (to be) unpacked; the cache directory is made with MODE
mta__root() {
	local ver root
	MTA_SKIP='' MTA_ROOT=''
	command -v apt-cache >/dev/null && command -v dpkg >/dev/null ||
	    { MTA_SKIP="no apt-cache/dpkg"; return 1; }
	ver=$(apt-cache policy "$2" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
	case $ver in ''|'(none)') MTA_SKIP="apt knows no $2"; return 1 ;; esac
	root=${TMPDIR:-/tmp}/mxtls-$1-cache.$EUID
	{ [ -d "$root" ] || mkdir -m "$3" "$root"; } && [ -O "$root" ] && [ ! -L "$root" ] ||
	    { MTA_SKIP="unsafe cache dir $root"; return 1; }
	MTA_ROOT=$root/${ver//[^A-Za-z0-9.+~-]/_}
}

# mta__unpack NAME MODE BINARY PACKAGE... - download the PACKAGEs (the
# first one names the version) and dpkg -x them into MTA_ROOT, unless
# MTA_ROOT/BINARY is there already
mta__unpack() {
	local name=$1 mode=$2 bin=$3 tmp f
	shift 3
	mta__root "$name" "$1" "$mode" || return 1
	[ -x "$MTA_ROOT/$bin" ] && return 0
	tmp=$(mktemp -d "${MTA_ROOT%/*}/.dl.XXXXXX") || return 1
	if ! (cd "$tmp" && apt-get download "$@" >/dev/null 2>&1); then
		rm -rf "$tmp"
		MTA_SKIP="apt-get download $* failed"
		return 1
	fi
	mkdir -p "$tmp/root"
	for f in "$tmp"/*.deb; do
		dpkg -x "$f" "$tmp/root" || { rm -rf "$tmp"; return 1; }
	done
	rm -rf "$MTA_ROOT"
	mv "$tmp/root" "$MTA_ROOT" && rm -rf "$tmp"
}

# mta__find NAME PACKAGE MODE BINARY HINT - MTA_ROOT of an unpacked tree
# whose BINARY finds its libraries (HINT: the packages that may be missing)
mta__find() {
	local missing
	mta__root "$1" "$2" "$3" || return 1
	if [ ! -x "$MTA_ROOT/$4" ]; then
		MTA_SKIP="$1 is not unpacked: run tests/mta/fetch-$1 first (.ci/run does)"
		return 1
	fi
	missing=$(ldd "$MTA_ROOT/$4" 2>/dev/null | grep 'not found' | tr -s ' \t\n' ' ')
	[ -z "$missing" ] || { MTA_SKIP="${4##*/} needs libraries: $missing(apt-get install $5 ...)"; return 1; }
}

# ------------------------------------------------------------------ Exim
# mta_exim_fetch - download and unpack Exim (tests/mta/fetch-exim)
mta_exim_fetch() {
	mta__unpack exim 755 usr/sbin/exim4 exim4-daemon-heavy exim4-base
	local rc=$?
	EXIM_ROOT=$MTA_ROOT EXIM_SKIP=$MTA_SKIP
	return $rc
}

# mta_exim_prepare - find the unpacked Exim; EXIM_SKIP says why not
mta_exim_prepare() {
	EXIM_SKIP='' EXIM_ROOT=''
	[ "${MXTLS_IN_NETNS:-}" = 1 ] && [ -n "${EXIM_ROOT_CACHED:-}" ] && {
		EXIM_ROOT=$EXIM_ROOT_CACHED; return 0; }
	if ! mta__find exim exim4-daemon-heavy 755 usr/sbin/exim4 \
	    "libmariadb3 libidn12 libspf2-2"; then
		EXIM_SKIP=$MTA_SKIP
		return 1
	fi
	EXIM_ROOT=$MTA_ROOT
	id Debian-exim >/dev/null 2>&1 ||
	    { EXIM_SKIP="no Debian-exim user: run tests/mta/fetch-exim as root first"; return 1; }
	export EXIM_ROOT_CACHED=$EXIM_ROOT
	return 0
}

# ------------------------------------------------------------------ Sendmail
# mta_sendmail_fetch - download and unpack Sendmail (tests/mta/fetch-sendmail)
mta_sendmail_fetch() {
	mta__unpack sendmail 700 usr/libexec/sendmail/sendmail sendmail-bin \
	    sendmail-base sendmail-cf
	local rc=$?
	SM_ROOT=$MTA_ROOT SM_SKIP=$MTA_SKIP
	return $rc
}

# mta_sendmail_prepare - find the unpacked Sendmail; SM_SKIP says why not
mta_sendmail_prepare() {
	SM_SKIP='' SM_ROOT=''
	[ "${MXTLS_IN_NETNS:-}" = 1 ] && [ -n "${SM_ROOT_CACHED:-}" ] && {
		SM_ROOT=$SM_ROOT_CACHED; return 0; }
	if ! mta__find sendmail sendmail-bin 700 usr/libexec/sendmail/sendmail \
	    libwrap0; then
		SM_SKIP=$MTA_SKIP
		return 1
	fi
	SM_ROOT=$MTA_ROOT
	command -v m4 >/dev/null || { SM_SKIP="no m4 (package m4)"; return 1; }
	export SM_ROOT_CACHED=$SM_ROOT
	return 0
}

mta_sendmail_setup() {
	local dir=$1 spec=$2 sm=$1/sm host
	mkdir -p "$sm/mqueue"
	chmod 700 "$sm/mqueue"
	host=$(hostname 2>/dev/null || echo localhost)
	printf '127.0.0.1 localhost\n127.0.0.1 %s sendmail-client.test\n' "$host" >"$sm/hosts"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$sm/resolv.conf"
	printf 'hosts files\naliases files\n' >"$sm/service.switch"
	: >"$sm/aliases"
	cat >"$sm/mta.mc" <<EOF
divert(-1)
# generated by tests/mta/lib_mta.sh
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`QUEUE_DIR', \`$sm/mqueue')dnl
define(\`confSERVICE_SWITCH_FILE', \`$sm/service.switch')dnl
define(\`confPID_FILE', \`$sm/sendmail.pid')dnl
define(\`STATUS_FILE', \`$sm/statistics')dnl
define(\`ALIAS_FILE', \`$sm/aliases')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confCACERT', \`$dir/pki/ca.pem')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Port=12725, Addr=127.0.0.1, Name=MTA')dnl
MAILER(\`smtp')dnl
LOCAL_CONFIG
Kmtasts socket -T<TMPF> $spec
EOF
	m4 -D_CF_DIR_="$SM_ROOT/usr/share/sendmail/cf/" \
	    "$SM_ROOT/usr/share/sendmail/cf/m4/cf.m4" "$sm/mta.mc" >"$sm/mta.cf" 2>"$sm/m4.err"
}

mta_sendmail() {
	local dir=$1 sm=$1/sm
	shift
	# shellcheck disable=SC2016
	unshare -m -- /bin/sh -c 'mount --bind "$1" /etc/hosts &&
		mount --bind "$2" /etc/resolv.conf || exit 77
		shift 2; exec "$@"' sh "$sm/hosts" "$sm/resolv.conf" \
	    timeout 30 "$SM_ROOT/usr/libexec/sendmail/sendmail" -C "$sm/mta.cf" "$@"
}
