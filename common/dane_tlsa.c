/*
 * NAME
 *	dane_tlsa - TLSA records: parsing and usability for SMTP
 * SYNOPSIS
 *	#include "dane_tlsa.h"
 *
 *	enum mxtls_status
 *	mxtls_tlsa_parse(struct mxtls_tlsa *t, const unsigned char *rdata,
 *	    size_t len, struct mxtls_why *why)
 *
 *	size_t
 *	mxtls_tlsa_assess(struct mxtls_tlsa *t, size_t n)
 *
 *	char *
 *	mxtls_tlsa_hex(const struct mxtls_tlsa *t, char *out, size_t outsz)
 *
 *	const char *
 *	mxtls_tlsa_usage_name(uint8_t usage)
 * DESCRIPTION
 *	mxtls_tlsa_parse() reads one TLSA RDATA of len untrusted bytes (RFC
 *	6698 2.1): a usage, a selector and a matching type byte, then the
 *	certificate association data, which is copied into *t (owned by the
 *	caller). The parameters are not judged here; *t starts out unusable
 *	with the reason "not assessed".
 *
 *	mxtls_tlsa_assess() judges the n records of one RRset in place, in
 *	two passes. First each record on its own: usage 2 (DANE-TA) or 3
 *	(DANE-EE) only, as PKIX-TA(0) and PKIX-EE(1) are not usable for SMTP
 *	(RFC 7672 3.1.3); selector 0 (Cert) or 1 (SPKI); matching type 0
 *	(Full), 1 (SHA2-256) or 2 (SHA2-512) (RFC 6698 2.1.2, 2.1.3); a
 *	digest of exactly 32 or 64 bytes; Full data that is exactly one DER
 *	certificate (selector 0) or SubjectPublicKeyInfo (selector 1), with
 *	no bytes after it. Then digest algorithm agility (RFC 7671 9, which
 *	RFC 7672 5 makes a MUST): for each (usage, selector) pair, a usable
 *	SHA2-256 record is made unusable when a usable SHA2-512 record of the
 *	same pair exists. Full(0) records are always kept. Each record that
 *	is not usable gets its reason in plain words in unusable_why.
 *	The DER checks leave OpenSSL's error queue as they found it, so a
 *	later SSL_get_error() is not misled by malformed records.
 *
 *	mxtls_tlsa_hex() renders the data as lower-case hex into out (owned
 *	by the caller); when out is too small the text is cut after a whole
 *	byte and ends in "...".
 *
 *	mxtls_tlsa_usage_name() names a usage: "PKIX-TA", "PKIX-EE",
 *	"DANE-TA", "DANE-EE", or "usage N"; the string is static.
 * DIAGNOSTICS
 *	mxtls_tlsa_parse() returns MXTLS_OK, or MXTLS_PERMFAIL with the
 *	reason in why (which may be NULL) for RDATA shorter than 4 bytes or
 *	data longer than MXTLS_TLSA_DATA_MAX bytes. mxtls_tlsa_assess()
 *	returns the number of usable records. Never logs.
 * SEE ALSO
 *	RFC 6698 2.1, RFC 7671 5 and 9, RFC 7672 3.1.3,
 *	shared/spec/dane-smtp.md section 2 step 4
 */
#include "dane_tlsa.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cursor.h"

#define TLSA_SEL_CERT		0	/* RFC 6698 2.1.2 */
#define TLSA_SEL_SPKI		1
#define TLSA_MTYPE_FULL		0	/* RFC 6698 2.1.3 */
#define TLSA_MTYPE_SHA256	1
#define TLSA_MTYPE_SHA512	2

#define TLSA_HEADER_LEN		3	/* usage, selector, matching type */

enum mxtls_status
mxtls_tlsa_parse(struct mxtls_tlsa *t, const unsigned char *rdata,
    size_t len, struct mxtls_why *why)
{
	struct mxtls_cursor c;
	const unsigned char *d;
	size_t n;

	if (t == NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "TLSA: no record to fill (internal error)");
	memset(t, 0, offsetof(struct mxtls_tlsa, data));
	mxtls_strlcpy(t->unusable_why, "not assessed",
	    sizeof(t->unusable_why));
	if (rdata == NULL || len < TLSA_HEADER_LEN + 1)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed TLSA RDATA: %zu bytes, at least 4 are needed "
		    "(usage, selector, matching type and data; RFC 6698 2.1)",
		    rdata == NULL ? (size_t)0 : len);
	mxtls_cursor_init(&c, rdata, len);
	t->usage = mxtls_cursor_u8(&c);
	t->selector = mxtls_cursor_u8(&c);
	t->mtype = mxtls_cursor_u8(&c);
	n = mxtls_cursor_left(&c);
	if (n > MXTLS_TLSA_DATA_MAX) {
		t->usage = t->selector = t->mtype = 0;
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "TLSA data too long: %zu bytes, at most %d are accepted",
		    n, MXTLS_TLSA_DATA_MAX);
	}
	if ((d = mxtls_cursor_bytes(&c, n)) == NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed TLSA RDATA (internal error)");
	memcpy(t->data, d, n);
	t->len = n;
	return MXTLS_OK;
}

/* tlsa_mtype_name - the matching type in words, for reasons */

static const char *
tlsa_mtype_name(uint8_t mtype)
{
	switch (mtype) {
	case TLSA_MTYPE_FULL:
		return "Full";
	case TLSA_MTYPE_SHA256:
		return "SHA2-256";
	case TLSA_MTYPE_SHA512:
		return "SHA2-512";
	}
	return "unknown";
}

/*
 * tlsa_der_ok - 1 when the n bytes are exactly one DER certificate
 * (selector 0) or SubjectPublicKeyInfo (selector 1). d2i advances its own
 * copy of the pointer; trailing bytes make the data malformed.
 */

static int
tlsa_der_ok(uint8_t selector, const unsigned char *data, size_t n)
{
	const unsigned char *p = data;
	X509 *x;
	EVP_PKEY *k;
	int good = 0;

	if (n == 0 || n > MXTLS_TLSA_DATA_MAX)
		return 0;
	(void)ERR_set_mark();
	if (selector == TLSA_SEL_CERT) {
		if ((x = d2i_X509(NULL, &p, (long)n)) != NULL) {
			good = p == data + n;
			X509_free(x);
		}
	} else if ((k = d2i_PUBKEY(NULL, &p, (long)n)) != NULL) {
		good = p == data + n;
		EVP_PKEY_free(k);
	}
	(void)ERR_pop_to_mark();	/* bad data is a verdict, not an error */
	return good;
}

/* tlsa_unusable - mark t unusable with a printf-style reason */

static void tlsa_unusable(struct mxtls_tlsa *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
tlsa_unusable(struct mxtls_tlsa *t, const char *fmt, ...)
{
	va_list ap;

	t->usable = 0;
	va_start(ap, fmt);
	(void)vsnprintf(t->unusable_why, sizeof(t->unusable_why), fmt, ap);
	va_end(ap);
}

/* tlsa_judge_one - the first pass: the record on its own */

static void
tlsa_judge_one(struct mxtls_tlsa *t)
{
	size_t want;

	t->unusable_why[0] = '\0';
	t->usable = 0;
	if (t->len > MXTLS_TLSA_DATA_MAX)
		tlsa_unusable(t, "data of %zu bytes is too long", t->len);
	else if (t->usage == MXTLS_TLSA_USAGE_PKIX_TA ||
	    t->usage == MXTLS_TLSA_USAGE_PKIX_EE)
		tlsa_unusable(t, "usage %u (%s) is not usable for SMTP "
		    "(RFC 7672 3.1.3)", t->usage,
		    mxtls_tlsa_usage_name(t->usage));
	else if (t->usage != MXTLS_TLSA_USAGE_DANE_TA &&
	    t->usage != MXTLS_TLSA_USAGE_DANE_EE)
		tlsa_unusable(t, "usage %u is not defined for DANE "
		    "(RFC 6698 2.1.1, RFC 7218)", t->usage);
	else if (t->selector != TLSA_SEL_CERT && t->selector != TLSA_SEL_SPKI)
		tlsa_unusable(t, "selector %u is neither 0 (Cert) nor 1 "
		    "(SPKI) (RFC 6698 2.1.2)", t->selector);
	else if (t->mtype != TLSA_MTYPE_FULL &&
	    t->mtype != TLSA_MTYPE_SHA256 && t->mtype != TLSA_MTYPE_SHA512)
		tlsa_unusable(t, "matching type %u is not 0 (Full), 1 "
		    "(SHA2-256) or 2 (SHA2-512) (RFC 6698 2.1.3)", t->mtype);
	else if (t->mtype != TLSA_MTYPE_FULL) {
		want = t->mtype == TLSA_MTYPE_SHA256 ? 32 : 64;
		if (t->len != want)
			tlsa_unusable(t, "%s digest must be %zu bytes, this "
			    "one has %zu", tlsa_mtype_name(t->mtype), want,
			    t->len);
		else
			t->usable = 1;
	} else if (!tlsa_der_ok(t->selector, t->data, t->len))
		tlsa_unusable(t, "Full data (%zu bytes) is not one DER %s",
		    t->len, t->selector == TLSA_SEL_CERT ? "certificate" :
		    "SubjectPublicKeyInfo");
	else
		t->usable = 1;
}

/*
 * tlsa_agility - the second pass (RFC 7671 9): a usable SHA2-256 record
 * whose (usage, selector) pair also has a usable SHA2-512 record goes.
 * Ranking: SHA2-512 > SHA2-256; Full is outside the ranking and kept.
 */

static void
tlsa_agility(struct mxtls_tlsa *t, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!t[i].usable || t[i].mtype != TLSA_MTYPE_SHA256)
			continue;
		for (j = 0; j < n; j++)
			if (t[j].usable && t[j].mtype == TLSA_MTYPE_SHA512 &&
			    t[j].usage == t[i].usage &&
			    t[j].selector == t[i].selector)
				break;
		if (j < n)
			tlsa_unusable(&t[i], "a SHA2-512 record of the same "
			    "usage and selector exists (RFC 7671 9)");
	}
}

size_t
mxtls_tlsa_assess(struct mxtls_tlsa *t, size_t n)
{
	size_t i, usable = 0;

	if (t == NULL)
		return 0;
	for (i = 0; i < n; i++)
		tlsa_judge_one(&t[i]);
	tlsa_agility(t, n);
	for (i = 0; i < n; i++)
		if (t[i].usable)
			usable++;
	return usable;
}

char *
mxtls_tlsa_hex(const struct mxtls_tlsa *t, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n, o = 0;
	int cut;

	if (out == NULL || outsz == 0)
		return out;
	out[0] = '\0';
	if (t == NULL)
		return out;
	n = t->len > MXTLS_TLSA_DATA_MAX ? MXTLS_TLSA_DATA_MAX : t->len;
	cut = n < t->len;
	if (cut || (outsz - 1) / 2 < n) {	/* cut: keep room for "..." */
		if (outsz < sizeof("..."))
			return out;
		if ((outsz - sizeof("...")) / 2 < n)
			n = (outsz - sizeof("...")) / 2;
		cut = 1;
	}
	for (i = 0; i < n; i++) {
		out[o++] = hex[t->data[i] >> 4];
		out[o++] = hex[t->data[i] & 0xf];
	}
	out[o] = '\0';
	if (cut)
		memcpy(out + o, "...", sizeof("..."));
	return out;
}

/* Names of all 256 usages, so that no buffer is shared between callers. */
static const char *const tlsa_usage_names[256] = {
	"PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE", "usage 4", "usage 5",
	"usage 6", "usage 7", "usage 8", "usage 9", "usage 10", "usage 11",
	"usage 12", "usage 13", "usage 14", "usage 15", "usage 16",
	"usage 17", "usage 18", "usage 19", "usage 20", "usage 21",
	"usage 22", "usage 23", "usage 24", "usage 25", "usage 26",
	"usage 27", "usage 28", "usage 29", "usage 30", "usage 31",
	"usage 32", "usage 33", "usage 34", "usage 35", "usage 36",
	"usage 37", "usage 38", "usage 39", "usage 40", "usage 41",
	"usage 42", "usage 43", "usage 44", "usage 45", "usage 46",
	"usage 47", "usage 48", "usage 49", "usage 50", "usage 51",
	"usage 52", "usage 53", "usage 54", "usage 55", "usage 56",
	"usage 57", "usage 58", "usage 59", "usage 60", "usage 61",
	"usage 62", "usage 63", "usage 64", "usage 65", "usage 66",
	"usage 67", "usage 68", "usage 69", "usage 70", "usage 71",
	"usage 72", "usage 73", "usage 74", "usage 75", "usage 76",
	"usage 77", "usage 78", "usage 79", "usage 80", "usage 81",
	"usage 82", "usage 83", "usage 84", "usage 85", "usage 86",
	"usage 87", "usage 88", "usage 89", "usage 90", "usage 91",
	"usage 92", "usage 93", "usage 94", "usage 95", "usage 96",
	"usage 97", "usage 98", "usage 99", "usage 100", "usage 101",
	"usage 102", "usage 103", "usage 104", "usage 105", "usage 106",
	"usage 107", "usage 108", "usage 109", "usage 110", "usage 111",
	"usage 112", "usage 113", "usage 114", "usage 115", "usage 116",
	"usage 117", "usage 118", "usage 119", "usage 120", "usage 121",
	"usage 122", "usage 123", "usage 124", "usage 125", "usage 126",
	"usage 127", "usage 128", "usage 129", "usage 130", "usage 131",
	"usage 132", "usage 133", "usage 134", "usage 135", "usage 136",
	"usage 137", "usage 138", "usage 139", "usage 140", "usage 141",
	"usage 142", "usage 143", "usage 144", "usage 145", "usage 146",
	"usage 147", "usage 148", "usage 149", "usage 150", "usage 151",
	"usage 152", "usage 153", "usage 154", "usage 155", "usage 156",
	"usage 157", "usage 158", "usage 159", "usage 160", "usage 161",
	"usage 162", "usage 163", "usage 164", "usage 165", "usage 166",
	"usage 167", "usage 168", "usage 169", "usage 170", "usage 171",
	"usage 172", "usage 173", "usage 174", "usage 175", "usage 176",
	"usage 177", "usage 178", "usage 179", "usage 180", "usage 181",
	"usage 182", "usage 183", "usage 184", "usage 185", "usage 186",
	"usage 187", "usage 188", "usage 189", "usage 190", "usage 191",
	"usage 192", "usage 193", "usage 194", "usage 195", "usage 196",
	"usage 197", "usage 198", "usage 199", "usage 200", "usage 201",
	"usage 202", "usage 203", "usage 204", "usage 205", "usage 206",
	"usage 207", "usage 208", "usage 209", "usage 210", "usage 211",
	"usage 212", "usage 213", "usage 214", "usage 215", "usage 216",
	"usage 217", "usage 218", "usage 219", "usage 220", "usage 221",
	"usage 222", "usage 223", "usage 224", "usage 225", "usage 226",
	"usage 227", "usage 228", "usage 229", "usage 230", "usage 231",
	"usage 232", "usage 233", "usage 234", "usage 235", "usage 236",
	"usage 237", "usage 238", "usage 239", "usage 240", "usage 241",
	"usage 242", "usage 243", "usage 244", "usage 245", "usage 246",
	"usage 247", "usage 248", "usage 249", "usage 250", "usage 251",
	"usage 252", "usage 253", "usage 254", "usage 255"
};

const char *
mxtls_tlsa_usage_name(uint8_t usage)
{
	return tlsa_usage_names[usage];
}
