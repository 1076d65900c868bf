/*
 * NAME
 *	fuzz_sts_match - libFuzzer target for MX host matching
 * DESCRIPTION
 *	The first byte says where the rest splits into host and pattern.
 *	Aborts when an invariant breaks: the answer is 0 or 1 and does not
 *	change when both sides are upper-cased or both get a trailing dot;
 *	without a '*' matching is symmetric; a match implies the host is a
 *	valid name; mxtls_sts_policy_matches() with the pattern as its only
 *	mx agrees with mxtls_sts_match().
 * SEE ALSO
 *	RFC 8461 4.1, common/sts_match.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "sts_match.h"

#define SIDE_MAX	1024

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct mxtls_sts_policy pol;
static char uh[SIDE_MAX + 1], up[SIDE_MAX + 1];

static void
to_upper(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = (src[i] >= 'a' && src[i] <= 'z') ?
		    (char)(src[i] - 'a' + 'A') : src[i];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char norm[MXTLS_DOMAIN_MAX + 1];
	const char *h, *p;
	size_t hl, pl, split;
	int m;

	if (size == 0)
		return 0;
	h = (const char *)data + 1;
	split = data[0] < size - 1 ? data[0] : size - 1;
	hl = split;
	p = h + split;
	pl = size - 1 - split;
	m = mxtls_sts_match(h, hl, p, pl);
	if (m != 0 && m != 1)
		abort();
	if (m && mxtls_domain_normalize(h, hl, norm, sizeof(norm), NULL) !=
	    MXTLS_OK)
		abort();
	if (hl <= SIDE_MAX && pl <= SIDE_MAX) {
		to_upper(uh, h, hl);
		to_upper(up, p, pl);
		if (mxtls_sts_match(uh, hl, up, pl) != m)
			abort();
		if ((hl == 0 || h[hl - 1] != '.') &&
		    (pl == 0 || p[pl - 1] != '.')) {
			memcpy(uh, h, hl);
			uh[hl] = '.';
			memcpy(up, p, pl);
			up[pl] = '.';
			if (mxtls_sts_match(uh, hl + 1, up, pl + 1) != m)
				abort();
		}
	}
	if (memchr(h, '*', hl) == NULL && memchr(p, '*', pl) == NULL &&
	    mxtls_sts_match(p, pl, h, hl) != m)
		abort();
	if (pl <= MXTLS_DOMAIN_MAX && memchr(p, '\0', pl) == NULL) {
		memcpy(pol.mx[0], p, pl);
		pol.mx[0][pl] = '\0';
		pol.nmx = 1;
		if (mxtls_sts_policy_matches(&pol, h, hl) != m)
			abort();
	}
	return 0;
}
