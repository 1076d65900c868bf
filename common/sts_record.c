/*
 * NAME
 *	sts_record - the _mta-sts TXT record (RFC 8461 section 3.1)
 * SYNOPSIS
 *	#include "sts_record.h"
 *
 *	enum mxtls_status
 *	mxtls_sts_record_parse(struct mxtls_sts_record *rec,
 *	    const char *buf, size_t len, struct mxtls_why *why)
 *
 *	enum mxtls_status
 *	mxtls_sts_record_select(struct mxtls_sts_record *rec,
 *	    const struct mxtls_span *txt, size_t n, struct mxtls_why *why)
 * DESCRIPTION
 *	mxtls_sts_record_parse() reads one TXT value of len untrusted bytes
 *	(its character-strings already joined; not NUL-terminated) against
 *	the ABNF of RFC 8461 3.1:
 *
 *	    sts-text-record = sts-version 1*(sts-field-delim sts-field)
 *	                      [sts-field-delim]
 *	    sts-field-delim = *WSP ";" *WSP
 *	    sts-version     = %s"v=STSv1"
 *	    sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
 *	    sts-extension   = sts-ext-name "=" sts-ext-value
 *	    sts-ext-name    = (ALPHA / DIGIT)
 *	                      *31(ALPHA / DIGIT / "_" / "-" / ".")
 *	    sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
 *
 *	A value that does not begin with the exact bytes "v=STSv1;" is not
 *	an MTA-STS record (3.1 step "records that do not begin with
 *	v=STSv1; are discarded"); this also applies to "v=STSv1 ;", which the
 *	ABNF would allow (errata 6285). Field names are case-sensitive. The
 *	id field is required; the first occurrence of a field wins and later
 *	ones are ignored (3.2 states this for "TXT records and policy
 *	files"), as are unknown fields. Ignored fields must still be
 *	well-formed extensions. A value longer than MXTLS_STS_TXT_MAX bytes
 *	is refused.
 *
 *	mxtls_sts_record_select() applies the RRset rule of 3.1 to the n
 *	joined TXT values found at one name: values not beginning with
 *	"v=STSv1;" are discarded, and exactly one valid record must be left.
 *
 *	Both functions copy the id into *rec, which the caller owns; they
 *	keep no pointer into the input.
 * DIAGNOSTICS
 *	MXTLS_OK (why cleared); MXTLS_NOTFOUND when there is no v=STSv1
 *	record; MXTLS_PERMFAIL with a plain-words reason naming the problem
 *	and the RFC section. why may be NULL. Untrusted text in a reason is
 *	sanitized and short. After anything but MXTLS_OK, rec->id is empty.
 *	Never logs.
 * SEE ALSO
 *	RFC 8461 3.1, shared/spec/mta-sts.md section 2
 */
#include "sts_record.h"

#include <string.h>

#include "cursor.h"

#define REC_PREFIX		"v=STSv1;"
#define REC_PREFIX_LEN		(sizeof(REC_PREFIX) - 1)

/* At most this many untrusted bytes are quoted in a reason. */
#define REC_QUOTE_MAX		40
#define REC_QUOTE_SIZE		(REC_QUOTE_MAX + sizeof("..."))

/* One "name=value" field, borrowed from the input. */
struct rec_field {
	struct mxtls_span name;
	struct mxtls_span value;
};

/* rec_is_prefix - 1 when p[0..len-1] begins with "v=STSv1;" exactly */

static int
rec_is_prefix(const char *p, size_t len)
{
	return p != NULL && len >= REC_PREFIX_LEN &&
	    memcmp(p, REC_PREFIX, REC_PREFIX_LEN) == 0;
}

/*
 * rec_near_miss - 1 when the value is "v=STSv1" alone or followed by
 * whitespace, e.g. "v=STSv1 ;": the ABNF allows that, the discard rule of
 * 3.1 does not (errata 6285), so the admin deserves a hint.
 */

static int
rec_near_miss(const char *p, size_t len)
{
	return p != NULL && len >= REC_PREFIX_LEN - 1 &&
	    memcmp(p, REC_PREFIX, REC_PREFIX_LEN - 1) == 0 &&
	    (len == REC_PREFIX_LEN - 1 || p[REC_PREFIX_LEN - 1] == ' ' ||
	    p[REC_PREFIX_LEN - 1] == '\t');
}

#define REC_NEAR_MISS_HINT \
	": \"v=STSv1\" must be followed directly by ';' (errata 6285)"

/* rec_quote - sanitized, length-limited copy of a span for a reason */

static const char *
rec_quote(char *q, const char *p, size_t len)
{
	if (len <= REC_QUOTE_MAX)
		return mxtls_sanitize(q, REC_QUOTE_SIZE, p, len);
	(void)mxtls_sanitize(q, REC_QUOTE_SIZE, p, REC_QUOTE_MAX);
	memcpy(q + REC_QUOTE_MAX, "...", sizeof("..."));
	return q;
}

/* rec_char - a byte shown as 'c' or as 0xHH when it is not printable */

static const char *
rec_char(char *buf, size_t bufsz, int ch)
{
	static const char hex[] = "0123456789abcdef";

	if (bufsz < 5)
		return "";
	if (ch > 0x20 && ch < 0x7f) {
		buf[0] = '\'';
		buf[1] = (char)ch;
		buf[2] = '\'';
		buf[3] = '\0';
	} else {
		buf[0] = '0';
		buf[1] = 'x';
		buf[2] = hex[(ch >> 4) & 0xf];
		buf[3] = hex[ch & 0xf];
		buf[4] = '\0';
	}
	return buf;
}

static int
rec_is_wsp(int ch)
{
	return ch == ' ' || ch == '\t';
}

static int
rec_is_alnum(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9');
}

static int
rec_is_name_char(int ch)
{
	return rec_is_alnum(ch) || ch == '_' || ch == '-' || ch == '.';
}

/* rec_skip_wsp - consume *WSP */

static void
rec_skip_wsp(struct mxtls_cursor *c)
{
	while (rec_is_wsp(mxtls_cursor_peek(c)))
		(void)mxtls_cursor_bytes(c, 1);
}

/* rec_span_is - 1 when s holds exactly the NUL-terminated lit */

static int
rec_span_is(const struct mxtls_span *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->len == n && memcmp(s->p, lit, n) == 0;
}

/* rec_take - borrow bytes from the cursor while pred holds */

static void
rec_take(struct mxtls_cursor *c, struct mxtls_span *s, int (*pred)(int))
{
	int ch;

	s->p = (const char *)c->p + c->off;
	s->len = 0;
	while ((ch = mxtls_cursor_peek(c)) != -1 && pred(ch)) {
		(void)mxtls_cursor_bytes(c, 1);
		s->len++;
	}
}

static int
rec_is_value_char(int ch)
{
	return !rec_is_wsp(ch) && ch != ';';
}

/* rec_read_field - read sts-ext-name "=" and the value up to WSP or ";" */

static enum mxtls_status
rec_read_field(struct mxtls_cursor *c, struct rec_field *f,
    struct mxtls_why *why)
{
	char q[REC_QUOTE_SIZE], b[8];

	f->value.p = NULL;
	f->value.len = 0;
	rec_take(c, &f->name, rec_is_name_char);
	if (f->name.len == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "expected a field name at offset %zu, found %s (RFC 8461 "
		    "3.1)", c->off, rec_char(b, sizeof(b),
		    mxtls_cursor_peek(c)));
	if (mxtls_cursor_peek(c) != '=')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "field name \"%s\" is followed by %s, not '=' (RFC 8461 "
		    "3.1)", rec_quote(q, f->name.p, f->name.len),
		    mxtls_cursor_left(c) ? rec_char(b, sizeof(b),
		    mxtls_cursor_peek(c)) : "the end of the record");
	if (!rec_is_alnum((unsigned char)f->name.p[0]) ||
	    f->name.len > MXTLS_STS_EXT_NAME_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "field name \"%s\" is not valid: 1 to 32 letters, digits, "
		    "'_', '-' or '.', starting with a letter or digit "
		    "(RFC 8461 3.1)", rec_quote(q, f->name.p, f->name.len));
	(void)mxtls_cursor_bytes(c, 1);
	rec_take(c, &f->value, rec_is_value_char);
	return MXTLS_OK;
}

/* rec_check_id - sts-id value: 1*32(ALPHA / DIGIT) */

static enum mxtls_status
rec_check_id(const struct mxtls_span *v, struct mxtls_why *why)
{
	char q[REC_QUOTE_SIZE], b[8];
	size_t i;

	if (v->len == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "id is empty: an id is 1 to 32 letters and digits "
		    "(RFC 8461 3.1)");
	for (i = 0; i < v->len; i++)
		if (!rec_is_alnum((unsigned char)v->p[i]))
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "id \"%s\" contains %s: an id is 1 to 32 letters "
			    "and digits (RFC 8461 3.1)",
			    rec_quote(q, v->p, v->len), rec_char(b, sizeof(b),
			    (unsigned char)v->p[i]));
	if (v->len > MXTLS_STS_ID_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "id \"%s\" is %zu characters long: an id is 1 to 32 "
		    "letters and digits (RFC 8461 3.1)",
		    rec_quote(q, v->p, v->len), v->len);
	return MXTLS_OK;
}

/* rec_check_ext - sts-ext-value: 1*(%x21-3A / %x3C / %x3E-7E) */

static enum mxtls_status
rec_check_ext(const struct rec_field *f, struct mxtls_why *why)
{
	char q[REC_QUOTE_SIZE], b[8];
	unsigned char ch;
	size_t i;

	if (f->value.len == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "field \"%s\" has an empty value (RFC 8461 3.1)",
		    rec_quote(q, f->name.p, f->name.len));
	for (i = 0; i < f->value.len; i++) {
		ch = (unsigned char)f->value.p[i];
		if (ch < 0x21 || ch > 0x7e || ch == '=')
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "field \"%s\" has %s in its value: values are "
			    "printable ASCII without ';' or '=' (RFC 8461 3.1)",
			    rec_quote(q, f->name.p, f->name.len),
			    rec_char(b, sizeof(b), ch));
	}
	return MXTLS_OK;
}

/* rec_field - check one field; keep the first id */

static enum mxtls_status
rec_field(struct mxtls_sts_record *rec, const struct rec_field *f,
    struct mxtls_why *why)
{
	enum mxtls_status rv;

	if (rec_span_is(&f->name, "id") && rec->id[0] == '\0') {
		if ((rv = rec_check_id(&f->value, why)) != MXTLS_OK)
			return rv;
		memcpy(rec->id, f->value.p, f->value.len);
		rec->id[f->value.len] = '\0';
		return MXTLS_OK;
	}
	/* 3.1: unknown fields are ignored; 3.2: a repeated field, too. */
	return rec_check_ext(f, why);
}

/* rec_delim - after a field: end, or *WSP ";" *WSP */

static enum mxtls_status
rec_delim(struct mxtls_cursor *c, const struct rec_field *f,
    struct mxtls_why *why)
{
	char q[REC_QUOTE_SIZE], b[8];
	size_t off = c->off;

	rec_skip_wsp(c);
	if (mxtls_cursor_left(c) == 0 && c->off != off)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "whitespace after field \"%s\" at the end of the record: "
		    "only \";\" may end it (RFC 8461 3.1)",
		    rec_quote(q, f->name.p, f->name.len));
	if (mxtls_cursor_left(c) == 0)
		return MXTLS_OK;
	if (mxtls_cursor_peek(c) != ';')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "%s after field \"%s\": fields are separated by ';' "
		    "(RFC 8461 3.1)", rec_char(b, sizeof(b),
		    mxtls_cursor_peek(c)), rec_quote(q, f->name.p,
		    f->name.len));
	(void)mxtls_cursor_bytes(c, 1);
	rec_skip_wsp(c);
	if (mxtls_cursor_peek(c) == ';')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "empty field (\";;\") at offset %zu (RFC 8461 3.1)",
		    c->off);
	return MXTLS_OK;
}

enum mxtls_status
mxtls_sts_record_parse(struct mxtls_sts_record *rec, const char *buf,
    size_t len, struct mxtls_why *why)
{
	struct mxtls_cursor c;
	struct rec_field f;
	enum mxtls_status rv;

	rec->id[0] = '\0';
	if (!rec_is_prefix(buf, len))
		return mxtls_why_set(why, MXTLS_NOTFOUND,
		    "not an MTA-STS record: it does not begin with "
		    "\"v=STSv1;\" (RFC 8461 3.1)%s",
		    rec_near_miss(buf, len) ? REC_NEAR_MISS_HINT : "");
	if (len > MXTLS_STS_TXT_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "the v=STSv1 TXT record is %zu bytes long; mxtls accepts "
		    "at most %d", len, MXTLS_STS_TXT_MAX);
	mxtls_cursor_init(&c, buf, len);
	(void)mxtls_cursor_bytes(&c, REC_PREFIX_LEN);
	rec_skip_wsp(&c);
	if (mxtls_cursor_peek(&c) == ';')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "empty field (\";;\") at offset %zu (RFC 8461 3.1)",
		    c.off);
	while (mxtls_cursor_left(&c) > 0) {
		if ((rv = rec_read_field(&c, &f, why)) != MXTLS_OK ||
		    (rv = rec_field(rec, &f, why)) != MXTLS_OK ||
		    (rv = rec_delim(&c, &f, why)) != MXTLS_OK)
			goto out;
	}
	if (rec->id[0] == '\0') {
		rv = mxtls_why_set(why, MXTLS_PERMFAIL,
		    "no id field: \"id=\" followed by 1 to 32 letters and "
		    "digits is required, and field names are case-sensitive "
		    "(RFC 8461 3.1)");
		goto out;
	}
	mxtls_why_clear(why);
	return MXTLS_OK;
out:
	rec->id[0] = '\0';
	return rv;
}

enum mxtls_status
mxtls_sts_record_select(struct mxtls_sts_record *rec,
    const struct mxtls_span *txt, size_t n, struct mxtls_why *why)
{
	struct mxtls_why one;
	size_t i, found = 0, which = 0, near = 0;
	enum mxtls_status rv;

	rec->id[0] = '\0';
	for (i = 0; txt != NULL && i < n; i++) {
		if (!rec_is_prefix(txt[i].p, txt[i].len)) {
			near += rec_near_miss(txt[i].p, txt[i].len);
			continue;	/* 3.1: not an MTA-STS record */
		}
		if (found++ == 0)
			which = i;
	}
	if (found == 0)
		return mxtls_why_set(why, MXTLS_NOTFOUND,
		    "no v=STSv1 TXT record among %zu TXT record%s: the domain "
		    "does not publish MTA-STS (RFC 8461 3.1)%s", n,
		    n == 1 ? "" : "s", near ? REC_NEAR_MISS_HINT : "");
	if (found > 1)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "%zu v=STSv1 TXT records: RFC 8461 3.1 requires exactly "
		    "one; remove all but one", found);
	rv = mxtls_sts_record_parse(rec, txt[which].p, txt[which].len, &one);
	if (rv != MXTLS_OK)
		return mxtls_why_set(why, rv, "invalid v=STSv1 TXT record: %s",
		    one.text);
	mxtls_why_clear(why);
	return MXTLS_OK;
}
