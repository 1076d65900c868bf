/*
 * NAME
 *	fuzz_sts_policy - libFuzzer target for the MTA-STS policy parser
 * DESCRIPTION
 *	Parses the input as a policy body. Aborts when an invariant breaks:
 *	on OK the mode is known, max_age is at most 31557600, there are 1
 *	to 64 mx patterns (0 only in mode none), each pattern normalizes to
 *	itself and matches a host built from it, only known warning bits are
 *	set and each has a text; and the policy, written back out in
 *	canonical form, parses to the same fields. On failure the policy is
 *	empty. The reason is always printable and NUL-terminated.
 * SEE ALSO
 *	RFC 8461 3.2, common/sts_policy.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "sts_match.h"
#include "sts_policy.h"

#define KNOWN_WARNINGS	0x01ff

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct mxtls_sts_policy pol, again;
static char canon[MXTLS_STS_MX_MAX * (MXTLS_DOMAIN_MAX + 8) + 128];

static void
check_why(const struct mxtls_why *why, enum mxtls_status rv)
{
	size_t i;

	if (why->status != rv)
		abort();
	for (i = 0; i < sizeof(why->text) && why->text[i] != '\0'; i++)
		if (why->text[i] < 0x20 || why->text[i] > 0x7e)
			abort();
	if (i == sizeof(why->text))
		abort();
}

/* check_mx - a stored pattern is normal and matches a host built from it */

static void
check_mx(const struct mxtls_sts_policy *p, const char *mx)
{
	char norm[MXTLS_DOMAIN_MAX + 1], host[MXTLS_DOMAIN_MAX + 3];
	size_t len = strnlen(mx, MXTLS_DOMAIN_MAX + 1), skip;

	if (len == 0 || len > MXTLS_DOMAIN_MAX)
		abort();
	skip = len >= 2 && mx[0] == '*' && mx[1] == '.' ? 2 : 0;
	if (mxtls_domain_normalize(mx + skip, len - skip, norm, sizeof(norm),
	    NULL) != MXTLS_OK || strcmp(norm, mx + skip) != 0)
		abort();
	if (skip == 0) {
		if (!mxtls_sts_match(mx, len, mx, len) ||
		    !mxtls_sts_policy_matches(p, mx, len))
			abort();
		return;
	}
	host[0] = 'a';
	memcpy(host + 1, mx + 1, len);	/* "a." + rest, NUL included */
	if (!mxtls_sts_match(host, len, mx, len) ||
	    !mxtls_sts_policy_matches(p, host, len) ||
	    mxtls_sts_match(mx + 2, len - 2, mx, len))
		abort();
}

/* check_canon - write pol out canonically; it must parse the same */

static void
check_canon(void)
{
	size_t i, off;
	int n;

	n = snprintf(canon, sizeof(canon),
	    "version: STSv1\r\nmode: %s\r\nmax_age: %u\r\n",
	    mxtls_sts_mode_name(pol.mode), (unsigned)pol.max_age);
	if (n < 0 || (size_t)n >= sizeof(canon))
		abort();
	off = (size_t)n;
	for (i = 0; i < pol.nmx; i++) {
		n = snprintf(canon + off, sizeof(canon) - off, "mx: %s\r\n",
		    pol.mx[i]);
		if (n < 0 || (size_t)n >= sizeof(canon) - off)
			abort();
		off += (size_t)n;
	}
	if (mxtls_sts_policy_parse(&again, canon, off, NULL) != MXTLS_OK ||
	    again.mode != pol.mode || again.max_age != pol.max_age ||
	    again.nmx != pol.nmx)
		abort();
	for (i = 0; i < pol.nmx; i++)
		if (strcmp(again.mx[i], pol.mx[i]) != 0)
			abort();
	if (again.warnings & ~(MXTLS_STS_WARN_SHORT_MAX_AGE |
	    MXTLS_STS_WARN_ZERO_MAX_AGE | MXTLS_STS_WARN_NO_MX_NONE))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxtls_why why;
	enum mxtls_status rv;
	unsigned bit;
	size_t i;

	rv = mxtls_sts_policy_parse(&pol, (const char *)data, size, &why);
	check_why(&why, rv);
	if (rv != MXTLS_OK) {
		if (rv != MXTLS_PERMFAIL || pol.nmx != 0 || pol.warnings != 0 ||
		    pol.max_age != 0 || pol.mode != MXTLS_STS_MODE_NONE)
			abort();
		return 0;
	}
	if (size > MXTLS_STS_BODY_MAX || memchr(data, '\0', size) != NULL)
		abort();
	if (pol.mode != MXTLS_STS_MODE_NONE &&
	    pol.mode != MXTLS_STS_MODE_TESTING &&
	    pol.mode != MXTLS_STS_MODE_ENFORCE)
		abort();
	if (pol.max_age > MXTLS_STS_MAX_AGE_MAX || pol.nmx > MXTLS_STS_MX_MAX ||
	    (pol.nmx == 0 && pol.mode != MXTLS_STS_MODE_NONE))
		abort();
	if ((pol.warnings & ~KNOWN_WARNINGS) != 0)
		abort();
	for (bit = 1; bit <= KNOWN_WARNINGS; bit <<= 1)
		if ((pol.warnings & bit) && mxtls_sts_warning_text(bit) == NULL)
			abort();
	for (i = 0; i < pol.nmx; i++)
		check_mx(&pol, pol.mx[i]);
	check_canon();
	return 0;
}
