/*
 * NAME
 *	test_dane_tlsa - table-driven tests of TLSA parsing and usability
 * DESCRIPTION
 *	Parse cases give wire RDATA with an explicit length and the status
 *	and fields expected, or a key substring of the reason. Usability
 *	cases build one record from usage, selector, matching type and a
 *	kind of data: a digest of some length, or Full data made at run time
 *	from a fresh EC P-256 key and self-signed certificate (DER from
 *	i2d_X509() and i2d_PUBKEY()), so no binary blobs are committed.
 *	Agility cases judge whole RRsets (RFC 7671 9).
 * SEE ALSO
 *	RFC 6698 2.1, RFC 7671 9, RFC 7672 3.1.3, common/dane_tlsa.c
 */
#include "dane_tlsa.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tap.h"

#define T(s)	(const unsigned char *)s, sizeof(s) - 1

/* ---------------------------------------------------------------- DER */

static unsigned char cert_der[MXTLS_TLSA_DATA_MAX];
static unsigned char spki_der[MXTLS_TLSA_DATA_MAX];
static size_t cert_len, spki_len;

/* make_der - a fresh EC P-256 key and a self-signed certificate, as DER */

static void
make_der(void)
{
	EVP_PKEY *key;
	X509 *x;
	X509_NAME *name;
	unsigned char *p;
	int n;

	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (x = X509_new()) == NULL)
		abort();
	name = X509_get_subject_name(x);
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 7) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"mx.example.com", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L) == NULL ||
	    X509_set_pubkey(x, key) != 1 ||
	    X509_sign(x, key, EVP_sha256()) == 0)
		abort();
	if ((n = i2d_X509(x, NULL)) <= 0 || (size_t)n > sizeof(cert_der))
		abort();
	p = cert_der;
	cert_len = (size_t)i2d_X509(x, &p);
	if ((n = i2d_PUBKEY(key, NULL)) <= 0 || (size_t)n > sizeof(spki_der))
		abort();
	p = spki_der;
	spki_len = (size_t)i2d_PUBKEY(key, &p);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* ---------------------------------------------------------------- parse */

struct parse_case {
	const unsigned char *rdata;	/* NULL: generated, len bytes */
	size_t	len;
	enum mxtls_status want;
	uint8_t	u, s, m;
	size_t	dlen;
	const char *why;
};

#define OKP(r, u, s, m, n)	{T(r), MXTLS_OK, u, s, m, n, NULL}
#define BADP(r, w)		{T(r), MXTLS_PERMFAIL, 0, 0, 0, 0, w}

static const struct parse_case parse_cases[] = {
	OKP("\x03\x01\x01" "a", 3, 1, 1, 1),
	OKP("\x02\x00\x00" "abcd", 2, 0, 0, 4),
	OKP("\xff\xff\xff\x00", 255, 255, 255, 1),
	OKP("\x00\x00\x00" "\x01\x02", 0, 0, 0, 2),
	OKP("\x03\x01\x02" "\0\0\0\0", 3, 1, 2, 4),
	BADP("", "0 bytes, at least 4 are needed"),
	BADP("\x03", "1 bytes, at least 4"),
	BADP("\x03\x01", "2 bytes"),
	BADP("\x03\x01\x01", "3 bytes, at least 4 are needed"),
	{NULL, 3 + MXTLS_TLSA_DATA_MAX, MXTLS_OK, 3, 1, 1,
	    MXTLS_TLSA_DATA_MAX, NULL},
	{NULL, 4 + MXTLS_TLSA_DATA_MAX, MXTLS_PERMFAIL, 0, 0, 0, 0,
	    "2049 bytes, at most 2048"},
	{NULL, 70000, MXTLS_PERMFAIL, 0, 0, 0, 0, "TLSA data too long"},
};

static void
run_parse(size_t *ncases)
{
	const struct parse_case *c;
	struct mxtls_tlsa t;
	struct mxtls_why why;
	unsigned char *gen;
	enum mxtls_status rv;
	size_t i;
	int good;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		c = &parse_cases[i];
		gen = NULL;
		if (c->rdata == NULL) {
			if ((gen = malloc(c->len)) == NULL)
				abort();
			memset(gen, 0x5a, c->len);
			gen[0] = 3;
			gen[1] = 1;
			gen[2] = 1;
		}
		mxtls_why_clear(&why);
		memset(&t, 0x77, sizeof(t));
		rv = mxtls_tlsa_parse(&t, gen ? gen : c->rdata, c->len, &why);
		ok(rv == c->want, "parse %zu: status %s (want %s)", i + 1,
		    mxtls_status_name(rv), mxtls_status_name(c->want));
		if (c->want == MXTLS_OK)
			good = t.usage == c->u && t.selector == c->s &&
			    t.mtype == c->m && t.len == c->dlen &&
			    memcmp(t.data, (gen ? gen : c->rdata) + 3,
			    c->dlen) == 0 && !t.usable &&
			    strcmp(t.unusable_why, "not assessed") == 0;
		else
			good = t.len == 0 && !t.usable &&
			    strstr(why.text, c->why) != NULL;
		ok(good, "parse %zu: %u %u %u, %zu bytes / %s", i + 1,
		    t.usage, t.selector, t.mtype, t.len, why.text);
		free(gen);
		(*ncases)++;
	}
}

/* ---------------------------------------------------------------- assess */

enum data_kind {
	D_BYTES,		/* n bytes of 0xab */
	D_CERT,			/* the DER certificate */
	D_SPKI,			/* the DER SubjectPublicKeyInfo */
	D_CERT_TRAIL,		/* the certificate and one byte more */
	D_CERT_CUT,		/* the certificate less its last byte */
	D_SPKI_TRAIL,
	D_SPKI_CUT
};

struct rr {
	uint8_t	u, s, m;
	enum data_kind kind;
	size_t	n;		/* D_BYTES */
};

/* make_rr - the record as parsed from its RDATA */

static void
make_rr(struct mxtls_tlsa *t, const struct rr *rr)
{
	unsigned char rdata[3 + MXTLS_TLSA_DATA_MAX + 1];
	size_t n = 0;

	switch (rr->kind) {
	case D_BYTES:
		n = rr->n;
		memset(rdata + 3, 0xab, n);
		break;
	case D_CERT:
	case D_CERT_TRAIL:
	case D_CERT_CUT:
		n = cert_len;
		memcpy(rdata + 3, cert_der, n);
		break;
	case D_SPKI:
	case D_SPKI_TRAIL:
	case D_SPKI_CUT:
		n = spki_len;
		memcpy(rdata + 3, spki_der, n);
		break;
	}
	if (rr->kind == D_CERT_TRAIL || rr->kind == D_SPKI_TRAIL)
		rdata[3 + n++] = 0;
	if (rr->kind == D_CERT_CUT || rr->kind == D_SPKI_CUT)
		n--;
	rdata[0] = rr->u;
	rdata[1] = rr->s;
	rdata[2] = rr->m;
	if (mxtls_tlsa_parse(t, rdata, 3 + n, NULL) != MXTLS_OK)
		abort();
}

struct one_case {
	struct rr rr;
	int	usable;
	const char *why;	/* !usable: a key substring */
};

#define USE(u, s, m, k, n)	{{u, s, m, k, n}, 1, ""}
#define NOT(u, s, m, k, n, w)	{{u, s, m, k, n}, 0, w}

static const struct one_case one_cases[] = {
	/* usages */
	USE(3, 1, 1, D_BYTES, 32),
	USE(2, 1, 1, D_BYTES, 32),
	USE(3, 0, 1, D_BYTES, 32),
	USE(2, 0, 1, D_BYTES, 32),
	NOT(0, 0, 1, D_BYTES, 32, "usage 0 (PKIX-TA) is not usable for "
	    "SMTP (RFC 7672 3.1.3)"),
	NOT(1, 1, 1, D_BYTES, 32, "usage 1 (PKIX-EE) is not usable for "
	    "SMTP (RFC 7672 3.1.3)"),
	NOT(4, 1, 1, D_BYTES, 32, "usage 4 is not defined"),
	NOT(255, 1, 1, D_BYTES, 32, "usage 255 is not defined"),
	/* selectors */
	NOT(3, 2, 1, D_BYTES, 32, "selector 2 is neither 0 (Cert) nor 1"),
	NOT(2, 255, 1, D_BYTES, 32, "selector 255"),
	/* matching types and digest lengths */
	USE(3, 1, 2, D_BYTES, 64),
	USE(2, 0, 2, D_BYTES, 64),
	NOT(3, 1, 3, D_BYTES, 32, "matching type 3 is not 0 (Full)"),
	NOT(3, 1, 255, D_BYTES, 64, "matching type 255"),
	NOT(3, 1, 1, D_BYTES, 31, "SHA2-256 digest must be 32 bytes, this "
	    "one has 31"),
	NOT(3, 1, 1, D_BYTES, 33, "SHA2-256 digest must be 32 bytes, this "
	    "one has 33"),
	NOT(3, 1, 1, D_BYTES, 64, "this one has 64"),
	NOT(3, 1, 1, D_BYTES, 1, "this one has 1"),
	NOT(3, 1, 2, D_BYTES, 63, "SHA2-512 digest must be 64 bytes, this "
	    "one has 63"),
	NOT(3, 1, 2, D_BYTES, 65, "this one has 65"),
	NOT(3, 1, 2, D_BYTES, 32, "SHA2-512 digest must be 64 bytes, this "
	    "one has 32"),
	NOT(3, 1, 1, D_BYTES, MXTLS_TLSA_DATA_MAX, "this one has 2048"),
	/* Full data */
	USE(3, 0, 0, D_CERT, 0),
	USE(2, 0, 0, D_CERT, 0),
	USE(3, 1, 0, D_SPKI, 0),
	USE(2, 1, 0, D_SPKI, 0),
	NOT(3, 0, 0, D_SPKI, 0, "is not one DER certificate"),
	NOT(3, 1, 0, D_CERT, 0, "is not one DER SubjectPublicKeyInfo"),
	NOT(3, 0, 0, D_CERT_TRAIL, 0, "not one DER certificate"),
	NOT(3, 0, 0, D_CERT_CUT, 0, "not one DER certificate"),
	NOT(3, 1, 0, D_SPKI_TRAIL, 0, "not one DER SubjectPublicKeyInfo"),
	NOT(2, 1, 0, D_SPKI_CUT, 0, "not one DER SubjectPublicKeyInfo"),
	NOT(3, 0, 0, D_BYTES, 32, "Full data (32 bytes) is not one DER "
	    "certificate"),
	NOT(3, 1, 0, D_BYTES, 91, "not one DER SubjectPublicKeyInfo"),
	NOT(2, 0, 0, D_BYTES, MXTLS_TLSA_DATA_MAX, "(2048 bytes)"),
	/* the first failing rule gives the reason */
	NOT(1, 7, 9, D_BYTES, 3, "usage 1 (PKIX-EE)"),
	NOT(3, 7, 9, D_BYTES, 3, "selector 7"),
	NOT(3, 1, 9, D_BYTES, 3, "matching type 9"),
};

static void
run_one(size_t *ncases)
{
	const struct one_case *c;
	struct mxtls_tlsa t;
	size_t i, n;

	for (i = 0; i < sizeof(one_cases) / sizeof(one_cases[0]); i++) {
		c = &one_cases[i];
		make_rr(&t, &c->rr);
		n = mxtls_tlsa_assess(&t, 1);
		ok(n == (size_t)c->usable && t.usable == c->usable &&
		    (c->usable ? t.unusable_why[0] == '\0' :
		    strstr(t.unusable_why, c->why) != NULL),
		    "assess %zu: %u %u %u (%zu bytes): %s%s", i + 1, t.usage,
		    t.selector, t.mtype, t.len,
		    t.usable ? "usable" : "unusable: ", t.unusable_why);
		(*ncases)++;
	}
}

/* ---------------------------------------------------------------- agility */

#define SET_MAX	6

struct set_case {
	const char *name;
	size_t	n;
	struct rr rrs[SET_MAX];
	int	usable[SET_MAX];
};

#define H256(u, s)	{u, s, 1, D_BYTES, 32}
#define H512(u, s)	{u, s, 2, D_BYTES, 64}
#define BAD256(u, s)	{u, s, 1, D_BYTES, 31}
#define FULLC(u)	{u, 0, 0, D_CERT, 0}
#define FULLK(u)	{u, 1, 0, D_SPKI, 0}
#define AGILE		"a SHA2-512 record of the same usage and selector " \
			"exists (RFC 7671 9)"

static const struct set_case set_cases[] = {
	{"{3 1 1, 3 1 2}: only 3 1 2", 2, {H256(3, 1), H512(3, 1)}, {0, 1}},
	{"{3 1 2, 3 1 1}: order does not matter", 2,
	    {H512(3, 1), H256(3, 1)}, {1, 0}},
	{"{3 1 1, 3 1 0}: both", 2, {H256(3, 1), FULLK(3)}, {1, 1}},
	{"{3 1 1, 3 1 2, 3 1 0}: 3 1 2 and 3 1 0", 3,
	    {H256(3, 1), H512(3, 1), FULLK(3)}, {0, 1, 1}},
	{"{2 0 1, 3 1 1}: independent", 2, {H256(2, 0), H256(3, 1)},
	    {1, 1}},
	{"{2 0 1, 3 0 2}: other usage", 2, {H256(2, 0), H512(3, 0)},
	    {1, 1}},
	{"{3 0 1, 3 1 2}: other selector", 2, {H256(3, 0), H512(3, 1)},
	    {1, 1}},
	{"{3 1 1, 3 1 1}: both", 2, {H256(3, 1), H256(3, 1)}, {1, 1}},
	{"{3 1 1, bad 3 1 2}: a malformed SHA2-512 does not count", 2,
	    {H256(3, 1), {3, 1, 2, D_BYTES, 63}}, {1, 0}},
	{"{1 1 1, 1 1 2}: PKIX records stay unusable", 2,
	    {H256(1, 1), H512(1, 1)}, {0, 0}},
	{"{2 0 1, 2 0 2, 2 0 0, 3 1 1, 3 1 2, 3 1 0}", 6,
	    {H256(2, 0), H512(2, 0), FULLC(2), H256(3, 1), H512(3, 1),
	    FULLK(3)}, {0, 1, 1, 0, 1, 1}},
	{"{3 1 2, 3 1 1, 3 1 1}: both SHA2-256 go", 3,
	    {H512(3, 1), H256(3, 1), H256(3, 1)}, {1, 0, 0}},
	{"{0 1 1, 3 1 1, bad 3 1 1}", 3,
	    {H256(0, 1), H256(3, 1), BAD256(3, 1)}, {0, 1, 0}},
	{"empty RRset", 0, {H256(3, 1)}, {0}},
};

static void
run_sets(size_t *ncases)
{
	const struct set_case *c;
	struct mxtls_tlsa t[SET_MAX];
	size_t i, k, n, want;
	int good;

	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		c = &set_cases[i];
		for (k = 0, want = 0; k < c->n; k++) {
			make_rr(&t[k], &c->rrs[k]);
			want += c->usable[k] != 0;
		}
		n = mxtls_tlsa_assess(t, c->n);
		good = n == want;
		for (k = 0; k < c->n; k++) {
			if (t[k].usable != c->usable[k])
				good = 0;
			/* a digest dropped by agility says so */
			if (!t[k].usable && t[k].mtype == 1 &&
			    t[k].usage >= 2 && t[k].len == 32 &&
			    strcmp(t[k].unusable_why, AGILE) != 0)
				good = 0;
		}
		ok(good, "set %zu: %s: %zu usable", i + 1, c->name, n);
		(*ncases)++;
	}
}

/* ---------------------------------------------------------------- hex */

static void
run_hex(size_t *ncases)
{
	static const struct {
		size_t	outsz;
		const char *want;
	} hc[] = {
		{64, "00017f80abff"},
		{13, "00017f80abff"},
		{12, "00017f80..."},
		{11, "00017f..."},
		{10, "00017f..."},
		{6, "00..."},
		{5, "..."},
		{4, "..."},
		{3, ""},
		{1, ""},
	};
	struct mxtls_tlsa t;
	char out[64];
	size_t i;

	if (mxtls_tlsa_parse(&t, T("\x03\x01\x01\x00\x01\x7f\x80\xab\xff"),
	    NULL) != MXTLS_OK)
		abort();
	for (i = 0; i < sizeof(hc) / sizeof(hc[0]); i++) {
		memset(out, 'z', sizeof(out));
		ok(mxtls_tlsa_hex(&t, out, hc[i].outsz) == out &&
		    strcmp(out, hc[i].want) == 0, "hex into %zu bytes: \"%s\"",
		    hc[i].outsz, out);
		(*ncases)++;
	}
	memset(out, 'z', sizeof(out));
	ok(mxtls_tlsa_hex(&t, out, 0) == out && out[0] == 'z',
	    "hex into 0 bytes writes nothing");
	(*ncases)++;
}

static void
run_names(size_t *ncases)
{
	static const struct {
		uint8_t	usage;
		const char *want;
	} nc[] = {
		{0, "PKIX-TA"}, {1, "PKIX-EE"}, {2, "DANE-TA"}, {3, "DANE-EE"},
		{4, "usage 4"}, {99, "usage 99"}, {255, "usage 255"},
	};
	size_t i;

	for (i = 0; i < sizeof(nc) / sizeof(nc[0]); i++) {
		ok(strcmp(mxtls_tlsa_usage_name(nc[i].usage), nc[i].want) ==
		    0, "usage %u is \"%s\"", nc[i].usage,
		    mxtls_tlsa_usage_name(nc[i].usage));
		(*ncases)++;
	}
}

int
main(void)
{
	struct mxtls_tlsa t;
	size_t n = 0;

	make_der();
	run_parse(&n);
	run_one(&n);
	run_sets(&n);
	run_hex(&n);
	run_names(&n);
	ok(mxtls_tlsa_parse(NULL, T("\x03\x01\x01" "a"), NULL) ==
	    MXTLS_PERMFAIL, "parse into NULL is refused");
	ok(mxtls_tlsa_parse(&t, NULL, 9, NULL) == MXTLS_PERMFAIL,
	    "parse of NULL RDATA is refused");
	ok(mxtls_tlsa_assess(NULL, 3) == 0, "assess of NULL: 0 usable");
	ERR_clear_error();
	if (mxtls_tlsa_parse(&t, T("\x03\x00\x00\x30\x82\x01"), NULL) !=
	    MXTLS_OK)
		abort();
	ok(mxtls_tlsa_assess(&t, 1) == 0 && ERR_peek_error() == 0,
	    "bad DER leaves the OpenSSL error queue empty");
	diag("%zu cases (certificate %zu bytes, SPKI %zu bytes)", n,
	    cert_len, spki_len);
	return done_testing();
}
