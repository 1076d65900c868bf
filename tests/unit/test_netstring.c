/*
 * NAME
 *	test_netstring - table-driven tests of the netstring parser/encoder
 * DESCRIPTION
 *	Each case gives the bytes received with an explicit length, the
 *	payload maximum, the status expected and, for MXTLS_OK, the payload
 *	and the bytes used; otherwise a key substring of the reason. Every
 *	proper prefix of a complete netstring must give MXTLS_NOTFOUND, an
 *	error must stay an error when more bytes come, and every payload
 *	must survive an encode/parse round trip.
 * SEE ALSO
 *	common/netstring.c
 */
#include "netstring.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define T(s)	s, sizeof(s) - 1

struct ns_case {
	const char *in;
	size_t	len;
	size_t	max;
	enum mxtls_status want;
	const char *text;	/* MXTLS_OK: the payload; else the reason */
	size_t	tlen;		/* MXTLS_OK: payload length */
	size_t	used;		/* MXTLS_OK: 0 means all of len */
};

#define OK_(s, max, p)		{T(s), max, MXTLS_OK, T(p), 0}
#define OKU(s, max, p, u)	{T(s), max, MXTLS_OK, T(p), u}
#define MORE(s, max)		{T(s), max, MXTLS_NOTFOUND, "", 0, 0}
#define BAD(s, max, why)	{T(s), max, MXTLS_PERMFAIL, why, 0, 0}

static const struct ns_case cases[] = {
	/* complete */
	OK_("0:,", 10, ""),
	OK_("1:a,", 10, "a"),
	OK_("5:hello,", 10, "hello"),
	OK_("24:postfix sts-enforce.test,", 100,
	    "postfix sts-enforce.test"),
	OK_("9:NOTFOUND ,", 100, "NOTFOUND "),
	OK_("3:a,b,", 10, "a,b"),
	OK_("3:1:,,", 10, "1:,"),
	OK_("2:\0\n,", 10, "\0\n"),
	OK_("10:0123456789,", 10, "0123456789"),
	OK_("5:hello,", 5, "hello"),
	/* only the first netstring is read (pipelining) */
	OKU("1:a,1:b,", 10, "a", 4),
	OKU("0:,garbage", 10, "", 3),
	OKU("2:ab,x", 10, "ab", 5),
	/* incomplete */
	MORE("", 10),
	MORE("1", 10),
	MORE("1:", 10),
	MORE("1:a", 10),
	MORE("10", 100),
	MORE("10:", 100),
	MORE("10:abcdefghij", 100),
	MORE("0", 10),
	MORE("0:", 10),
	MORE("1000", 1000),
	MORE("9999999999", (size_t)-1),
	/* leading zeros */
	BAD("00:,", 10, "leading zero"),
	BAD("01:a,", 10, "leading zero"),
	BAD("007", 10, "leading zero"),
	/* more than 10 digits */
	BAD("12345678901:", (size_t)-1, "more than 10 digits"),
	BAD("99999999999", (size_t)-1, "more than 10 digits"),
	/* over max: known from the prefix, never NOTFOUND */
	BAD("6:hello!,", 5, "longer than 5 bytes"),
	BAD("6", 5, "longer than 5 bytes"),
	BAD("10001:", 10000, "longer than 10000 bytes"),
	BAD("100000", 10000, "longer than 10000 bytes"),
	BAD("1:a,", 0, "longer than 0 bytes"),
	BAD("4294967296:", 10000, "longer than"),
	/* missing ':' */
	BAD("1a,", 10, "not followed by ':'"),
	BAD("1,a", 10, "not followed by ':'"),
	BAD("12 :", 100, "not followed by ':' at offset 2"),
	/* missing ',' */
	BAD("1:ab", 10, "does not end in ','"),
	BAD("0:x", 10, "does not end in ','"),
	BAD("3:abc;", 10, "does not end in ',' at offset 5"),
	BAD("2:ab\0", 10, "does not end in ','"),
	/* not a digit */
	BAD(":a,", 10, "does not start with a digit"),
	BAD("a:b,", 10, "does not start with a digit"),
	BAD("-1:a,", 10, "does not start with a digit"),
	BAD("+1:a,", 10, "does not start with a digit"),
	BAD(" 1:a,", 10, "does not start with a digit"),
	BAD("\0", 10, "does not start with a digit"),
	BAD(",", 10, "does not start with a digit"),
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

static void
run_cases(void)
{
	const struct ns_case *c;
	struct mxtls_why why;
	enum mxtls_status rv;
	const char *data;
	size_t i, dlen, used, want_used;
	int good;

	for (i = 0; i < NCASES; i++) {
		c = &cases[i];
		mxtls_why_clear(&why);
		data = "x";
		dlen = used = 777;
		rv = mxtls_netstring_parse(c->in, c->len, c->max, &data,
		    &dlen, &used, &why);
		want_used = c->used ? c->used : c->len;
		if (c->want == MXTLS_OK)
			good = rv == MXTLS_OK && dlen == c->tlen &&
			    used == want_used && data == c->in + (used -
			    dlen - 1) && memcmp(data, c->text, dlen) == 0;
		else
			good = rv == c->want && data == NULL && dlen == 0 &&
			    used == 0 && strstr(why.text, c->text) != NULL;
		ok(good, "case %zu: %s (want %s), dlen %zu, used %zu, \"%s\"",
		    i + 1, mxtls_status_name(rv), mxtls_status_name(c->want),
		    dlen, used, why.text);
	}
}

/* run_prefixes - every proper prefix of a complete netstring: NOTFOUND */

static void
run_prefixes(void)
{
	const struct ns_case *c;
	const char *data;
	size_t i, k, n, dlen, used, bad;

	for (i = 0; i < NCASES; i++) {
		c = &cases[i];
		if (c->want != MXTLS_OK)
			continue;
		n = c->used ? c->used : c->len;
		for (k = 0, bad = 0; k < n; k++)
			if (mxtls_netstring_parse(c->in, k, c->max, &data,
			    &dlen, &used, NULL) != MXTLS_NOTFOUND ||
			    used != 0 || data != NULL)
				bad = bad ? bad : k + 1;
		ok(bad == 0, "case %zu: all %zu proper prefixes are NOTFOUND "
		    "(first bad: %zu)", i + 1, n, bad ? bad - 1 : 0);
	}
}

/* run_sticky - an error stays an error when more bytes come */

static void
run_sticky(void)
{
	const struct ns_case *c;
	const char *data;
	char buf[64];
	size_t i, dlen, used;
	int good = 1;

	for (i = 0; i < NCASES; i++) {
		c = &cases[i];
		if (c->want != MXTLS_PERMFAIL || c->len + 3 > sizeof(buf))
			continue;
		memcpy(buf, c->in, c->len);
		memcpy(buf + c->len, "1:,", 3);
		if (mxtls_netstring_parse(buf, c->len + 3, c->max, &data,
		    &dlen, &used, NULL) != MXTLS_PERMFAIL) {
			diag("case %zu: became something else", i + 1);
			good = 0;
		}
	}
	ok(good, "every error stays an error with more bytes");
}

struct enc_case {
	const char *data;
	size_t	len;
	size_t	outsz;
	const char *want;	/* NULL: does not fit */
	size_t	wlen;
};

static const struct enc_case encs[] = {
	{T(""), 3, T("0:,")},
	{T(""), 2, NULL, 0},
	{T("a"), 4, T("1:a,")},
	{T("a"), 3, NULL, 0},
	{T("NOTFOUND "), 12, T("9:NOTFOUND ,")},
	{T("NOTFOUND "), 11, NULL, 0},
	{T("0123456789"), 14, T("10:0123456789,")},
	{T("0123456789"), 13, NULL, 0},
	{T("x\0y,:"), 64, T("5:x\0y,:,")},
	{T("OK secure match=a.example.com servername=hostname"), 100,
	    T("49:OK secure match=a.example.com servername=hostname,")},
	{T("abc"), 0, NULL, 0},
};

static void
run_encode(void)
{
	const struct enc_case *e;
	const char *data;
	char out[128];
	size_t i, n, dlen, used;
	int good;

	for (i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
		e = &encs[i];
		memset(out, '#', sizeof(out));
		n = mxtls_netstring_encode(e->data, e->len, out, e->outsz);
		if (e->want == NULL) {
			ok(n == 0, "encode %zu: no room in %zu bytes -> 0 "
			    "(got %zu)", i + 1, e->outsz, n);
			continue;
		}
		good = n == e->wlen && memcmp(out, e->want, n) == 0 &&
		    out[n] == '#';
		good = good && mxtls_netstring_parse(out, n, e->len, &data,
		    &dlen, &used, NULL) == MXTLS_OK && used == n &&
		    dlen == e->len && memcmp(data, e->data, dlen) == 0;
		ok(good, "encode %zu: %zu bytes, round trip", i + 1, n);
	}
}

/* run_big - a payload of the request maximum, and one byte over */

static void
run_big(void)
{
	const char *data;
	char *buf, *in;
	size_t n, dlen, used, max = 10000;
	enum mxtls_status rv;

	if ((in = malloc(max + 1)) == NULL || (buf = malloc(max + 16)) ==
	    NULL)
		abort();
	memset(in, 'k', max + 1);
	n = mxtls_netstring_encode(in, max, buf, max + 16);
	rv = mxtls_netstring_parse(buf, n, max, &data, &dlen, &used, NULL);
	ok(n == max + 7 && rv == MXTLS_OK && dlen == max && used == n,
	    "10000-byte payload at max 10000: OK");
	n = mxtls_netstring_encode(in, max + 1, buf, max + 16);
	rv = mxtls_netstring_parse(buf, 3, max, &data, &dlen, &used, NULL);
	ok(n == max + 8 && rv == MXTLS_NOTFOUND,
	    "\"100\" of 10001 at max 10000: NOTFOUND so far");
	rv = mxtls_netstring_parse(buf, 5, max, &data, &dlen, &used, NULL);
	ok(rv == MXTLS_PERMFAIL, "\"10001\" at max 10000: PERMFAIL at once");
	free(in);
	free(buf);
}

int
main(void)
{
	const char *data;
	size_t dlen, used;

	run_cases();
	run_prefixes();
	run_sticky();
	run_encode();
	run_big();
	ok(mxtls_netstring_parse(NULL, 0, 10, &data, &dlen, &used, NULL) ==
	    MXTLS_NOTFOUND && used == 0, "no bytes: NOTFOUND");
	ok(mxtls_netstring_parse("1:a,", 4, 10, NULL, &dlen, &used, NULL) ==
	    MXTLS_PERMFAIL, "nowhere to put it: PERMFAIL");
	ok(mxtls_netstring_encode(NULL, 1, (char *)&used, sizeof(used)) == 0,
	    "encode of NULL data: 0");
	return done_testing();
}
