/*
 * NAME
 *	sts_policy - the MTA-STS policy file (RFC 8461 section 3.2)
 * SYNOPSIS
 *	#include "sts_policy.h"
 *
 *	enum mxtls_status
 *	mxtls_sts_policy_parse(struct mxtls_sts_policy *pol,
 *	    const char *buf, size_t len, struct mxtls_why *why)
 *
 *	const char *
 *	mxtls_sts_mode_name(enum mxtls_sts_mode mode)
 *
 *	const char *
 *	mxtls_sts_warning_text(unsigned bit)
 * DESCRIPTION
 *	mxtls_sts_policy_parse() reads a policy body of len untrusted bytes
 *	(not NUL-terminated, at most MXTLS_STS_BODY_MAX) into *pol, which the
 *	caller owns; nothing in *pol points into buf. It follows the ABNF
 *	of RFC 8461 3.2 exactly, with the choices of shared/spec/mta-sts.md
 *	section 4:
 *
 *	o A line ends in CRLF or in a bare LF (the ABNF allows LF, errata
 *	  6253); the terminator after the last line is optional, and one
 *	  empty line at the very end is tolerated. Any other empty line,
 *	  leading whitespace, a line without ':', a lone CR or any other
 *	  control byte (HTAB aside) makes the policy invalid. A line is at
 *	  most MXTLS_STS_FIELD_MAX bytes.
 *	o A line is name ":" *WSP value *WSP. Names and the values STSv1,
 *	  testing, enforce and none are case-sensitive.
 *	o version, mode and max_age are required; at least one mx is
 *	  required unless mode is none. A repeated field other than mx keeps
 *	  its first value (3.2, SHALL); every mx line is used, up to
 *	  MXTLS_STS_MX_MAX. Unknown fields are ignored (3.2, SHALL) but must
 *	  still match sts-policy-extension: a name of 1 + up to 31 letters,
 *	  digits, '_', '-', '.', and a value of printable ASCII or UTF-8
 *	  (RFC 3629) with no control bytes. A repeated field must match it
 *	  as well, since only as an extension is it well-formed.
 *	o max_age is 1 to 10 digits (leading zeros allowed, no sign). 3.2
 *	  puts the maximum at 31557600 but the ABNF allows more (errata
 *	  7282); a larger value is capped at 31557600 with a warning.
 *	o mx is ["*."] Domain, checked with mxtls_domain_normalize() and
 *	  stored lower-cased without its trailing dot. A '*' anywhere but
 *	  a leading "*." is invalid. "*.com" is syntactically valid and is
 *	  accepted: the RFC does not forbid it, and the policy owner could
 *	  list any host anyway.
 *
 *	Anything the admin should see but that leaves the policy valid is
 *	flagged in pol->warnings (MXTLS_STS_WARN_*); mxtls_sts_warning_text()
 *	describes each bit in plain words.
 *
 *	mxtls_sts_mode_name() and mxtls_sts_warning_text() return static
 *	strings.
 * DIAGNOSTICS
 *	mxtls_sts_policy_parse() returns MXTLS_OK (why cleared), or
 *	MXTLS_PERMFAIL with the reason (line number, field, RFC section) in
 *	why, which may be NULL; after a failure *pol is empty (no mx, mode
 *	none, max_age 0, no warnings). Only pol->mx[0 .. nmx - 1] are
 *	written. Never logs.
 * SEE ALSO
 *	RFC 8461 3.2, 3.3; shared/spec/mta-sts.md section 4; domain(3)
 */
#include "sts_policy.h"

#include <string.h>

#include "domain.h"

/* At most this many untrusted bytes are quoted in a reason. */
#define POL_QUOTE_MAX		40
#define POL_QUOTE_SIZE		(POL_QUOTE_MAX + sizeof("..."))

#define POL_ONE_DAY		86400
#define POL_MAX_AGE_DIGITS	10
#define POL_FIELDS_MAX		4	/* entries in policy_fields */

struct policy_state {
	struct mxtls_sts_policy *pol;
	unsigned seen;			/* 1 << index into policy_fields */
	size_t	lineno;
	size_t	n_lf;			/* bare LF terminators */
	size_t	n_crlf;			/* CRLF terminators */
	size_t	case_line[POL_FIELDS_MAX]; /* line of a case variant */
};

typedef enum mxtls_status (*policy_value_fn)(struct policy_state *,
    const char *, size_t, struct mxtls_why *);

static enum mxtls_status policy_version(struct policy_state *, const char *,
    size_t, struct mxtls_why *);
static enum mxtls_status policy_mode(struct policy_state *, const char *,
    size_t, struct mxtls_why *);
static enum mxtls_status policy_max_age(struct policy_state *, const char *,
    size_t, struct mxtls_why *);
static enum mxtls_status policy_mx(struct policy_state *, const char *,
    size_t, struct mxtls_why *);

static const struct policy_field {
	const char *name;
	int	once;			/* 3.2: a repeat keeps the first */
	policy_value_fn parse;
	const char *missing;		/* reason when absent */
} policy_fields[] = {
	{"version", 1, policy_version,
	    "no version field: \"version: STSv1\" is required"},
	{"mode", 1, policy_mode,
	    "no mode field: \"mode: enforce\", \"mode: testing\" or "
	    "\"mode: none\" is required"},
	{"max_age", 1, policy_max_age,
	    "no max_age field: \"max_age:\" with 1 to 10 digits is required"},
	{"mx", 0, policy_mx, NULL},
};

#define POLICY_NFIELDS	(sizeof(policy_fields) / sizeof(policy_fields[0]))
#define POLICY_MX	3		/* index of "mx" in policy_fields */
_Static_assert(POLICY_NFIELDS <= POL_FIELDS_MAX, "grow POL_FIELDS_MAX");

/* policy_quote - sanitized, length-limited copy of untrusted text */

static const char *
policy_quote(char *q, const char *p, size_t len)
{
	if (len <= POL_QUOTE_MAX)
		return mxtls_sanitize(q, POL_QUOTE_SIZE, p, len);
	(void)mxtls_sanitize(q, POL_QUOTE_SIZE, p, POL_QUOTE_MAX);
	memcpy(q + POL_QUOTE_MAX, "...", sizeof("..."));
	return q;
}

static int
policy_is_wsp(int ch)
{
	return ch == ' ' || ch == '\t';
}

static int
policy_is_alnum(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9');
}

/* policy_eq - span p[0..n-1] equals the NUL-terminated lit */

static int
policy_eq(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* policy_caseeq - ASCII case-insensitive policy_eq */

static int
policy_caseeq(const char *p, size_t n, const char *lit)
{
	size_t i;
	int a, b;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++) {
		a = (unsigned char)p[i];
		b = (unsigned char)lit[i];
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return 0;
	}
	return 1;
}

/*
 * policy_utf8 - length of the well-formed UTF-8 sequence of two to four
 * bytes at p (n bytes left), or 0 (RFC 3629 section 4).
 */

static size_t
policy_utf8(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 2;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 3;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* at most U+10FFFF */
	} else
		return 0;
	if (n - 1 < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i <= need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need + 1;
}

/*
 * policy_ext_value - sts-policy-ext-value: vchar [*(SP / vchar) vchar],
 * vchar being %x21-7E or UTF-8. v has no leading or trailing WSP.
 */

static enum mxtls_status
policy_ext_value(struct policy_state *st, const char *name, size_t nlen,
    const char *v, size_t n, struct mxtls_why *why)
{
	const unsigned char *u = (const unsigned char *)v;
	char q[POL_QUOTE_SIZE];
	size_t i, k;

	if (n == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: field \"%s\" has an empty value (RFC 8461 3.2)",
		    st->lineno, policy_quote(q, name, nlen));
	for (i = 0; i < n; i += k) {
		k = 1;
		if (u[i] >= 0x20 && u[i] <= 0x7e)
			continue;
		if (u[i] >= 0x80 && (k = policy_utf8(u + i, n - i)) != 0)
			continue;
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: the value of field \"%s\" has %s at byte "
		    "%zu: values are printable text or UTF-8 without "
		    "control characters (RFC 8461 3.2)", st->lineno,
		    policy_quote(q, name, nlen), u[i] == '\t' ? "a tab" :
		    "a byte that is not valid UTF-8", i + 1);
	}
	return MXTLS_OK;
}

/* policy_ext_name - sts-policy-ext-name: (ALPHA/DIGIT) *31(...) */

static int
policy_ext_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > MXTLS_STS_EXT_NAME_MAX ||
	    !policy_is_alnum((unsigned char)p[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!policy_is_alnum((unsigned char)p[i]) && p[i] != '_' &&
		    p[i] != '-' && p[i] != '.')
			return 0;
	return 1;
}

static enum mxtls_status
policy_version(struct policy_state *st, const char *v, size_t n,
    struct mxtls_why *why)
{
	char q[POL_QUOTE_SIZE];

	if (policy_eq(v, n, "STSv1"))
		return MXTLS_OK;
	return mxtls_why_set(why, MXTLS_PERMFAIL,
	    "line %zu: version \"%s\" is not STSv1 (case-sensitive, "
	    "RFC 8461 3.2)", st->lineno, policy_quote(q, v, n));
}

static enum mxtls_status
policy_mode(struct policy_state *st, const char *v, size_t n,
    struct mxtls_why *why)
{
	static const enum mxtls_sts_mode modes[] = {
		MXTLS_STS_MODE_TESTING, MXTLS_STS_MODE_ENFORCE,
		MXTLS_STS_MODE_NONE
	};
	char q[POL_QUOTE_SIZE];
	size_t i;
	int folded = 0;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (policy_eq(v, n, mxtls_sts_mode_name(modes[i]))) {
			st->pol->mode = modes[i];
			return MXTLS_OK;
		}
		folded |= policy_caseeq(v, n, mxtls_sts_mode_name(modes[i]));
	}
	return mxtls_why_set(why, MXTLS_PERMFAIL,
	    "line %zu: mode \"%s\" is not one of testing, enforce, none%s "
	    "(RFC 8461 3.2)", st->lineno, policy_quote(q, v, n),
	    folded ? ": the values are case-sensitive" : "");
}

static enum mxtls_status
policy_max_age(struct policy_state *st, const char *v, size_t n,
    struct mxtls_why *why)
{
	char q[POL_QUOTE_SIZE];
	uint64_t age = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "line %zu: max_age \"%s\" is not a number%s: it is "
			    "1 to 10 digits (RFC 8461 3.2)", st->lineno,
			    policy_quote(q, v, n), v[i] == '+' ||
			    v[i] == '-' ? " (no sign is allowed)" : "");
	if (n == 0 || n > POL_MAX_AGE_DIGITS)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: max_age \"%s\" has %zu digits: it is 1 to 10 "
		    "digits (RFC 8461 3.2)", st->lineno,
		    policy_quote(q, v, n), n);
	for (i = 0; i < n; i++)
		age = age * 10 + (uint64_t)(v[i] - '0'); /* < 10^10 */
	if (age > MXTLS_STS_MAX_AGE_MAX) {
		/* 3.2 caps it; the ABNF allows more (errata 7282). */
		st->pol->warnings |= MXTLS_STS_WARN_MAX_AGE_CAPPED;
		age = MXTLS_STS_MAX_AGE_MAX;
	} else if (age == 0)
		st->pol->warnings |= MXTLS_STS_WARN_ZERO_MAX_AGE;
	else if (age < POL_ONE_DAY)
		st->pol->warnings |= MXTLS_STS_WARN_SHORT_MAX_AGE;
	st->pol->max_age = (uint32_t)age;
	return MXTLS_OK;
}

/* policy_mx - sts-policy-mx value: ["*."] Domain (RFC 5321 4.1.2) */

static enum mxtls_status
policy_mx(struct policy_state *st, const char *v, size_t n,
    struct mxtls_why *why)
{
	struct mxtls_sts_policy *pol = st->pol;
	char q[POL_QUOTE_SIZE], name[MXTLS_DOMAIN_MAX + 1];
	struct mxtls_why dwhy;
	size_t skip, nlen;

	if (pol->nmx >= MXTLS_STS_MX_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: more than %d mx lines; mxtls accepts at most %d",
		    st->lineno, MXTLS_STS_MX_MAX, MXTLS_STS_MX_MAX);
	if (n == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: mx is empty: it is a host name or \"*.\" and a "
		    "domain (RFC 8461 3.2)", st->lineno);
	skip = n >= 2 && v[0] == '*' && v[1] == '.' ? 2 : 0;
	if (memchr(v + skip, '*', n - skip) != NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: mx \"%s\": a wildcard is only allowed as a "
		    "whole left-most label, \"*.\" (RFC 8461 3.2)",
		    st->lineno, policy_quote(q, v, n));
	if (mxtls_domain_normalize(v + skip, n - skip, name, sizeof(name),
	    &dwhy) != MXTLS_OK)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: mx: %s", st->lineno, dwhy.text);
	nlen = strlen(name);
	if (nlen > sizeof(pol->mx[0]) - 1 - skip)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: mx \"%s\" is too long: no host name of at most "
		    "%d characters can match it", st->lineno,
		    policy_quote(q, v, n), MXTLS_DOMAIN_MAX);
	if (v[n - 1] == '.')
		pol->warnings |= MXTLS_STS_WARN_TRAILING_DOT;
	memcpy(pol->mx[pol->nmx], "*.", skip);
	memcpy(pol->mx[pol->nmx] + skip, name, nlen + 1);
	pol->nmx++;
	return MXTLS_OK;
}

/* policy_other - a field that is not ours to read: check and ignore */

static enum mxtls_status
policy_other(struct policy_state *st, const char *key, size_t klen,
    const char *v, size_t n, struct mxtls_why *why)
{
	char q[POL_QUOTE_SIZE];
	size_t i;

	if (!policy_ext_name(key, klen))
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: field name \"%s\" is not valid%s: 1 to 32 "
		    "letters, digits, '_', '-' or '.', starting with a letter "
		    "or digit (RFC 8461 3.2)", st->lineno,
		    policy_quote(q, key, klen), policy_is_wsp(key[klen - 1]) ?
		    " (no whitespace is allowed before ':')" : "");
	for (i = 0; i < POLICY_NFIELDS; i++)
		if (st->case_line[i] == 0 &&
		    policy_caseeq(key, klen, policy_fields[i].name))
			st->case_line[i] = st->lineno;
	st->pol->warnings |= MXTLS_STS_WARN_UNKNOWN_FIELD;
	return policy_ext_value(st, key, klen, v, n, why);
}

/* policy_bytes - no NUL, lone CR or other control byte but HTAB */

static enum mxtls_status
policy_bytes(const struct policy_state *st, const char *line, size_t n,
    struct mxtls_why *why)
{
	unsigned char ch;
	size_t i;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)line[i];
		if (ch >= 0x20 && ch != 0x7f)
			continue;
		if (ch == '\t')
			continue;
		if (ch == '\0')
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "line %zu contains a NUL byte (RFC 8461 3.2)",
			    st->lineno);
		if (ch == '\r')
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "line %zu contains a carriage return that is not "
			    "followed by a line feed: lines end in CRLF or LF "
			    "(RFC 8461 3.2)", st->lineno);
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu contains the control byte 0x%02x (RFC 8461 3.2)",
		    st->lineno, ch);
	}
	return MXTLS_OK;
}

/* policy_line - one line without its terminator; n > 0 */

static enum mxtls_status
policy_line(struct policy_state *st, const char *line, size_t n,
    struct mxtls_why *why)
{
	char q[POL_QUOTE_SIZE];
	const char *colon, *v;
	enum mxtls_status rv;
	size_t i, klen, vlen;

	if (n > MXTLS_STS_FIELD_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu is %zu bytes long; mxtls accepts at most %d",
		    st->lineno, n, MXTLS_STS_FIELD_MAX);
	if ((rv = policy_bytes(st, line, n, why)) != MXTLS_OK)
		return rv;
	if (policy_is_wsp((unsigned char)line[0]))
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu begins with whitespace: RFC 8461 3.2 does not "
		    "allow it", st->lineno);
	if ((colon = memchr(line, ':', n)) == NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu (\"%s\") has no ':': each line is "
		    "\"name: value\" (RFC 8461 3.2)", st->lineno,
		    policy_quote(q, line, n));
	if ((klen = (size_t)(colon - line)) == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu begins with ':': a field name is required "
		    "(RFC 8461 3.2)", st->lineno);
	v = colon + 1;
	vlen = n - klen - 1;
	while (vlen > 0 && policy_is_wsp((unsigned char)v[0])) {
		v++;
		vlen--;
	}
	while (vlen > 0 && policy_is_wsp((unsigned char)v[vlen - 1]))
		vlen--;
	for (i = 0; i < POLICY_NFIELDS; i++) {
		if (!policy_eq(line, klen, policy_fields[i].name))
			continue;
		if (!policy_fields[i].once || !(st->seen & (1u << i))) {
			st->seen |= 1u << i;
			return policy_fields[i].parse(st, v, vlen, why);
		}
		/* 3.2: keep the first; the repeat reads as an extension. */
		st->pol->warnings |= MXTLS_STS_WARN_DUPLICATE;
		return policy_ext_value(st, line, klen, v, vlen, why);
	}
	return policy_other(st, line, klen, v, vlen, why);
}

/* policy_finish - required fields (3.2) and line-ending warnings */

static enum mxtls_status
policy_finish(struct policy_state *st, struct mxtls_why *why)
{
	struct mxtls_sts_policy *pol = st->pol;
	size_t i;

	for (i = 0; i < POLICY_NFIELDS; i++) {
		if (policy_fields[i].missing == NULL ||
		    (st->seen & (1u << i)))
			continue;
		if (st->case_line[i] != 0)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "%s (RFC 8461 3.2); line %zu spells it with other "
			    "letter case, but field names are case-sensitive",
			    policy_fields[i].missing, st->case_line[i]);
		return mxtls_why_set(why, MXTLS_PERMFAIL, "%s (RFC 8461 3.2)",
		    policy_fields[i].missing);
	}
	if (pol->nmx == 0 && pol->mode != MXTLS_STS_MODE_NONE)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "no mx field: mode %s requires at least one \"mx:\" line "
		    "(RFC 8461 3.2)%s", mxtls_sts_mode_name(pol->mode),
		    st->case_line[POLICY_MX] != 0 ? "; field names are "
		    "case-sensitive: write \"mx\" in lower case" : "");
	if (pol->nmx == 0)
		pol->warnings |= MXTLS_STS_WARN_NO_MX_NONE;
	if (st->n_lf > 0 && st->n_crlf == 0)
		pol->warnings |= MXTLS_STS_WARN_LF_ONLY;
	else if (st->n_lf > 0)
		pol->warnings |= MXTLS_STS_WARN_MIXED_EOL;
	mxtls_why_clear(why);
	return MXTLS_OK;
}

enum mxtls_status
mxtls_sts_policy_parse(struct mxtls_sts_policy *pol, const char *buf,
    size_t len, struct mxtls_why *why)
{
	struct policy_state st;
	enum mxtls_status rv;
	const char *nl;
	size_t off = 0, end, n;

	pol->mode = MXTLS_STS_MODE_NONE;
	pol->max_age = 0;
	pol->nmx = 0;
	pol->warnings = 0;
	memset(&st, 0, sizeof(st));
	st.pol = pol;
	if (buf == NULL || len == 0) {
		rv = mxtls_why_set(why, MXTLS_PERMFAIL,
		    "the policy is empty (RFC 8461 3.2)");
		goto out;
	}
	if (len > MXTLS_STS_BODY_MAX) {
		rv = mxtls_why_set(why, MXTLS_PERMFAIL,
		    "the policy is %zu bytes long; mxtls accepts at most %d "
		    "(RFC 8461 3.3)", len, MXTLS_STS_BODY_MAX);
		goto out;
	}
	while (off < len) {
		st.lineno++;
		nl = memchr(buf + off, '\n', len - off);
		end = nl != NULL ? (size_t)(nl - buf) : len;
		n = end - off;
		if (nl != NULL && n > 0 && buf[end - 1] == '\r') {
			n--;
			st.n_crlf++;
		} else if (nl != NULL)
			st.n_lf++;
		if (n > 0)
			rv = policy_line(&st, buf + off, n, why);
		else if (st.lineno > 1 && end + 1 == len)
			rv = MXTLS_OK;	/* one trailing empty line (ours) */
		else
			rv = mxtls_why_set(why, MXTLS_PERMFAIL,
			    "line %zu is empty: RFC 8461 3.2 allows no blank "
			    "lines", st.lineno);
		if (rv != MXTLS_OK)
			goto out;
		off = nl != NULL ? end + 1 : len;
	}
	if ((rv = policy_finish(&st, why)) == MXTLS_OK)
		return rv;
out:
	pol->mode = MXTLS_STS_MODE_NONE;
	pol->max_age = 0;
	pol->nmx = 0;
	pol->warnings = 0;
	return rv;
}

const char *
mxtls_sts_mode_name(enum mxtls_sts_mode mode)
{
	switch (mode) {
	case MXTLS_STS_MODE_NONE:
		return "none";
	case MXTLS_STS_MODE_TESTING:
		return "testing";
	case MXTLS_STS_MODE_ENFORCE:
		return "enforce";
	}
	return "unknown";
}

static const struct {
	unsigned bit;
	const char *text;
} policy_warnings[] = {
	{MXTLS_STS_WARN_LF_ONLY,
	    "lines end in a bare LF: RFC 8461 3.2 says CRLF; senders accept "
	    "LF (the ABNF allows it, errata 6253), but CRLF is safest"},
	{MXTLS_STS_WARN_SHORT_MAX_AGE,
	    "max_age is under one day: senders will refetch often and an "
	    "attacker who blocks a refresh downgrades you sooner; publish at "
	    "least 86400 (RFC 8461 3.2)"},
	{MXTLS_STS_WARN_DUPLICATE,
	    "a field other than mx appears more than once: senders keep the "
	    "first and ignore the rest, which may not be what you meant "
	    "(RFC 8461 3.2)"},
	{MXTLS_STS_WARN_UNKNOWN_FIELD,
	    "an unknown field was ignored: check its name for a typo (field "
	    "names are case-sensitive, RFC 8461 3.2)"},
	{MXTLS_STS_WARN_TRAILING_DOT,
	    "an mx value ends in '.': senders ignore the dot, but publish mx "
	    "names without it (RFC 8461 3.2)"},
	{MXTLS_STS_WARN_MIXED_EOL,
	    "some lines end in CRLF and others in a bare LF: use CRLF "
	    "throughout (RFC 8461 3.2)"},
	{MXTLS_STS_WARN_NO_MX_NONE,
	    "mode none without mx lines: valid, the domain opts out of "
	    "MTA-STS (RFC 8461 8.3)"},
	{MXTLS_STS_WARN_ZERO_MAX_AGE,
	    "max_age is 0: the policy expires as soon as it is fetched, so "
	    "senders never cache it and it protects nothing; use 0 only to "
	    "withdraw a policy (RFC 8461 8.3)"},
	{MXTLS_STS_WARN_MAX_AGE_CAPPED,
	    "max_age is above 31557600 (about one year), the most RFC 8461 "
	    "3.2 allows: senders cap it at 31557600; publish at most that"},
};

const char *
mxtls_sts_warning_text(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(policy_warnings) / sizeof(policy_warnings[0]);
	    i++)
		if (policy_warnings[i].bit == bit)
			return policy_warnings[i].text;
	return NULL;
}
