/*
 * NAME
 *	dns_rdata.h - parsers for the wire-format RDATA libunbound returns
 */
#ifndef MXTLS_DNS_RDATA_H
#define MXTLS_DNS_RDATA_H

#include "mxtls.h"

/*
 * mxtls_dns_txt_join - join the <character-string>s of one TXT RDATA
 * (len bytes) without separators (RFC 8461 3.1, RFC 7208 3.3) into out
 * (size outsz, NUL-terminated), *outlen set to the joined length. The joined
 * text may itself contain NUL bytes; use *outlen.
 * Returns MXTLS_OK, or MXTLS_PERMFAIL when a string length runs past the
 * RDATA or the result would not fit in outsz - 1 bytes.
 */
enum mxtls_status mxtls_dns_txt_join(const unsigned char *rdata, size_t len,
    char *out, size_t outsz, size_t *outlen, struct mxtls_why *why);

/*
 * mxtls_dns_addr_text - render an A (4 bytes) or AAAA (16 bytes) RDATA as
 * text into out (size outsz >= 46). MXTLS_PERMFAIL on any other length.
 */
enum mxtls_status mxtls_dns_addr_text(int rrtype, const unsigned char *rdata,
    size_t len, char *out, size_t outsz, struct mxtls_why *why);

#endif /* MXTLS_DNS_RDATA_H */
