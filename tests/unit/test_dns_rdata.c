/*
 * NAME
 *	test_dns_rdata - table-driven tests of the TXT and address RDATA
 *	readers
 * DESCRIPTION
 *	TXT cases give wire RDATA (length-prefixed strings) with an explicit
 *	length, the output size, and the joined text expected or a key
 *	substring of the reason. Address cases give an RR type and RDATA.
 * SEE ALSO
 *	RFC 1035 3.3.14, RFC 3596 2.2, RFC 8461 3.1, common/dns_rdata.c
 */
#include "dns_rdata.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define T(s)	(const unsigned char *)s, sizeof(s) - 1
#define J(s)	s, sizeof(s) - 1

struct txt_case {
	const unsigned char *rdata;	/* NULL: generated, see gen_txt() */
	size_t	len;
	size_t	outsz;
	enum mxtls_status want;
	const char *out;		/* MXTLS_OK: joined text */
	size_t	outlen;
	const char *why;		/* otherwise */
};

#define OKT(r, sz, j)	{T(r), sz, MXTLS_OK, J(j), NULL}
#define BADT(r, sz, w)	{T(r), sz, MXTLS_PERMFAIL, "", 0, w}

static const struct txt_case txt_cases[] = {
	OKT("\x08v=STSv1;", 64, "v=STSv1;"),
	OKT("\x08v=STSv1;\x0cid=20190429;", 64, "v=STSv1;id=20190429;"),
	OKT("\x04v=ST\x04Sv1;\x05 id=1", 64, "v=STSv1; id=1"),
	OKT("\x00", 64, ""),
	OKT("\x00\x00\x00", 64, ""),
	OKT("\x01" "a\x00\x01" "b", 64, "ab"),
	OKT("\x03" "a\0b", 64, "a\0b"),
	OKT("\x03" "abc", 4, "abc"),
	OKT("\x02" "ab\x01" "c", 4, "abc"),
	BADT("", 64, "empty TXT RDATA"),
	BADT("\x09v=STSv1;", 64, "a string of 9 bytes at offset 0 runs past"),
	BADT("\x01" "a\x05" "bc", 64, "a string of 5 bytes at offset 2"),
	BADT("\x01" "a\x01", 64, "runs past its end (3 bytes)"),
	BADT("\xff", 64, "a string of 255 bytes"),
	BADT("\x04" "abcd", 4, "more than 3 bytes once its strings are joined"),
	BADT("\x02" "ab\x02" "cd", 4, "TXT record too long"),
	BADT("\x01" "a", 1, "more than 0 bytes"),
	{NULL, 16 * 256, 4097, MXTLS_OK, NULL, 4096, NULL},
	{NULL, 17 * 256, 4097, MXTLS_PERMFAIL, "", 0, "too long"},
};

/* gen_txt - n/256 strings of 255 bytes 'a' (fits 4096 for 16 strings) */

static unsigned char *
gen_txt(size_t len, size_t *joined)
{
	unsigned char *p;
	size_t i;

	if ((p = malloc(len)) == NULL)
		abort();
	memset(p, 'a', len);
	for (i = 0; i < len; i += 256)
		p[i] = 255;
	*joined = len / 256 * 255;
	return p;
}

static void
run_txt(size_t *ncases)
{
	static char out[8192];
	const struct txt_case *c;
	struct mxtls_why why;
	unsigned char *gen;
	enum mxtls_status rv;
	size_t i, outlen, joined = 0;
	int good;

	for (i = 0; i < sizeof(txt_cases) / sizeof(txt_cases[0]); i++) {
		c = &txt_cases[i];
		/* 16 strings of 255 join to 4080, 17 to 4335 > 4096 */
		gen = c->rdata == NULL ? gen_txt(c->len, &joined) : NULL;
		mxtls_why_clear(&why);
		memset(out, 'x', sizeof(out));
		outlen = 12345;
		rv = mxtls_dns_txt_join(gen ? gen : c->rdata, c->len, out,
		    c->outsz, &outlen, &why);
		ok(rv == c->want, "txt %zu: status %s (want %s)", i + 1,
		    mxtls_status_name(rv), mxtls_status_name(c->want));
		if (c->want != MXTLS_OK)
			good = out[0] == '\0' && outlen == 0 &&
			    strstr(why.text, c->why) != NULL;
		else if (gen != NULL)
			good = outlen == joined && out[outlen] == '\0' &&
			    strspn(out, "a") == joined;
		else
			good = outlen == c->outlen && out[outlen] == '\0' &&
			    memcmp(out, c->out, outlen) == 0;
		ok(good, "txt %zu: %s", i + 1,
		    c->want == MXTLS_OK ? "joined text" : why.text);
		free(gen);
		(*ncases)++;
	}
}

struct addr_case {
	int	rrtype;
	const unsigned char *rdata;
	size_t	len;
	size_t	outsz;
	enum mxtls_status want;
	const char *out;	/* text, or a key substring of the reason */
};

static const struct addr_case addr_cases[] = {
	{1, T("\xc0\x00\x02\x01"), 46, MXTLS_OK, "192.0.2.1"},
	{1, T("\x00\x00\x00\x00"), 46, MXTLS_OK, "0.0.0.0"},
	{1, T("\xff\xff\xff\xff"), 16, MXTLS_OK, "255.255.255.255"},
	{28, T("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"), 46, MXTLS_OK,
	    "2001:db8::1"},
	{28, T("\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x01"), 46, MXTLS_OK,
	    "::ffff:192.0.2.1"},
	{28, T("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), 46, MXTLS_OK, "::"},
	{1, T("\xc0\x00\x02"), 46, MXTLS_PERMFAIL,
	    "malformed A RDATA: 3 bytes, not 4"},
	{1, T("\xc0\x00\x02\x01\x01"), 46, MXTLS_PERMFAIL, "5 bytes, not 4"},
	{28, T("\xc0\x00\x02\x01"), 46, MXTLS_PERMFAIL,
	    "malformed AAAA RDATA: 4 bytes, not 16"},
	{1, NULL, 0, 46, MXTLS_PERMFAIL, "0 bytes, not 4"},
	{15, T("\xc0\x00\x02\x01"), 46, MXTLS_PERMFAIL,
	    "RR type 15 is not an address"},
	{1, T("\xff\xff\xff\xff"), 15, MXTLS_PERMFAIL, "too small"},
};

static void
run_addr(size_t *ncases)
{
	const struct addr_case *c;
	struct mxtls_why why;
	char out[64];
	enum mxtls_status rv;
	size_t i;

	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		c = &addr_cases[i];
		mxtls_why_clear(&why);
		memset(out, 'x', sizeof(out));
		rv = mxtls_dns_addr_text(c->rrtype, c->rdata, c->len, out,
		    c->outsz, &why);
		ok(rv == c->want, "addr %zu: status %s (want %s)", i + 1,
		    mxtls_status_name(rv), mxtls_status_name(c->want));
		if (c->want == MXTLS_OK)
			ok(strcmp(out, c->out) == 0, "addr %zu: %s", i + 1,
			    out);
		else
			ok(out[0] == '\0' && strstr(why.text, c->out) != NULL,
			    "addr %zu: reason has \"%s\": %s", i + 1, c->out,
			    why.text);
		(*ncases)++;
	}
}

int
main(void)
{
	size_t n = 0, len = 99;
	char out[4];

	run_txt(&n);
	run_addr(&n);
	ok(mxtls_dns_txt_join(T("\x01" "a"), out, 0, &len, NULL) ==
	    MXTLS_PERMFAIL && len == 0, "txt: output size 0 is refused");
	ok(mxtls_dns_txt_join(T("\x01" "a"), out, sizeof(out), NULL, NULL) ==
	    MXTLS_OK && strcmp(out, "a") == 0, "txt: NULL outlen and why");
	diag("%zu cases", n);
	return done_testing();
}
