/*
 * NAME
 *	sts_match - MX host name against policy mx patterns (RFC 8461 4.1)
 * SYNOPSIS
 *	#include "sts_match.h"
 *
 *	int
 *	mxtls_sts_match(const char *host, size_t hostlen,
 *	    const char *pattern, size_t patlen)
 *
 *	int
 *	mxtls_sts_policy_matches(const struct mxtls_sts_policy *pol,
 *	    const char *host, size_t hostlen)
 * DESCRIPTION
 *	mxtls_sts_match() tells whether the MX host name (taken from the MX
 *	RR, not from a certificate or a CNAME target) matches one mx pattern
 *	of a policy. Both are untrusted byte ranges, not NUL-terminated.
 *
 *	Both sides are first brought to the form of mxtls_domain_normalize():
 *	LDH labels, lower case (the comparison is case-insensitive, RFC 6125
 *	6.4.1), one trailing dot dropped. A host or pattern that does not
 *	normalize (empty, empty label, NUL or non-ASCII byte, over 253
 *	bytes, IP address) never matches.
 *
 *	A pattern "*.<domain>" matches a host of exactly one more non-empty
 *	left-most label than <domain>: "*.example.com" matches
 *	"mail.example.com" but neither "example.com" nor "a.b.example.com"
 *	(RFC 8461 4.1). A '*' anywhere else, including a bare "*", a partial
 *	label ("mx*.example.com") or a second wildcard label, makes the
 *	pattern match nothing, not even itself. "*.com" matches any one-label
 *	name under com, as written; the policy parser accepts it too.
 *
 *	mxtls_sts_policy_matches() tries every mx pattern of pol; one match
 *	is enough (4.1).
 * DIAGNOSTICS
 *	1 for a match, else 0. No reasons; never logs.
 * SEE ALSO
 *	RFC 8461 4.1, shared/spec/mta-sts.md section 5, domain(3)
 */
#include "sts_match.h"

#include <string.h>

#include "domain.h"

/* match_norm - normalized host or pattern rest; 0 on failure */

static size_t
match_norm(const char *in, size_t len, char *out)
{
	if (mxtls_domain_normalize(in, len, out, MXTLS_DOMAIN_MAX + 1,
	    NULL) != MXTLS_OK)
		return 0;
	return strlen(out);
}

/* match_one - host already normalized (hlen > 0) against one pattern */

static int
match_one(const char *host, size_t hlen, const char *pattern, size_t patlen)
{
	char pat[MXTLS_DOMAIN_MAX + 1];
	const char *dot;
	size_t plen;
	int wild;

	if (pattern == NULL)
		return 0;
	wild = patlen >= 2 && pattern[0] == '*' && pattern[1] == '.';
	if (wild) {
		pattern += 2;
		patlen -= 2;
	}
	/* normalize rejects any other '*' */
	if ((plen = match_norm(pattern, patlen, pat)) == 0)
		return 0;
	if (!wild)
		return hlen == plen && memcmp(host, pat, plen) == 0;
	/* 4.1: "*." stands for exactly one non-empty left-most label. */
	if ((dot = memchr(host, '.', hlen)) == NULL)
		return 0;
	dot++;
	return (size_t)(host + hlen - dot) == plen &&
	    memcmp(dot, pat, plen) == 0;
}

int
mxtls_sts_match(const char *host, size_t hostlen, const char *pattern,
    size_t patlen)
{
	char h[MXTLS_DOMAIN_MAX + 1];
	size_t hlen;

	if (host == NULL || (hlen = match_norm(host, hostlen, h)) == 0)
		return 0;
	return match_one(h, hlen, pattern, patlen);
}

int
mxtls_sts_policy_matches(const struct mxtls_sts_policy *pol,
    const char *host, size_t hostlen)
{
	char h[MXTLS_DOMAIN_MAX + 1];
	size_t hlen, i;

	if (pol == NULL || host == NULL ||
	    (hlen = match_norm(host, hostlen, h)) == 0)
		return 0;
	for (i = 0; i < pol->nmx && i < MXTLS_STS_MX_MAX; i++)
		if (match_one(h, hlen, pol->mx[i],
		    strnlen(pol->mx[i], sizeof(pol->mx[i]))))
			return 1;
	return 0;
}
