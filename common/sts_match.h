/*
 * NAME
 *	sts_match.h - MX host name against policy patterns (RFC 8461 4.1)
 */
#ifndef MXTLS_STS_MATCH_H
#define MXTLS_STS_MATCH_H

#include "sts_policy.h"

/*
 * mxtls_sts_match - 1 when host (hostlen bytes) matches pattern (patlen
 * bytes), else 0. Case-insensitive; one trailing dot on either side is
 * ignored; a leading "*." matches exactly one non-empty left-most label.
 * Malformed input (empty labels, NUL bytes, oversize) never matches.
 */
int	mxtls_sts_match(const char *host, size_t hostlen, const char *pattern,
	    size_t patlen);

/* mxtls_sts_policy_matches - 1 when host matches any mx pattern of pol. */
int	mxtls_sts_policy_matches(const struct mxtls_sts_policy *pol,
	    const char *host, size_t hostlen);

#endif /* MXTLS_STS_MATCH_H */
