/*
 * NAME
 *	netstring.h - netstrings ("<len>:<bytes>,") for the socketmap protocol
 */
#ifndef MXTLS_NETSTRING_H
#define MXTLS_NETSTRING_H

#include "mxtls.h"

/*
 * mxtls_netstring_parse - look at the len untrusted bytes received so far.
 * MXTLS_OK: buf starts with one complete netstring whose payload is at most
 * max bytes; *data and *dlen point into buf (borrowed), *used = bytes consumed.
 * MXTLS_NOTFOUND: incomplete, more bytes needed (never when the length
 * prefix already says the payload is over max). MXTLS_PERMFAIL with the
 * reason: not a digit, a leading zero in a multi-digit length, more than 10
 * length digits, a payload over max, a missing ':' or ','.
 */
enum mxtls_status mxtls_netstring_parse(const char *buf, size_t len,
    size_t max, const char **data, size_t *dlen, size_t *used,
    struct mxtls_why *why);

/*
 * mxtls_netstring_encode - write data (len bytes) as a netstring into out
 * (size outsz). Returns the bytes written, or 0 when it does not fit.
 */
size_t	mxtls_netstring_encode(const char *data, size_t len, char *out,
	    size_t outsz);

#endif /* MXTLS_NETSTRING_H */
