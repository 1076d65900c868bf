/*
 * NAME
 *	netstring - netstrings for the socketmap protocol
 * SYNOPSIS
 *	#include "netstring.h"
 *
 *	enum mxtls_status
 *	mxtls_netstring_parse(const char *buf, size_t len, size_t max,
 *	    const char **data, size_t *dlen, size_t *used,
 *	    struct mxtls_why *why)
 *
 *	size_t
 *	mxtls_netstring_encode(const char *data, size_t len, char *out,
 *	    size_t outsz)
 * DESCRIPTION
 *	A netstring is "<len>:<len bytes>," where <len> is the payload
 *	length in decimal ASCII (D. J. Bernstein, "Netstrings", 1997; the
 *	framing of the Postfix and Sendmail socketmap protocols). A length
 *	has no sign, no spaces, and no leading zero unless it is "0".
 *
 *	mxtls_netstring_parse() looks at the len untrusted bytes received
 *	so far (borrowed, not NUL-terminated). Bytes are judged as they
 *	arrive: a non-digit, a leading zero, an eleventh digit, a length
 *	over max or a missing ':' fail as soon as they are seen, without
 *	waiting for the payload, so a proper prefix of a valid netstring is
 *	always MXTLS_NOTFOUND and an error stays an error when more bytes
 *	come. At most 10 length digits are read, so the arithmetic cannot
 *	overflow a 64-bit value. On MXTLS_OK, *data points into buf (borrowed
 *	for as long as buf) and *used is the size of the whole netstring;
 *	nothing after it is looked at.
 *
 *	mxtls_netstring_encode() writes the netstring of len bytes of data
 *	into out; out is not NUL-terminated.
 * DIAGNOSTICS
 *	mxtls_netstring_parse(): MXTLS_OK; MXTLS_NOTFOUND when more bytes
 *	are needed; MXTLS_PERMFAIL with the reason in why (which may be
 *	NULL). On anything but MXTLS_OK, *data is NULL and *dlen and *used
 *	are 0. mxtls_netstring_encode(): the bytes written, or 0 when they
 *	do not fit in outsz (nothing useful is then in out). Never logs.
 * SEE ALSO
 *	https://cr.yp.to/proto/netstrings.txt, Postfix socketmap_table(5)
 */
#include "netstring.h"

#include <string.h>

#define NS_DIGITS_MAX	10	/* 9,999,999,999: beyond any max we use */
#define NS_QUOTE_MAX	16

/* ns_fail - zero the outputs and pass the status on */

static enum mxtls_status
ns_fail(const char **data, size_t *dlen, size_t *used, enum mxtls_status rv)
{
	*data = NULL;
	*dlen = 0;
	*used = 0;
	return rv;
}

/*
 * ns_length - read the length prefix of buf[0..len). MXTLS_OK with the
 * value in *n and the offset of the ':' in *colon; MXTLS_NOTFOUND when
 * the prefix is not complete yet; MXTLS_PERMFAIL otherwise.
 */

static enum mxtls_status
ns_length(const char *buf, size_t len, size_t max, uint64_t *n,
    size_t *colon, struct mxtls_why *why)
{
	char q[NS_QUOTE_MAX];
	size_t i;
	uint64_t v = 0;

	for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (i == NS_DIGITS_MAX)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "netstring length has more than %d digits",
			    NS_DIGITS_MAX);
		if (i == 1 && buf[0] == '0')
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "netstring length has a leading zero");
		v = v * 10 + (uint64_t)(buf[i] - '0');
		if (v > max)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "netstring payload is longer than %zu bytes", max);
	}
	if (i == len)
		return MXTLS_NOTFOUND;
	if (i == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "netstring does not start with a digit: \"%s\"",
		    mxtls_sanitize(q, sizeof(q), buf, len < 8 ? len : 8));
	if (buf[i] != ':')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "netstring length is not followed by ':' at offset %zu",
		    i);
	*n = v;
	*colon = i;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_netstring_parse(const char *buf, size_t len, size_t max,
    const char **data, size_t *dlen, size_t *used, struct mxtls_why *why)
{
	enum mxtls_status rv;
	uint64_t n = 0;
	size_t colon = 0, rest;

	if (data == NULL || dlen == NULL || used == NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "netstring: nowhere to put it (internal error)");
	(void)ns_fail(data, dlen, used, MXTLS_OK);
	if (buf == NULL || len == 0)
		return MXTLS_NOTFOUND;
	if ((rv = ns_length(buf, len, max, &n, &colon, why)) != MXTLS_OK)
		return ns_fail(data, dlen, used, rv);
	rest = len - colon - 1;		/* bytes after the ':' */
	if (rest <= n)			/* payload or ',' still to come */
		return ns_fail(data, dlen, used, MXTLS_NOTFOUND);
	if (buf[colon + 1 + n] != ',')
		return ns_fail(data, dlen, used, mxtls_why_set(why,
		    MXTLS_PERMFAIL, "netstring of %zu bytes does not end in "
		    "',' at offset %zu", (size_t)n, colon + 1 + (size_t)n));
	*data = buf + colon + 1;
	*dlen = (size_t)n;
	*used = colon + 1 + (size_t)n + 1;
	return MXTLS_OK;
}

size_t
mxtls_netstring_encode(const char *data, size_t len, char *out, size_t outsz)
{
	char digits[24];
	size_t nd = 0, k, v = len;

	if (out == NULL || (data == NULL && len > 0))
		return 0;
	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	/* nd + 1 + len + 1 bytes, checked without overflow */
	if (outsz < nd + 2 || outsz - nd - 2 < len)
		return 0;
	for (k = 0; k < nd; k++)
		out[k] = digits[nd - 1 - k];
	out[nd] = ':';
	if (len > 0)
		memcpy(out + nd + 1, data, len);
	out[nd + 1 + len] = ',';
	return nd + len + 2;
}
