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

/*
 * mxtls_dns_name_text - render the uncompressed wire-format domain name at
 * the start of buf (len bytes) as text without the trailing dot ("." for
 * the root) into out (size outsz >= MXTLS_DOMAIN_MAX + 2), lower-cased;
 * *used gets the bytes the name took. MXTLS_PERMFAIL for a compression
 * pointer, a label over 63 bytes, a name over 255 bytes, a label byte that
 * is not a letter, digit, '-' or '_' (such a name cannot be an MX host),
 * or a name running past len.
 */
enum mxtls_status mxtls_dns_name_text(const unsigned char *buf, size_t len,
    char *out, size_t outsz, size_t *used, struct mxtls_why *why);

/*
 * mxtls_dns_mx_parse - one MX RDATA (len bytes): the preference into *pref
 * and the exchange name as text (see mxtls_dns_name_text) into out.
 * MXTLS_OK or MXTLS_PERMFAIL (malformed, or bytes after the name).
 */
enum mxtls_status mxtls_dns_mx_parse(const unsigned char *rdata, size_t len,
    uint16_t *pref, char *out, size_t outsz, struct mxtls_why *why);

#endif /* MXTLS_DNS_RDATA_H */
