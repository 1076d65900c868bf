/*
 * NAME
 *	test_sts_match - table-driven tests of MX host matching (RFC 8461 4.1)
 * DESCRIPTION
 *	Each case is a host and a pattern, both with explicit lengths, and
 *	the expected answer. Every case is also run with the two sides
 *	swapped where that must give the same answer (no '*' in either).
 *	A second table checks mxtls_sts_policy_matches() against a parsed
 *	policy.
 * SEE ALSO
 *	RFC 8461 4.1, common/sts_match.c
 */
#include "sts_match.h"

#include <string.h>

#include "tap.h"

#define T(s)	s, sizeof(s) - 1

#define L63 \
	"abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abc"
#define L192	L63 "." L63 "." L63 "."
#define D251 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij0123456.c"
#define D253 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij012345678.c"
#define D254 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789.c"

struct match_case {
	const char *host;
	size_t	hostlen;
	const char *pat;
	size_t	patlen;
	int	want;
};

#define M(h, p, w)	{T(h), T(p), w}

static const struct match_case cases[] = {
	/* exact names */
	M("mail.example.com", "mail.example.com", 1),
	M("MAIL.EXAMPLE.COM", "mail.example.com", 1),
	M("mail.example.com", "Mail.Example.Com", 1),
	M("mail.example.com", "mail.example.co", 0),
	M("mail.example.co", "mail.example.com", 0),
	M("mail.example.comx", "mail.example.com", 0),
	M("xmail.example.com", "mail.example.com", 0),
	M("mail.example.com", "example.com", 0),
	M("mail-1.example.com", "mail-1.example.com", 1),
	M("xn--MIL-sna.example.com", "XN--mil-SNA.example.com", 1),
	M("localhost", "localhost", 1),
	M("localhost", "LOCALHOST.", 1),
	/* one trailing dot, either side */
	M("mail.example.com.", "mail.example.com", 1),
	M("mail.example.com", "mail.example.com.", 1),
	M("mail.example.com.", "mail.example.com.", 1),
	M("mail.example.com..", "mail.example.com", 0),
	M("mail.example.com", "mail.example.com..", 0),
	M(".", ".", 0),
	M("mail.example.com", ".", 0),
	/* wildcards: exactly one non-empty left-most label */
	M("mail.example.com", "*.example.com", 1),
	M("m.example.com", "*.example.com", 1),
	M("MAIL.example.COM.", "*.EXAMPLE.com.", 1),
	M("MAIL.EXAMPLE.COM", "*.EXAMPLE.COM", 1),
	M("mail.example.com.", "*.example.com", 1),
	M("mail.example.com", "*.example.com.", 1),
	M("mail-1.example.com", "*.example.com", 1),
	M("xn--mil-sna.example.com", "*.example.com", 1),
	M(L63 ".example.com", "*.example.com", 1),
	M("example.com", "*.example.com", 0),
	M("a.b.example.com", "*.example.com", 0),
	M(".example.com", "*.example.com", 0),
	M("mail.example.com", "*.mail.example.com", 0),
	M("mail.example.net", "*.example.com", 0),
	M("mail.xexample.com", "*.example.com", 0),
	M("mailexample.com", "*.example.com", 0),
	M("-mail.example.com", "*.example.com", 0),
	M("mail_x.example.com", "*.example.com", 0),
	/* "*.com" is taken as written: any one label under com */
	M("example.com", "*.com", 1),
	M("mail.example.com", "*.com", 0),
	M("com", "*.com", 0),
	/* a '*' anywhere but a leading "*." matches nothing */
	M("mail.example.com", "*", 0),
	M("*", "*", 0),
	M("mail", "*", 0),
	M("mail.example.com", "*.", 0),
	M("*.example.com", "*.example.com", 0),
	M("mx1.example.com", "mx*.example.com", 0),
	M("mx*.example.com", "mx*.example.com", 0),
	M("mail.example.com", "*mail.example.com", 0),
	M("mail.example.com", "*ail.example.com", 0),
	M("a.mail.example.com", "*.*.example.com", 0),
	M("mail.example.com", "**.example.com", 0),
	M("mail.example.com", "*..example.com", 0),
	M("mail.example.com", ".*.example.com", 0),
	M("mail.example.com", "mail.*.com", 0),
	M("mail.example.com", "*.example.*", 0),
	/* empty, NUL, whitespace, non-ASCII */
	M("mail.example.com", "", 0),
	M("", "mail.example.com", 0),
	M("", "", 0),
	M("mail.example.com\0", "mail.example.com", 0),
	M("mail.example.com", "mail.example.com\0", 0),
	M("mail\0.example.com", "mail\0.example.com", 0),
	M("mail.example.com", "*.example.com\0", 0),
	M("\0ail.example.com", "*.example.com", 0),
	M("mail.example.com", "mail.example.com ", 0),
	M(" mail.example.com", "mail.example.com", 0),
	M("mail.example.com", "*. example.com", 0),
	M("m\xc3\xa4il.example.com", "m\xc3\xa4il.example.com", 0),
	M("m\xc3\xa4il.example.com", "*.example.com", 0),
	M("MAIL.EXAMPLE.COM", "mail.example.com\xc2\xa0", 0),
	/* IP addresses are not host names */
	M("192.0.2.1", "192.0.2.1", 0),
	M("[192.0.2.1]", "[192.0.2.1]", 0),
	M("1.example.2", "*.example.2", 0),
	/* sizes */
	M(L63 ".example", L63 ".example", 1),
	M(L63 "d.example", L63 "d.example", 0),
	M(D253, D253, 1),
	M(D253 ".", D253, 1),
	M(D254, D254, 0),
	M("a." D251, "*." D251, 1),
	M("ab." D251, "*." D251, 0),
	/* the lengths are explicit: a shorter length is a shorter name */
	{"mail.example.com", 15, T("mail.example.com"), 0},
	{"mail.example.com", 15, T("mail.example.co"), 1},
	{T("mail.example.com"), "*.example.com.evil", 13, 1},
	{NULL, 0, T("mail.example.com"), 0},
	{T("mail.example.com"), NULL, 0, 0},
};

static void
run_cases(size_t *ncases)
{
	const struct match_case *c;
	char h[64], p[64];
	size_t i;
	int got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		got = mxtls_sts_match(c->host, c->hostlen, c->pat, c->patlen);
		mxtls_sanitize(h, sizeof(h), c->host, c->hostlen);
		mxtls_sanitize(p, sizeof(p), c->pat, c->patlen);
		ok(got == c->want, "%zu: \"%s\" vs \"%s\": %d (want %d)",
		    i + 1, h, p, got, c->want);
		(*ncases)++;
	}
}

/* Without any '*', matching is symmetric. */

static void
run_symmetry(void)
{
	const struct match_case *c;
	size_t i, n = 0, bad = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		if (c->host == NULL || c->pat == NULL ||
		    memchr(c->host, '*', c->hostlen) != NULL ||
		    memchr(c->pat, '*', c->patlen) != NULL)
			continue;
		n++;
		if (mxtls_sts_match(c->pat, c->patlen, c->host, c->hostlen) !=
		    c->want) {
			diag("asymmetric: case %zu", i + 1);
			bad++;
		}
	}
	ok(n >= 30 && bad == 0, "%zu cases without '*' are symmetric", n);
}

static const char policy_text[] =
    "version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n"
    "mx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\n";

static const struct match_case pol_cases[] = {
	M("mail.example.com", "", 1),
	M("MAIL.example.com.", "", 1),
	M("backupmx.example.com", "", 1),
	M("mx1.example.net", "", 1),
	M("example.net", "", 0),
	M("a.mx1.example.net", "", 0),
	M("evil.example.org", "", 0),
	M("mail.example.com\0.evil", "", 0),
	M("", "", 0),
};

static void
run_policy_cases(size_t *ncases)
{
	static struct mxtls_sts_policy pol;
	const struct match_case *c;
	char h[64];
	size_t i;
	int got;

	if (!ok(mxtls_sts_policy_parse(&pol, T(policy_text), NULL) ==
	    MXTLS_OK && pol.nmx == 3, "policy for matching parses"))
		return;
	for (i = 0; i < sizeof(pol_cases) / sizeof(pol_cases[0]); i++) {
		c = &pol_cases[i];
		got = mxtls_sts_policy_matches(&pol, c->host, c->hostlen);
		mxtls_sanitize(h, sizeof(h), c->host, c->hostlen);
		ok(got == c->want, "policy %zu: \"%s\": %d (want %d)", i + 1,
		    h, got, c->want);
		(*ncases)++;
	}
	pol.nmx = 0;
	ok(mxtls_sts_policy_matches(&pol, T("mail.example.com")) == 0,
	    "a policy without mx matches nothing");
	ok(mxtls_sts_policy_matches(NULL, T("mail.example.com")) == 0,
	    "a NULL policy matches nothing");
}

int
main(void)
{
	size_t n = 0;

	run_cases(&n);
	run_symmetry();
	run_policy_cases(&n);
	diag("%zu cases", n);
	return done_testing();
}
