/*
 * NAME
 *	dns_rdata - parsers for the wire-format RDATA libunbound returns
 * SYNOPSIS
 *	#include "dns_rdata.h"
 *
 *	enum mxtls_status
 *	mxtls_dns_txt_join(const unsigned char *rdata, size_t len,
 *	    char *out, size_t outsz, size_t *outlen, struct mxtls_why *why)
 *
 *	enum mxtls_status
 *	mxtls_dns_addr_text(int rrtype, const unsigned char *rdata,
 *	    size_t len, char *out, size_t outsz, struct mxtls_why *why)
 *
 *	enum mxtls_status
 *	mxtls_dns_name_text(const unsigned char *buf, size_t len,
 *	    char *out, size_t outsz, size_t *used, struct mxtls_why *why)
 *
 *	enum mxtls_status
 *	mxtls_dns_mx_parse(const unsigned char *rdata, size_t len,
 *	    uint16_t *pref, char *out, size_t outsz, struct mxtls_why *why)
 * DESCRIPTION
 *	mxtls_dns_txt_join() reads one TXT RDATA: one or more
 *	<character-string>s, each a length byte and that many bytes (RFC 1035
 *	3.3 and 3.3.14). The strings are joined with no separator, as RFC 8461
 *	3.1 requires for the _mta-sts record, into out (owned by the
 *	caller), which is always NUL-terminated; *outlen is the joined length,
 *	as the text may hold NUL bytes of its own.
 *
 *	mxtls_dns_addr_text() renders A (type 1, 4 bytes) and AAAA (type 28,
 *	16 bytes) RDATA with inet_ntop(3) into out, owned by the caller.
 *
 *	mxtls_dns_name_text() renders the uncompressed wire-format name at
 *	the start of buf (RFC 1035 3.1: labels of a length byte and up to 63
 *	bytes, ending in the zero-length root label; 255 bytes at most) as
 *	lower-case text without the trailing dot, or "." for the root, into
 *	out (owned by the caller; at least MXTLS_DOMAIN_MAX + 2 bytes);
 *	*used is the bytes the name took. libunbound hands back RDATA with
 *	names uncompressed (RFC 3597 4), so a compression pointer (RFC 1035
 *	4.1.4) or an extended label type (RFC 6891 5) is an error. Label
 *	bytes must be letters, digits, '-' or '_': the name is to become an
 *	MX host, and anything else (a dot or a space inside a label) cannot
 *	be one and could not be told apart in the text.
 *
 *	mxtls_dns_mx_parse() reads one MX RDATA (RFC 1035 3.3.9): a 16-bit
 *	preference and the exchange name, which must end the RDATA. The null
 *	MX of RFC 7505, "0 .", comes back as preference 0 and text ".".
 * DIAGNOSTICS
 *	MXTLS_OK, or MXTLS_PERMFAIL with the reason in why (which may be
 *	NULL). After a failure out holds the empty string. Never logs.
 * SEE ALSO
 *	RFC 1035 3.1, 3.3, 3.3.9, 3.3.14, 3.4.1, 4.1.4; RFC 3596 2.2;
 *	RFC 3597 4; RFC 7505; RFC 8461 3.1
 */
#include "dns_rdata.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "cursor.h"

#define RR_TYPE_A	1	/* RFC 1035 3.2.2 */
#define RR_TYPE_AAAA	28	/* RFC 3596 2.1 */

#define NAME_WIRE_MAX	255	/* RFC 1035 3.1, length bytes included */
#define NAME_PTR_BITS	0xc0	/* RFC 1035 4.1.4: a compression pointer */

enum mxtls_status
mxtls_dns_txt_join(const unsigned char *rdata, size_t len, char *out,
    size_t outsz, size_t *outlen, struct mxtls_why *why)
{
	struct mxtls_cursor c;
	const unsigned char *s;
	size_t n, o = 0;

	if (outlen != NULL)
		*outlen = 0;
	if (out == NULL || outsz == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "TXT: no room for the joined text (internal error)");
	out[0] = '\0';
	if (rdata == NULL || len == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "empty TXT RDATA: it holds one or more strings "
		    "(RFC 1035 3.3.14)");
	mxtls_cursor_init(&c, rdata, len);
	while (mxtls_cursor_left(&c) > 0) {
		n = mxtls_cursor_u8(&c);
		if ((s = mxtls_cursor_bytes(&c, n)) == NULL) {
			out[0] = '\0';
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "malformed TXT RDATA: a string of %zu bytes at "
			    "offset %zu runs past its end (%zu bytes) "
			    "(RFC 1035 3.3)", n, c.off - 1, len);
		}
		if (outsz - 1 - o < n) {
			out[0] = '\0';
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "TXT record too long: more than %zu bytes once "
			    "its strings are joined", outsz - 1);
		}
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_dns_addr_text(int rrtype, const unsigned char *rdata, size_t len,
    char *out, size_t outsz, struct mxtls_why *why)
{
	struct in_addr a4;
	struct in6_addr a6;
	const void *src;
	int af;

	if (out == NULL || outsz == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "address: no room for the text (internal error)");
	out[0] = '\0';
	if (rrtype == RR_TYPE_A && rdata != NULL && len == sizeof(a4)) {
		memcpy(&a4, rdata, sizeof(a4));	/* may be unaligned */
		af = AF_INET;
		src = &a4;
	} else if (rrtype == RR_TYPE_AAAA && rdata != NULL &&
	    len == sizeof(a6)) {
		memcpy(&a6, rdata, sizeof(a6));
		af = AF_INET6;
		src = &a6;
	} else if (rrtype == RR_TYPE_A || rrtype == RR_TYPE_AAAA)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed %s RDATA: %zu bytes, not %d (RFC %s)",
		    rrtype == RR_TYPE_A ? "A" : "AAAA", rdata ? len : 0,
		    rrtype == RR_TYPE_A ? 4 : 16,
		    rrtype == RR_TYPE_A ? "1035 3.4.1" : "3596 2.2");
	else
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "RR type %d is not an address (A or AAAA)", rrtype);
	if (inet_ntop(af, src, out, (socklen_t)(outsz > 4096 ? 4096 : outsz))
	    == NULL) {
		out[0] = '\0';
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "address: output buffer of %zu bytes too small", outsz);
	}
	return MXTLS_OK;
}

/* name_label_char - the byte lower-cased, or -1 when it cannot be in a host */

static int
name_label_char(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A' + 'a';
	if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '-' || ch == '_')
		return ch;
	return -1;
}

/* name_label - append one label of n bytes to out at *o, after a dot */

static enum mxtls_status
name_label(struct mxtls_cursor *c, size_t n, char *out, size_t outsz,
    size_t *o, struct mxtls_why *why)
{
	const unsigned char *l;
	size_t i, at = c->off;
	int ch;

	if ((l = mxtls_cursor_bytes(c, n)) == NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "malformed name: a "
		    "label of %zu bytes at offset %zu runs past the end (%zu "
		    "bytes) (RFC 1035 3.1)", n, at - 1, c->len);
	if (outsz - *o < n + 2)		/* dot, label, NUL */
		return mxtls_why_set(why, MXTLS_PERMFAIL, "name: output "
		    "buffer of %zu bytes too small (internal error)", outsz);
	if (*o > 0)
		out[(*o)++] = '.';
	for (i = 0; i < n; i++) {
		if ((ch = name_label_char(l[i])) == -1)
			return mxtls_why_set(why, MXTLS_PERMFAIL, "name has "
			    "byte 0x%02x at offset %zu, which cannot be in a "
			    "host name (only letters, digits, '-' and '_')",
			    l[i], at + i);
		out[(*o)++] = (char)ch;
	}
	out[*o] = '\0';
	return MXTLS_OK;
}

/* name_walk - read labels up to the root label; the text into out */

static enum mxtls_status
name_walk(struct mxtls_cursor *c, char *out, size_t outsz,
    struct mxtls_why *why)
{
	size_t n, o = 0;
	enum mxtls_status rv;

	for (;;) {
		if (mxtls_cursor_left(c) == 0)
			return mxtls_why_set(why, MXTLS_PERMFAIL, "malformed "
			    "name: it runs past the end (%zu bytes) without "
			    "the root label (RFC 1035 3.1)", c->len);
		n = mxtls_cursor_u8(c);
		if ((n & NAME_PTR_BITS) == NAME_PTR_BITS)
			return mxtls_why_set(why, MXTLS_PERMFAIL, "malformed "
			    "name: compression pointer at offset %zu, not "
			    "allowed in RDATA from the resolver (RFC 3597 4)",
			    c->off - 1);
		if (n > MXTLS_LABEL_MAX)
			return mxtls_why_set(why, MXTLS_PERMFAIL, "malformed "
			    "name: label of %zu bytes at offset %zu, at most "
			    "63 (RFC 1035 3.1)", n, c->off - 1);
		if (n == 0)
			break;
		/* this label, then at least the root label: off <= 255 */
		if (NAME_WIRE_MAX - c->off < n + 1)
			return mxtls_why_set(why, MXTLS_PERMFAIL, "malformed "
			    "name: longer than 255 bytes (RFC 1035 3.1)");
		if ((rv = name_label(c, n, out, outsz, &o, why)) != MXTLS_OK)
			return rv;
	}
	if (o == 0)
		mxtls_strlcpy(out, ".", outsz);		/* the root */
	return MXTLS_OK;
}

enum mxtls_status
mxtls_dns_name_text(const unsigned char *buf, size_t len, char *out,
    size_t outsz, size_t *used, struct mxtls_why *why)
{
	struct mxtls_cursor c;
	enum mxtls_status rv;

	if (used != NULL)
		*used = 0;
	if (out != NULL && outsz > 0)
		out[0] = '\0';
	if (out == NULL || outsz < 2)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "name: no room for the text (internal error)");
	mxtls_cursor_init(&c, buf, buf == NULL ? 0 : len);
	if ((rv = name_walk(&c, out, outsz, why)) != MXTLS_OK) {
		out[0] = '\0';
		return rv;
	}
	if (used != NULL)
		*used = c.off;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_dns_mx_parse(const unsigned char *rdata, size_t len, uint16_t *pref,
    char *out, size_t outsz, struct mxtls_why *why)
{
	struct mxtls_cursor c;
	size_t used;
	uint16_t p;
	enum mxtls_status rv;

	if (pref != NULL)
		*pref = 0;
	if (out != NULL && outsz > 0)
		out[0] = '\0';
	if (out == NULL || outsz < 2)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "MX: no room for the exchange (internal error)");
	if (rdata == NULL || len < 3)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed MX RDATA: %zu bytes, at least 3 are needed "
		    "(preference and exchange, RFC 1035 3.3.9)",
		    rdata == NULL ? (size_t)0 : len);
	mxtls_cursor_init(&c, rdata, len);
	p = mxtls_cursor_u16(&c);
	if ((rv = mxtls_dns_name_text(rdata + c.off, len - c.off, out, outsz,
	    &used, why)) != MXTLS_OK)
		return rv;
	if (used != len - c.off) {
		out[0] = '\0';
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "malformed MX RDATA: %zu bytes after the exchange name "
		    "(RFC 1035 3.3.9)", len - c.off - used);
	}
	if (pref != NULL)
		*pref = p;
	return MXTLS_OK;
}
