/*
 * NAME
 *	domain - host names as mxtls keys them
 * SYNOPSIS
 *	#include "domain.h"
 *
 *	enum mxtls_status
 *	mxtls_domain_normalize(const char *in, size_t len, char *out,
 *	    size_t outsz, struct mxtls_why *why)
 * DESCRIPTION
 *	mxtls_domain_normalize() checks that the len untrusted bytes at in
 *	(not NUL-terminated) form a host name and writes it, lower-cased and
 *	without a trailing dot, into out. The caller owns out, which must
 *	hold at least MXTLS_DOMAIN_MAX + 1 bytes.
 *
 *	A host name is one or more labels separated by dots ("Domain" in
 *	RFC 5321 4.1.2). A label is 1 to 63 letters, digits and hyphens and
 *	neither begins nor ends with a hyphen; the whole name is at most 253
 *	bytes once one optional trailing dot (the root) is dropped (RFC 1035
 *	2.3.4). One-label names are accepted, as RFC 5321 allows them.
 *
 *	Internationalized names must be given as A-labels ("xn--..."): any
 *	byte above 0x7f is rejected (RFC 8616 3, RFC 5891). The case of
 *	A-labels is folded like any other ASCII label.
 *
 *	Address literals ("[192.0.2.1]") are not domain names and have no
 *	MTA-STS policy (RFC 8461 1.1). A name whose last label is all digits
 *	reads as an IPv4 address (top-level domains are never all-numeric,
 *	RFC 3696 2) and is rejected too.
 * DIAGNOSTICS
 *	MXTLS_OK, or MXTLS_PERMFAIL with the reason in why (which may be
 *	NULL). The reason quotes a short, sanitized part of the input. After
 *	a failure out holds the empty string. Never logs.
 * SEE ALSO
 *	RFC 5321 4.1.2, RFC 1035 2.3.4, RFC 3696 2, RFC 8616 3, RFC 8461 1.1
 */
#include "domain.h"

#include <string.h>

/* At most this many input bytes are quoted in a reason. */
#define DOMAIN_QUOTE_MAX	48
#define DOMAIN_QUOTE_SIZE	(DOMAIN_QUOTE_MAX + sizeof("..."))

/* domain_quote - sanitized, length-limited copy of in for a reason */

static const char *
domain_quote(char *q, const char *in, size_t len)
{
	if (len <= DOMAIN_QUOTE_MAX)
		return mxtls_sanitize(q, DOMAIN_QUOTE_SIZE, in, len);
	(void)mxtls_sanitize(q, DOMAIN_QUOTE_SIZE, in, DOMAIN_QUOTE_MAX);
	memcpy(q + DOMAIN_QUOTE_MAX, "...", sizeof("..."));
	return q;
}

static int
domain_is_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9');
}

/* domain_byte - reject one byte that is not a letter, digit or hyphen */

static enum mxtls_status
domain_byte(const char *name, size_t len, unsigned char ch,
    struct mxtls_why *why)
{
	char q[DOMAIN_QUOTE_SIZE];

	(void)domain_quote(q, name, len);
	if (ch == '\0')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "domain \"%s\" contains a NUL byte", q);
	if (ch >= 0x80)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "domain \"%s\" contains non-ASCII bytes: use the A-label "
		    "(xn--...) form, RFC 8616", q);
	if (ch == '_')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "domain \"%s\" contains '_': a host name has only "
		    "letters, digits, '-' and '.' (RFC 5321 4.1.2)", q);
	if (ch < 0x20 || ch == 0x7f)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "domain \"%s\" contains the control byte 0x%02x", q, ch);
	return mxtls_why_set(why, MXTLS_PERMFAIL,
	    "domain \"%s\" contains '%c': a host name has only letters, "
	    "digits, '-' and '.' (RFC 5321 4.1.2)", q, ch);
}

/* domain_label - check the label lab[0..n-1] of name */

static enum mxtls_status
domain_label(const char *name, size_t len, const char *lab, size_t n,
    struct mxtls_why *why)
{
	char q[DOMAIN_QUOTE_SIZE];
	size_t i;

	for (i = 0; i < n; i++)
		if (!domain_is_alnum((unsigned char)lab[i]) && lab[i] != '-')
			return domain_byte(name, len, (unsigned char)lab[i],
			    why);
	if (n == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "domain \"%s\" has an empty label (RFC 1035 2.3.4)",
		    domain_quote(q, name, len));
	if (n > MXTLS_LABEL_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "domain \"%s\" has a label of %zu characters: a label "
		    "has at most %d (RFC 1035 2.3.4)",
		    domain_quote(q, name, len), n, MXTLS_LABEL_MAX);
	if (lab[0] == '-' || lab[n - 1] == '-')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "domain \"%s\" has a label that %s with '-' "
		    "(RFC 5321 4.1.2)", domain_quote(q, name, len),
		    lab[0] == '-' ? "begins" : "ends");
	return MXTLS_OK;
}

/* domain_all_digits - 1 when lab[0..n-1] is only digits */

static int
domain_all_digits(const char *lab, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lab[i] < '0' || lab[i] > '9')
			return 0;
	return 1;
}

enum mxtls_status
mxtls_domain_normalize(const char *in, size_t len, char *out, size_t outsz,
    struct mxtls_why *why)
{
	char q[DOMAIN_QUOTE_SIZE];
	enum mxtls_status rv;
	size_t i, start;

	if (out == NULL || outsz < MXTLS_DOMAIN_MAX + 1)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "domain: output buffer too small (internal error)");
	out[0] = '\0';
	if (in == NULL || len == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "empty domain name");
	if (in[0] == '[')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "\"%s\" is an address literal, not a domain name; address "
		    "literals have no MTA-STS policy (RFC 8461 1.1)",
		    domain_quote(q, in, len));
	if (in[len - 1] == '.')
		len--;		/* the root label */
	if (len == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "\".\" (the root) is not a host name");
	if (len > MXTLS_DOMAIN_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "domain \"%s\" is %zu characters long: a domain name has "
		    "at most %d (RFC 1035 2.3.4)", domain_quote(q, in, len),
		    len, MXTLS_DOMAIN_MAX);
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && in[i] != '.')
			continue;
		rv = domain_label(in, len, in + start, i - start, why);
		if (rv != MXTLS_OK)
			return rv;
		if (i < len)
			start = i + 1;
	}
	if (domain_all_digits(in + start, len - start))
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "\"%s\" ends in an all-numeric label, so it reads as an IP "
		    "address: top-level domains are never all digits "
		    "(RFC 3696 2)", domain_quote(q, in, len));
	for (i = 0; i < len; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ?
		    (char)(in[i] - 'A' + 'a') : in[i];
	out[len] = '\0';
	return MXTLS_OK;
}
