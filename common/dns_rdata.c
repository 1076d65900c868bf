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
 * DIAGNOSTICS
 *	MXTLS_OK, or MXTLS_PERMFAIL with the reason in why (which may be
 *	NULL). After a failure out holds the empty string. Never logs.
 * SEE ALSO
 *	RFC 1035 3.3, 3.3.14, 3.4.1; RFC 3596 2.2; RFC 8461 3.1
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
