/*
 * NAME
 *	test_summary - table-driven tests of the decision summary
 * SYNOPSIS
 *	test_summary
 * DESCRIPTION
 *	A table of whole lines gives, for MXTLS_OK, every field expected
 *	and the canonical text that formatting gives back; otherwise a key
 *	substring of the reason. A second table probes one host entry
 *	(preference, flags, name) inside a fixed line. Every good line must
 *	survive format -> parse -> format unchanged, formatting must give 0
 *	in any buffer too small, and generated cases probe the bounds (the
 *	longest line, the longest note, the longest token). Then
 *	mxtls_summary_hosts() per policy, separator and buffer size;
 *	mxtls_summary_make() and mxtls_decision_lifetime() from hand-built
 *	decisions against the lifetime table in summary.h; and the "dec"
 *	cache record (version byte 1 + the text form).
 *	Prints TAP.
 * SEE ALSO
 *	common/summary.c, common/cache_record.c
 */
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "sts_policy.h"
#include "tap.h"

#define T(s)	s, sizeof(s) - 1
#define T0	1700000000	/* pinned "now" for mxtls_summary_make() */

#define L63 \
	"abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abc"
#define L192	L63 "." L63 "." L63 "."
#define D253 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij012345678.c"
#define D254 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789.c"

#define P_NONE	MXTLS_POLICY_NONE
#define P_TEST	MXTLS_POLICY_STS_TESTING
#define P_ENF	MXTLS_POLICY_STS_ENFORCE
#define P_DANE	MXTLS_POLICY_DANE
#define P_TEMP	MXTLS_POLICY_TEMPFAIL
#define R_NONE	MXTLS_RULE_NONE
#define R_STS	MXTLS_RULE_MTA_STS
#define R_DANE	MXTLS_RULE_DANE
#define MX_NO	MXTLS_SUMMARY_MX_NONE
#define MX_LIST	MXTLS_SUMMARY_MX_LIST
#define MX_IMPL	MXTLS_SUMMARY_MX_IMPLICIT
#define F_S	MXTLS_SH_STS
#define F_D	MXTLS_SH_DANE
#define F_E	MXTLS_SH_ENCRYPT
#define F_U	MXTLS_SH_UNUSABLE

/* ten hosts, the last with every flag; and an eleventh */
#define HOSTS10 \
	" 0/s/a.example 1/d/b.example 2/e/c.example 3/u/d.example" \
	" 4/-/e.example 5/sd/f.example 6/se/g.example 7/su/h.example" \
	" 8/deu/i.example 65535/sdeu/j.example"
#define HOSTS11	HOSTS10 " 65535/-/k.example"

/* ------------------------------------------------------------ lines */

struct line_case {
	const char *in;
	size_t	len;
	enum mxtls_status want;
	const char *why;	/* PERMFAIL: part of the reason */
	const char *canon;	/* OK: format of the result; NULL: in */
	enum mxtls_policy policy;
	enum mxtls_rule rule;
	int64_t	refresh;
	int64_t	usable;
	enum mxtls_summary_mx mx;
	size_t	nhosts;
	uint16_t lpref;		/* the last host, if any */
	unsigned lflags;
	const char *lname;
	const char *note;
};

#define OK_(s, pol, rule, r, u, mx, n, pref, fl, name, note) \
	{T(s), MXTLS_OK, "", NULL, pol, rule, r, u, mx, n, pref, fl, \
	    name, note}
#define OKC(s, canon, pol, rule, r, u, mx, n, pref, fl, name, note) \
	{T(s), MXTLS_OK, "", canon, pol, rule, r, u, mx, n, pref, fl, \
	    name, note}
#define BAD(s, why) \
	{T(s), MXTLS_PERMFAIL, why, NULL, P_NONE, R_NONE, 0, 0, MX_NO, 0, \
	    0, 0, "", ""}

static const struct line_case lines[] = {
	/* every policy, rule and mx word */
	OK_("none none 0 0 nomx", P_NONE, R_NONE, 0, 0, MX_NO, 0, 0, 0, "",
	    ""),
	OK_("none none 1700000300 1700000600 mx 10/-/mx.example.com", P_NONE,
	    R_NONE, 1700000300, 1700000600, MX_LIST, 1, 10, 0,
	    "mx.example.com", ""),
	OK_("sts-testing mta-sts 1700000300 1700086400 mx 10/s/mx1.example.com"
	    " 20/-/mx2.example.org", P_TEST, R_STS, 1700000300, 1700086400,
	    MX_LIST, 2, 20, 0, "mx2.example.org", ""),
	OK_("sts-enforce mta-sts 1700000300 1700086400 mx 10/s/mx1.example.com",
	    P_ENF, R_STS, 1700000300, 1700086400, MX_LIST, 1, 10, F_S,
	    "mx1.example.com", ""),
	OK_("dane dane 1700000120 1700003720 mx 10/sd/mx1.example.com"
	    " 20/e/mx2.example.com", P_DANE, R_DANE, 1700000120, 1700003720,
	    MX_LIST, 2, 20, F_E, "mx2.example.com", ""),
	OK_("tempfail none 1700000015 1700000015 nomx | MX lookup of "
	    "example.com: SERVFAIL", P_TEMP, R_NONE, 1700000015, 1700000015,
	    MX_NO, 0, 0, 0, "", "MX lookup of example.com: SERVFAIL"),
	OK_("tempfail dane 1700000015 1700000015 mx 10/u/mx.example.com | no"
	    " MX host can be used now", P_TEMP, R_DANE, 1700000015,
	    1700000015, MX_LIST, 1, 10, F_U, "mx.example.com",
	    "no MX host can be used now"),
	OK_("none none 1700000300 1700000600 implicit 0/-/example.com", P_NONE,
	    R_NONE, 1700000300, 1700000600, MX_IMPL, 1, 0, 0, "example.com",
	    ""),
	OK_("none mta-sts 1 2 nomx", P_NONE, R_STS, 1, 2, MX_NO, 0, 0, 0, "",
	    ""),
	OK_("dane none 0 9223372036854775807 nomx", P_DANE, R_NONE, 0,
	    INT64_MAX, MX_NO, 0, 0, 0, "", ""),
	OK_("sts-enforce mta-sts 1 2 mx" HOSTS10, P_ENF, R_STS, 1, 2, MX_LIST,
	    10, 65535, F_S | F_D | F_E | F_U, "j.example", ""),
	OK_("none none 1 2 implicit" HOSTS10 " | ten", P_NONE, R_NONE, 1, 2,
	    MX_IMPL, 10, 65535, F_S | F_D | F_E | F_U, "j.example", "ten"),
	/* notes */
	OK_("none none 1 2 nomx | a | b |", P_NONE, R_NONE, 1, 2, MX_NO, 0, 0,
	    0, "", "a | b |"),
	OKC("none none 1 2 nomx |", "none none 1 2 nomx", P_NONE, R_NONE, 1,
	    2, MX_NO, 0, 0, 0, "", ""),
	OKC("none none 1 2 nomx |    spaced note ", "none none 1 2 nomx | "
	    "spaced note ", P_NONE, R_NONE, 1, 2, MX_NO, 0, 0, 0, "",
	    "spaced note "),
	OK_("none none 1 2 nomx | ~!@#$%^&*()_+{}[]:\";'<>?,./`\\", P_NONE,
	    R_NONE, 1, 2, MX_NO, 0, 0, 0, "",
	    "~!@#$%^&*()_+{}[]:\";'<>?,./`\\"),
	OK_("dane dane 1 2 mx 10/d/a.example | 10/-/b.example", P_DANE,
	    R_DANE, 1, 2, MX_LIST, 1, 10, F_D, "a.example", "10/-/b.example"),
	/* not canonical, yet accepted: spaces, flag order */
	OKC("  none   none  1   2  mx  10/-/mx.example.com  ",
	    "none none 1 2 mx 10/-/mx.example.com", P_NONE, R_NONE, 1, 2,
	    MX_LIST, 1, 10, 0, "mx.example.com", ""),
	OKC("dane dane 1 2 mx 10/ds/a.example 20/ue/b.example",
	    "dane dane 1 2 mx 10/sd/a.example 20/eu/b.example", P_DANE, R_DANE,
	    1, 2, MX_LIST, 2, 20, F_E | F_U, "b.example", ""),
	/* words */
	BAD("", "unknown policy"),
	BAD("   ", "unknown policy"),
	BAD("enforce mta-sts 1 2 nomx", "unknown policy"),
	BAD("STS-ENFORCE mta-sts 1 2 nomx", "unknown policy"),
	BAD("sts-enforced mta-sts 1 2 nomx", "unknown policy"),
	BAD("none", "unknown rule"),
	BAD("none sts 1 2 nomx", "unknown rule"),
	BAD("none DANE 1 2 nomx", "unknown rule"),
	BAD("none none 1 2", "no MX word"),
	BAD("none none 1 2 ", "no MX word"),
	BAD("none none 1 2 MX 10/-/a.example", "unknown MX word"),
	BAD("none none 1 2 none", "unknown MX word"),
	BAD("none none 1 2 nullmx", "unknown MX word"),
	/* numbers */
	BAD("none none", "bad refresh time"),
	BAD("none none 01 2 nomx", "bad refresh time"),
	BAD("none none 00 2 nomx", "bad refresh time"),
	BAD("none none 9223372036854775808 2 nomx", "bad refresh time"),
	BAD("none none 18446744073709551616 2 nomx", "bad refresh time"),
	BAD("none none 99999999999999999999 2 nomx", "bad refresh time"),
	BAD("none none 123456789012345678901 2 nomx", "bad refresh time"),
	BAD("none none -1 2 nomx", "bad refresh time"),
	BAD("none none +1 2 nomx", "bad refresh time"),
	BAD("none none 1e3 2 nomx", "bad refresh time"),
	BAD("none none 0x10 2 nomx", "bad refresh time"),
	BAD("none none 1 02 nomx", "bad expiry time"),
	BAD("none none 1 9223372036854775808 nomx", "bad expiry time"),
	BAD("none none 1 2x nomx", "bad expiry time"),
	/* the MX set */
	BAD("none none 1 2 nomx 10/-/mx.example.com", "hosts after \"nomx\""),
	BAD("none none 1 2 mx", "an MX set without hosts"),
	BAD("none none 1 2 implicit", "an MX set without hosts"),
	BAD("none none 1 2 mx | only a note", "an MX set without hosts"),
	BAD("none none 1 2 mx 10/-/a.example junk", "malformed host entry"),
	BAD("sts-enforce mta-sts 1 2 mx" HOSTS11, "more than 10 hosts"),
	/* bytes */
	BAD("none none 1 2 nomx\n", "control or non-ASCII byte at offset 18"),
	BAD("none none 1 2 nomx\r\n", "control or non-ASCII byte at offset 18"),
	BAD("none\tnone 1 2 nomx", "control or non-ASCII byte at offset 4"),
	BAD("none none 1 2 nomx | a\0b",
	    "control or non-ASCII byte at offset 22"),
	BAD("none none 1 2 nomx | \x7f",
	    "control or non-ASCII byte at offset 21"),
	BAD("none none 1 2 nomx | caf\xc3\xa9",
	    "control or non-ASCII byte at offset 24"),
	BAD("\0", "control or non-ASCII byte at offset 0"),
};

#define NLINES	(sizeof(lines) / sizeof(lines[0]))

static int
same(const struct mxtls_summary *a, const struct mxtls_summary *b)
{
	size_t i;

	if (a->policy != b->policy || a->decided_by != b->decided_by ||
	    a->refresh_at != b->refresh_at ||
	    a->usable_until != b->usable_until || a->mx != b->mx ||
	    a->nhosts != b->nhosts || strcmp(a->note, b->note) != 0)
		return 0;
	for (i = 0; i < a->nhosts; i++)
		if (a->hosts[i].preference != b->hosts[i].preference ||
		    a->hosts[i].flags != b->hosts[i].flags ||
		    strcmp(a->hosts[i].name, b->hosts[i].name) != 0)
			return 0;
	return 1;
}

static int
line_fields(const struct line_case *c, const struct mxtls_summary *s)
{
	const struct mxtls_summary_host *h;

	if (s->policy != c->policy || s->decided_by != c->rule ||
	    s->refresh_at != c->refresh || s->usable_until != c->usable ||
	    s->mx != c->mx || s->nhosts != c->nhosts ||
	    strcmp(s->note, c->note) != 0)
		return 0;
	if (c->nhosts == 0)
		return 1;
	h = &s->hosts[c->nhosts - 1];
	return h->preference == c->lpref && h->flags == c->lflags &&
	    strcmp(h->name, c->lname) == 0;
}

static void
run_lines(void)
{
	static struct mxtls_summary s;
	const struct line_case *c;
	struct mxtls_why why;
	enum mxtls_status rv;
	size_t i;
	int good;

	for (i = 0; i < NLINES; i++) {
		c = &lines[i];
		mxtls_why_clear(&why);
		memset(&s, 0x5a, sizeof(s));
		rv = mxtls_summary_parse(c->in, c->len, &s, &why);
		if (c->want == MXTLS_OK)
			good = rv == MXTLS_OK && line_fields(c, &s);
		else
			good = rv == c->want && why.status == rv &&
			    strstr(why.text, c->why) != NULL;
		ok(good, "line %zu: %s (want %s), %zu hosts, \"%s\"", i + 1,
		    mxtls_status_name(rv), mxtls_status_name(c->want),
		    s.nhosts, why.text);
	}
}

/*
 * run_round_trips - format of a parsed good line is its canonical text;
 * parsing that gives the same summary and formatting it the same bytes
 */

static void
run_round_trips(void)
{
	static struct mxtls_summary s, again;
	const struct line_case *c;
	char out[MXTLS_SUMMARY_TEXT_MAX + 1], out2[MXTLS_SUMMARY_TEXT_MAX + 1];
	const char *canon;
	size_t i, n, n2;

	for (i = 0; i < NLINES; i++) {
		c = &lines[i];
		if (c->want != MXTLS_OK)
			continue;
		canon = c->canon != NULL ? c->canon : c->in;
		(void)mxtls_summary_parse(c->in, c->len, &s, NULL);
		memset(out, '#', sizeof(out));
		n = mxtls_summary_format(&s, out, sizeof(out));
		n2 = 0;
		if (mxtls_summary_parse(out, n, &again, NULL) == MXTLS_OK &&
		    same(&s, &again))
			n2 = mxtls_summary_format(&again, out2, sizeof(out2));
		ok(n == strlen(canon) && strcmp(out, canon) == 0 && n2 == n &&
		    memcmp(out, out2, n + 1) == 0,
		    "line %zu: format gives %zu bytes: \"%.60s\"", i + 1, n,
		    out);
	}
}

/* run_too_small - format into every buffer shorter than text + NUL: 0 */

static void
run_too_small(void)
{
	static struct mxtls_summary s;
	char out[MXTLS_SUMMARY_TEXT_MAX + 1];
	size_t i, n, k, bad = 0, fit = 0, tried = 0;

	for (i = 0; i < NLINES; i++) {
		if (lines[i].want != MXTLS_OK)
			continue;
		(void)mxtls_summary_parse(lines[i].in, lines[i].len, &s, NULL);
		n = mxtls_summary_format(&s, out, sizeof(out));
		for (k = 0; k <= n; k++, tried++)
			if (mxtls_summary_format(&s, out, k) != 0) {
				diag("line %zu: fits in %zu bytes", i + 1, k);
				bad++;
			}
		if (mxtls_summary_format(&s, out, n + 1) == n &&
		    out[n] == '\0')
			fit++;
		else
			bad++;
	}
	ok(bad == 0 && tried > 0, "format gives 0 in %zu buffers too small, "
	    "and fits exactly %zu times", tried, fit);
	ok(mxtls_summary_format(&s, NULL, 0) == 0, "format with no buffer: 0");
	s.mx = (enum mxtls_summary_mx)3;
	ok(mxtls_summary_format(&s, out, sizeof(out)) == 0,
	    "format of an unknown mx value: 0");
}

/* ------------------------------------------------------------ hosts */

struct host_case {
	const char *in;		/* one host entry */
	size_t	len;
	enum mxtls_status want;
	const char *text;	/* OK: canonical form; else the reason */
	uint16_t pref;
	unsigned flags;
	const char *name;
};

#define HOK(s, canon, pref, fl, name)	{T(s), MXTLS_OK, canon, pref, fl, name}
#define HBAD(s, why)			{T(s), MXTLS_PERMFAIL, why, 0, 0, ""}

static const struct host_case hosts[] = {
	/* flags */
	HOK("10/-/mx.example.com", NULL, 10, 0, "mx.example.com"),
	HOK("10/s/mx.example.com", NULL, 10, F_S, "mx.example.com"),
	HOK("10/d/mx.example.com", NULL, 10, F_D, "mx.example.com"),
	HOK("10/e/mx.example.com", NULL, 10, F_E, "mx.example.com"),
	HOK("10/u/mx.example.com", NULL, 10, F_U, "mx.example.com"),
	HOK("10/sd/mx.example.com", NULL, 10, F_S | F_D, "mx.example.com"),
	HOK("10/se/mx.example.com", NULL, 10, F_S | F_E, "mx.example.com"),
	HOK("10/su/mx.example.com", NULL, 10, F_S | F_U, "mx.example.com"),
	HOK("10/de/mx.example.com", NULL, 10, F_D | F_E, "mx.example.com"),
	HOK("10/eu/mx.example.com", NULL, 10, F_E | F_U, "mx.example.com"),
	HOK("10/sdeu/mx.example.com", NULL, 10, F_S | F_D | F_E | F_U,
	    "mx.example.com"),
	HOK("10/ud/mx.example.com", "10/du/mx.example.com", 10, F_D | F_U,
	    "mx.example.com"),
	HOK("10/ueds/mx.example.com", "10/sdeu/mx.example.com", 10,
	    F_S | F_D | F_E | F_U, "mx.example.com"),
	/* preferences and names */
	HOK("0/-/a.example", NULL, 0, 0, "a.example"),
	HOK("65535/-/a.example", NULL, 65535, 0, "a.example"),
	HOK("10/-/xn--bcher-kva.example", NULL, 10, 0, "xn--bcher-kva.example"),
	HOK("10/-/localhost", NULL, 10, 0, "localhost"),
	HOK("10/-/a-b.c-d.example", NULL, 10, 0, "a-b.c-d.example"),
	HOK("10/-/" D253, NULL, 10, 0, D253),
	HBAD("65536/-/a.example", "malformed host entry"),
	HBAD("99999/-/a.example", "malformed host entry"),
	HBAD("010/-/a.example", "malformed host entry"),
	HBAD("00/-/a.example", "malformed host entry"),
	HBAD("/-/a.example", "malformed host entry"),
	HBAD("-1/-/a.example", "malformed host entry"),
	HBAD("x/-/a.example", "malformed host entry"),
	HBAD("10-a.example", "malformed host entry"),
	HBAD("10/-a.example", "malformed host entry"),
	HBAD("10/x/a.example", "unknown or repeated host flag"),
	HBAD("10/S/a.example", "unknown or repeated host flag"),
	HBAD("10/ss/a.example", "unknown or repeated host flag"),
	HBAD("10/dsd/a.example", "unknown or repeated host flag"),
	HBAD("10/-s/a.example", "unknown or repeated host flag"),
	HBAD("10/s-/a.example", "unknown or repeated host flag"),
	HBAD("10/--/a.example", "unknown or repeated host flag"),
	HBAD("10//a.example", "empty host flags"),
	HBAD("10/-/MX.example.com", "host name not in canonical form"),
	HBAD("10/-/mx.Example.com", "host name not in canonical form"),
	HBAD("10/-/mx.example.com.", "host name not in canonical form"),
	HBAD("10/-/", "empty domain name"),
	HBAD("10/-/.", "the root"),
	HBAD("10/-/mx_1.example.com", "contains '_'"),
	HBAD("10/-/mx..example.com", "empty label"),
	HBAD("10/-/-mx.example.com", "begins with '-'"),
	HBAD("10/-/[192.0.2.1]", "address literal"),
	HBAD("10/-/192.0.2.1", "all-numeric label"),
	HBAD("10/-/a/b.example", "contains '/'"),
	HBAD("10/-/" D254, "at most 253"),
};

static void
run_hosts(void)
{
	static struct mxtls_summary s;
	const struct host_case *c;
	struct mxtls_why why;
	enum mxtls_status rv;
	char in[512], out[512], want[512];
	size_t i, len;
	int good;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		c = &hosts[i];
		len = (size_t)snprintf(in, sizeof(in), "dane dane 1 2 mx %.*s",
		    (int)c->len, c->in);
		mxtls_why_clear(&why);
		rv = mxtls_summary_parse(in, len, &s, &why);
		if (c->want == MXTLS_OK) {
			(void)snprintf(want, sizeof(want),
			    "dane dane 1 2 mx %s",
			    c->text != NULL ? c->text : c->in);
			good = rv == MXTLS_OK && s.nhosts == 1 &&
			    s.hosts[0].preference == c->pref &&
			    s.hosts[0].flags == c->flags &&
			    strcmp(s.hosts[0].name, c->name) == 0 &&
			    mxtls_summary_format(&s, out, sizeof(out)) ==
			    strlen(want) && strcmp(out, want) == 0;
		} else {
			good = rv == c->want &&
			    strstr(why.text, c->text) != NULL;
		}
		ok(good, "host %zu: \"%.40s\": %s (want %s), \"%.80s\"", i + 1,
		    c->in, mxtls_status_name(rv), mxtls_status_name(c->want),
		    why.text);
	}
}

/* ------------------------------------------------------------ bounds */

/* bound_line - the head, ten hosts of 253 bytes and a note of nlen */

static size_t
bound_line(char *buf, size_t bufsz, size_t nlen)
{
	static const char head[] = "sts-enforce mta-sts 9223372036854775807 "
	    "9223372036854775807 implicit";
	size_t i, n;

	n = (size_t)snprintf(buf, bufsz, "%s", head);
	for (i = 0; i < MXTLS_SUMMARY_HOSTS_MAX; i++)
		n += (size_t)snprintf(buf + n, bufsz - n, " 65535/sdeu/%s",
		    D253);
	n += (size_t)snprintf(buf + n, bufsz - n, " | ");
	memset(buf + n, 'n', nlen);
	return n + nlen;
}

static void
run_bounds(void)
{
	static struct mxtls_summary s, again;
	static char buf[MXTLS_SUMMARY_TEXT_MAX + 64];
	static char out[MXTLS_SUMMARY_TEXT_MAX + 64];
	struct mxtls_why why;
	enum mxtls_status rv;
	char want[64];
	size_t n, nlen, k;

	/* the longest line there can be (largest times, ten hosts of 253
	 * bytes with every flag, the longest note) fits the bound */
	nlen = MXTLS_DETAIL_MAX - 1;
	n = bound_line(buf, sizeof(buf), nlen);
	mxtls_why_clear(&why);
	rv = mxtls_summary_parse(buf, n, &s, &why);
	ok(n <= MXTLS_SUMMARY_TEXT_MAX && rv == MXTLS_OK &&
	    s.nhosts == MXTLS_SUMMARY_HOSTS_MAX && strlen(s.note) == nlen &&
	    s.refresh_at == INT64_MAX && s.usable_until == INT64_MAX,
	    "the longest summary (%zu bytes, bound %d): %s \"%s\"", n,
	    MXTLS_SUMMARY_TEXT_MAX, mxtls_status_name(rv), why.text);
	k = mxtls_summary_format(&s, out, n + 1);
	ok(k == n && memcmp(out, buf, n) == 0 &&
	    mxtls_summary_parse(out, k, &again, NULL) == MXTLS_OK &&
	    same(&s, &again) && mxtls_summary_format(&s, out, n) == 0,
	    "it formats back in its length + 1 bytes, not one less");
	/* over the bound: rejected before anything else is looked at */
	n = (size_t)snprintf(buf, sizeof(buf), "none none 1 2 nomx | ");
	memset(buf + n, 'n', MXTLS_SUMMARY_TEXT_MAX + 1 - n);
	n = MXTLS_SUMMARY_TEXT_MAX + 1;
	(void)snprintf(want, sizeof(want), "longer than %d bytes",
	    MXTLS_SUMMARY_TEXT_MAX);
	mxtls_why_clear(&why);
	rv = mxtls_summary_parse(buf, n, &s, &why);
	ok(rv == MXTLS_PERMFAIL && strstr(why.text, want) != NULL,
	    "line of %zu bytes: %s \"%s\"", n, mxtls_status_name(rv),
	    why.text);

	/* the longest note */
	n = (size_t)snprintf(buf, sizeof(buf), "none none 1 2 nomx | ");
	memset(buf + n, 'x', MXTLS_DETAIL_MAX);
	rv = mxtls_summary_parse(buf, n + MXTLS_DETAIL_MAX - 1, &s, &why);
	ok(rv == MXTLS_OK && strlen(s.note) == MXTLS_DETAIL_MAX - 1,
	    "note of %d bytes: %s", MXTLS_DETAIL_MAX - 1,
	    mxtls_status_name(rv));
	mxtls_why_clear(&why);
	rv = mxtls_summary_parse(buf, n + MXTLS_DETAIL_MAX, &s, &why);
	ok(rv == MXTLS_PERMFAIL && strstr(why.text, "note too long") != NULL,
	    "note of %d bytes: %s \"%s\"", MXTLS_DETAIL_MAX,
	    mxtls_status_name(rv), why.text);

	/* a host token longer than any host entry can be */
	n = (size_t)snprintf(buf, sizeof(buf), "none none 1 2 mx 65535/sdeu/");
	k = MXTLS_DOMAIN_MAX + 12 + 1 - (sizeof("65535/sdeu/") - 1);
	memset(buf + n, 'a', k);
	mxtls_why_clear(&why);
	rv = mxtls_summary_parse(buf, n + k, &s, &why);
	ok(rv == MXTLS_PERMFAIL && strstr(why.text, "token too long") != NULL,
	    "host token of %d bytes: %s \"%s\"", MXTLS_DOMAIN_MAX + 13,
	    mxtls_status_name(rv), why.text);
}

/* ------------------------------------------------------------ routing */

struct route_case {
	const char *in;
	char	sep;
	size_t	outsz;
	int	want;
	const char *text;	/* want >= 0 */
};

#define ENF5	"sts-enforce mta-sts 1 2 mx 10/-/a.example 20/s/b.example " \
	"30/sd/c.example 40/-/d.example 50/s/e.example"
#define TEST5	"sts-testing mta-sts 1 2 mx 10/-/a.example 20/s/b.example " \
	"30/sd/c.example 40/-/d.example 50/s/e.example"

static const struct route_case routes[] = {
	/* sts-enforce: only the hosts that match the policy, in order */
	{ENF5, ' ', 64, 3, "b.example c.example e.example"},
	{"sts-enforce mta-sts 1 2 mx 10/-/a.example 20/d/b.example", ' ', 64,
	    0, ""},
	{"sts-enforce mta-sts 1 2 mx 10/e/a.example 20/s/b.example", ':', 64,
	    1, "b.example"},
	/* the others: every host that is not unusable */
	{TEST5, ',', 64, 5,
	    "a.example,b.example,c.example,d.example,e.example"},
	{"sts-testing mta-sts 1 2 mx 10/su/a.example 20/s/b.example", ' ', 64,
	    1, "b.example"},
	{"dane dane 1 2 mx 10/du/a.example 20/d/b.example 30/e/c.example "
	    "40/u/d.example", ':', 64, 2, "b.example:c.example"},
	{"tempfail dane 1 2 mx 10/u/a.example 20/-/b.example", ' ', 64, 1,
	    "b.example"},
	{"none none 1 2 mx 10/u/a.example", ' ', 64, 0, ""},
	{"none none 1 2 nomx", ' ', 64, 0, ""},
	{"none none 1 2 implicit 0/-/example.com", ' ', 64, 1, "example.com"},
	{"none none 1 2 mx" HOSTS10, ';', 128, 6, "a.example;b.example;"
	    "c.example;e.example;f.example;g.example"},
	/* buffer sizes */
	{TEST5, ',', 50, 5,
	    "a.example,b.example,c.example,d.example,e.example"},
	{TEST5, ',', 49, -1, NULL},
	{ENF5, ' ', 30, 3, "b.example c.example e.example"},
	{ENF5, ' ', 29, -1, NULL},
	{ENF5, ' ', 0, -1, NULL},
	{"none none 1 2 mx 10/-/a.example", ' ', 11, 1, "a.example"},
	{"none none 1 2 mx 10/-/a.example", ' ', 9, -1, NULL},
	{"none none 1 2 mx 10/u/a.example", ' ', 1, 0, ""},
};

static void
run_routes(void)
{
	static struct mxtls_summary s;
	const struct route_case *c;
	char out[256];
	size_t i;
	int got, good;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		c = &routes[i];
		if (mxtls_summary_parse(c->in, strlen(c->in), &s, NULL) !=
		    MXTLS_OK) {
			ok(0, "route %zu: the line does not parse", i + 1);
			continue;
		}
		memset(out, '#', sizeof(out));
		got = mxtls_summary_hosts(&s, c->sep, out, c->outsz);
		good = got == c->want;
		if (good && c->want >= 0)
			good = strcmp(out, c->text) == 0;
		if (good && c->outsz < sizeof(out))
			good = out[c->outsz] == '#';	/* nothing beyond */
		ok(good, "route %zu: %d (want %d) in %zu bytes: \"%.60s\"",
		    i + 1, got, c->want, c->outsz, got >= 0 ? out : "");
	}
}

/* ------------------------------------------------------------ make */

enum mk_sts {
	MK_NOSTS = 0,		/* no MTA-STS entry */
	MK_NOPOLICY,		/* an entry, have_policy 0 */
	MK_ENFORCE,		/* the enforce policy of sts_enforce_text */
	MK_MODENONE		/* a mode "none" policy */
};

#define MK_IMPLICIT	0x01
#define MK_NULLMX	0x02
#define MK_NXDOMAIN	0x04
#define MK_MXERR	0x08

#define Q_OPP	MXTLS_DANE_REQ_OPPORTUNISTIC
#define Q_DANE	MXTLS_DANE_REQ_DANE
#define Q_ENC	MXTLS_DANE_REQ_ENCRYPT
#define Q_UNU	MXTLS_DANE_REQ_UNUSABLE

struct mk_host {
	const char *name;	/* NULL ends the list */
	uint16_t pref;
	enum mxtls_dane_req req;
	uint32_t ttl;
};

struct mk_case {
	const char *name;
	enum mxtls_policy policy;
	enum mxtls_rule rule;
	enum mk_sts sts;
	int64_t	expires;	/* the policy's expiry, after T0 */
	unsigned mx;		/* MK_* */
	const char *dec_note;	/* d->errors[0] */
	const char *sts_note;	/* d->sts.errors[0] */
	const char *dane_note;	/* d->dane.detail */
	struct mk_host hosts[5];
	const char *want;	/* the formatted summary */
};

static const char sts_enforce_text[] = "version: STSv1\nmode: enforce\n"
    "mx: mx1.example.com\nmx: *.example.net\nmax_age: 86400\n";
static const char sts_none_text[] = "version: STSv1\nmode: none\n"
    "max_age: 86400\n";

static const struct mk_case makes[] = {
	{"sts-enforce: s from the policy's patterns", P_ENF, R_STS,
	    MK_ENFORCE, 86400, 0, NULL, NULL, NULL,
	    {{"mx1.example.com", 10, Q_OPP, 0},
	    {"mx2.example.org", 20, Q_OPP, 0},
	    {"x.example.net", 30, Q_OPP, 0},
	    {"a.b.example.net", 40, Q_OPP, 0}},
	    "sts-enforce mta-sts 1700000300 1700086400 mx 10/s/mx1.example.com "
	    "20/-/mx2.example.org 30/s/x.example.net 40/-/a.b.example.net"},
	{"sts-testing: names normalized, DANE requirements as flags", P_TEST,
	    R_STS, MK_ENFORCE, 86400, 0, NULL, NULL, NULL,
	    {{"MX1.Example.COM.", 5, Q_DANE, 600},
	    {"mx3.example.net", 10, Q_ENC, 600},
	    {"mx4.example.org", 20, Q_UNU, 600}},
	    "sts-testing mta-sts 1700000300 1700086400 mx 5/sd/mx1.example.com "
	    "10/se/mx3.example.net 20/u/mx4.example.org"},
	{"sts-enforce expiring before the recheck: refresh at expiry", P_ENF,
	    R_STS, MK_ENFORCE, 100, 0, NULL, NULL, NULL,
	    {{"mx1.example.com", 10, Q_OPP, 0}},
	    "sts-enforce mta-sts 1700000100 1700000100 mx "
	    "10/s/mx1.example.com"},
	{"none with a mode-none policy: lives as long as the policy", P_NONE,
	    R_NONE, MK_MODENONE, 86400, 0, NULL, NULL, NULL,
	    {{"mx1.example.com", 10, Q_OPP, 0}},
	    "none none 1700000300 1700086400 mx 10/-/mx1.example.com"},
	{"an entry without a policy: no s flag", P_NONE, R_NONE, MK_NOPOLICY,
	    86400, 0, NULL, NULL, NULL,
	    {{"mx1.example.com", 10, Q_OPP, 0}},
	    "none none 1700000300 1700086400 mx 10/-/mx1.example.com"},
	{"null MX with a policy: negative lifetime, nomx, no note", P_NONE,
	    R_NONE, MK_MODENONE, 86400, MK_NULLMX, NULL, NULL,
	    "example.com publishes a null MX", {{NULL, 0, Q_OPP, 0}},
	    "none none 1700000300 1700000600 nomx"},
	{"NXDOMAIN with a policy: negative lifetime, nomx", P_NONE, R_NONE,
	    MK_ENFORCE, 86400, MK_NXDOMAIN, NULL, NULL, NULL,
	    {{NULL, 0, Q_OPP, 0}},
	    "none none 1700000300 1700000600 nomx"},
	{"none without MTA-STS: negative lifetime", P_NONE, R_NONE, MK_NOSTS,
	    0, 0, NULL, NULL, "1 malformed MX record ignored",
	    {{"mx.example.com", 10, Q_OPP, 0},
	    {"mx2.example.com", 20, Q_OPP, 0}},
	    "none none 1700000300 1700000600 mx 10/-/mx.example.com "
	    "20/-/mx2.example.com"},
	{"implicit MX", P_NONE, R_NONE, MK_NOSTS, 0, MK_IMPLICIT, NULL, NULL,
	    NULL, {{"example.com", 0, Q_OPP, 0}},
	    "none none 1700000300 1700000600 implicit 0/-/example.com"},
	{"no hosts at all: nomx", P_NONE, R_NONE, MK_NOSTS, 0, 0, NULL, NULL,
	    NULL, {{NULL, 0, Q_OPP, 0}},
	    "none none 1700000300 1700000600 nomx"},
	{"a name the parser refuses is left out", P_NONE, R_NONE, MK_NOSTS,
	    0, 0, NULL, NULL, NULL,
	    {{"mx_1.example.com", 10, Q_OPP, 0},
	    {"mx.example.com", 20, Q_OPP, 0}},
	    "none none 1700000300 1700000600 mx 20/-/mx.example.com"},
	{"dane: smallest TTL, the DANE detail as note", P_DANE, R_DANE,
	    MK_ENFORCE, 86400, 0, NULL, NULL, "1 malformed MX record ignored",
	    {{"mx1.example.com", 10, Q_DANE, 3600},
	    {"mx2.example.com", 20, Q_ENC, 120}},
	    "dane dane 1700000120 1700003720 mx 10/sd/mx1.example.com "
	    "20/e/mx2.example.com | 1 malformed MX record ignored"},
	{"dane: a TTL under 30 s counts as 30", P_DANE, R_DANE, MK_NOSTS, 0,
	    0, NULL, NULL, NULL, {{"mx.example.net", 10, Q_DANE, 5}},
	    "dane dane 1700000030 1700003630 mx 10/d/mx.example.net"},
	{"dane: TTL 0 is ignored, over an hour counts as one", P_DANE, R_DANE,
	    MK_NOSTS, 0, 0, NULL, NULL, NULL,
	    {{"mx.example.net", 10, Q_DANE, 0},
	    {"mx2.example.net", 20, Q_DANE, 86400}},
	    "dane dane 1700003600 1700007200 mx 10/d/mx.example.net "
	    "20/d/mx2.example.net"},
	{"tempfail: MX lookup error, the decision's note", P_TEMP, R_NONE,
	    MK_ENFORCE, 86400, MK_MXERR, "MX lookup of example.com: SERVFAIL",
	    NULL, "delivery must wait", {{NULL, 0, Q_OPP, 0}},
	    "tempfail none 1700000015 1700000015 nomx | MX lookup of "
	    "example.com: SERVFAIL"},
	{"tempfail by DANE: every host unusable", P_TEMP, R_DANE, MK_NOSTS, 0,
	    0, NULL, NULL, NULL, {{"mx.example.com", 10, Q_UNU, 300}},
	    "tempfail dane 1700000015 1700000015 mx 10/u/mx.example.com"},
	{"an MTA-STS note, sanitized", P_ENF, R_STS, MK_ENFORCE, 86400, 0,
	    NULL, "fetch failed:\ttimeout\r\n", NULL,
	    {{"mx1.example.com", 10, Q_OPP, 0}},
	    "sts-enforce mta-sts 1700000300 1700086400 mx 10/s/mx1.example.com"
	    " | fetch failed:?timeout??"},
	{"the decision's note before the MTA-STS one", P_ENF, R_STS,
	    MK_ENFORCE, 86400, 0, "first", "second", "third",
	    {{"mx1.example.com", 10, Q_OPP, 0}},
	    "sts-enforce mta-sts 1700000300 1700086400 mx 10/s/mx1.example.com"
	    " | first"},
};

static void
mk_decision(struct mxtls_decision *d, const struct mk_case *c,
    const struct mxtls_sts_policy *enforce,
    const struct mxtls_sts_policy *none)
{
	const struct mk_host *h;
	size_t i;

	memset(d, 0, sizeof(*d));
	d->policy = c->policy;
	d->decided_by = c->rule;
	if (c->sts != MK_NOSTS) {
		d->sts.have_entry = 1;
		d->sts.entry.expires_at = T0 + c->expires;
		d->sts.entry.have_policy = c->sts != MK_NOPOLICY;
		if (c->sts == MK_ENFORCE)
			d->sts.entry.policy = *enforce;
		else if (c->sts == MK_MODENONE)
			d->sts.entry.policy = *none;
	}
	d->dane.implicit_mx = (c->mx & MK_IMPLICIT) != 0;
	d->dane.null_mx = (c->mx & MK_NULLMX) != 0;
	d->dane.nxdomain = (c->mx & MK_NXDOMAIN) != 0;
	d->dane.mx_error = (c->mx & MK_MXERR) != 0;
	for (i = 0; i < sizeof(c->hosts) / sizeof(c->hosts[0]); i++) {
		h = &c->hosts[i];
		if (h->name == NULL)
			break;
		mxtls_strlcpy(d->dane.hosts[i].host, h->name,
		    sizeof(d->dane.hosts[i].host));
		d->dane.hosts[i].preference = h->pref;
		d->dane.hosts[i].requirement = h->req;
		d->dane.hosts[i].ttl = h->ttl;
	}
	d->dane.nhosts = i;
	if (c->dec_note != NULL) {
		d->nerrors = 1;
		mxtls_strlcpy(d->errors[0].detail, c->dec_note,
		    sizeof(d->errors[0].detail));
	}
	if (c->sts_note != NULL) {
		d->sts.nerrors = 1;
		mxtls_strlcpy(d->sts.errors[0].detail, c->sts_note,
		    sizeof(d->sts.errors[0].detail));
	}
	if (c->dane_note != NULL)
		mxtls_strlcpy(d->dane.detail, c->dane_note,
		    sizeof(d->dane.detail));
}

static void
run_makes(const struct mxtls_config *cfg)
{
	static struct mxtls_sts_policy enforce, none;
	static struct mxtls_summary s, again;
	const struct mk_case *c;
	struct mxtls_decision *d;
	char out[MXTLS_SUMMARY_TEXT_MAX + 1];
	time_t refresh, usable;
	size_t i, n;

	if (!ok(mxtls_sts_policy_parse(&enforce, T(sts_enforce_text), NULL) ==
	    MXTLS_OK && enforce.mode == MXTLS_STS_MODE_ENFORCE &&
	    enforce.nmx == 2 && mxtls_sts_policy_parse(&none,
	    T(sts_none_text), NULL) == MXTLS_OK && none.nmx == 0,
	    "the MTA-STS policies for make parse") ||
	    (d = calloc(1, sizeof(*d))) == NULL)
		return;
	for (i = 0; i < sizeof(makes) / sizeof(makes[0]); i++) {
		c = &makes[i];
		mk_decision(d, c, &enforce, &none);
		memset(&s, 0x5a, sizeof(s));
		mxtls_summary_make(cfg, d, T0, &s);
		n = mxtls_summary_format(&s, out, sizeof(out));
		ok(n > 0 && strcmp(out, c->want) == 0, "make %zu: %s: \"%s\"",
		    i + 1, c->name, n > 0 ? out : "(no text)");
		refresh = usable = 0;
		mxtls_decision_lifetime(cfg, d, T0, &refresh, &usable);
		ok(s.refresh_at == (int64_t)refresh &&
		    s.usable_until == (int64_t)usable && refresh <= usable &&
		    mxtls_summary_parse(out, n, &again, NULL) == MXTLS_OK &&
		    same(&s, &again), "make %zu: the lifetime agrees and the "
		    "text parses back", i + 1);
	}
	free(d);
}

/* ------------------------------------------------------------ record */

struct rec_case {
	const char *in;
	size_t	len;
	enum mxtls_status want;
	const char *why;
};

static const struct rec_case recs[] = {
	{T(""), MXTLS_PERMFAIL, "malformed dec cache record: empty"},
	{T("\0none none 1 2 nomx"), MXTLS_NOTFOUND, "schema version 0"},
	{T("\2none none 1 2 nomx"), MXTLS_NOTFOUND, "schema version 2"},
	{T("\377"), MXTLS_NOTFOUND, "schema version 255"},
	{T("none none 1 2 nomx"), MXTLS_NOTFOUND, "schema version 110"},
	{T("\1"), MXTLS_PERMFAIL, "malformed dec cache record: unknown policy"},
	{T("\1none none 1 2 mx"), MXTLS_PERMFAIL, "an MX set without hosts"},
	{T("\1none none 1 2 nomx\n"), MXTLS_PERMFAIL, "control"},
	{T("\1\1none none 1 2 nomx"), MXTLS_PERMFAIL, "control"},
	{T("\1none none 1 2 nomx"), MXTLS_OK, ""},
};

static void
run_records(void)
{
	static struct mxtls_summary s, again;
	static const char golden[] = "dane dane 1700000120 1700003720 mx "
	    "10/sd/mx1.example.com 20/e/mx2.example.com | a note";
	const struct rec_case *c;
	struct mxtls_why why;
	enum mxtls_status rv;
	unsigned char *rec, dummy;
	size_t i, reclen, bad = 0;

	/* golden: the version byte, then the text */
	(void)mxtls_summary_parse(T(golden), &s, NULL);
	rec = NULL;
	reclen = 0;
	rv = mxtls_dec_record_encode(&s, &rec, &reclen, NULL);
	ok(rv == MXTLS_OK && reclen == sizeof(golden) && rec[0] == 1 &&
	    memcmp(rec + 1, golden, sizeof(golden) - 1) == 0,
	    "record encode: version 1 + the text, %zu bytes", reclen);
	ok(rv == MXTLS_OK && mxtls_dec_record_decode(&again, rec, reclen,
	    NULL) == MXTLS_OK && same(&s, &again), "record decode: the same "
	    "summary");
	free(rec);

	/* every good line survives a record round trip */
	for (i = 0; i < NLINES; i++) {
		if (lines[i].want != MXTLS_OK)
			continue;
		(void)mxtls_summary_parse(lines[i].in, lines[i].len, &s, NULL);
		if (mxtls_dec_record_encode(&s, &rec, &reclen, NULL) !=
		    MXTLS_OK || mxtls_dec_record_decode(&again, rec, reclen,
		    NULL) != MXTLS_OK || !same(&s, &again)) {
			diag("line %zu: no record round trip", i + 1);
			bad++;
		}
		free(rec);
	}
	ok(bad == 0, "every good line survives a record round trip");

	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		c = &recs[i];
		mxtls_why_clear(&why);
		rv = mxtls_dec_record_decode(&s, (const unsigned char *)c->in,
		    c->len, &why);
		ok(rv == c->want && (rv == MXTLS_OK || (why.status == rv &&
		    strstr(why.text, c->why) != NULL)),
		    "record %zu: %s (want %s), \"%s\"", i + 1,
		    mxtls_status_name(rv), mxtls_status_name(c->want),
		    why.text);
	}

	/* a summary that cannot be formatted is not stored */
	memset(&s, 0, sizeof(s));
	s.mx = (enum mxtls_summary_mx)3;
	rec = &dummy;
	mxtls_why_clear(&why);
	rv = mxtls_dec_record_encode(&s, &rec, &reclen, &why);
	ok(rv == MXTLS_PERMFAIL && rec == NULL &&
	    strstr(why.text, "too long to store") != NULL,
	    "record encode of an unformattable summary: %s \"%s\"",
	    mxtls_status_name(rv), why.text);
}

int
main(void)
{
	struct mxtls_config cfg;

	mxtls_config_defaults(&cfg);
	if (!ok(cfg.sts_recheck_interval == 300 && cfg.negative_ttl == 300,
	    "defaults: sts_recheck_interval 300, negative_ttl 300"))
		return done_testing();
	run_lines();
	run_round_trips();
	run_too_small();
	run_hosts();
	run_bounds();
	run_routes();
	run_makes(&cfg);
	run_records();
	return done_testing();
}
