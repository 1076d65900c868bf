/*
 * NAME
 *	cache_record - the versioned binary form of one MTA-STS or DANE
 *	cache entry
 * SYNOPSIS
 *	#include "cache.h"
 *
 *	enum mxtls_status
 *	mxtls_sts_entry_encode(const struct mxtls_sts_entry *e,
 *	    unsigned char **out, size_t *outlen, struct mxtls_why *why);
 *
 *	enum mxtls_status
 *	mxtls_sts_entry_decode(struct mxtls_sts_entry *e,
 *	    const unsigned char *buf, size_t len, int want_body,
 *	    struct mxtls_why *why);
 *
 *	void
 *	mxtls_sts_entry_clear(struct mxtls_sts_entry *e);
 *
 *	enum mxtls_status
 *	mxtls_dane_entry_encode(const struct mxtls_dane_entry *e,
 *	    unsigned char **out, size_t *outlen, struct mxtls_why *why);
 *
 *	enum mxtls_status
 *	mxtls_dane_entry_decode(struct mxtls_dane_entry *e,
 *	    const unsigned char *buf, size_t len, struct mxtls_why *why);
 * DESCRIPTION
 *	A record is the value stored under the policy domain in the "sts"
 *	database. The domain itself is the key and is not repeated. Integers
 *	are big-endian and of fixed width; strings carry a length prefix and
 *	no NUL. Schema version 1:
 *
 *	    u8   version (1)
 *	    u8   have_policy (0 or 1)
 *	    u8   id length (<= MXTLS_STS_ID_MAX), id
 *	    i64  fetched_at, expires_at, txt_checked_at, failed_at
 *	    u8   failed_id length (<= MXTLS_STS_ID_MAX), failed_id
 *	    u8   fail_type (an enum mxtls_result_type)
 *	    u16  fail_detail length (< MXTLS_DETAIL_MAX), fail_detail
 *	    u8   policy mode (an enum mxtls_sts_mode)
 *	    u32  policy max_age (<= MXTLS_STS_MAX_AGE_MAX)
 *	    u32  policy warnings (MXTLS_STS_WARN_* bits)
 *	    u8   nmx (<= MXTLS_STS_MX_MAX), then nmx times:
 *	         u8 length (1 .. MXTLS_DOMAIN_MAX), pattern
 *	    u32  body length (<= MXTLS_STS_BODY_MAX), body
 *
 *	The body comes last so that the fast path can stop caring about it.
 *	Nothing may follow it. Strings may not contain NUL bytes, so a record
 *	that decodes re-encodes to the same bytes. A layout change, including
 *	a new value of either enum, needs a new version byte: readers treat an
 *	unknown version as a miss.
 *
 *	mxtls_sts_entry_encode() checks *e against the same bounds and writes
 *	a new record into *out (malloc'd; the caller frees it). The body is
 *	written when e->body is set; a NULL body is stored as empty.
 *
 *	mxtls_sts_entry_decode() reads len untrusted bytes into *e. It writes
 *	only the fields it decodes and the first nmx patterns, not the whole
 *	struct, which keeps a cached lookup cheap; e->domain is set to "" (the
 *	domain is the key, not part of the record). With want_body the body
 *	is copied into e->body (malloc'd, NUL-terminated, owned by *e; NULL
 *	when empty); without it e->body is NULL and e->body_len 0. Any body
 *	*e held before is not freed: pass a fresh or cleared entry. On
 *	failure *e still holds no body, so mxtls_sts_entry_clear() is safe.
 *
 *	mxtls_sts_entry_clear() frees e->body and zeroes *e.
 *
 *	The "dane" database holds, under the MX host name, the record below
 *	(schema version 1, same conventions; the host is the key):
 *
 *	    u8   version (1)
 *	    i64  fetched_at, expires_at
 *	    u8   requirement (opportunistic, dane or encrypt; never unusable:
 *	         a lookup error is not cached)
 *	    u8   base length (<= MXTLS_DOMAIN_MAX), base
 *	    u8   tlsa_dnssec (an enum mxtls_dnssec)
 *	    u8   ntlsa (<= MXTLS_TLSA_RRS_MAX), then ntlsa times:
 *	         u8 usage, u8 selector, u8 mtype, u8 usable (0 or 1),
 *	         u8 unusable_why length (< sizeof unusable_why), unusable_why,
 *	         u16 data length (<= MXTLS_TLSA_DATA_MAX), data
 *
 *	Nothing may follow the last TLSA record. The data is binary; the
 *	strings may not contain NUL. encode stores usable as 0 or 1 (like
 *	have_policy), so every record that decodes re-encodes to the same
 *	bytes. mxtls_dane_entry_decode() writes e->host (""), the scalar
 *	fields and the first ntlsa records (each record's data up to its
 *	len only); it allocates nothing.
 * DIAGNOSTICS
 *	encode: MXTLS_OK, MXTLS_PERMFAIL (an entry out of bounds) or
 *	MXTLS_ENOMEM. decode: MXTLS_OK, MXTLS_NOTFOUND (unknown version),
 *	MXTLS_PERMFAIL (malformed: the field and the offset are in why) or
 *	MXTLS_ENOMEM. why is written only on failure. Never logs. This file
 *	does not use LMDB: the fuzz target links it alone.
 * SEE ALSO
 *	cache.c, cursor.h, RFC 8461 section 3.3, RFC 7672 section 2.2.3
 */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "summary.h"

#define REC_VERSION	1
#define DANE_REC_VERSION 1
#define DEC_REC_VERSION	1	/* then the text of summary.h */

_Static_assert(MXTLS_STS_ID_MAX <= 255, "id length must fit a u8");
_Static_assert(MXTLS_DOMAIN_MAX <= 255, "mx length must fit a u8");
_Static_assert(MXTLS_STS_MX_MAX <= 255, "nmx must fit a u8");
_Static_assert(MXTLS_DETAIL_MAX - 1 <= 65535, "detail length must fit a u16");
_Static_assert(MXTLS_STS_BODY_MAX <= 0xffffffffUL, "body length must fit u32");
_Static_assert(sizeof(unsigned) == 4, "policy warnings are stored in 32 bits");
_Static_assert(MXTLS_TLSA_RRS_MAX <= 255, "ntlsa must fit a u8");
_Static_assert(MXTLS_TLSA_DATA_MAX <= 65535, "TLSA data length must fit a u16");
_Static_assert(sizeof(((struct mxtls_tlsa *)0)->unusable_why) - 1 <= 255,
    "unusable_why length must fit a u8");

/* A writer over a buffer sized in advance by rec_size(). */
struct rec_out {
	unsigned char *p;
	size_t	off;
};

static void
rec_put_u8(struct rec_out *o, unsigned v)
{
	o->p[o->off++] = (unsigned char)v;
}

static void
rec_put_u16(struct rec_out *o, unsigned v)
{
	rec_put_u8(o, (v >> 8) & 0xff);
	rec_put_u8(o, v & 0xff);
}

static void
rec_put_u32(struct rec_out *o, uint32_t v)
{
	rec_put_u16(o, (v >> 16) & 0xffff);
	rec_put_u16(o, v & 0xffff);
}

static void
rec_put_i64(struct rec_out *o, int64_t v)
{
	uint64_t u = (uint64_t)v;	/* two's complement, by definition */

	rec_put_u32(o, (uint32_t)(u >> 32));
	rec_put_u32(o, (uint32_t)u);
}

static void
rec_put_bytes(struct rec_out *o, const void *p, size_t n)
{
	if (n > 0)
		memcpy(o->p + o->off, p, n);
	o->off += n;
}

/* rec_i64 - the inverse of rec_put_i64, without implementation-defined casts */
static int64_t
rec_i64(uint64_t u)
{
	if (u <= INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(~u) - 1;
}

/*
 * rec_strlen - length of the NUL-terminated string in a field of size sz;
 * -1 when the field holds no NUL or the string is longer than max.
 */
static int
rec_strlen(const char *s, size_t sz, size_t max, size_t *n)
{
	*n = strnlen(s, sz);
	return *n < sz && *n <= max ? 0 : -1;
}

/* rec_check - the bounds encode enforces; *size gets the record length */
static enum mxtls_status
rec_check(const struct mxtls_sts_entry *e, size_t *size,
    struct mxtls_why *why)
{
	const struct mxtls_sts_policy *pol = &e->policy;
	size_t n, total, i;

	total = 1 + 1 + 4 * 8 + 1 + 2 + 1 + 4 + 4 + 1 + 4;
	if (rec_strlen(e->id, sizeof(e->id), MXTLS_STS_ID_MAX, &n) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "cache entry: id is not a string of at most %d bytes",
		    MXTLS_STS_ID_MAX);
	total += 1 + n;
	if (rec_strlen(e->failed_id, sizeof(e->failed_id), MXTLS_STS_ID_MAX,
	    &n) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "cache entry: failed_id is not a string of at most %d bytes",
		    MXTLS_STS_ID_MAX);
	total += 1 + n;
	if (rec_strlen(e->fail_detail, sizeof(e->fail_detail),
	    MXTLS_DETAIL_MAX - 1, &n) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "cache entry: fail_detail is not NUL-terminated");
	total += n;
	if ((unsigned)e->fail_type > MXTLS_RT_STS_WEBPKI_INVALID)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "cache entry: unknown fail_type %d", (int)e->fail_type);
	if ((unsigned)pol->mode > MXTLS_STS_MODE_ENFORCE)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "cache entry: unknown policy mode %d", (int)pol->mode);
	if (pol->max_age > MXTLS_STS_MAX_AGE_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "cache entry: max_age %lu exceeds %d",
		    (unsigned long)pol->max_age, MXTLS_STS_MAX_AGE_MAX);
	if (pol->nmx > MXTLS_STS_MX_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "cache entry: %zu mx patterns exceed %d", pol->nmx,
		    MXTLS_STS_MX_MAX);
	for (i = 0; i < pol->nmx; i++) {
		if (rec_strlen(pol->mx[i], sizeof(pol->mx[i]),
		    MXTLS_DOMAIN_MAX, &n) != 0 || n == 0)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "cache entry: mx pattern %zu is empty or not "
			    "NUL-terminated", i);
		total += 1 + n;
	}
	if (e->body != NULL) {
		if (e->body_len > MXTLS_STS_BODY_MAX)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "cache entry: body of %zu bytes exceeds %d",
			    e->body_len, MXTLS_STS_BODY_MAX);
		total += e->body_len;
	}
	*size = total;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_sts_entry_encode(const struct mxtls_sts_entry *e, unsigned char **out,
    size_t *outlen, struct mxtls_why *why)
{
	const struct mxtls_sts_policy *pol = &e->policy;
	struct rec_out o;
	enum mxtls_status st;
	size_t size = 0, n, i, blen;

	*out = NULL;
	*outlen = 0;
	if ((st = rec_check(e, &size, why)) != MXTLS_OK)
		return st;
	if ((o.p = malloc(size)) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM,
		    "cache entry: out of memory for a %zu-byte record", size);
	o.off = 0;
	rec_put_u8(&o, REC_VERSION);
	rec_put_u8(&o, e->have_policy != 0);
	n = strlen(e->id);
	rec_put_u8(&o, (unsigned)n);
	rec_put_bytes(&o, e->id, n);
	rec_put_i64(&o, e->fetched_at);
	rec_put_i64(&o, e->expires_at);
	rec_put_i64(&o, e->txt_checked_at);
	rec_put_i64(&o, e->failed_at);
	n = strlen(e->failed_id);
	rec_put_u8(&o, (unsigned)n);
	rec_put_bytes(&o, e->failed_id, n);
	rec_put_u8(&o, (unsigned)e->fail_type);
	n = strlen(e->fail_detail);
	rec_put_u16(&o, (unsigned)n);
	rec_put_bytes(&o, e->fail_detail, n);
	rec_put_u8(&o, (unsigned)pol->mode);
	rec_put_u32(&o, pol->max_age);
	rec_put_u32(&o, (uint32_t)pol->warnings);
	rec_put_u8(&o, (unsigned)pol->nmx);
	for (i = 0; i < pol->nmx; i++) {
		n = strlen(pol->mx[i]);
		rec_put_u8(&o, (unsigned)n);
		rec_put_bytes(&o, pol->mx[i], n);
	}
	blen = e->body != NULL ? e->body_len : 0;
	rec_put_u32(&o, (uint32_t)blen);
	rec_put_bytes(&o, e->body, blen);
	*out = o.p;
	*outlen = o.off;
	return MXTLS_OK;
}

/*
 * rec_str - read a string of a u8 (wide 0) or u16 (wide 1) length prefix
 * into out (size outsz), at most max bytes and without NUL.
 */
static int
rec_str(struct mxtls_cursor *c, int wide, char *out, size_t outsz,
    size_t max)
{
	const unsigned char *b;
	size_t n;

	n = wide ? mxtls_cursor_u16(c) : mxtls_cursor_u8(c);
	if (c->err || n > max || n >= outsz)
		return -1;
	if ((b = mxtls_cursor_bytes(c, n)) == NULL ||
	    memchr(b, '\0', n) != NULL)
		return -1;
	memcpy(out, b, n);
	out[n] = '\0';
	return 0;
}

static enum mxtls_status
rec_bad(struct mxtls_why *why, const struct mxtls_cursor *c, const char *what)
{
	return mxtls_why_set(why, MXTLS_PERMFAIL,
	    "malformed cache record: bad %s at offset %zu of %zu bytes",
	    what, c->off, c->len);
}

/* rec_policy - the parsed policy: mode, max_age, warnings, the patterns */
static enum mxtls_status
rec_policy(struct mxtls_sts_policy *pol, struct mxtls_cursor *c,
    struct mxtls_why *why)
{
	unsigned mode;
	size_t i, nmx;

	mode = mxtls_cursor_u8(c);
	if (c->err || mode > MXTLS_STS_MODE_ENFORCE)
		return rec_bad(why, c, "policy mode");
	pol->mode = (enum mxtls_sts_mode)mode;
	pol->max_age = mxtls_cursor_u32(c);
	if (c->err || pol->max_age > MXTLS_STS_MAX_AGE_MAX)
		return rec_bad(why, c, "policy max_age");
	pol->warnings = mxtls_cursor_u32(c);
	nmx = mxtls_cursor_u8(c);
	if (c->err || nmx > MXTLS_STS_MX_MAX)
		return rec_bad(why, c, "mx count");
	for (i = 0; i < nmx; i++)
		if (rec_str(c, 0, pol->mx[i], sizeof(pol->mx[i]),
		    MXTLS_DOMAIN_MAX) != 0 || pol->mx[i][0] == '\0')
			return rec_bad(why, c, "mx pattern");
	pol->nmx = nmx;
	return MXTLS_OK;
}

/* rec_body - the raw policy, last; copied only when wanted */
static enum mxtls_status
rec_body(struct mxtls_sts_entry *e, struct mxtls_cursor *c, int want_body,
    struct mxtls_why *why)
{
	const unsigned char *b;
	size_t n;

	n = mxtls_cursor_u32(c);
	if (c->err || n > MXTLS_STS_BODY_MAX ||
	    (b = mxtls_cursor_bytes(c, n)) == NULL)
		return rec_bad(why, c, "body length");
	if (mxtls_cursor_left(c) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed cache record: %zu trailing bytes after the body",
		    mxtls_cursor_left(c));
	if (!want_body || n == 0)
		return MXTLS_OK;
	if ((e->body = malloc(n + 1)) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM,
		    "cache record: out of memory for a %zu-byte policy", n);
	memcpy(e->body, b, n);
	e->body[n] = '\0';
	e->body_len = n;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_sts_entry_decode(struct mxtls_sts_entry *e, const unsigned char *buf,
    size_t len, int want_body, struct mxtls_why *why)
{
	struct mxtls_cursor c;
	unsigned v;
	enum mxtls_status st;

	e->domain[0] = '\0';
	e->body = NULL;
	e->body_len = 0;
	e->policy.nmx = 0;
	mxtls_cursor_init(&c, buf, len);
	v = mxtls_cursor_u8(&c);
	if (c.err)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed cache record: empty");
	if (v != REC_VERSION)
		return mxtls_why_set(why, MXTLS_NOTFOUND,
		    "cache record has schema version %u; this build reads %d",
		    v, REC_VERSION);
	v = mxtls_cursor_u8(&c);
	if (c.err || v > 1)
		return rec_bad(why, &c, "have_policy flag");
	e->have_policy = (int)v;
	if (rec_str(&c, 0, e->id, sizeof(e->id), MXTLS_STS_ID_MAX) != 0)
		return rec_bad(why, &c, "id");
	e->fetched_at = rec_i64(mxtls_cursor_u64(&c));
	e->expires_at = rec_i64(mxtls_cursor_u64(&c));
	e->txt_checked_at = rec_i64(mxtls_cursor_u64(&c));
	e->failed_at = rec_i64(mxtls_cursor_u64(&c));
	if (c.err)
		return rec_bad(why, &c, "timestamps");
	if (rec_str(&c, 0, e->failed_id, sizeof(e->failed_id),
	    MXTLS_STS_ID_MAX) != 0)
		return rec_bad(why, &c, "failed_id");
	v = mxtls_cursor_u8(&c);
	if (c.err || v > MXTLS_RT_STS_WEBPKI_INVALID)
		return rec_bad(why, &c, "fail_type");
	e->fail_type = (enum mxtls_result_type)v;
	if (rec_str(&c, 1, e->fail_detail, sizeof(e->fail_detail),
	    MXTLS_DETAIL_MAX - 1) != 0)
		return rec_bad(why, &c, "fail_detail");
	if ((st = rec_policy(&e->policy, &c, why)) != MXTLS_OK)
		return st;
	return rec_body(e, &c, want_body, why);
}

void
mxtls_sts_entry_clear(struct mxtls_sts_entry *e)
{
	if (e == NULL)
		return;
	free(e->body);
	memset(e, 0, sizeof(*e));
}

/* ------------------------------------------------------------ dane */

#define TLSA_WHY_MAX	(sizeof(((struct mxtls_tlsa *)0)->unusable_why) - 1)

/* dane_check - the bounds dane encode enforces; *size gets the length */
static enum mxtls_status
dane_check(const struct mxtls_dane_entry *e, size_t *size,
    struct mxtls_why *why)
{
	const struct mxtls_tlsa *t;
	size_t n, total, i;

	total = 1 + 2 * 8 + 1 + 1 + 1 + 1;
	if ((unsigned)e->requirement > MXTLS_DANE_REQ_ENCRYPT)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "dane cache entry: requirement %d is not cached",
		    (int)e->requirement);
	if ((unsigned)e->tlsa_dnssec > MXTLS_DNSSEC_BOGUS)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "dane cache entry: unknown tlsa_dnssec %d",
		    (int)e->tlsa_dnssec);
	if (rec_strlen(e->base, sizeof(e->base), MXTLS_DOMAIN_MAX, &n) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "dane cache entry: base is not NUL-terminated");
	total += n;
	if (e->ntlsa > MXTLS_TLSA_RRS_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "dane cache entry: %zu TLSA records exceed %d", e->ntlsa,
		    MXTLS_TLSA_RRS_MAX);
	for (i = 0; i < e->ntlsa; i++) {
		t = &e->tlsa[i];
		if (rec_strlen(t->unusable_why, sizeof(t->unusable_why),
		    TLSA_WHY_MAX, &n) != 0)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "dane cache entry: unusable_why of TLSA record %zu "
			    "is not NUL-terminated", i);
		if (t->len > MXTLS_TLSA_DATA_MAX)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "dane cache entry: TLSA record %zu has %zu bytes "
			    "of data, more than %d", i, t->len,
			    MXTLS_TLSA_DATA_MAX);
		total += 3 + 1 + 1 + n + 2 + t->len;
	}
	*size = total;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_dane_entry_encode(const struct mxtls_dane_entry *e, unsigned char **out,
    size_t *outlen, struct mxtls_why *why)
{
	const struct mxtls_tlsa *t;
	struct rec_out o;
	enum mxtls_status st;
	size_t size = 0, n, i;

	*out = NULL;
	*outlen = 0;
	if ((st = dane_check(e, &size, why)) != MXTLS_OK)
		return st;
	if ((o.p = malloc(size)) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM,
		    "dane cache entry: out of memory for a %zu-byte record",
		    size);
	o.off = 0;
	rec_put_u8(&o, DANE_REC_VERSION);
	rec_put_i64(&o, e->fetched_at);
	rec_put_i64(&o, e->expires_at);
	rec_put_u8(&o, (unsigned)e->requirement);
	n = strlen(e->base);
	rec_put_u8(&o, (unsigned)n);
	rec_put_bytes(&o, e->base, n);
	rec_put_u8(&o, (unsigned)e->tlsa_dnssec);
	rec_put_u8(&o, (unsigned)e->ntlsa);
	for (i = 0; i < e->ntlsa; i++) {
		t = &e->tlsa[i];
		rec_put_u8(&o, t->usage);
		rec_put_u8(&o, t->selector);
		rec_put_u8(&o, t->mtype);
		rec_put_u8(&o, t->usable != 0);
		n = strlen(t->unusable_why);
		rec_put_u8(&o, (unsigned)n);
		rec_put_bytes(&o, t->unusable_why, n);
		rec_put_u16(&o, (unsigned)t->len);
		rec_put_bytes(&o, t->data, t->len);
	}
	*out = o.p;
	*outlen = o.off;
	return MXTLS_OK;
}

/* dane_tlsa - one TLSA record as assessed */
static enum mxtls_status
dane_tlsa(struct mxtls_tlsa *t, struct mxtls_cursor *c, struct mxtls_why *why)
{
	const unsigned char *b;
	unsigned v;
	size_t n;

	t->usage = mxtls_cursor_u8(c);
	t->selector = mxtls_cursor_u8(c);
	t->mtype = mxtls_cursor_u8(c);
	v = mxtls_cursor_u8(c);
	if (c->err || v > 1)
		return rec_bad(why, c, "TLSA usable flag");
	t->usable = (int)v;
	if (rec_str(c, 0, t->unusable_why, sizeof(t->unusable_why),
	    TLSA_WHY_MAX) != 0)
		return rec_bad(why, c, "TLSA unusable_why");
	n = mxtls_cursor_u16(c);
	if (c->err || n > MXTLS_TLSA_DATA_MAX ||
	    (b = mxtls_cursor_bytes(c, n)) == NULL)
		return rec_bad(why, c, "TLSA data length");
	if (n > 0)
		memcpy(t->data, b, n);
	t->len = n;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_dane_entry_decode(struct mxtls_dane_entry *e, const unsigned char *buf,
    size_t len, struct mxtls_why *why)
{
	struct mxtls_cursor c;
	enum mxtls_status st;
	unsigned v;
	size_t i, n;

	e->host[0] = '\0';
	e->ntlsa = 0;
	mxtls_cursor_init(&c, buf, len);
	v = mxtls_cursor_u8(&c);
	if (c.err)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed dane cache record: empty");
	if (v != DANE_REC_VERSION)
		return mxtls_why_set(why, MXTLS_NOTFOUND,
		    "dane cache record has schema version %u; this build "
		    "reads %d", v, DANE_REC_VERSION);
	e->fetched_at = rec_i64(mxtls_cursor_u64(&c));
	e->expires_at = rec_i64(mxtls_cursor_u64(&c));
	if (c.err)
		return rec_bad(why, &c, "timestamps");
	v = mxtls_cursor_u8(&c);
	if (c.err || v > MXTLS_DANE_REQ_ENCRYPT)	/* UNUSABLE: never */
		return rec_bad(why, &c, "requirement");
	e->requirement = (enum mxtls_dane_req)v;
	if (rec_str(&c, 0, e->base, sizeof(e->base), MXTLS_DOMAIN_MAX) != 0)
		return rec_bad(why, &c, "base domain");
	v = mxtls_cursor_u8(&c);
	if (c.err || v > MXTLS_DNSSEC_BOGUS)
		return rec_bad(why, &c, "tlsa_dnssec");
	e->tlsa_dnssec = (enum mxtls_dnssec)v;
	n = mxtls_cursor_u8(&c);
	if (c.err || n > MXTLS_TLSA_RRS_MAX)
		return rec_bad(why, &c, "TLSA record count");
	for (i = 0; i < n; i++)
		if ((st = dane_tlsa(&e->tlsa[i], &c, why)) != MXTLS_OK)
			return st;
	if (mxtls_cursor_left(&c) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed dane cache record: %zu trailing bytes",
		    mxtls_cursor_left(&c));
	e->ntlsa = n;
	return MXTLS_OK;
}

/* ------------------------------------------------------------ dec */

enum mxtls_status
mxtls_dec_record_encode(const struct mxtls_summary *s, unsigned char **out,
    size_t *outlen, struct mxtls_why *why)
{
	char text[MXTLS_SUMMARY_TEXT_MAX + 1];
	size_t n;

	*out = NULL;
	if ((n = mxtls_summary_format(s, text, sizeof(text))) == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "decision summary too long to store");
	if ((*out = malloc(n + 1)) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
	(*out)[0] = DEC_REC_VERSION;
	memcpy(*out + 1, text, n);
	*outlen = n + 1;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_dec_record_decode(struct mxtls_summary *s, const unsigned char *buf,
    size_t len, struct mxtls_why *why)
{
	struct mxtls_why pw;

	if (len == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed dec cache record: empty");
	if (buf[0] != DEC_REC_VERSION)
		return mxtls_why_set(why, MXTLS_NOTFOUND,
		    "dec cache record has schema version %u; this build "
		    "reads %d", (unsigned)buf[0], DEC_REC_VERSION);
	mxtls_why_clear(&pw);
	if (mxtls_summary_parse((const char *)buf + 1, len - 1, s, &pw) !=
	    MXTLS_OK)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed dec cache record: %s", pw.text);
	return MXTLS_OK;
}
