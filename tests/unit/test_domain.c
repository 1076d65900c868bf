/*
 * NAME
 *	test_domain - table-driven tests of mxtls_domain_normalize()
 * DESCRIPTION
 *	Each case gives the input with an explicit length, the status
 *	expected and either the normalized name or a key substring of the
 *	reason.
 * SEE ALSO
 *	RFC 5321 4.1.2, RFC 1035 2.3.4, RFC 8616 3, common/domain.c
 */
#include "domain.h"

#include <string.h>

#include "tap.h"

#define T(s)	s, sizeof(s) - 1

#define L63 \
	"abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abc"
#define L192	L63 "." L63 "." L63 "."
#define D253 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij012345678.c"
#define D254 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789.c"

struct domain_case {
	const char *in;
	size_t	len;
	enum mxtls_status want;
	const char *out;	/* MXTLS_OK: normalized name */
	const char *why;	/* otherwise: key substring */
};

#define OKD(s, out)	{T(s), MXTLS_OK, out, NULL}
#define BAD(s, why)	{T(s), MXTLS_PERMFAIL, NULL, why}

static const struct domain_case cases[] = {
	OKD("example.com", "example.com"),
	OKD("Mail.EXAMPLE.Com", "mail.example.com"),
	OKD("mail.example.com.", "mail.example.com"),
	OKD("localhost", "localhost"),
	OKD("a", "a"),
	OKD("1.example", "1.example"),
	OKD("123.example.com", "123.example.com"),
	OKD("a-b.c-d.example", "a-b.c-d.example"),
	OKD("a--b.example", "a--b.example"),
	OKD("XN--MNCHEN-3YA.example", "xn--mnchen-3ya.example"),
	OKD("example.c0m", "example.c0m"),
	OKD(L63 ".example", L63 ".example"),
	OKD(D253, D253),
	OKD(D253 ".", D253),
	BAD("", "empty domain name"),
	BAD(".", "\".\" (the root) is not a host name"),
	BAD("..", "has an empty label"),
	BAD("example..com", "domain \"example..com\" has an empty label"),
	BAD(".example.com", "has an empty label"),
	BAD("example.com..", "has an empty label"),
	BAD("-example.com", "has a label that begins with '-'"),
	BAD("example-.com", "has a label that ends with '-'"),
	BAD("example.com-", "ends with '-'"),
	BAD("-", "begins with '-'"),
	BAD("_mta-sts.example.com", "contains '_': a host name has only"),
	BAD("m\xc3\xbcnchen.example", "contains non-ASCII bytes: use the "
	    "A-label (xn--...) form, RFC 8616"),
	BAD("example.com\xff", "non-ASCII"),
	BAD("example\0.com", "contains a NUL byte"),
	BAD("example.com\0", "contains a NUL byte"),
	BAD("\0", "contains a NUL byte"),
	BAD("exa mple.com", "contains ' '"),
	BAD("example.com\n", "contains the control byte 0x0a"),
	BAD("*.example.com", "contains '*'"),
	BAD("example.com:25", "contains ':'"),
	BAD("user@example.com", "contains '@'"),
	BAD(L63 "d.example", "has a label of 64 characters"),
	BAD(D254, "is 254 characters long"),
	BAD(D253 "..", "is 254 characters long"),
	BAD("[192.0.2.1]", "is an address literal"),
	BAD("[IPv6:2001:db8::1]", "is an address literal"),
	BAD("192.0.2.1", "ends in an all-numeric label"),
	BAD("192.0.2.1.", "ends in an all-numeric label"),
	BAD("example.123", "ends in an all-numeric label"),
	BAD("1", "ends in an all-numeric label"),
};

int
main(void)
{
	const struct domain_case *c;
	char out[MXTLS_DOMAIN_MAX + 1], small[16], shown[64];
	struct mxtls_why why;
	enum mxtls_status rv;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		mxtls_why_clear(&why);
		memcpy(out, "garbage", sizeof("garbage"));
		rv = mxtls_domain_normalize(c->in, c->len, out, sizeof(out),
		    &why);
		mxtls_sanitize(shown, sizeof(shown), c->in, c->len);
		ok(rv == c->want, "%zu \"%s\": status %s (want %s)", i + 1,
		    shown, mxtls_status_name(rv), mxtls_status_name(c->want));
		if (c->want == MXTLS_OK)
			ok(strcmp(out, c->out) == 0, "%zu: \"%s\"", i + 1, out);
		else
			ok(out[0] == '\0' && why.status == rv &&
			    strstr(why.text, c->why) != NULL,
			    "%zu: reason has \"%s\": %s", i + 1, c->why,
			    why.text);
	}
	ok(mxtls_domain_normalize(T("example.com"), small, sizeof(small),
	    &why) == MXTLS_PERMFAIL && strstr(why.text, "too small") != NULL,
	    "an output buffer under MXTLS_DOMAIN_MAX + 1 is refused");
	ok(mxtls_domain_normalize(NULL, 3, out, sizeof(out), NULL) ==
	    MXTLS_PERMFAIL, "NULL input, NULL why");
	diag("%zu cases", i);
	return done_testing();
}
