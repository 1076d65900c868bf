/*
 * NAME
 *	test_smtp_reply - table-driven tests of the SMTP reply parser
 * DESCRIPTION
 *	Each case gives the bytes received with an explicit length (so NUL
 *	bytes can be tested), the status expected and, for MXTLS_OK, the
 *	code, the number of lines, the STARTTLS flag, the first line's text
 *	and the bytes used; otherwise a key substring of the reason. Every
 *	proper prefix of each complete reply must give MXTLS_NOTFOUND, and
 *	generated cases probe the line and reply bounds.
 * SEE ALSO
 *	RFC 5321 4.2, RFC 3207 4, common/smtp_reply.c
 */
#include "smtp_reply.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define T(s)	s, sizeof(s) - 1

struct reply_case {
	const char *in;
	size_t	len;
	enum mxtls_status want;
	int	code;
	size_t	nlines;
	int	starttls;
	const char *text;	/* MXTLS_OK: r->text; otherwise the reason */
	size_t	used;		/* MXTLS_OK: 0 means all of len */
};

#define OKR(s, code, nl, tls, text)	{T(s), MXTLS_OK, code, nl, tls, text, 0}
#define OKU(s, code, nl, tls, text, u)	{T(s), MXTLS_OK, code, nl, tls, text, u}
#define BAD(s, why)	{T(s), MXTLS_PERMFAIL, 0, 0, 0, why, 0}
#define MORE(s)		{T(s), MXTLS_NOTFOUND, 0, 0, 0, "", 0}

#define EHLO_HEAD	"250-mx.example.com Hello client.example.net\r\n"

static const struct reply_case cases[] = {
	/* single lines */
	OKR("220 mx.example.com ESMTP ready\r\n", 220, 1, 0,
	    "mx.example.com ESMTP ready"),
	OKR("250 OK\r\n", 250, 1, 0, "OK"),
	OKR("250\r\n", 250, 1, 0, ""),
	OKR("250 \r\n", 250, 1, 0, ""),
	OKR("354 Start mail input; end with <CRLF>.<CRLF>\r\n", 354, 1, 0,
	    "Start mail input; end with <CRLF>.<CRLF>"),
	OKR("421 4.3.2 Service not available\r\n", 421, 1, 0,
	    "4.3.2 Service not available"),
	OKR("454 4.7.0 TLS not available due to temporary reason\r\n", 454,
	    1, 0, "4.7.0 TLS not available due to temporary reason"),
	OKR("554 5.7.1 No\r\n", 554, 1, 0, "5.7.1 No"),
	OKR("599 x\r\n", 599, 1, 0, "x"),
	OKR("200 x\r\n", 200, 1, 0, "x"),
	OKR("220 tab\there\r\n", 220, 1, 0, "tab?here"),
	OKR("220 caf\xc3\xa9\r\n", 220, 1, 0, "caf??"),
	OKR("220 a\rb\r\n", 220, 1, 0, "a?b"),
	/* bare LF ends a line too (RFC 5321 2.3.8) */
	OKR("250 OK\n", 250, 1, 0, "OK"),
	OKR("250-a\n250 b\n", 250, 2, 0, "a"),
	OKR("250-a\r\n250 b\n", 250, 2, 0, "a"),
	/* only the first reply is read */
	OKU("250 OK\r\n250 next\r\n", 250, 1, 0, "OK", 8),
	OKU("220 hi\r\n\0garbage", 220, 1, 0, "hi", 8),
	OKU("250 OK\r\nxyz", 250, 1, 0, "OK", 8),
	/* multi-line EHLO replies and STARTTLS */
	OKR(EHLO_HEAD "250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
	    250, 4, 1, "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250-SIZE 10240000\r\n250 STARTTLS\r\n", 250, 3, 1,
	    "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250 starttls\r\n", 250, 2, 1,
	    "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250 StartTLS\r\n", 250, 2, 1,
	    "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250-STARTTLS REQUIRED\r\n250 OK\r\n", 250, 3, 1,
	    "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250 STARTTLS \r\n", 250, 2, 1,
	    "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250-STARTTLSX\r\n250 8BITMIME\r\n", 250, 3, 0,
	    "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250-X-STARTTLS\r\n250 8BITMIME\r\n", 250, 3, 0,
	    "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250  STARTTLS\r\n", 250, 2, 0,
	    "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250 STARTTLS\t\r\n", 250, 2, 0,
	    "mx.example.com Hello client.example.net"),
	OKR(EHLO_HEAD "250 STARTTL\r\n", 250, 2, 0,
	    "mx.example.com Hello client.example.net"),
	OKR("250 STARTTLS\r\n", 250, 1, 0, "STARTTLS"),
	OKR("220-STARTTLS\r\n220 STARTTLS\r\n", 220, 2, 0, "STARTTLS"),
	OKR("250-\r\n250-STARTTLS\n250\r\n", 250, 3, 1, ""),
	OKR(EHLO_HEAD "250-STARTTLS\r\n250-STARTTLS\r\n250 OK\r\n", 250, 4,
	    1, "mx.example.com Hello client.example.net"),
	/* incomplete */
	MORE("2"),
	MORE("250"),
	MORE("250\r"),
	MORE("250 OK"),
	MORE("250 OK\r"),
	MORE("250-a\r\n"),
	MORE("250-a\r\n250"),
	MORE("250-a\r\n250-b\r\n"),
	/* codes */
	BAD("199 x\r\n", "reply code from 200 to 599: \"199\""),
	BAD("600 x\r\n", "reply code from 200 to 599"),
	BAD("2x0 x\r\n", "\"2x0\""),
	BAD("25\r\n", "ends before its 3-digit reply code"),
	BAD("\r\n", "ends before its 3-digit reply code"),
	BAD("\n", "ends before its 3-digit reply code"),
	BAD(" 250 x\r\n", "reply code"),
	BAD("x", "reply code from 200 to 599"),
	BAD("25a", "\"25a\""),
	BAD("-250 x\r\n", "reply code"),
	/* separators */
	BAD("250OK\r\n", "neither a space nor a hyphen"),
	BAD("250\tOK\r\n", "neither a space nor a hyphen"),
	BAD("250\r\r\n", "neither a space nor a hyphen"),
	BAD("250_", "neither a space nor a hyphen"),
	BAD("250\rx", "neither a space nor a hyphen"),
	/* codes must agree */
	BAD("250-a\r\n251 b\r\n", "line 2 has reply code 251, not 250"),
	BAD("250-a\r\n550 b\r\n", "not 250 as line 1"),
	BAD("250-a\r\n24", "reply code 24, not 250 as line 1"),
	BAD("250-a\r\n250-b\r\n6", "line 3 does not start with a reply code"),
	BAD("250-a\r\n250-b\r\n3", "reply code 3, not 250"),
	BAD("250-a\r\n\r\n", "line 2 ends before"),
	/* NUL */
	BAD("250 O\0K\r\n", "NUL byte in line 1 at offset 5"),
	BAD("250-a\r\n250 \0", "NUL byte in line 2 at offset 11"),
	BAD("\0", "NUL byte"),
	BAD("250 OK\0", "NUL byte"),
};

static void
run_cases(size_t *ncases)
{
	const struct reply_case *c;
	struct mxtls_smtp_reply r;
	struct mxtls_why why;
	enum mxtls_status rv;
	size_t i, used, want_used;
	int good;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		mxtls_why_clear(&why);
		used = 12345;
		rv = mxtls_smtp_reply_parse(&r, c->in, c->len, &used, &why);
		ok(rv == c->want, "case %zu: status %s (want %s)", i + 1,
		    mxtls_status_name(rv), mxtls_status_name(c->want));
		want_used = c->used ? c->used : c->len;
		if (c->want == MXTLS_OK)
			good = r.code == c->code && r.nlines == c->nlines &&
			    r.starttls == c->starttls && used == want_used &&
			    strcmp(r.text, c->text) == 0;
		else
			good = used == 0 && r.code == 0 && r.nlines == 0 &&
			    r.text[0] == '\0' &&
			    strstr(why.text, c->text) != NULL;
		ok(good, "case %zu: code %d, %zu lines, starttls %d, used "
		    "%zu, \"%s\" / %s", i + 1, r.code, r.nlines, r.starttls,
		    used, r.text, why.text);
		(*ncases)++;
	}
}

/* run_prefixes - every proper prefix of a complete reply needs more bytes */

static void
run_prefixes(size_t *ncases)
{
	const struct reply_case *c;
	struct mxtls_smtp_reply r;
	struct mxtls_why why;
	size_t i, k, used, n, bad;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		if (c->want != MXTLS_OK)
			continue;
		n = c->used ? c->used : c->len;
		for (k = 0, bad = 0; k < n; k++)
			if (mxtls_smtp_reply_parse(&r, c->in, k, &used,
			    &why) != MXTLS_NOTFOUND || used != 0)
				bad = bad ? bad : k + 1;
		ok(bad == 0, "case %zu: all %zu proper prefixes are "
		    "NOTFOUND (first bad: %zu)", i + 1, n, bad ? bad - 1 : 0);
		(*ncases)++;
	}
}

/* gen_line - "250-" or "250 " then 'x' up to total bytes with CRLF */

static size_t
gen_line(char *p, size_t total, int last)
{
	memcpy(p, last ? "250 " : "250-", 4);
	memset(p + 4, 'x', total - 6);
	memcpy(p + total - 2, "\r\n", 2);
	return total;
}

struct bound_case {
	const char *name;
	size_t	lines;		/* of 1000 bytes, before the last line */
	size_t	lastlen;	/* bytes of the last line with CRLF */
	int	lf_only;	/* end the last line with a bare LF */
	size_t	cut;		/* give only this many bytes (0: all) */
	enum mxtls_status want;
	const char *why;
};

static const struct bound_case bounds[] = {
	{"line of exactly 1000 bytes", 0, 1000, 0, 0, MXTLS_OK, ""},
	{"line of 1001 bytes", 0, 1001, 0, 0, MXTLS_PERMFAIL,
	    "line 1 is longer than 1000 bytes"},
	{"1000 bytes without a line end", 0, 1002, 0, 1000, MXTLS_PERMFAIL,
	    "longer than 1000 bytes"},
	{"999 bytes without a line end", 0, 1002, 0, 999, MXTLS_NOTFOUND,
	    ""},
	{"LF-ended line of 1000 bytes", 0, 1001, 1, 0, MXTLS_OK, ""},
	{"reply of exactly 8192 bytes", 8, 192, 0, 0, MXTLS_OK, ""},
	{"reply of 8193 bytes", 8, 193, 0, 0, MXTLS_PERMFAIL,
	    "reply is longer than 8192 bytes"},
	{"8192 bytes without the end", 8, 300, 0, 8192, MXTLS_PERMFAIL,
	    "reply is longer than 8192 bytes"},
	{"8191 bytes without the end", 8, 300, 0, 8191, MXTLS_NOTFOUND, ""},
	{"9 full lines: over 8192", 9, 100, 0, 0, MXTLS_PERMFAIL,
	    "reply is longer than 8192 bytes"},
};

static void
run_bounds(size_t *ncases)
{
	const struct bound_case *b;
	struct mxtls_smtp_reply r;
	struct mxtls_why why;
	enum mxtls_status rv;
	size_t i, k, n, used;
	char *buf;

	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		b = &bounds[i];
		if ((buf = malloc(b->lines * 1000 + b->lastlen)) == NULL)
			abort();
		for (k = 0, n = 0; k < b->lines; k++)
			n += gen_line(buf + n, 1000, 0);
		n += gen_line(buf + n, b->lastlen, 1);
		if (b->lf_only) {
			buf[n - 2] = '\n';
			n--;
		}
		mxtls_why_clear(&why);
		rv = mxtls_smtp_reply_parse(&r, buf, b->cut ? b->cut : n,
		    &used, &why);
		ok(rv == b->want && (rv != MXTLS_OK ||
		    (used == n && r.nlines == b->lines + 1)) &&
		    strstr(why.text, b->why) != NULL,
		    "%s: %s, used %zu, %s", b->name, mxtls_status_name(rv),
		    used, why.text);
		free(buf);
		(*ncases)++;
	}
}

int
main(void)
{
	struct mxtls_smtp_reply r;
	size_t n = 0, used = 7;

	run_cases(&n);
	run_prefixes(&n);
	run_bounds(&n);
	ok(mxtls_smtp_reply_parse(&r, NULL, 0, &used, NULL) ==
	    MXTLS_NOTFOUND && used == 0, "no bytes: NOTFOUND");
	ok(mxtls_smtp_reply_parse(&r, T("250 OK\r\n"), &used, NULL) ==
	    MXTLS_OK && used == 8, "NULL why is fine");
	ok(mxtls_smtp_reply_parse(NULL, T("250 OK\r\n"), &used, NULL) ==
	    MXTLS_PERMFAIL, "NULL reply is refused");
	diag("%zu cases", n);
	return done_testing();
}
