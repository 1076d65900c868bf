/*
 * NAME
 *	test_socketmap - table-driven tests of the socketmap request, key
 *	and reply table of mxtlsd
 * DESCRIPTION
 *	Three tables: requests split into map name and key (explicit
 *	lengths, so NUL bytes can be tested); keys canonicalised as Postfix
 *	sends them; and decisions built by hand for every row of the reply
 *	table, in both dialects, with the exact reply expected.
 * SEE ALSO
 *	milter/socketmap.c, milter/reply.c
 */
#include "socketmap.h"

#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "tap.h"

#define T(s)	s, sizeof(s) - 1

/* ---------------------------------------------------------------- split */

struct split_case {
	const char *in;
	size_t	len;
	enum mxtls_status want;
	const char *name;	/* MXTLS_OK: the name; else the reason */
	const char *key;
};

#define SPLIT(s, n, k)	{T(s), MXTLS_OK, n, k}
#define NOSPLIT(s, why)	{T(s), MXTLS_PERMFAIL, why, ""}

#define NAME64	"abcdefghijklmnopqrstuvwxyz" "ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
		"0123456789_."
#define LBL31	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LBL63	LBL31 "a" LBL31
#define KEY269	"[" LBL63 "." LBL63 "." LBL63 "." LBL63 ".bbbb.]:65535"

static const struct split_case splits[] = {
	SPLIT("postfix example.com", "postfix", "example.com"),
	SPLIT("sts example.com", "sts", "example.com"),
	SPLIT("mtasts [mail.example.com]:25", "mtasts",
	    "[mail.example.com]:25"),
	SPLIT("a.b-c_D9 Example.COM.", "a.b-c_D9", "Example.COM."),
	SPLIT("x y", "x", "y"),
	SPLIT(NAME64 " example.com", NAME64, "example.com"),
	SPLIT("postfix " KEY269, "postfix", KEY269),
	SPLIT("postfix !#$%&'()*+,-./:;<=>?@[]^_`{|}~", "postfix",
	    "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"),
	NOSPLIT("postfix", "no space"),
	NOSPLIT("", "no space"),
	NOSPLIT("postfix\texample.com", "no space"),
	NOSPLIT(" example.com", "empty map name"),
	NOSPLIT("postfix ", "empty key"),
	NOSPLIT("postfix  example.com", "bad byte at offset 0"),
	NOSPLIT("postfix example.com extra", "bad byte at offset 11"),
	NOSPLIT("post/fix example.com", "map name \"post/fix\" has a bad "
	    "byte at offset 4"),
	NOSPLIT("post:fix example.com", "bad byte"),
	NOSPLIT("postfix exa\001mple.com", "key \"exa?mple.com\" has a bad "
	    "byte at offset 3"),
	NOSPLIT("postfix exa\0mple.com", "bad byte at offset 3"),
	NOSPLIT("post\0fix example.com", "bad byte at offset 4"),
	NOSPLIT("postfix ex\177", "bad byte"),
	NOSPLIT("postfix caf\303\251.example", "bad byte"),
	NOSPLIT("postfix example.com\r\n", "bad byte"),
	NOSPLIT(NAME64 "x example.com", "longer than 64 bytes"),
	NOSPLIT("postfix x" KEY269, "longer than 269 bytes"),
};

static void
run_splits(void)
{
	const struct split_case *c;
	struct mxtls_why why;
	char name[MXTLSD_MAPNAME_MAX + 1], key[MXTLS_DOMAIN_MAX + 17];
	enum mxtls_status rv;
	size_t i;
	int good;

	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		c = &splits[i];
		mxtls_why_clear(&why);
		memset(name, 'N', sizeof(name));
		memset(key, 'K', sizeof(key));
		rv = mxtlsd_socketmap_split(c->in, c->len, name, sizeof(name),
		    key, sizeof(key), &why);
		if (c->want == MXTLS_OK)
			good = rv == MXTLS_OK && strcmp(name, c->name) == 0 &&
			    strcmp(key, c->key) == 0;
		else
			good = rv == c->want && name[0] == '\0' &&
			    key[0] == '\0' && strstr(why.text, c->name) != NULL;
		ok(good, "split %zu: %s, \"%s\" \"%s\" / %s", i + 1,
		    mxtls_status_name(rv), rv == MXTLS_OK ? name : "",
		    rv == MXTLS_OK ? key : "", why.text);
	}
	ok(mxtlsd_socketmap_split(T("postfix example.com"), name, 7, key,
	    sizeof(key), &why) == MXTLS_PERMFAIL &&
	    strstr(why.text, "no room") != NULL, "split: name buffer too "
	    "small is refused");
	ok(mxtlsd_socketmap_split(T("postfix example.com"), name,
	    sizeof(name), key, 11, &why) == MXTLS_PERMFAIL, "split: key "
	    "buffer too small is refused");
	ok(mxtlsd_socketmap_split(NULL, 0, name, sizeof(name), key,
	    sizeof(key), NULL) == MXTLS_PERMFAIL, "split: NULL request");
}

/* ---------------------------------------------------------------- key */

struct key_case {
	const char *in;
	enum mxtls_status want;
	const char *out;	/* MXTLS_OK: domain; PERMFAIL: the reason */
};

#define KOK(k, d)	{k, MXTLS_OK, d}
#define KNONE(k)	{k, MXTLS_NOTFOUND, ""}
#define KBAD(k, why)	{k, MXTLS_PERMFAIL, why}

#define DOM253	LBL63 "." LBL63 "." LBL63 "." LBL31 \
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const struct key_case keys[] = {
	/* Postfix canonicalisation */
	KOK("example.com", "example.com"),
	KOK("Example.COM.", "example.com"),
	KOK("EXAMPLE.COM", "example.com"),
	KOK("[mail.example.com]:25", "mail.example.com"),
	KOK("[mail.example.com]", "mail.example.com"),
	KOK("[Mail.Example.COM.]:587", "mail.example.com"),
	KOK("example.com:587", "example.com"),
	KOK("example.com.:25", "example.com"),
	KOK("example.com:65535", "example.com"),
	KOK("example.com:1", "example.com"),
	KOK("xn--bcher-kva.example", "xn--bcher-kva.example"),
	KOK("localhost", "localhost"),
	KOK("a-b.c0.example", "a-b.c0.example"),
	KOK("123.example.com", "123.example.com"),
	KOK(DOM253, DOM253),
	KOK(DOM253 ".", DOM253),
	/* IP literals and parent-domain probes: no policy */
	KNONE("[192.0.2.1]"),
	KNONE("[192.0.2.1]:25"),
	KNONE("[IPv6:2001:db8::1]"),
	KNONE("[ipv6:::1]:25"),
	KNONE("[IPV6:2001:DB8::1]"),
	KNONE("[2001:db8::1]"),
	KNONE("192.0.2.1"),
	KNONE("192.0.2.1:25"),
	KNONE("192.0.2.1."),
	KNONE("2001:db8::1"),
	KNONE("::1"),
	KNONE("::ffff:192.0.2.1"),
	KNONE(".example.com"),
	KNONE(".com"),
	KNONE("."),
	KNONE("[.example.com]"),
	/* not domains */
	KBAD("", "empty"),
	KBAD("_mta-sts.example.com", "contains '_'"),
	KBAD("mail_1.example.com", "contains '_'"),
	KBAD("[_dmarc.example.com]:25", "contains '_'"),
	KBAD("-bad.example.com", "begins with '-'"),
	KBAD("a..b", "empty label"),
	KBAD("example.com..", "empty label"),
	KBAD("1.2.3", "all-numeric"),
	KBAD("256.0.2.1", "all-numeric"),
	KBAD("[]", "empty domain name"),
	KBAD("[example.com", "without ']'"),
	KBAD("[example.com]x", "not a port"),
	KBAD("[example.com]:", "bad port"),
	KBAD("[example.com]:25:", "bad port"),
	KBAD("example.com:", "bad port"),
	KBAD("example.com:0", "bad port"),
	KBAD("example.com:65536", "bad port"),
	KBAD("example.com:123456", "bad port"),
	KBAD("example.com:abc", "bad port"),
	KBAD("example.com:-1", "bad port"),
	KBAD(":25", "empty domain name"),
	KBAD("mx:b:x", "several ':'"),
	KBAD("exa mple.com", "contains ' '"),
	KBAD("caf\303\251.example", "non-ASCII"),
	KBAD(DOM253 "a", "254 characters long"),
	KBAD(DOM253 ".aaaaaaaaaaaaaaaaaa", "longer than 269 bytes"),
	KBAD("a." LBL63 "a.example", "label of 64 characters"),
};

static void
run_keys(void)
{
	const struct key_case *c;
	struct mxtls_why why;
	char out[MXTLS_DOMAIN_MAX + 1];
	enum mxtls_status rv;
	size_t i;
	int good;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		c = &keys[i];
		mxtls_why_clear(&why);
		memset(out, 'X', sizeof(out));
		rv = mxtlsd_socketmap_key(c->in, out, sizeof(out), &why);
		if (c->want == MXTLS_OK)
			good = rv == MXTLS_OK && strcmp(out, c->out) == 0;
		else if (c->want == MXTLS_NOTFOUND)
			good = rv == MXTLS_NOTFOUND && out[0] == '\0';
		else
			good = rv == c->want && out[0] == '\0' &&
			    strstr(why.text, c->out) != NULL;
		ok(good, "key %zu \"%.40s\": %s, \"%.40s\" / %s", i + 1, c->in,
		    mxtls_status_name(rv), rv == MXTLS_OK ? out : "",
		    why.text);
	}
	ok(mxtlsd_socketmap_key("example.com", out, 100, &why) ==
	    MXTLS_PERMFAIL, "key: output buffer too small is refused");
	ok(mxtlsd_socketmap_key(NULL, out, sizeof(out), NULL) ==
	    MXTLS_PERMFAIL, "key: NULL key is refused");
}

/* ---------------------------------------------------------------- reply */

#define MX_KNOWN	0
#define MX_ERROR	1
#define MX_IMPLICIT	2
#define MX_NULL		3

#define R_D	MXTLS_DANE_REQ_DANE
#define R_E	MXTLS_DANE_REQ_ENCRYPT
#define R_O	MXTLS_DANE_REQ_OPPORTUNISTIC
#define R_U	MXTLS_DANE_REQ_UNUSABLE

#define PF	MXTLSD_DIALECT_POSTFIX
#define SM	MXTLSD_DIALECT_SENDMAIL

struct reply_case {
	const char *label;
	enum mxtls_policy policy;
	enum mxtlsd_dialect dia;
	struct mxtlsd_reply_opts o;	/* dane_only, encrypt_as_dane,
					   testing_enforce, postfix_tlsrpt */
	const char *mx[4];		/* policy patterns */
	const char *hosts[5];		/* MX host names */
	enum mxtls_dane_req req[5];
	int	mxstate;
	const char *body;		/* raw policy, or NULL */
	const char *err;		/* decision error detail */
	const char *want;
};

#define O_DEF	{1, 1, 0, 0}
#define O_STRICT {1, 0, 0, 0}
#define O_RPT	{1, 1, 0, 1}
#define WILD	{"*.example.com"}
#define THREE	{"a.example.com", "a.b.example.com", "mail.other.net"}

#define BODY	"version: STSv1\r\nmode: enforce\r\nmx: *.example.com\r\n" \
		"max_age: 86400\r\n"
#define RPT	" policy_type=sts policy_domain=example.com" \
		" { policy_string = version: STSv1 }" \
		" { policy_string = mode: enforce }" \
		" { policy_string = mx: *.example.com }" \
		" { policy_string = max_age: 86400 }" \
		" mx_host_pattern=*.example.com"
#define SEC_A	"OK secure match=a.example.com servername=hostname"
#define SEC_W	"OK secure match=.example.com servername=hostname"

static const struct reply_case replies[] = {
	/* none */
	{"none", MXTLS_POLICY_NONE, PF, O_DEF, {0}, {0}, {0}, 0, NULL, NULL,
	    "NOTFOUND "},
	{"none, sendmail", MXTLS_POLICY_NONE, SM, O_DEF, {0}, {0}, {0}, 0,
	    NULL, NULL, "NOTFOUND "},
	/* tempfail */
	{"tempfail", MXTLS_POLICY_TEMPFAIL, PF, O_DEF, {0}, {0}, {0}, 0, NULL,
	    "policy fetch failed: connection refused",
	    "TEMP policy fetch failed: connection refused"},
	{"tempfail, newline", MXTLS_POLICY_TEMPFAIL, PF, O_DEF, {0}, {0},
	    {0}, 0, NULL, "bad\r\nthing\tx\303\251", "TEMP bad??thing?x??"},
	{"tempfail, no reason", MXTLS_POLICY_TEMPFAIL, PF, O_DEF, {0}, {0},
	    {0}, 0, NULL, NULL, "TEMP cannot decide now"},
	{"tempfail, sendmail", MXTLS_POLICY_TEMPFAIL, SM, O_DEF, {0}, {0},
	    {0}, 0, NULL, "MX lookup: SERVFAIL", "TEMP MX lookup: SERVFAIL"},
	{"tempfail, long reason", MXTLS_POLICY_TEMPFAIL, PF, O_DEF, {0}, {0},
	    {0}, 0, NULL, "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789xyz",
	    "TEMP 0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "012345678901234567890123456789012345678"},
	/* dane: RFC 7672 2.2 */
	{"dane, all usable, dane_only", MXTLS_POLICY_DANE, PF, O_DEF, {0},
	    {"mx1.example.com", "mx2.example.com"}, {R_D, R_D}, 0, NULL,
	    NULL, "OK dane-only"},
	{"dane, all usable, not dane_only", MXTLS_POLICY_DANE, PF,
	    {0, 1, 0, 0}, {0}, {"mx1.example.com", "mx2.example.com"},
	    {R_D, R_D}, 0, NULL, NULL, "OK dane"},
	{"dane, one host without TLSA", MXTLS_POLICY_DANE, PF, O_DEF, {0},
	    {"mx1.example.com", "mx2.example.com"}, {R_D, R_O}, 0, NULL,
	    NULL, "OK dane"},
	{"dane, usable and unusable", MXTLS_POLICY_DANE, PF, O_STRICT, {0},
	    {"mx1.example.com", "mx2.example.com"}, {R_D, R_E}, 0, NULL,
	    NULL, "OK dane"},
	{"dane, all unusable, encrypt", MXTLS_POLICY_DANE, PF, O_STRICT, {0},
	    {"mx1.example.com", "mx2.example.com"}, {R_E, R_E}, 0, NULL,
	    NULL, "OK encrypt"},
	{"dane, all unusable, encrypt_as_dane", MXTLS_POLICY_DANE, PF, O_DEF,
	    {0}, {"mx1.example.com"}, {R_E}, 0, NULL, NULL, "OK dane"},
	{"dane, all unusable, never dane-only", MXTLS_POLICY_DANE, PF,
	    {1, 1, 0, 0}, {0}, {"mx1.example.com"}, {R_E}, 0, NULL, NULL,
	    "OK dane"},
	{"dane, lookup error on one host", MXTLS_POLICY_DANE, PF, O_DEF, {0},
	    {"mx1.example.com", "mx2.example.com"}, {R_D, R_U}, 0, NULL,
	    NULL, "OK dane"},
	{"dane, no host list", MXTLS_POLICY_DANE, PF, O_DEF, {0}, {0}, {0},
	    0, NULL, NULL, "OK dane"},
	{"dane, sendmail", MXTLS_POLICY_DANE, SM, O_DEF, {0},
	    {"mx1.example.com"}, {R_D}, 0, NULL, NULL, "NOTFOUND "},
	{"dane, sendmail, all unusable", MXTLS_POLICY_DANE, SM, O_STRICT,
	    {0}, {"mx1.example.com"}, {R_E}, 0, NULL, NULL, "NOTFOUND "},
	/* sts-enforce: exact MX names (RFC 8461 4.1) */
	{"enforce, *.example.com vs three MX", MXTLS_POLICY_STS_ENFORCE, PF,
	    O_DEF, WILD, THREE, {0}, 0, NULL, NULL, SEC_A},
	{"enforce, sendmail", MXTLS_POLICY_STS_ENFORCE, SM, O_DEF, WILD,
	    THREE, {0}, 0, NULL, NULL, SEC_A},
	{"enforce, several matches in MX order", MXTLS_POLICY_STS_ENFORCE,
	    PF, O_DEF, {"mail.example.com", "*.example.net"},
	    {"mx2.example.net", "mail.example.com", "x.y.example.net",
	    "mx1.example.net"}, {0}, 0, NULL, NULL,
	    "OK secure match=mx2.example.net:mail.example.com:"
	    "mx1.example.net servername=hostname"},
	{"enforce, duplicate MX listed once", MXTLS_POLICY_STS_ENFORCE, PF,
	    O_DEF, WILD, {"a.example.com", "b.example.com", "a.example.com"},
	    {0}, 0, NULL, NULL,
	    "OK secure match=a.example.com:b.example.com servername=hostname"},
	{"enforce, exact pattern only", MXTLS_POLICY_STS_ENFORCE, PF, O_DEF,
	    {"mail.example.com"}, {"mail.example.com", "example.com"}, {0},
	    0, NULL, NULL, "OK secure match=mail.example.com "
	    "servername=hostname"},
	/* sts-enforce: fallback to the patterns */
	{"enforce, MX lookup failed", MXTLS_POLICY_STS_ENFORCE, PF, O_DEF,
	    WILD, THREE, {0}, MX_ERROR, NULL, NULL, SEC_W},
	{"enforce, implicit MX", MXTLS_POLICY_STS_ENFORCE, PF, O_DEF, WILD,
	    {"example.com"}, {0}, MX_IMPLICIT, NULL, NULL, SEC_W},
	{"enforce, null MX", MXTLS_POLICY_STS_ENFORCE, PF, O_DEF, WILD,
	    {0}, {0}, MX_NULL, NULL, NULL, SEC_W},
	{"enforce, no MX host known", MXTLS_POLICY_STS_ENFORCE, PF, O_DEF,
	    WILD, {0}, {0}, 0, NULL, NULL, SEC_W},
	{"enforce, no MX host matches", MXTLS_POLICY_STS_ENFORCE, PF, O_DEF,
	    WILD, {"a.b.example.com", "mail.other.net"}, {0}, 0, NULL, NULL,
	    SEC_W},
	{"enforce, fallback mixed patterns", MXTLS_POLICY_STS_ENFORCE, PF,
	    O_DEF, {"mail.example.com", "*.example.net"}, {0}, {0}, MX_ERROR,
	    NULL, NULL, "OK secure match=mail.example.com:.example.net "
	    "servername=hostname"},
	{"enforce, fallback, sendmail", MXTLS_POLICY_STS_ENFORCE, SM, O_DEF,
	    WILD, {0}, {0}, MX_ERROR, NULL, NULL, SEC_W},
	{"enforce, no patterns", MXTLS_POLICY_STS_ENFORCE, PF, O_DEF, {0},
	    THREE, {0}, 0, NULL, NULL,
	    "TEMP MTA-STS policy without mx patterns"},
	/* sts-enforce: Postfix 3.10 TLSRPT attributes */
	{"enforce, tlsrpt", MXTLS_POLICY_STS_ENFORCE, PF, O_RPT, WILD, THREE,
	    {0}, 0, BODY, NULL, SEC_A RPT},
	{"enforce, tlsrpt, rebuilt", MXTLS_POLICY_STS_ENFORCE, PF, O_RPT,
	    WILD, THREE, {0}, 0, NULL, NULL, SEC_A RPT},
	{"enforce, tlsrpt, fallback", MXTLS_POLICY_STS_ENFORCE, PF, O_RPT,
	    WILD, {0}, {0}, MX_ERROR, BODY, NULL, SEC_W RPT},
	{"enforce, tlsrpt, LF and odd lines", MXTLS_POLICY_STS_ENFORCE, PF,
	    O_RPT, {"mx.example.com", "*.example.net"}, {"mx.example.com"},
	    {0}, 0, "version: STSv1\nmode: enforce  \n\nmx: mx.example.com\n"
	    "ext: {x}\nmx: *.example.net\nlang: caf\303\251\nmax_age: 604800",
	    NULL, "OK secure match=mx.example.com servername=hostname"
	    " policy_type=sts policy_domain=example.com"
	    " { policy_string = version: STSv1 }"
	    " { policy_string = mode: enforce }"
	    " { policy_string = mx: mx.example.com }"
	    " { policy_string = mx: *.example.net }"
	    " { policy_string = max_age: 604800 }"
	    " mx_host_pattern=mx.example.com mx_host_pattern=*.example.net"},
	{"enforce, tlsrpt, sendmail: none", MXTLS_POLICY_STS_ENFORCE, SM,
	    O_RPT, WILD, THREE, {0}, 0, BODY, NULL, SEC_A},
	/* sts-testing */
	{"testing, 0", MXTLS_POLICY_STS_TESTING, PF, {1, 1, 0, 0}, WILD,
	    THREE, {0}, 0, NULL, NULL, "NOTFOUND "},
	{"testing, 1", MXTLS_POLICY_STS_TESTING, PF, {1, 1, 1, 0}, WILD,
	    THREE, {0}, 0, NULL, NULL, SEC_A},
	{"testing, 1, tlsrpt", MXTLS_POLICY_STS_TESTING, PF, {1, 1, 1, 1},
	    WILD, THREE, {0}, 0, NULL, NULL, SEC_A
	    " policy_type=sts policy_domain=example.com"
	    " { policy_string = version: STSv1 }"
	    " { policy_string = mode: testing }"
	    " { policy_string = mx: *.example.com }"
	    " { policy_string = max_age: 86400 }"
	    " mx_host_pattern=*.example.com"},
	{"testing, 2", MXTLS_POLICY_STS_TESTING, PF, {1, 1, 2, 0}, WILD,
	    THREE, {0}, 0, NULL, NULL, "OK may"},
	{"testing, 0, sendmail", MXTLS_POLICY_STS_TESTING, SM, {1, 1, 0, 0},
	    WILD, THREE, {0}, 0, NULL, NULL, "NOTFOUND "},
	{"testing, 1, sendmail", MXTLS_POLICY_STS_TESTING, SM, {1, 1, 1, 1},
	    WILD, THREE, {0}, 0, NULL, NULL, SEC_A},
	{"testing, 2, sendmail", MXTLS_POLICY_STS_TESTING, SM, {1, 1, 2, 0},
	    WILD, THREE, {0}, 0, NULL, NULL, "OK may"},
	/* an unknown policy value fails safe */
	{"unknown policy", (enum mxtls_policy)99, PF, O_DEF, {0}, {0}, {0},
	    0, NULL, NULL, "TEMP unknown policy (internal error)"},
};

/* build - a decision for example.com from the case; caller frees */

static struct mxtls_decision *
build(const struct reply_case *c)
{
	struct mxtls_decision *d;
	size_t i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		abort();
	(void)mxtls_strlcpy(d->domain, "example.com", sizeof(d->domain));
	d->policy = c->policy;
	d->decided_by = c->policy == MXTLS_POLICY_DANE ? MXTLS_RULE_DANE :
	    MXTLS_RULE_MTA_STS;
	d->sts.policy = c->policy;
	d->sts.entry.policy.mode = c->policy == MXTLS_POLICY_STS_TESTING ?
	    MXTLS_STS_MODE_TESTING : MXTLS_STS_MODE_ENFORCE;
	d->sts.entry.policy.max_age = 86400;
	for (i = 0; i < 4 && c->mx[i] != NULL; i++)
		(void)mxtls_strlcpy(d->sts.entry.policy.mx[i], c->mx[i],
		    sizeof(d->sts.entry.policy.mx[i]));
	d->sts.entry.policy.nmx = i;
	d->sts.have_entry = d->sts.entry.have_policy = 1;
	if (c->body != NULL) {
		d->sts.entry.body = (char *)(uintptr_t)c->body;
		d->sts.entry.body_len = strlen(c->body);
	}
	for (i = 0; i < 5 && c->hosts[i] != NULL; i++) {
		(void)mxtls_strlcpy(d->dane.hosts[i].host, c->hosts[i],
		    sizeof(d->dane.hosts[i].host));
		d->dane.hosts[i].requirement = c->req[i];
		d->dane.hosts[i].nusable = c->req[i] == R_D ? 1 : 0;
		d->dane.hosts[i].ntlsa = c->req[i] == R_D ||
		    c->req[i] == R_E ? 1 : 0;
	}
	d->dane.nhosts = i;
	d->dane.mx_error = c->mxstate == MX_ERROR;
	d->dane.implicit_mx = c->mxstate == MX_IMPLICIT;
	d->dane.null_mx = c->mxstate == MX_NULL;
	if (c->err != NULL) {
		d->nerrors = 1;
		d->errors[0].type = MXTLS_RT_STS_POLICY_FETCH_ERROR;
		(void)mxtls_strlcpy(d->errors[0].detail, c->err,
		    sizeof(d->errors[0].detail));
	}
	return d;
}

static void
run_replies(void)
{
	const struct reply_case *c;
	struct mxtls_decision *d;
	char out[4096];
	size_t i, n, k;
	int good;

	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		c = &replies[i];
		d = build(c);
		memset(out, 'Z', sizeof(out));
		n = mxtlsd_reply(d, c->dia, &c->o, out, sizeof(out));
		good = n == strlen(c->want) && strcmp(out, c->want) == 0;
		ok(good, "reply %zu (%s, %s): \"%s\"", i + 1, c->label,
		    c->dia == PF ? "postfix" : "sendmail", out);
		if (!good)
			diag("want \"%s\"", c->want);
		/* exactly enough room, and one byte less */
		k = mxtlsd_reply(d, c->dia, &c->o, out, n + 1);
		good = k == n && strcmp(out, c->want) == 0;
		k = mxtlsd_reply(d, c->dia, &c->o, out, n);
		ok(good && k == 0 && out[0] == '\0', "reply %zu: fits in %zu "
		    "bytes, not in %zu", i + 1, n + 1, n);
		free(d);
	}
}

/* run_errors - where the TEMP reason comes from */

static void
run_errors(void)
{
	const struct mxtlsd_reply_opts o = O_DEF;
	struct mxtls_decision *d;
	char out[512];

	if ((d = calloc(1, sizeof(*d))) == NULL)
		abort();
	d->policy = MXTLS_POLICY_TEMPFAIL;
	d->sts.nerrors = 1;
	d->sts.errors[0].type = MXTLS_RT_STS_POLICY_FETCH_ERROR;
	(void)mxtlsd_reply(d, PF, &o, out, sizeof(out));
	ok(strcmp(out, "TEMP sts-policy-fetch-error") == 0, "TEMP from the "
	    "type of the MTA-STS error: \"%s\"", out);
	(void)mxtls_strlcpy(d->sts.errors[0].detail, "HTTP 503",
	    sizeof(d->sts.errors[0].detail));
	(void)mxtlsd_reply(d, PF, &o, out, sizeof(out));
	ok(strcmp(out, "TEMP HTTP 503") == 0, "TEMP from the detail of the "
	    "MTA-STS error: \"%s\"", out);
	d->sts.nerrors = 0;
	(void)mxtls_strlcpy(d->dane.detail, "MX lookup failed: bogus",
	    sizeof(d->dane.detail));
	(void)mxtlsd_reply(d, PF, &o, out, sizeof(out));
	ok(strcmp(out, "TEMP MX lookup failed: bogus") == 0, "TEMP from the "
	    "DANE detail: \"%s\"", out);
	ok(mxtlsd_reply(NULL, PF, &o, out, sizeof(out)) > 0 &&
	    strcmp(out, "TEMP internal error") == 0, "no decision: TEMP");
	ok(mxtlsd_reply(d, PF, &o, out, 0) == 0, "no room at all: 0");
	free(d);
}

int
main(void)
{
	run_splits();
	run_keys();
	run_replies();
	run_errors();
	return done_testing();
}
