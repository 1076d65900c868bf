/*
 * NAME
 *	fuzz_domain - libFuzzer target for mxtls_domain_normalize()
 * DESCRIPTION
 *	Normalizes the input. Aborts when an invariant breaks: a normalized
 *	name is 1 to 253 lower-case LDH bytes in labels of 1 to 63 without
 *	edge hyphens, normalizing it again gives it back, the upper-cased
 *	input gives the same name, and the name matches itself and its
 *	wildcard; a failure leaves out empty with a printable reason.
 * SEE ALSO
 *	common/domain.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "sts_match.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char upper[1024];

static void
check_why(const struct mxtls_why *why)
{
	size_t i;

	for (i = 0; i < sizeof(why->text) && why->text[i] != '\0'; i++)
		if (why->text[i] < 0x20 || why->text[i] > 0x7e)
			abort();
	if (i == sizeof(why->text))
		abort();
}

static void
check_shape(const char *s)
{
	size_t i, lab = 0, len = strlen(s);

	if (len == 0 || len > MXTLS_DOMAIN_MAX || s[0] == '-' ||
	    s[len - 1] == '-' || s[len - 1] == '.')
		abort();
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (lab == 0 || s[i - 1] == '-' || s[i + 1] == '-')
				abort();
			lab = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			abort();
		if (++lab > MXTLS_LABEL_MAX)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[MXTLS_DOMAIN_MAX + 1], again[MXTLS_DOMAIN_MAX + 1];
	char pat[MXTLS_DOMAIN_MAX + 3], host[MXTLS_DOMAIN_MAX + 3];
	const char *in = (const char *)data;
	struct mxtls_why why;
	enum mxtls_status rv;
	size_t i, len;

	rv = mxtls_domain_normalize(in, size, out, sizeof(out), &why);
	if (rv != MXTLS_OK) {
		if (rv != MXTLS_PERMFAIL || out[0] != '\0')
			abort();
		check_why(&why);
		return 0;
	}
	check_shape(out);
	len = strlen(out);
	if (mxtls_domain_normalize(out, len, again, sizeof(again), NULL) !=
	    MXTLS_OK || strcmp(out, again) != 0)
		abort();
	if (size <= sizeof(upper)) {
		for (i = 0; i < size; i++)
			upper[i] = (in[i] >= 'a' && in[i] <= 'z') ?
			    (char)(in[i] - 'a' + 'A') : in[i];
		if (mxtls_domain_normalize(upper, size, again, sizeof(again),
		    NULL) != MXTLS_OK || strcmp(out, again) != 0)
			abort();
	}
	if (!mxtls_sts_match(in, size, out, len) ||
	    !mxtls_sts_match(out, len, in, size))
		abort();
	if (len + 2 <= MXTLS_DOMAIN_MAX) {
		memcpy(pat, "*.", 2);
		memcpy(pat + 2, out, len);
		memcpy(host, "x.", 2);
		memcpy(host + 2, out, len);
		if (!mxtls_sts_match(host, len + 2, pat, len + 2) ||
		    mxtls_sts_match(out, len, pat, len + 2))
			abort();
	}
	return 0;
}
