#!/bin/bash
# NAME
#	testbed.sh - data generator and control commands of the hermetic test
#	network: test PKI, offline-signed DNS zones, policy web tree, configs
# SYNOPSIS
#	testbed.sh generate DIR
#	testbed.sh confs DIR
#	testbed.sh sign DIR ZONE
#	testbed.sh set-rr DIR ZONE OWNER TYPE [RDATA...]
#	testbed.sh set-txt DIR DOMAIN [TXT...]
#	testbed.sh set-policy DIR DOMAIN FILE|-
#	testbed.sh set-meta DIR DOMAIN [JSON]
#	testbed.sh requests DIR HOST
#	testbed.sh zones
#	testbed.sh bulk DIR COUNT [PREFIX...]
# DESCRIPTION
#	Normally used through lib.sh (tb_setup, tb_set_txt, ...); every command
#	also works by hand, e.g. "testbed.sh generate /tmp/tb" to look at the
#	files. Nothing here opens a socket or leaves a process behind; the
#	HTTPS server is started by lib.sh.
#
#	generate   writes DIR/pki, DIR/zones, DIR/www, DIR/cache,
#		   DIR/unbound.conf and DIR/mxtls.conf from the table below;
#		   DIR/.pki-ready appears as soon as pki/ and www/ are complete.
#	confs	   rewrites DIR/unbound.conf and DIR/mxtls.conf for DIR (after
#		   DIR was copied from another testbed directory).
#	sign	   re-signs one zone from DIR/zones/ZONE.zone (same key, kind and
#		   tamper list); the served file is replaced atomically.
#	set-rr	   replaces the RRset OWNER/TYPE of ZONE (OWNER relative to
#		   ZONE, "@", or absolute with a trailing dot) by one RR per
#		   RDATA argument (none: delete the RRset), then re-signs ZONE.
#	set-txt	   the same for the _mta-sts TXT RRset of DOMAIN (its zone).
#		   Each TXT argument is one RR: taken as zone-file text when it
#		   starts with a double quote ('"v=STSv1; " "id=x;"' gives two
#		   strings), otherwise quoted and cut into 255-byte strings.
#	set-policy replaces the body served at https://mta-sts.DOMAIN/.well-
#		   known/mta-sts.txt (FILE, or stdin for -); the server reads
#		   it at each request.
#	set-meta   replaces (without JSON or with {}: removes) the server
#		   behaviour file of mta-sts.DOMAIN (see https_server.py).
#	requests   prints how many HTTP requests the server logged for the
#		   Host HOST (e.g. mta-sts.enforce.test).
#	zones	   prints the scenario zone names, one a line.
#	bulk	   adds COUNT cheap enforce domains per PREFIX (default "d"):
#		   PREFIX1.bulk.test ... PREFIXCOUNT.bulk.test (for benchmarks,
#		   after generate; once per DIR). One signed zone bulk.test
#		   holds them all through wildcards: "*.bulk.test" has MX 10
#		   mx.bulk.test., A 127.0.0.1 and TXT "v=STSv1; id=bulk1;", so
#		   every NAME.bulk.test has an MX, and both _mta-sts.NAME and
#		   mta-sts.NAME (two labels below the zone, no closer node)
#		   are answered by the same wildcard; mx.bulk.test is
#		   127.0.0.11. Names under nopol.bulk.test (e.g.
#		   n1.nopol.bulk.test) match "*.nopol.bulk.test", which has
#		   only an MX: domains without a policy (TXT NODATA). The
#		   policy hosts need one www/ directory each (policy "mx:
#		   mx.bulk.test", enforce) and a certificate naming them: a
#		   wildcard SAN covers one label only, so pki/bulk-PREFIX.pem
#		   lists every mta-sts.PREFIXi.bulk.test (~25 bytes per name)
#		   and each directory of the set links to it. bulk.test is added to test.
#		   (NS + DS, re-signed) and to unbound.conf.
#
# SCENARIO TABLE
#	One block per zone (TB_TABLE below). Directives:
#	  zone NAME KIND	start a zone; KIND is one of
#				  secure   signed, DS in the parent
#				  insecure unsigned, delegated without DS
#				  expired  signed, signatures valid Jan 2020 only
#				  badds    signed, but the parent's DS is for a
#					   key the zone does not use
#	  std			@ MX 10 mail.NAME. + mail A 127.0.0.1 +
#				mta-sts A 127.0.0.1; mail.NAME goes into the
#				MX certificate's SANs
#	  OWNER TYPE RDATA	one RR (TTL 300); OWNER relative to NAME, "@" or
#				absolute with a trailing dot
#	  ~OWNER TYPE RDATA	after signing, the RRset OWNER/TYPE in the
#				signed file is replaced by this RR (bogus data)
#	  policy MODE MAX_AGE [MX...]
#				serve a well-formed STSv1 policy at mta-sts.NAME
#	  body TEXT		serve TEXT (printf %b escapes) as the body
#	  meta JSON		server behaviour for mta-sts.NAME (meta.json)
#	  cert NAME		serve pki/NAME.chain.pem with NAME.key for
#				mta-sts.NAME. Every other host with a body is
#				a SAN of the default certificate, pki/policy.*
#	  mxsan NAME		add NAME to the MX certificate's SANs
#	Tokens in RDATA (also of ~ lines) become hex SHA-256 digests for TLSA
#	data (the list with values is written to pki/tlsa.tokens):
#	  @MX_SPKI_SHA256@         SPKI of pki/mx (the good MX leaf; 3 1 1)
#	  @MX_CERT_SHA256@         DER of the pki/mx certificate (3 0 1)
#	  @MXEXPIRED_SPKI_SHA256@  SPKI of pki/mxexpired (expired leaf)
#	  @DANECA_CERT_SHA256@     DER of pki/dane-ca.pem (2 0 1)
#	  @UNRELATED_SPKI_SHA256@  SPKI of pki/unrelated.key, used by nothing
#
#	Forks are slow on the test machines (~4 ms each), so this script does
#	its text work with bash builtins and runs the ldns/openssl commands in
#	a few parallel workers.
set -euo pipefail
export TZ=UTC0		# signature inception/expiration are UTC
TTL=300
BULK_CHUNK=50	# policy host names per bulk certificate

# ------------------------------------------------------------------ scenarios
read -r -d '' TB_TABLE <<'EOF' || :
zone enforce.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 604800 mail.enforce.test *.enforce.test
zone testing.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy testing 86400 mail.testing.test
zone nonemode.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy none 86400
zone notxt.test secure
	std
	policy enforce 86400 mail.notxt.test
zone twotxt.test secure
	std
	_mta-sts TXT "v=STSv1; id=first1;"
	_mta-sts TXT "v=STSv1; id=second2;"
	policy enforce 86400 mail.twotxt.test
zone noid.test secure
	std
	_mta-sts TXT "v=STSv1;"
	policy enforce 86400 mail.noid.test
zone multistring.test secure
	std
	_mta-sts TXT "v=STSv1; " "id=abc123;"
	policy enforce 86400 mail.multistring.test
zone changing.test secure
	std
	_mta-sts TXT "v=STSv1; id=change1;"
	policy enforce 86400 mail.changing.test
zone http404.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.http404.test
	meta {"status": 404}
zone http500.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.http500.test
	meta {"status": 500}
zone redirect.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.redirect.test
	meta {"status": 301, "location": "https://mta-sts.enforce.test/.well-known/mta-sts.txt"}
zone html.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.html.test
	meta {"content_type": "text/html"}
zone big.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.big.test
	meta {"body_size": 102400}
zone bignolen.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.bignolen.test
	meta {"body_size": 102400, "no_content_length": true}
zone slow.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.slow.test
	meta {"delay": 30}
zone wrongname.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.wrongname.test
	cert wrongname
zone expiredcert.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.expiredcert.test
	cert expired
zone untrusted.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.untrusted.test
	cert untrusted
zone badpolicy.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	body version: STSv2\nmode: enforce\nmx: mail.badpolicy.test\nmax_age: 86400\n
zone bogus.test secure
	std
	_mta-sts TXT "v=STSv1; id=bogus1;"
	~_mta-sts TXT "v=STSv1; id=tampered1;"
	policy enforce 86400 mail.bogus.test
zone expiredsig.test expired
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.expiredsig.test
zone badds.test badds
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.badds.test
zone insecure.test insecure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	_25._tcp.mail TLSA 3 1 1 @MX_SPKI_SHA256@
	policy enforce 86400 mail.insecure.test
zone example.test secure
	@ MX 10 mx.example.test.
	mx A 127.0.0.1
	mx AAAA ::1
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mta-sts A 127.0.0.1
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tlsrpt@example.test"
	mxsan mx.example.test
	policy enforce 86400 mx.example.test
# ---- DANE (RFC 7672). The MX hosts live on 127.0.0.N, where lib.sh's
# tb_start_smtp runs one SMTP server per behaviour (port 25); no AAAA.
#   .11 mx (good leaf)   .12 mxexpired   .14 daneta (dane-ca chain)
#   .15 danewrong (dane-ca chain, wrong.example)   .18 no STARTTLS
#   .21/.22/.23/.24 silent at banner/EHLO/STARTTLS/handshake
zone dane-ee.test secure
	@ MX 10 mx.dane-ee.test.
	mx A 127.0.0.11
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-ee.test
zone dane-expired.test secure
	@ MX 10 mx.dane-expired.test.
	mx A 127.0.0.12
	_25._tcp.mx TLSA 3 1 1 @MXEXPIRED_SPKI_SHA256@
	mxsan mx.dane-expired.test
zone dane-cert.test secure
	@ MX 10 mx.dane-cert.test.
	mx A 127.0.0.11
	_25._tcp.mx TLSA 3 0 1 @MX_CERT_SHA256@
	mxsan mx.dane-cert.test
zone dane-ta.test secure
	@ MX 10 mx.dane-ta.test.
	mx A 127.0.0.14
	_25._tcp.mx TLSA 2 0 1 @DANECA_CERT_SHA256@
	mxsan mx.dane-ta.test
zone dane-tawrong.test secure
	@ MX 10 mx.dane-tawrong.test.
	mx A 127.0.0.15
	_25._tcp.mx TLSA 2 0 1 @DANECA_CERT_SHA256@
	mxsan mx.dane-tawrong.test
zone dane-mismatch.test secure
	@ MX 10 mx.dane-mismatch.test.
	mx A 127.0.0.11
	_25._tcp.mx TLSA 3 1 1 @UNRELATED_SPKI_SHA256@
	mxsan mx.dane-mismatch.test
zone dane-pkix.test secure
	@ MX 10 mx.dane-pkix.test.
	mx A 127.0.0.11
	_25._tcp.mx TLSA 1 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-pkix.test
zone dane-notls.test secure
	@ MX 10 mx.dane-notls.test.
	mx A 127.0.0.18
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-notls.test
zone dane-insecure.test insecure
	@ MX 10 mx.dane-insecure.test.
	mx A 127.0.0.11
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mta-sts A 127.0.0.1
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mx.dane-insecure.test
	mxsan mx.dane-insecure.test
zone dane-bogusmx.test secure
	@ MX 10 mx.dane-bogusmx.test.
	~@ MX 10 mx.dane-ee.test.
	mx A 127.0.0.11
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-bogusmx.test
zone dane-bogustlsa.test secure
	@ MX 10 mx.dane-bogustlsa.test.
	mx A 127.0.0.11
	_25._tcp.mx TLSA 3 1 1 @UNRELATED_SPKI_SHA256@
	~_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-bogustlsa.test
# _tcp.mx is delegated with a DS to a nameserver without an address:
# the TLSA lookup is SERVFAIL at once (~30 ms). dane-slowfail.test has
# the same cut to 127.0.0.53, where nothing listens: SERVFAIL after ~17 s
# of libunbound retries (for timeout tests)
zone dane-servfail.test secure
	@ MX 10 mx.dane-servfail.test.
	mx A 127.0.0.11
	_tcp.mx NS ns.dane-servfail.test.
	_tcp.mx DS 4242 13 2 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
	mxsan mx.dane-servfail.test
zone dane-slowfail.test secure
	@ MX 10 mx.dane-slowfail.test.
	mx A 127.0.0.11
	_tcp.mx NS ns.dane-slowfail.test.
	_tcp.mx DS 4242 13 2 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
	ns A 127.0.0.53
	mxsan mx.dane-slowfail.test
zone dane-cname.test secure
	@ MX 10 mx.dane-cname.test.
	mx CNAME mx.dane-ee.test.
	mxsan mx.dane-cname.test
zone dane-cnameinsec.test secure
	@ MX 10 mx.dane-cnameinsec.test.
	mx CNAME mx.dane-insecure.test.
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-cnameinsec.test
zone dane-cnameloop.test secure
	@ MX 10 mx.dane-cnameloop.test.
	mx CNAME a.dane-cnameloop.test.
	a CNAME b.dane-cnameloop.test.
	b CNAME mx.dane-cnameloop.test.
zone dane-cnamelong.test secure
	@ MX 10 c1.dane-cnamelong.test.
	c1 CNAME c2.dane-cnamelong.test.
	c2 CNAME c3.dane-cnamelong.test.
	c3 CNAME c4.dane-cnamelong.test.
	c4 CNAME c5.dane-cnamelong.test.
	c5 CNAME c6.dane-cnamelong.test.
	c6 CNAME c7.dane-cnamelong.test.
	c7 CNAME c8.dane-cnamelong.test.
	c8 CNAME c9.dane-cnamelong.test.
	c9 CNAME c10.dane-cnamelong.test.
	c10 CNAME c11.dane-cnamelong.test.
	c11 CNAME c12.dane-cnamelong.test.
	c12 CNAME c13.dane-cnamelong.test.
	c13 CNAME c14.dane-cnamelong.test.
	c14 CNAME c15.dane-cnamelong.test.
	c15 CNAME mx.dane-ee.test.
zone dane-tlsacname.test secure
	@ MX 10 mx.dane-tlsacname.test.
	mx A 127.0.0.11
	_25._tcp.mx CNAME _25._tcp.mx.dane-ee.test.
	mxsan mx.dane-tlsacname.test
zone dane-sts.test secure
	@ MX 10 mx.dane-sts.test.
	mx A 127.0.0.11
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mta-sts A 127.0.0.1
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mx.dane-sts.test
	mxsan mx.dane-sts.test
zone dane-twomx.test secure
	@ MX 10 mx1.dane-twomx.test.
	@ MX 20 mx2.dane-twomx.test.
	mx1 A 127.0.0.11
	mx2 A 127.0.0.11
	_25._tcp.mx1 TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx1.dane-twomx.test
	mxsan mx2.dane-twomx.test
zone nullmx.test secure
	@ MX 0 .
zone implicit.test secure
	@ A 127.0.0.11
	_25._tcp TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan implicit.test
zone dane-stall-banner.test secure
	@ MX 10 mx.dane-stall-banner.test.
	mx A 127.0.0.21
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-stall-banner.test
zone dane-stall-ehlo.test secure
	@ MX 10 mx.dane-stall-ehlo.test.
	mx A 127.0.0.22
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-stall-ehlo.test
zone dane-stall-starttls.test secure
	@ MX 10 mx.dane-stall-starttls.test.
	mx A 127.0.0.23
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-stall-starttls.test
zone dane-stall-connect.test secure
	@ MX 10 mx.dane-stall-connect.test.
	mx A 127.0.0.25
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-stall-connect.test
zone dane-stall-handshake.test secure
	@ MX 10 mx.dane-stall-handshake.test.
	mx A 127.0.0.24
	_25._tcp.mx TLSA 3 1 1 @MX_SPKI_SHA256@
	mxsan mx.dane-stall-handshake.test
# ---- MTA-STS domains whose MX hosts are lib.sh's SMTP servers, for the
# delivery tests with real MTAs (tests/mta): enforce with a certificate
# for another name (.11 serves the mx leaf, which does not name this
# host), enforce without STARTTLS (.18), testing with an untrusted
# certificate for the wrong name (.15), no policy at all (.18), and an
# enforce policy served after 1 s (a cold lookup slower than a deadline)
zone sts-wrongname.test secure
	@ MX 10 mx.sts-wrongname.test.
	mx A 127.0.0.11
	mta-sts A 127.0.0.1
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mx.sts-wrongname.test
zone sts-notls.test secure
	@ MX 10 mx.sts-notls.test.
	mx A 127.0.0.18
	mta-sts A 127.0.0.1
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mx.sts-notls.test
	mxsan mx.sts-notls.test
zone sts-testing.test secure
	@ MX 10 mx.sts-testing.test.
	mx A 127.0.0.15
	mta-sts A 127.0.0.1
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy testing 86400 mx.sts-testing.test
zone plain.test secure
	@ MX 10 mx.plain.test.
	mx A 127.0.0.18
# ---- two MX hosts, one outside the enforced policy (tests/mta/exim.test):
# the preferred one (.16, a good certificate that names it too) must never
# be used; sts-twomxdown's policy host (.19) has no server at all
zone sts-twomx.test secure
	@ MX 10 other.sts-twomx.test.
	@ MX 20 mx.sts-twomx.test.
	other A 127.0.0.16
	mx A 127.0.0.11
	mta-sts A 127.0.0.1
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mx.sts-twomx.test
	mxsan mx.sts-twomx.test
	mxsan other.sts-twomx.test
zone sts-twomxdown.test secure
	@ MX 10 other.sts-twomxdown.test.
	@ MX 20 mx.sts-twomxdown.test.
	other A 127.0.0.16
	mx A 127.0.0.19
	mta-sts A 127.0.0.1
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mx.sts-twomxdown.test
	mxsan mx.sts-twomxdown.test
	mxsan other.sts-twomxdown.test
zone slowish.test secure
	std
	_mta-sts TXT "v=STSv1; id=20240101T000000;"
	policy enforce 86400 mail.slowish.test
	meta {"delay": 1}
EOF

die() { echo "testbed.sh: $*" >&2; exit 2; }

# (The helpers below set a variable instead of printing: no subshells.)

# zfile ZONE - ZF = file stem of a zone: "root" for ".", else the name sans dot
zfile() { if [ "$1" = . ] || [ "$1" = root ]; then ZF=root; else ZF=${1%.}; fi; }

# zone_kind DIR ZONE - KIND of ZONE (and ZF), from DIR/zones/F.kind
zone_kind() {
	zfile "$2"
	[ -f "$1/zones/$ZF.kind" ] || die "no zone $2 in $1"
	read -r KIND <"$1/zones/$ZF.kind"
}

# zone_of DOMAIN DIR - Z = the scenario zone named DOMAIN (must exist)
zone_of() {
	Z=${1%.}
	Z=${Z,,}
	[ -f "$2/zones/$Z.kind" ] || die "no zone $Z in $2"
}

# fqdn OWNER ZONE - FQ = absolute owner name, lower case
fqdn() {
	local o=$1 z=${2%.}
	case $o in
	@) o=$z. ;;
	*.) ;;
	*) o=$o.$z. ;;
	esac
	FQ=${o,,}
}

# policy_text MODE MAX_AGE [MX...] - PT = a well-formed STSv1 policy
policy_text() {
	local mode=$1 max_age=$2 mx
	shift 2
	PT="version: STSv1"$'\n'"mode: $mode"$'\n'
	for mx in "$@"; do PT+="mx: $mx"$'\n'; done
	PT+="max_age: $max_age"$'\n'
}

# slurp FILE - S = the contents of FILE (no fork)
slurp() { S=; IFS= read -r -d '' S <"$1" || :; }

# ncpu - NCPU = online CPUs, 2..4 (the number of workers)
ncpu() {
	local l
	NCPU=0
	while read -r l; do
		case $l in processor*) NCPU=$((NCPU + 1)) ;; esac
	done </proc/cpuinfo
	[ $NCPU -ge 2 ] || NCPU=2
	[ $NCPU -le 4 ] || NCPU=4
}

# wait_all PID... - wait for every PID; fail if any failed
wait_all() {
	local p rc=0
	for p in "$@"; do wait "$p" || rc=1; done
	return $rc
}

# ------------------------------------------------------------------ table
# tb_table_parse DIR - unsigned zone files (placeholders kept), kinds,
# tamper lists and the www tree; fills ZONES, POLICY_SANS, MX_SANS,
# TLSA_ZONES and WWW_CERT.
ZONES=() POLICY_SANS=() MX_SANS=() TLSA_ZONES=()
declare -A WWW_BODY=() WWW_META=() WWW_CERT=()
tb_table_parse() {
	local dir=$1 zdir=$1/zones line word rest z='' kind host type rdata
	local args serial=$EPOCHSECONDS
	while IFS= read -r line; do
		line=${line#"${line%%[![:space:]]*}"}
		[ -n "$line" ] && [ "${line:0:1}" != "#" ] || continue
		word=${line%%[[:space:]]*}
		rest=${line#"$word"}
		rest=${rest#"${rest%%[![:space:]]*}"}
		if [ "$word" = zone ]; then
			read -r z kind <<<"$rest"
			z=${z%.}
			z=${z,,}
			case $kind in secure|insecure|expired|badds) ;;
			*) die "zone $z: unknown kind $kind" ;; esac
			[ ! -f "$zdir/$z.kind" ] || die "zone $z twice in the table"
			ZONES+=("$z")
			printf '%s\n' "$kind" >"$zdir/$z.kind"
			: >"$zdir/$z.tamper"
			{
				printf '$ORIGIN %s.\n$TTL %s\n' "$z" "$TTL"
				printf '%s. %s IN SOA ns.test. hostmaster.test. %s 3600 600 86400 %s\n' \
				    "$z" "$TTL" "$serial" "$TTL"
				printf '%s. %s IN NS ns.test.\n' "$z" "$TTL"
			} >"$zdir/$z.zone"
			continue
		fi
		[ -n "$z" ] || die "directive before the first zone: $line"
		host=mta-sts.$z
		case $word in
		std)
			{
				printf '%s. %s IN MX 10 mail.%s.\n' "$z" "$TTL" "$z"
				printf 'mail.%s. %s IN A 127.0.0.1\n' "$z" "$TTL"
				printf 'mta-sts.%s. %s IN A 127.0.0.1\n' "$z" "$TTL"
			} >>"$zdir/$z.zone"
			MX_SANS+=("mail.$z")
			;;
		policy)
			read -ra args <<<"$rest"
			[ ${#args[@]} -ge 2 ] || die "zone $z: policy MODE MAX_AGE [MX...]"
			policy_text "${args[@]}"
			WWW_BODY[$host]=$PT
			;;
		body)	printf -v "WWW_BODY[$host]" '%b' "$rest" ;;
		meta)	WWW_META[$host]=$rest ;;
		cert)	WWW_CERT[$host]=$rest ;;
		mxsan)	MX_SANS+=("$rest") ;;
		~*)
			read -r type rdata <<<"$rest"
			fqdn "${word#\~}" "$z"
			printf '%s %s %s\n' "$FQ" "${type^^}" "$rdata" >>"$zdir/$z.tamper"
			case $rdata in *@*_SHA256@*) TLSA_ZONES+=("$z") ;; esac
			;;
		*)
			read -r type rdata <<<"$rest"
			[ -n "$rdata" ] || die "zone $z: bad line: $line"
			fqdn "$word" "$z"
			printf '%s %s IN %s %s\n' "$FQ" "$TTL" "${type^^}" "$rdata" \
			    >>"$zdir/$z.zone"
			case $rdata in *@*_SHA256@*) TLSA_ZONES+=("$z") ;; esac
			;;
		esac
	done <<<"$TB_TABLE"
	args=()
	for host in "${!WWW_BODY[@]}" "${!WWW_META[@]}" "${!WWW_CERT[@]}"; do
		args+=("$dir/www/$host")
	done
	[ ${#args[@]} = 0 ] || mkdir -p "${args[@]}"
	for host in "${!WWW_BODY[@]}"; do
		printf '%s' "${WWW_BODY[$host]}" >"$dir/www/$host/policy"
	done
	for host in "${!WWW_META[@]}"; do
		printf '%s\n' "${WWW_META[$host]}" >"$dir/www/$host/meta.json"
	done
	for z in "${ZONES[@]}"; do
		host=mta-sts.$z
		if [ -n "${WWW_BODY[$host]+x}" ] && [ -z "${WWW_CERT[$host]+x}" ]; then
			POLICY_SANS+=("$host")
		fi
	done
}

# ------------------------------------------------------------------ PKI
# Every key is ECDSA P-256. Files in DIR/pki:
#   ca.pem ca.key                 the test CA (the one mxtls.conf trusts)
#   untrusted-ca.pem .key         a second CA that nobody trusts
#   NAME.pem NAME.chain.pem NAME.key   leaf, leaf + issuer, key:
#     policy     every mta-sts.<zone> served with the default certificate
#     wrongname  mta-sts.other.test            (served for wrongname.test)
#     expired    mta-sts.expiredcert.test, valid in January 2020 only
#     untrusted  mta-sts.untrusted.test, issued by untrusted-ca
#     mx         the MX hosts: mail.<zone> of every "std" zone, mxsan names
#                (the good DANE leaf of the SMTP server on 127.0.0.11)
#     mxexpired  mx.dane-expired.test, valid in January 2020 only
#     daneta     mx.dane-ta.test, issued by dane-ca
#     danewrong  wrong.example, issued by dane-ca
#   dane-ca.pem .key              the DANE-TA CA (TLSA 2 0 1), trusted by no
#                                 CA file: only through DANE
#   unrelated.key                 a key of nothing (TLSA mismatch data)
#   mxself.pem mxself.key         self-signed, mx.example.test
#   mx.tlsa                       hex SHA-256 of mx's SPKI (TLSA 3 1 1 data)
#   tlsa.tokens                   "TOKEN HEX" a line, the TLSA data tokens
#   openssl.cnf                   the extension sections used

# leaf_ext NAME SAN... - an openssl.cnf section [NAME] for a server cert
leaf_ext() {
	local name=$1 san='' s
	shift
	for s in "$@"; do san=${san:+$san,}DNS:$s; done
	printf '[%s]\nbasicConstraints = critical,CA:FALSE\n' "$name"
	printf 'keyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n'
	printf 'subjectAltName = %s\nsubjectKeyIdentifier = hash\n' "$san"
	printf 'authorityKeyIdentifier = keyid\n'
}

# chain PKI NAME ISSUER - NAME.chain.pem = NAME.pem + ISSUER.pem
chain() {
	local leaf
	slurp "$1/$2.pem"; leaf=$S
	slurp "$1/$3.pem"
	printf '%s%s' "$leaf" "$S" >"$1/$2.chain.pem"
}

make_pki() {
	local pki=$1/pki cnf=$1/pki/openssl.cnf
	local key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
	local db=$pki/ca-db
	mkdir -p "$db"
	: >"$db/index.txt"
	echo 03eb >"$db/serial"
	{
		printf '[req]\ndistinguished_name = dn\n[dn]\n'
		printf '[ca_ext]\nbasicConstraints = critical,CA:TRUE\n'
		printf 'keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n'
		printf '[self_ext]\nbasicConstraints = critical,CA:FALSE\n'
		printf 'subjectAltName = DNS:mx.example.test\n'
		leaf_ext policy_ext "${POLICY_SANS[@]}"
		leaf_ext wrongname_ext mta-sts.other.test
		leaf_ext expired_ext mta-sts.expiredcert.test
		leaf_ext untrusted_ext mta-sts.untrusted.test
		leaf_ext mx_ext "${MX_SANS[@]}"
		leaf_ext mxexpired_ext mx.dane-expired.test
		leaf_ext daneta_ext mx.dane-ta.test
		leaf_ext danewrong_ext wrong.example
		# "openssl ca", only to backdate (openssl 3.0's x509/req cannot)
		printf '[ca]\ndefault_ca = tbca\n[tbca]\n'
		printf 'database = %s/index.txt\nnew_certs_dir = %s\nserial = %s/serial\n' \
		    "$db" "$db" "$db"
		printf 'default_md = sha256\npolicy = any\nunique_subject = no\n'
		printf 'email_in_dn = no\n[any]\ncommonName = supplied\n'
	} >"$cnf"
	# newcert NAME ISSUER SERIAL CN - a leaf valid for 30 days from now
	newcert() {
		openssl req -x509 -config "$cnf" -extensions "$1_ext" "${key[@]}" \
		    -CA "$pki/$2.pem" -CAkey "$pki/$2.key" -set_serial "$3" \
		    -days 30 -subj "/O=mxtls testbed/CN=$4" \
		    -keyout "$pki/$1.key" -out "$pki/$1.pem"
		chain "$pki" "$1" "$2"
	}
	# spki_hash KEY TOKEN, cert_hash PEM TOKEN - pki/TOKEN.tok = SHA-256
	# of the key's SubjectPublicKeyInfo or of the certificate (DER)
	spki_hash() {
		openssl pkey -in "$pki/$1" -pubout -outform DER |
		    openssl dgst -sha256 -r >"$pki/$2.tok"
	}
	cert_hash() {
		openssl x509 -in "$pki/$1" -outform DER |
		    openssl dgst -sha256 -r >"$pki/$2.tok"
	}
	# four chains of openssl runs in parallel; errors in pki/openssl.log
	local log=$pki/openssl.log p1 p2 p3 t
	exec 2>>"$log"
	{
		openssl req -x509 -config "$cnf" -extensions ca_ext "${key[@]}" \
		    -days 3650 -subj "/O=mxtls testbed/CN=mxtls DANE CA" \
		    -keyout "$pki/dane-ca.key" -out "$pki/dane-ca.pem"
		cert_hash dane-ca.pem DANECA_CERT_SHA256
		newcert daneta dane-ca 1006 mx.dane-ta.test
		newcert danewrong dane-ca 1007 wrong.example
	} & p3=$!
	{
		openssl req -x509 -config "$cnf" -extensions ca_ext "${key[@]}" \
		    -days 3650 -subj "/O=mxtls testbed/CN=mxtls untrusted CA" \
		    -keyout "$pki/untrusted-ca.key" -out "$pki/untrusted-ca.pem"
		newcert untrusted untrusted-ca 1004 mta-sts.untrusted.test
		openssl req -x509 -config "$cnf" -extensions self_ext "${key[@]}" \
		    -days 30 -subj "/CN=mx.example.test" \
		    -keyout "$pki/mxself.key" -out "$pki/mxself.pem"
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out "$pki/unrelated.key"
		spki_hash unrelated.key UNRELATED_SPKI_SHA256
	} & p1=$!
	openssl req -x509 -config "$cnf" -extensions ca_ext "${key[@]}" -days 3650 \
	    -subj "/O=mxtls testbed/CN=mxtls test CA" \
	    -keyout "$pki/ca.key" -out "$pki/ca.pem"
	{
		newcert policy ca 1001 "${POLICY_SANS[0]:-mta-sts.test}"
		newcert wrongname ca 1002 mta-sts.other.test
		openssl req -new -config "$cnf" "${key[@]}" \
		    -subj "/O=mxtls testbed/CN=mta-sts.expiredcert.test" \
		    -keyout "$pki/expired.key" -out "$db/expired.csr"
		openssl ca -batch -config "$cnf" -extensions expired_ext -notext \
		    -cert "$pki/ca.pem" -keyfile "$pki/ca.key" -in "$db/expired.csr" \
		    -out "$pki/expired.pem" -startdate 20200101000000Z \
		    -enddate 20200201000000Z
		chain "$pki" expired ca
		# the same "openssl ca" database: after "expired", not beside it
		openssl req -new -config "$cnf" "${key[@]}" \
		    -subj "/O=mxtls testbed/CN=mx.dane-expired.test" \
		    -keyout "$pki/mxexpired.key" -out "$db/mxexpired.csr"
		openssl ca -batch -config "$cnf" -extensions mxexpired_ext -notext \
		    -cert "$pki/ca.pem" -keyfile "$pki/ca.key" -in "$db/mxexpired.csr" \
		    -out "$pki/mxexpired.pem" -startdate 20200101000000Z \
		    -enddate 20200201000000Z
		chain "$pki" mxexpired ca
		spki_hash mxexpired.key MXEXPIRED_SPKI_SHA256
	} & p2=$!
	newcert mx ca 1005 "${MX_SANS[0]:-mx.test}"
	spki_hash mx.key MX_SPKI_SHA256
	cert_hash mx.pem MX_CERT_SHA256
	wait_all "$p1" "$p2" "$p3" || die "openssl failed (see $log)"
	for t in MX_SPKI_SHA256 MX_CERT_SHA256 MXEXPIRED_SPKI_SHA256 \
	    DANECA_CERT_SHA256 UNRELATED_SPKI_SHA256; do
		read -r S _ <"$pki/$t.tok"
		[ ${#S} = 64 ] || die "cannot compute $t (see $log)"
		printf '%s %s\n' "$t" "$S"
		rm -f "$pki/$t.tok"
	done >"$pki/tlsa.tokens"
	read -r _ S <"$pki/tlsa.tokens"
	printf '%s\n' "$S" >"$pki/mx.tlsa"
}

# ------------------------------------------------------------------ zones
# DIR/zones: F.zone (unsigned; F = the zone name sans dot, "root" for "."),
# F.signed (what unbound loads; insecure zones load F.zone), F.kind,
# F.tamper, keys/F/K<zone>+013+<tag>.{key,private} and keys/F/parent.ds (the
# DS the parent publishes), ta.ds (root DS: the trust anchor), ta-test.ds
# (DS of test.), zonelist ("name file" of every loaded zone; the file is
# relative to DIR/zones, so a copy of DIR works after "testbed.sh confs").
#
# The root and test. have keys of their own; the scenario zones share one
# key pair (a CSK each, ECDSAP256SHA256), which saves two dozen ldns-keygen
# runs; their DNSKEY owner and so their DS still differ. badds.test's
# parent DS is for a fourth key that signs nothing.

# keygen_worker KEYDIR ZONE [KEYDIR ZONE...] - one ECDSAP256SHA256 CSK each
keygen_worker() {
	while [ $# -ge 2 ]; do
		cd "$1" && ldns-keygen -a ECDSAP256SHA256 -k "$2" >/dev/null || exit 1
		shift 2
	done
}

# zone_keys_start DIR - start the ldns-keygen workers; PIDs in KEYGEN_PIDS
KEYGEN_PIDS=()
zone_keys_start() {
	local dir=$1 kd=$1/zones/keys z dirs=()
	echo secure >"$dir/zones/root.kind"; : >"$dir/zones/root.tamper"
	echo secure >"$dir/zones/test.kind"; : >"$dir/zones/test.tamper"
	for z in "${ZONES[@]}"; do
		dirs+=("$kd/$z")
		zone_kind "$dir" "$z"
		[ "$KIND" = badds ] && dirs+=("$kd/unused/$z")
	done
	mkdir -p "$kd/root" "$kd/test" "$kd/shared" "$kd/unused" "${dirs[@]}"
	keygen_worker "$kd/root" . "$kd/shared" shared.test. & KEYGEN_PIDS+=($!)
	keygen_worker "$kd/test" test. "$kd/unused" unused.test. & KEYGEN_PIDS+=($!)
}

# key_for ZONE SRCDIR DSTDIR - write SRCDIR's key into DSTDIR as ZONE's
# key (DNSKEY owner ZONE); KEYLINE = its DNSKEY RR
key_for() {
	local k base name class type rest
	for k in "$2"/K*.private; do base=${k##*/}; base=${base%.private}; done
	read -r name class type rest <"$2/$base.key"
	base=K$1+${base#*+}
	KEYLINE="$1 $class $type $rest"
	printf '%s\n' "$KEYLINE" >"$3/$base.key"
	slurp "$2/${k##*/}"
	printf '%s' "$S" >"$3/$base.private"
}

# zone_keys_finish DIR - wait for the keys, give every zone its key files
# and its parent.ds
zone_keys_finish() {
	local dir=$1 kd=$1/zones/keys z name class type rest bad=""
	wait_all "${KEYGEN_PIDS[@]}" || die "ldns-keygen failed"
	for z in "$kd"/root/K*.ds "$kd"/test/K*.ds; do
		while read -r name class type rest; do
			[ "$type" = DS ] && printf '%s %s %s DS %s\n' "$name" "$TTL" "$class" "$rest"
		done <"$z" >"${z%/*}/parent.ds"
	done
	# one ldns-key2ds for all children; a badds zone's DS is made from
	# the unused key
	for z in "${ZONES[@]}"; do
		zone_kind "$dir" "$z"
		case $KIND in
		insecure) continue ;;
		badds)
			key_for "$z." "$kd/unused" "$kd/unused/$z"
			bad+=$KEYLINE$'\n'
			key_for "$z." "$kd/shared" "$kd/$z"
			;;
		*)
			key_for "$z." "$kd/shared" "$kd/$z"
			printf '%s\n' "$KEYLINE"
			;;
		esac
	done >"$kd/children.key"
	printf '%s' "$bad" >>"$kd/children.key"
	: >"$kd/children.ds"
	if [ -s "$kd/children.key" ]; then
		ldns-key2ds -n -2 "$kd/children.key" >"$kd/children.ds"
	fi
	while read -r name _ class type rest; do
		[ "$type" = DS ] || continue
		name=${name%.}
		printf '%s. %s %s DS %s\n' "$name" "$TTL" "$class" "$rest" >"$kd/$name/parent.ds"
	done <"$kd/children.ds"
}

# zone_key DIR ZONE - KEY = base name of the signing key of ZONE
zone_key() {
	local k
	zfile "$2"
	for k in "$1/zones/keys/$ZF"/K*.private; do
		[ -f "$k" ] || die "no key for zone $2"
		KEY=${k%.private}
		return
	done
}

# ds_of DIR ZONE - print the parent's DS RR for ZONE (none if insecure)
ds_of() {
	zone_kind "$1" "$2"
	[ "$KIND" = insecure ] && return 0
	slurp "$1/zones/keys/$ZF/parent.ds"
	printf '%s' "$S"
}

# sign_zone DIR ZONE [direct] - DIR/zones/F.zone -> F.signed, through a
# temporary file and a rename unless "direct" (first generation)
sign_zone() {
	local dir=$1 z=$2 f out incep expir zdir=$1/zones
	zone_kind "$dir" "$z"
	f=$ZF
	[ "$KIND" = insecure ] && return 0
	if [ "$KIND" = expired ]; then
		incep=20200101000000 expir=20200201000000
	else
		printf -v incep '%(%Y%m%d%H%M%S)T' $((EPOCHSECONDS - 86400))
		printf -v expir '%(%Y%m%d%H%M%S)T' $((EPOCHSECONDS + 30 * 86400))
	fi
	out=$zdir/$f.signed.tmp
	[ "${3:-}" = direct ] && [ ! -s "$zdir/$f.tamper" ] && out=$zdir/$f.signed
	[ "$z" = . ] || z=${z%.}.
	zone_key "$dir" "$z"
	ldns-signzone -o "$z" -i "$incep" -e "$expir" -f "$out" "$zdir/$f.zone" "$KEY"
	if [ -s "$zdir/$f.tamper" ]; then
		awk 'FNR == NR { k = tolower($1) " " $2; r = $0
				 sub(/^[^ ]+ [^ ]+ /, "", r)
				 new[k] = new[k] $1 "\t" ttl "\tIN\t" $2 "\t" r "\n"; next }
		     { k = tolower($1) " " $4 }
		     k in new { if (!(k in done)) printf "%s", new[k]; done[k] = 1; next }
		     { print }' ttl="$TTL" "$zdir/$f.tamper" "$out" >"$out.2"
		mv "$out.2" "$zdir/$f.signed"
		rm -f "$out"
	elif [ "$out" != "$zdir/$f.signed" ]; then
		mv "$out" "$zdir/$f.signed"
	fi
}

sign_worker() {
	local dir=$1 z
	shift
	for z in "$@"; do sign_zone "$dir" "$z" direct || exit 1; done
}

# served_file DIR ZONE - SERVED = the file unbound loads for ZONE
served_file() {
	zone_kind "$1" "$2"
	if [ "$KIND" = insecure ]; then
		SERVED=$1/zones/$ZF.zone
	else
		SERVED=$1/zones/$ZF.signed
	fi
}

# make_zones DIR - parents, trust anchors, signatures (keys being made)
make_zones() {
	local dir=$1 zdir=$1/zones z pids=() all=() part=() w i serial=$EPOCHSECONDS
	zone_keys_finish "$dir"
	# the fake root delegates test. (signed), test. delegates every zone
	{
		printf '$TTL %s\n' "$TTL"
		printf 'test. %s IN SOA ns.test. hostmaster.test. %s 3600 600 86400 %s\n' \
		    "$TTL" "$serial" "$TTL"
		printf 'test. %s IN NS ns.test.\n' "$TTL"
		printf 'ns.test. %s IN A 127.0.0.1\n' "$TTL"
		for z in "${ZONES[@]}"; do
			printf '%s. %s IN NS ns.test.\n' "$z" "$TTL"
			ds_of "$dir" "$z"
		done
	} >"$zdir/test.zone"
	{
		printf '$TTL %s\n' "$TTL"
		printf '. %s IN SOA ns.test. hostmaster.test. %s 3600 600 86400 %s\n' \
		    "$TTL" "$serial" "$TTL"
		printf '. %s IN NS ns.test.\n' "$TTL"
		printf 'test. %s IN NS ns.test.\n' "$TTL"
		printf 'ns.test. %s IN A 127.0.0.1\n' "$TTL"
		ds_of "$dir" test.
	} >"$zdir/root.zone"
	ds_of "$dir" . >"$zdir/ta.ds"
	ds_of "$dir" test. >"$zdir/ta-test.ds"
	all=(. test. "${ZONES[@]}")
	ncpu
	for ((w = 0; w < NCPU; w++)); do
		part=()
		for ((i = w; i < ${#all[@]}; i += NCPU)); do part+=("${all[i]}"); done
		[ ${#part[@]} = 0 ] || { sign_worker "$dir" "${part[@]}" & pids+=($!); }
	done
	wait_all "${pids[@]}" || die "ldns-signzone failed"
	for z in "${all[@]}"; do
		served_file "$dir" "$z"
		[ "$z" = . ] || z=${z%.}.
		printf '%s %s\n' "$z" "${SERVED##*/}"
	done >"$zdir/zonelist"
}

# put_tlsa DIR - replace the @..._SHA256@ tokens (pki/tlsa.tokens) in the
# zone and tamper files of the zones that use them; an unknown token dies
put_tlsa() {
	local z f t hash
	local -A tok=()
	while read -r t hash; do tok[$t]=$hash; done <"$1/pki/tlsa.tokens"
	for z in "${TLSA_ZONES[@]}"; do
		for f in "$1/zones/$z.zone" "$1/zones/$z.tamper"; do
			slurp "$f"
			for t in "${!tok[@]}"; do S=${S//@$t@/${tok[$t]}}; done
			case $S in *@*_SHA256@*) die "zone $z: unknown TLSA token" ;; esac
			printf '%s' "$S" >"$f"
		done
	done
}

# write_confs DIR - DIR/unbound.conf and DIR/mxtls.conf, the only files
# that name DIR (besides pki/openssl.cnf, which is not used again)
write_confs() {
	local dir=$1 name file
	{
		echo "# generated by tests/net/testbed.sh: the hermetic DNS of the testbed,"
		echo "# for ub_ctx_config(). A fake signed root (trust anchor: its DS),"
		echo "# test. and one zone per scenario, loaded in-process as auth-zones."
		echo "server:"
		echo "	local-zone: \"test.\" nodefault"
		echo "	trust-anchor-file: \"$dir/zones/ta.ds\""
		while read -r name file; do
			echo "auth-zone:"
			echo "	name: \"$name\""
			echo "	zonefile: \"$dir/zones/$file\""
			echo "	for-upstream: yes"
			echo "	for-downstream: no"
			echo "	fallback-enabled: no"
		done <"$dir/zones/zonelist"
	} >"$dir/unbound.conf"
	cat >"$dir/mxtls.conf" <<EOF
# generated by tests/net/testbed.sh
cache_dir = $dir/cache
trust_anchor_file = $dir/zones/ta.ds
unbound_conf = $dir/unbound.conf
ca_file = $dir/pki/ca.pem
fetch_timeout = 3
dns_timeout = 5
EOF
}

# install_host_certs DIR - www/HOST/cert.pem + key.pem for "cert" hosts
install_host_certs() {
	local dir=$1 host name
	for host in "${!WWW_CERT[@]}"; do
		name=${WWW_CERT[$host]}
		[ -f "$dir/pki/$name.chain.pem" ] || die "cert $name: no pki/$name.chain.pem"
		slurp "$dir/pki/$name.chain.pem"
		printf '%s' "$S" >"$dir/www/$host/cert.pem"
		slurp "$dir/pki/$name.key"
		printf '%s' "$S" >"$dir/www/$host/key.pem"
	done
}

cmd_generate() {
	local dir=$1 pki_pid
	[ -d "$dir" ] || die "generate: no directory $dir"
	case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
	rm -rf "$dir/zones" "$dir/pki" "$dir/www"
	mkdir -p "$dir/zones/keys" "$dir/pki" "$dir/www" "$dir/cache"
	tb_table_parse "$dir"
	rm -f "$dir/.pki-ready"
	make_pki "$dir" & pki_pid=$!
	zone_keys_start "$dir"
	wait "$pki_pid" || die "PKI generation failed (see $dir/pki/openssl.log)"
	install_host_certs "$dir"
	# lib.sh starts the HTTPS server now, while the zones are signed
	: >"$dir/.pki-ready"
	put_tlsa "$dir"
	make_zones "$dir"
	write_confs "$dir"
}

# quote_txt STRING - QT = zone-file rdata of one TXT RR holding STRING
quote_txt() {
	local s=$1 out='' chunk
	case $s in \"*) QT=$s; return ;; esac
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	while :; do
		chunk=${s:0:255}
		# never cut an escape pair in two
		case $chunk in *\\) [ ${#chunk} -lt ${#s} ] && chunk=${s:0:254} ;; esac
		out="$out${out:+ }\"$chunk\""
		s=${s:${#chunk}}
		[ -n "$s" ] || break
	done
	QT=$out
}

cmd_set_rr() {
	local dir=$1 z owner type f r
	zone_of "$2" "$dir"
	z=$Z
	fqdn "$3" "$z"
	owner=$FQ
	type=${4^^}
	shift 4
	f=$dir/zones/$z.zone
	awk -v o="$owner" -v t="$type" '!(tolower($1) == o && toupper($4) == t)' \
	    "$f" >"$f.tmp"
	for r in "$@"; do
		printf '%s %s IN %s %s\n' "$owner" "$TTL" "$type" "$r" >>"$f.tmp"
	done
	mv "$f.tmp" "$f"
	sign_zone "$dir" "$z"
}

cmd_set_txt() {
	local dir=$1 z t rr=()
	zone_of "$2" "$dir"
	z=$Z
	shift 2
	for t in "$@"; do quote_txt "$t"; rr+=("$QT"); done
	cmd_set_rr "$dir" "$z" _mta-sts TXT "${rr[@]}"
}

cmd_set_policy() {
	local dir=$1 host=mta-sts.${2%.} src=$3
	host=${host,,}
	mkdir -p "$dir/www/$host"
	if [ "$src" = - ]; then
		cat >"$dir/www/$host/.policy.tmp"
	else
		cat "$src" >"$dir/www/$host/.policy.tmp"
	fi
	mv "$dir/www/$host/.policy.tmp" "$dir/www/$host/policy"
}

cmd_set_meta() {
	local dir=$1 host=mta-sts.${2%.} json=${3:-}
	host=${host,,}
	if [ -z "$json" ] || [ "$json" = "{}" ]; then
		rm -f "$dir/www/$host/meta.json"
		return
	fi
	mkdir -p "$dir/www/$host"
	printf '%s\n' "$json" >"$dir/www/$host/.meta.tmp"
	mv "$dir/www/$host/.meta.tmp" "$dir/www/$host/meta.json"
}

cmd_requests() {
	local log=$1/https.log host=${2,,} n=0 line
	if [ -f "$log" ]; then
		while IFS= read -r line; do
			case $line in
			*"\"event\": \"request\", \"host\": \"$host\","*) n=$((n + 1)) ;;
			esac
		done <"$log"
	fi
	echo "$n"
}

# cmd_bulk DIR COUNT [PREFIX...] - see "bulk" above
cmd_bulk() {
	local dir=$1 n=$2 zdir=$1/zones kd=$1/zones/keys z=bulk.test
	local name ttl class type rest i p names=() cnf
	shift 2
	[ $# -gt 0 ] || set -- d
	case $n in ''|*[!0-9]*) die "bulk: COUNT must be a number" ;; esac
	for p in "$@"; do
		case $p in [a-z]|[a-z][a-z0-9]*) ;; *) die "bulk: bad prefix $p" ;; esac
		[ "$p" != mx ] && [ "$p" != nopol ] || die "bulk: reserved prefix $p"
	done
	[ -f "$zdir/test.zone" ] && [ -d "$kd/shared" ] || die "bulk: no testbed in $dir"
	[ ! -f "$zdir/$z.kind" ] || die "bulk: $dir already has $z"
	echo secure >"$zdir/$z.kind"
	: >"$zdir/$z.tamper"
	{
		printf '$ORIGIN %s.\n$TTL %s\n' "$z" "$TTL"
		printf '%s. %s IN SOA ns.test. hostmaster.test. %s 3600 600 86400 %s\n' \
		    "$z" "$TTL" "$EPOCHSECONDS" "$TTL"
		printf '%s. %s IN NS ns.test.\n' "$z" "$TTL"
		printf 'mx.%s. %s IN A 127.0.0.11\n' "$z" "$TTL"
		printf '*.%s. %s IN MX 10 mx.%s.\n' "$z" "$TTL" "$z"
		printf '*.%s. %s IN A 127.0.0.1\n' "$z" "$TTL"
		printf '*.%s. %s IN TXT "v=STSv1; id=bulk1;"\n' "$z" "$TTL"
		printf 'nopol.%s. %s IN A 127.0.0.1\n' "$z" "$TTL"
		printf '*.nopol.%s. %s IN MX 10 mx.%s.\n' "$z" "$TTL" "$z"
	} >"$zdir/$z.zone"
	# the shared key, its DS into test. (re-signed)
	mkdir -p "$kd/$z"
	key_for "$z." "$kd/shared" "$kd/$z"
	printf '%s\n' "$KEYLINE" >"$kd/$z/dnskey"
	ldns-key2ds -n -2 "$kd/$z/dnskey" >"$kd/$z/ds" || die "bulk: ldns-key2ds failed"
	while read -r name ttl class type rest; do
		[ "$type" = DS ] && printf '%s %s %s DS %s\n' "$name" "$TTL" "$class" "$rest"
	done <"$kd/$z/ds" >"$kd/$z/parent.ds"
	{
		printf '%s. %s IN NS ns.test.\n' "$z" "$TTL"
		slurp "$kd/$z/parent.ds"
		printf '%s' "$S"
	} >>"$zdir/test.zone"
	sign_zone "$dir" test.
	sign_zone "$dir" "$z"
	printf '%s. %s\n' "$z" "$z.signed" >>"$zdir/zonelist"
	write_confs "$dir"
	# certificates from the test CA naming BULK_CHUNK policy hosts each
	# (pki/bulk-PREFIX-K for hosts K*BULK_CHUNK+1 ...): real policy hosts
	# have small certificates, and parsing one with thousands of names in
	# every handshake would be most of what a benchmark measures
	cnf=$dir/pki/bulk.cnf
	local k first last
	for p in "$@"; do
		for ((k = 0; k * BULK_CHUNK < n; k++)); do
			first=$((k * BULK_CHUNK + 1)) last=$(((k + 1) * BULK_CHUNK))
			[ $last -le $n ] || last=$n
			names=()
			for ((i = first; i <= last; i++)); do names+=("mta-sts.$p$i.$z"); done
			{
				printf '[req]\ndistinguished_name = dn\n[dn]\n'
				leaf_ext bulk_ext "${names[@]}"
			} >"$cnf.$p.$k"
			openssl req -x509 -config "$cnf.$p.$k" -extensions bulk_ext -newkey ec \
			    -pkeyopt ec_paramgen_curve:P-256 -nodes -CA "$dir/pki/ca.pem" \
			    -CAkey "$dir/pki/ca.key" -set_serial "0x10$RANDOM$RANDOM$k" -days 30 \
			    -subj "/O=mxtls testbed/CN=mta-sts.$p$first.$z" \
			    -keyout "$dir/pki/bulk-$p-$k.key" -out "$dir/pki/bulk-$p-$k.pem" \
			    2>>"$dir/pki/openssl.log" &
			if (( k % 8 == 7 )); then wait || :; fi
		done
	done
	wait || :
	for p in "$@"; do
		for ((k = 0; k * BULK_CHUNK < n; k++)); do
			[ -s "$dir/pki/bulk-$p-$k.pem" ] ||
			    die "bulk: openssl failed (see $dir/pki/openssl.log)"
			chain "$dir/pki" "bulk-$p-$k" ca
		done
	done
	# the www tree: thousands of small files and links, without a fork each
	python3 - "$dir" "$z" "$n" "$BULK_CHUNK" "$@" <<'PYEOF' || die "bulk: www tree"
import os, sys
d, z, n, chunk, prefixes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
body = "version: STSv1\nmode: enforce\nmx: mx.%s\nmax_age: 604800\n" % z
for p in prefixes:
    for i in range(1, n + 1):
        w = os.path.join(d, "www", "mta-sts.%s%d.%s" % (p, i, z))
        os.makedirs(w, exist_ok=True)
        with open(os.path.join(w, "policy"), "w") as f:
            f.write(body)
        k = (i - 1) // chunk
        for src, dst in (("bulk-%s-%d.chain.pem" % (p, k), "cert.pem"), ("bulk-%s-%d.key" % (p, k), "key.pem")):
            t = os.path.join(w, dst)
            if os.path.lexists(t):
                os.unlink(t)
            os.symlink(os.path.join(d, "pki", src), t)
PYEOF
}

[ $# -ge 1 ] || die "usage: testbed.sh generate|confs|sign|set-rr|set-txt|set-policy|set-meta|requests|zones|bulk ..."
cmd=$1
shift
case $cmd in
generate)	[ $# = 1 ] || die "usage: generate DIR"; cmd_generate "$1" ;;
confs)		[ $# = 1 ] && [ -d "$1/zones" ] || die "usage: confs DIR"
		case $1 in /*) write_confs "$1" ;; *) write_confs "$PWD/$1" ;; esac ;;
sign)		[ $# = 2 ] || die "usage: sign DIR ZONE"; zone_of "$2" "$1"; sign_zone "$1" "$Z" ;;
set-rr)		[ $# -ge 4 ] || die "usage: set-rr DIR ZONE OWNER TYPE [RDATA...]"; cmd_set_rr "$@" ;;
set-txt)	[ $# -ge 2 ] || die "usage: set-txt DIR DOMAIN [TXT...]"; cmd_set_txt "$@" ;;
set-policy)	[ $# = 3 ] || die "usage: set-policy DIR DOMAIN FILE|-"; cmd_set_policy "$@" ;;
set-meta)	[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: set-meta DIR DOMAIN [JSON]"; cmd_set_meta "$@" ;;
requests)	[ $# = 2 ] || die "usage: requests DIR HOST"; cmd_requests "$@" ;;
bulk)		[ $# -ge 2 ] || die "usage: bulk DIR COUNT [PREFIX...]"
		case $1 in /*) cmd_bulk "$@" ;; *) d=$PWD/$1; shift; cmd_bulk "$d" "$@" ;; esac ;;
zones)		while read -r cmd rest; do
			[ "$cmd" = zone ] && echo "${rest%% *}"
		done <<<"$TB_TABLE" ;;
*)		die "unknown command $cmd" ;;
esac
