/*
 * NAME
 *	test_dns_rdata - table-driven tests of the TXT, address, name and MX
 *	RDATA readers
 * DESCRIPTION
 *	TXT cases give wire RDATA (length-prefixed strings) with an explicit
 *	length, the output size, and the joined text expected or a key
 *	substring of the reason. Address cases give an RR type and RDATA.
 *	Name and MX cases give wire RDATA, or label lengths from which a
 *	long name is generated, and the text, bytes used or preference
 *	expected, or a key substring of the reason.
 * SEE ALSO
 *	RFC 1035 3.1, 3.3.9, 3.3.14; RFC 3596 2.2; RFC 7505; RFC 8461 3.1;
 *	common/dns_rdata.c
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

struct name_case {
	int	mx;			/* 1: mxtls_dns_mx_parse() */
	const unsigned char *rdata;	/* NULL: generated from labels */
	size_t	len;
	const unsigned char *labels;	/* label lengths, 0-terminated */
	size_t	outsz;
	enum mxtls_status want;
	const char *out;		/* text, or a key substring of why */
	size_t	num;			/* name: bytes used; MX: preference */
};

#define NOUT	(MXTLS_DOMAIN_MAX + 2)
#define NOK(r, t, u)	{0, T(r), NULL, NOUT, MXTLS_OK, t, u}
#define NBAD(r, w)	{0, T(r), NULL, NOUT, MXTLS_PERMFAIL, w, 0}
#define NGEN(l, st, t, u) {0, NULL, 0, (const unsigned char *)l, NOUT, st, t, u}
#define MOK(r, p, t)	{1, T(r), NULL, NOUT, MXTLS_OK, t, p}
#define MBAD(r, w)	{1, T(r), NULL, NOUT, MXTLS_PERMFAIL, w, 0}
#define MGEN(l, st, t, p) {1, NULL, 0, (const unsigned char *)l, NOUT, st, t, p}

static const struct name_case name_cases[] = {
	NOK("\x02mx\x07" "example\x03" "com\x00", "mx.example.com", 16),
	NOK("\x00", ".", 1),
	NOK("\x02MX\x07" "ExAmPle\x03" "COM\x00", "mx.example.com", 16),
	NOK("\x04_25_\x04_tcp\x02mx\x00", "_25_._tcp.mx", 14),
	NOK("\x03" "1-2\x01" "z\x00", "1-2.z", 7),
	NOK("\x01" "a\x00trailing", "a", 3),
	NOK("\x00\x00", ".", 1),
	NGEN("\x3f", MXTLS_OK, "63 x", 65),
	NGEN("\x3f\x3f\x3f\x3d", MXTLS_OK, "253 x", 255),
	NGEN("\x40", MXTLS_PERMFAIL, "label of 64 bytes at offset 0, at "
	    "most 63", 0),
	NGEN("\x3f\x3f\x3f\x3e", MXTLS_PERMFAIL, "longer than 255 bytes", 0),
	NGEN("\x3f\x3f\x3f\x3f", MXTLS_PERMFAIL, "longer than 255 bytes", 0),
	NBAD("\xc0\x0c", "compression pointer at offset 0"),
	NBAD("\x02mx\xc0\x0c", "compression pointer at offset 3"),
	NBAD("\x02mx\x07" "exam", "a label of 7 bytes at offset 3 runs past "
	    "the end (8 bytes)"),
	NBAD("\x02mx", "without the root label"),
	NBAD("", "runs past the end (0 bytes)"),
	NBAD("\x03" "a.b\x00", "byte 0x2e at offset 2"),
	NBAD("\x03" "a b\x00", "byte 0x20"),
	NBAD("\x02\xc3\xa9\x00", "byte 0xc3 at offset 1"),
	NBAD("\x01\x00\x00", "byte 0x00 at offset 1"),
	NBAD("\x80" "a", "label of 128 bytes"),
	NBAD("\x41" "a", "label of 65 bytes"),
	{0, T("\x05" "abcde\x00"), NULL, 6, MXTLS_PERMFAIL, "too small", 0},
	{0, T("\x05" "abcde\x00"), NULL, 7, MXTLS_OK, "abcde", 7},
	{0, T("\x00"), NULL, 1, MXTLS_PERMFAIL, "no room", 0},
	MOK("\x00\x0a\x02mx\x07" "example\x03" "com\x00", 10,
	    "mx.example.com"),
	MOK("\x00\x00\x00", 0, "."),
	MOK("\xff\xff\x01" "a\x00", 65535, "a"),
	MOK("\x01\x00\x02MX\x00", 256, "mx"),
	MOK("\x00\x05\x04_smt\x00", 5, "_smt"),
	MBAD("\x00\x0a\x01" "a\x00x", "1 bytes after the exchange name"),
	MBAD("\x00\x00\x00\x00", "1 bytes after the exchange name"),
	MBAD("\x00\x0a", "2 bytes, at least 3 are needed"),
	MBAD("", "0 bytes, at least 3"),
	MBAD("\x00\x0a\xc0\x0c", "compression pointer at offset 0"),
	MBAD("\x00\x0a\x02mx", "without the root label"),
	MBAD("\x00\x0a\x02mx\x07" "ex", "runs past the end"),
	MBAD("\x00\x0a\x03" "a*b\x00", "byte 0x2a"),
	MGEN("\x3f\x3f\x3f\x3d", MXTLS_OK, "253 x", 0x1234),
	MGEN("\x40", MXTLS_PERMFAIL, "label of 64 bytes", 0),
	MGEN("\x3f\x3f\x3f\x3e", MXTLS_PERMFAIL, "longer than 255 bytes", 0),
};

/*
 * gen_name - wire RDATA (a preference 0x1234 first for MX) of labels of
 * the given lengths, all 'X', ending in the root label; *len its size.
 * The text expected is then "N x": N bytes of x and dots.
 */

static unsigned char *
gen_name(int mx, const unsigned char *labels, size_t *len)
{
	static unsigned char buf[1024];
	size_t o = 0, k;

	if (mx) {
		buf[o++] = 0x12;
		buf[o++] = 0x34;
	}
	for (k = 0; labels[k] != 0; k++) {
		buf[o++] = labels[k];
		memset(buf + o, 'X', labels[k]);
		o += labels[k];
	}
	buf[o++] = 0;
	*len = o;
	return buf;
}

/* gen_text_ok - out is "N x" as above: N bytes of 'x' and single dots */

static int
gen_text_ok(const char *out, const char *want)
{
	size_t n = strtoul(want, NULL, 10), i;

	if (strlen(out) != n || out[0] == '.' || out[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (out[i] != 'x' && !(out[i] == '.' && out[i + 1] != '.'))
			return 0;
	return 1;
}

static void
run_names(size_t *ncases)
{
	const struct name_case *c;
	const unsigned char *rdata;
	struct mxtls_why why;
	char out[NOUT + 16];
	enum mxtls_status rv;
	size_t i, len, used;
	uint16_t pref;
	int good;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		c = &name_cases[i];
		rdata = c->rdata;
		len = c->len;
		if (rdata == NULL)
			rdata = gen_name(c->mx, c->labels, &len);
		mxtls_why_clear(&why);
		memset(out, 'z', sizeof(out));
		used = pref = 4321;
		if (c->mx)
			rv = mxtls_dns_mx_parse(rdata, len, &pref, out,
			    c->outsz, &why);
		else
			rv = mxtls_dns_name_text(rdata, len, out, c->outsz,
			    &used, &why);
		ok(rv == c->want, "%s %zu: status %s (want %s)",
		    c->mx ? "mx" : "name", i + 1, mxtls_status_name(rv),
		    mxtls_status_name(c->want));
		if (c->want != MXTLS_OK)
			good = (c->outsz == 0 || out[0] == '\0') &&
			    (c->mx ? pref == 0 : used == 0) &&
			    strstr(why.text, c->out) != NULL;
		else
			good = (c->mx ? pref == c->num : used == c->num) &&
			    (c->labels ? gen_text_ok(out, c->out) :
			    strcmp(out, c->out) == 0);
		ok(good, "%s %zu: \"%s\" %zu / %s", c->mx ? "mx" : "name",
		    i + 1, c->want == MXTLS_OK ? out : "",
		    c->mx ? (size_t)pref : used, why.text);
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
	run_names(&n);
	ok(mxtls_dns_txt_join(T("\x01" "a"), out, 0, &len, NULL) ==
	    MXTLS_PERMFAIL && len == 0, "txt: output size 0 is refused");
	ok(mxtls_dns_txt_join(T("\x01" "a"), out, sizeof(out), NULL, NULL) ==
	    MXTLS_OK && strcmp(out, "a") == 0, "txt: NULL outlen and why");
	ok(mxtls_dns_name_text(T("\x01" "a\x00"), out, sizeof(out), NULL,
	    NULL) == MXTLS_OK && strcmp(out, "a") == 0,
	    "name: NULL used and why");
	ok(mxtls_dns_mx_parse(T("\x00\x01\x01" "a\x00"), NULL, out,
	    sizeof(out), NULL) == MXTLS_OK && strcmp(out, "a") == 0,
	    "mx: NULL pref and why");
	diag("%zu cases", n);
	return done_testing();
}
