/*
 * NAME
 *	fuzz_netstring - libFuzzer target for the netstring parser
 * DESCRIPTION
 *	The whole input goes through mxtls_netstring_parse() with two
 *	payload maxima: the socketmap request bound and a small one. Aborts
 *	when an invariant breaks: on MXTLS_OK, the payload lies inside the
 *	input and is at most max bytes, encoding it again gives exactly the
 *	bytes used, and every proper prefix of those bytes is MXTLS_NOTFOUND;
 *	on MXTLS_NOTFOUND, the input is shorter than the longest netstring
 *	allowed and half of it needs more bytes too; on MXTLS_PERMFAIL there
 *	is a reason and more bytes do not help. Anything but MXTLS_OK leaves
 *	the outputs zeroed.
 * SEE ALSO
 *	common/netstring.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netstring.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX_BIG	10000
#define FUZZ_MAX_SMALL	16

static char enc[FUZZ_MAX_BIG + 16];
static char more[FUZZ_MAX_BIG + 32];

static void
check_ok(const char *buf, size_t size, size_t max, const char *data,
    size_t dlen, size_t used)
{
	const char *d2;
	size_t n, k, dl2, u2;

	if (used > size || used < dlen + 3 || dlen > max || data < buf ||
	    data + dlen + 1 != buf + used || buf[used - 1] != ',')
		abort();
	n = mxtls_netstring_encode(data, dlen, enc, sizeof(enc));
	if (n != used || memcmp(enc, buf, n) != 0)
		abort();
	for (k = 0; k < used; k++)
		if (mxtls_netstring_parse(buf, k, max, &d2, &dl2, &u2, NULL) !=
		    MXTLS_NOTFOUND || d2 != NULL || dl2 != 0 || u2 != 0)
			abort();
	if (mxtls_netstring_encode(data, dlen, enc, used - 1) != 0)
		abort();
}

static void
check_one(const char *buf, size_t size, size_t max)
{
	struct mxtls_why why;
	const char *data = "x";
	size_t dlen = 9, used = 9, dl2, u2;
	const char *d2;
	enum mxtls_status rv;

	why.text[0] = '\0';
	rv = mxtls_netstring_parse(buf, size, max, &data, &dlen, &used, &why);
	switch (rv) {
	case MXTLS_OK:
		check_ok(buf, size, max, data, dlen, used);
		break;
	case MXTLS_NOTFOUND:
		if (data != NULL || dlen != 0 || used != 0 || size > max + 12)
			abort();
		if (mxtls_netstring_parse(buf, size / 2, max, &d2, &dl2, &u2,
		    NULL) != MXTLS_NOTFOUND)
			abort();
		break;
	case MXTLS_PERMFAIL:
		if (data != NULL || dlen != 0 || used != 0 ||
		    why.text[0] == '\0')
			abort();
		if (size <= FUZZ_MAX_BIG) {
			memcpy(more, buf, size);
			memcpy(more + size, "0:,", 3);
			if (mxtls_netstring_parse(more, size + 3, max, &d2,
			    &dl2, &u2, NULL) != MXTLS_PERMFAIL)
				abort();
		}
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_one((const char *)data, size, FUZZ_MAX_BIG);
	check_one((const char *)data, size, FUZZ_MAX_SMALL);
	return 0;
}
