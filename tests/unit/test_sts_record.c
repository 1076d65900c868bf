/*
 * NAME
 *	test_sts_record - table-driven tests of the _mta-sts TXT record parser
 * DESCRIPTION
 *	Each case gives the input with an explicit length (so NUL bytes can
 *	be tested), the status expected, and either the id (MXTLS_OK) or a
 *	key substring of the reason. A second table drives the RRset rule
 *	of mxtls_sts_record_select().
 * SEE ALSO
 *	RFC 8461 3.1, common/sts_record.c
 */
#include "sts_record.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define T(s)	s, sizeof(s) - 1
#define ID32	"abcdefghijklmnopqrstuvwxyz012345"
#define NAME32	"e2345678901234567890123456789012"

struct rec_case {
	const char *in;		/* NULL: generated record of len bytes */
	size_t	len;
	enum mxtls_status want;
	const char *id;		/* MXTLS_OK: the id */
	const char *why;	/* otherwise: a key substring of the reason */
};

#define OKR(s, id)	{T(s), MXTLS_OK, id, NULL}
#define BAD(s, why)	{T(s), MXTLS_PERMFAIL, NULL, why}
#define NOT(s)		{T(s), MXTLS_NOTFOUND, NULL, "v=STSv1;"}

static const struct rec_case cases[] = {
	/* well-formed records */
	OKR("v=STSv1; id=20160831085700Z;", "20160831085700Z"),
	OKR("v=STSv1; id=20160831085700Z", "20160831085700Z"),
	OKR("v=STSv1;id=abc", "abc"),
	OKR("v=STSv1;id=abc;", "abc"),
	OKR("v=STSv1;\tid=abc\t;\t", "abc"),
	OKR("v=STSv1;   id=abc  ;  ", "abc"),
	OKR("v=STSv1; id=a", "a"),
	OKR("v=STSv1; id=" ID32, ID32),
	OKR("v=STSv1;id=ABCxyz019", "ABCxyz019"),
	/* field order, repeats and extensions */
	OKR("v=STSv1; id=abc; id=def", "abc"),
	OKR("v=STSv1; id=abc; id=bad-id", "abc"),
	OKR("v=STSv1; id=abc; foo=bar", "abc"),
	OKR("v=STSv1; foo=bar; id=abc", "abc"),
	OKR("v=STSv1; Id=abc; id=def", "def"),
	OKR("v=STSv1; id=abc; e.x-t_1=1", "abc"),
	OKR("v=STSv1; id=abc; " NAME32 "=x", "abc"),
	OKR("v=STSv1; id=abc; v=STSv2", "abc"),
	OKR("v=STSv1; v=STSv1; id=abc", "abc"),
	OKR("v=STSv1; ext=1; ext=2; id=z", "z"),
	OKR("v=STSv1; id=abc; url=https://x.example/a?b:c", "abc"),
	OKR("v=STSv1; id=abc; x=!\"#$%&'()*+,-./:<>?@[\\]^_`{|}~", "abc"),
	/* the id */
	BAD("v=STSv1; id=" ID32 "6", "is 33 characters long"),
	BAD("v=STSv1; id=abc-1",
	    "id \"abc-1\" contains '-': an id is 1 to 32 letters and digits "
	    "(RFC 8461 3.1)"),
	BAD("v=STSv1; id=2019.01", "contains '.'"),
	BAD("v=STSv1; id=", "id is empty"),
	BAD("v=STSv1; id=;", "id is empty"),
	BAD("v=STSv1; id=abc=def", "contains '='"),
	BAD("v=STSv1; id=ab\0c", "contains 0x00"),
	BAD("v=STSv1; id=abc\0", "contains 0x00"),
	BAD("v=STSv1; id=\xc3\xa9t\xc3\xa9", "contains 0xc3"),
	BAD("v=STSv1; id=abc\n", "contains 0x0a"),
	BAD("v=STSv1; id=123456789012345678901234567890123456789012345678",
	    "\"1234567890123456789012345678901234567890...\" is 48 "),
	BAD("v=STSv1; ID=abc", "no id field"),
	BAD("v=STSv1;", "no id field"),
	BAD("v=STSv1; ", "no id field"),
	BAD("v=STSv1; foo=bar", "no id field"),
	BAD("v=STSv1; id=abc; id=", "has an empty value"),
	/* delimiters and whitespace */
	BAD("v=STSv1; id=abc;;", "empty field"),
	BAD("v=STSv1;; id=abc", "empty field"),
	BAD("v=STSv1; ;id=abc", "empty field"),
	BAD("v=STSv1; id=abc;  ;", "empty field"),
	BAD("v=STSv1; id=abc def", "'d' after field \"id\""),
	BAD("v=STSv1; id=abc; ext=x y", "'y' after field \"ext\""),
	BAD("v=STSv1; id=abc ", "whitespace after field \"id\""),
	BAD("v=STSv1; id=abc\t", "whitespace after field \"id\""),
	BAD("v=STSv1; id=abc;\r\n", "found 0x0d"),
	BAD("v=STSv1;\0id=abc", "found 0x00"),
	/* field names */
	BAD("v=STSv1; id", "followed by the end of the record"),
	BAD("v=STSv1; id abc", "followed by 0x20"),
	BAD("v=STSv1; id=abc;x", "\"x\" is followed by the end"),
	BAD("v=STSv1; id=abc; ext=va;ue", "\"ue\" is followed by the end"),
	BAD("v=STSv1; id=abc; =x", "expected a field name"),
	BAD("v=STSv1; id=abc; _ext=1", "\"_ext\" is not valid"),
	BAD("v=STSv1; id=abc; -ext=1", "\"-ext\" is not valid"),
	BAD("v=STSv1; id=abc; " NAME32 "3=x", "is not valid"),
	BAD("v=STSv1; id=abc; \xc3\xa9=x", "found 0xc3"),
	/* extension values */
	BAD("v=STSv1; id=abc; ext=", "\"ext\" has an empty value"),
	BAD("v=STSv1; id=abc; ext=a=b", "'=' in its value"),
	BAD("v=STSv1; id=abc; ext=\x7f", "0x7f in its value"),
	BAD("v=STSv1; id=abc; ext=\xff", "0xff in its value"),
	BAD("v=STSv1; id=abc; ext=a\x01", "0x01 in its value"),
	/* not an MTA-STS record at all */
	NOT(""),
	NOT("v=STSv1"),
	{T("v=STSv1 ; id=abc"), MXTLS_NOTFOUND, NULL, "errata 6285"},
	{T("v=STSv1\t; id=abc"), MXTLS_NOTFOUND, NULL, "directly by ';'"},
	NOT("V=STSv1; id=abc"),
	NOT("v=stsv1; id=abc"),
	NOT("v=STSv2; id=abc"),
	NOT("v=STSv10; id=abc"),
	NOT(" v=STSv1; id=abc"),
	NOT("v=spf1 -all"),
	NOT("\0=STSv1; id=abc"),
	/* size: generated, prefix + id + one long extension */
	{NULL, 4096, MXTLS_OK, "x1", NULL},
	{NULL, 4097, MXTLS_PERMFAIL, NULL, "is 4097 bytes long"},
};

/* gen_record - "v=STSv1; id=x1; e=aaa..." of exactly len bytes */

static char *
gen_record(size_t len)
{
	static const char head[] = "v=STSv1; id=x1; e=";
	char *p;

	if (len < sizeof(head) || (p = malloc(len)) == NULL)
		abort();
	memcpy(p, head, sizeof(head) - 1);
	memset(p + sizeof(head) - 1, 'a', len - (sizeof(head) - 1));
	return p;
}

static void
run_parse_cases(size_t *ncases)
{
	struct mxtls_sts_record rec;
	struct mxtls_why why;
	const struct rec_case *c;
	enum mxtls_status rv;
	char *gen, shown[48];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		gen = c->in == NULL ? gen_record(c->len) : NULL;
		mxtls_why_clear(&why);
		memcpy(rec.id, "garbage", sizeof("garbage"));
		rv = mxtls_sts_record_parse(&rec, gen ? gen : c->in, c->len,
		    &why);
		mxtls_sanitize(shown, sizeof(shown), gen ? gen : c->in,
		    c->len);
		ok(rv == c->want && why.status == rv,
		    "parse %zu \"%s\": status %s (want %s)", i + 1, shown,
		    mxtls_status_name(rv), mxtls_status_name(c->want));
		if (c->want == MXTLS_OK)
			ok(strcmp(rec.id, c->id) == 0, "parse %zu: id \"%s\"",
			    i + 1, rec.id);
		else
			ok(rec.id[0] == '\0' &&
			    strstr(why.text, c->why) != NULL,
			    "parse %zu: reason has \"%s\": %s", i + 1, c->why,
			    why.text);
		free(gen);
		(*ncases)++;
	}
}

struct sel_case {
	size_t	n;
	const char *txt[4];	/* NUL-terminated; "" with n counts */
	enum mxtls_status want;
	const char *id;
	const char *why;
};

static const struct sel_case sel_cases[] = {
	{0, {NULL}, MXTLS_NOTFOUND, NULL, "no v=STSv1 TXT record"},
	{1, {"v=spf1 -all"}, MXTLS_NOTFOUND, NULL,
	    "no v=STSv1 TXT record among 1 TXT record:"},
	{2, {"v=spf1 -all", "v=STSv1 ; id=a"}, MXTLS_NOTFOUND, NULL,
	    "among 2 TXT records: the domain does not publish MTA-STS "
	    "(RFC 8461 3.1): \"v=STSv1\" must be followed directly by ';'"},
	{1, {"v=STSv1; id=a"}, MXTLS_OK, "a", NULL},
	{3, {"v=spf1 -all", "v=STSv1; id=a", "site-verification=x"},
	    MXTLS_OK, "a", NULL},
	{2, {"v=STSv1; id=a", "v=STSv1"}, MXTLS_OK, "a", NULL},
	{2, {"v=STSv1; id=a", "v=STSv1; id=b"}, MXTLS_PERMFAIL, NULL,
	    "2 v=STSv1 TXT records: RFC 8461 3.1 requires exactly one; "
	    "remove all but one"},
	{2, {"v=STSv1; id=a", "v=STSv1; id=a"}, MXTLS_PERMFAIL, NULL,
	    "2 v=STSv1 TXT records"},
	{3, {"v=STSv1; id=a", "v=STSv1; id=b", "v=STSv1;"}, MXTLS_PERMFAIL,
	    NULL, "3 v=STSv1 TXT records"},
	{2, {"v=STSv1; id=a", "v=STSv1;"}, MXTLS_PERMFAIL, NULL,
	    "2 v=STSv1 TXT records"},
	{1, {"v=STSv1; id=a-b"}, MXTLS_PERMFAIL, NULL,
	    "invalid v=STSv1 TXT record: id \"a-b\" contains '-'"},
	{2, {"v=STSv1; id=bad!", "v=STSv1 ; id=x"}, MXTLS_PERMFAIL, NULL,
	    "contains '!'"},
	{1, {"v=STSv1;"}, MXTLS_PERMFAIL, NULL, "no id field"},
	{4, {"a", "b", "v=STSv1;id=Z9", "c"}, MXTLS_OK, "Z9", NULL},
};

static void
run_select_cases(size_t *ncases)
{
	struct mxtls_span txt[4];
	struct mxtls_sts_record rec;
	struct mxtls_why why;
	const struct sel_case *c;
	enum mxtls_status rv;
	size_t i, j;

	for (i = 0; i < sizeof(sel_cases) / sizeof(sel_cases[0]); i++) {
		c = &sel_cases[i];
		for (j = 0; j < c->n; j++) {
			txt[j].p = c->txt[j];
			txt[j].len = strlen(c->txt[j]);
		}
		mxtls_why_clear(&why);
		memcpy(rec.id, "garbage", sizeof("garbage"));
		rv = mxtls_sts_record_select(&rec, c->n ? txt : NULL, c->n,
		    &why);
		ok(rv == c->want && why.status == rv,
		    "select %zu: status %s (want %s)", i + 1,
		    mxtls_status_name(rv), mxtls_status_name(c->want));
		if (c->want == MXTLS_OK)
			ok(strcmp(rec.id, c->id) == 0, "select %zu: id \"%s\"",
			    i + 1, rec.id);
		else
			ok(rec.id[0] == '\0' &&
			    strstr(why.text, c->why) != NULL,
			    "select %zu: reason has \"%s\": %s", i + 1, c->why,
			    why.text);
		(*ncases)++;
	}
}

/* A span with a NULL pointer is skipped, and a NULL why is allowed. */

static void
run_edge_cases(size_t *ncases)
{
	struct mxtls_span txt[2] = {{NULL, 5}, {"v=STSv1;id=q", 12}};
	struct mxtls_sts_record rec;
	struct mxtls_why why;

	ok(mxtls_sts_record_select(&rec, txt, 1, NULL) == MXTLS_NOTFOUND,
	    "select: a NULL span is not a record");
	ok(mxtls_sts_record_select(&rec, txt, 2, NULL) == MXTLS_OK &&
	    strcmp(rec.id, "q") == 0, "select: NULL why, id q");
	ok(mxtls_sts_record_parse(&rec, NULL, 0, NULL) == MXTLS_NOTFOUND,
	    "parse: NULL buffer is no record");
	ok(mxtls_sts_record_parse(&rec, T("v=STSv10;id=a"), &why) ==
	    MXTLS_NOTFOUND && strstr(why.text, "errata") == NULL,
	    "parse: v=STSv10 gets no errata hint: %s", why.text);
	*ncases += 4;
}

int
main(void)
{
	size_t n = 0;

	run_parse_cases(&n);
	run_select_cases(&n);
	run_edge_cases(&n);
	diag("%zu cases", n);
	return done_testing();
}
