/*
 * NAME
 *	domain.h - domain names as mxtls keys them
 */
#ifndef MXTLS_DOMAIN_H
#define MXTLS_DOMAIN_H

#include "mxtls.h"

/*
 * mxtls_domain_normalize - check that in (len bytes, untrusted) is a host
 * name of LDH labels (RFC 5321 4.1.2; A-labels for IDNs, RFC 8616 3) and
 * write it lower-cased, without a trailing dot, into out (size outsz >=
 * MXTLS_DOMAIN_MAX + 1). MXTLS_OK or MXTLS_PERMFAIL with the reason.
 */
enum mxtls_status mxtls_domain_normalize(const char *in, size_t len,
    char *out, size_t outsz, struct mxtls_why *why);

#endif /* MXTLS_DOMAIN_H */
