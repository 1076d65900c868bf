/*
 * NAME
 *	fuzz_sts_record - libFuzzer target for the _mta-sts TXT record parser
 * DESCRIPTION
 *	Parses the whole input as one TXT value, then splits it on LF into
 *	up to MXTLS_STS_TXT_RRS_MAX values and applies the RRset rule. Aborts
 *	when an invariant breaks: an OK record has a 1 to 32 character
 *	alphanumeric id found in the input, NOTFOUND means no "v=STSv1;"
 *	prefix, the reason is always printable and NUL-terminated, parsing
 *	is deterministic, and select agrees with parse.
 * SEE ALSO
 *	RFC 8461 3.1, common/sts_record.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sts_record.h"

#define PREFIX		"v=STSv1;"
#define PREFIX_LEN	(sizeof(PREFIX) - 1)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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

static int
has_prefix(const char *p, size_t n)
{
	return n >= PREFIX_LEN && memcmp(p, PREFIX, PREFIX_LEN) == 0;
}

/* check_id - 1 to 32 letters and digits, present in the input */

static void
check_id(const char *id, const char *p, size_t n)
{
	size_t i, len = strlen(id);

	if (len < 1 || len > MXTLS_STS_ID_MAX)
		abort();
	for (i = 0; i < len; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9')))
			abort();
	for (i = 0; n >= len + 3 && i <= n - len - 3; i++)
		if (memcmp(p + i, "id=", 3) == 0 &&
		    memcmp(p + i + 3, id, len) == 0)
			return;
	abort();
}

static enum mxtls_status
check_parse(const char *p, size_t n)
{
	struct mxtls_sts_record rec, rec2;
	struct mxtls_why why;
	enum mxtls_status rv;

	rv = mxtls_sts_record_parse(&rec, p, n, &why);
	check_why(&why, rv);
	switch (rv) {
	case MXTLS_OK:
		if (!has_prefix(p, n) || n > MXTLS_STS_TXT_MAX)
			abort();
		check_id(rec.id, p, n);
		break;
	case MXTLS_NOTFOUND:
		if (has_prefix(p, n) || rec.id[0] != '\0')
			abort();
		break;
	case MXTLS_PERMFAIL:
		if (!has_prefix(p, n) || rec.id[0] != '\0')
			abort();
		break;
	default:
		abort();
	}
	if (mxtls_sts_record_parse(&rec2, p, n, NULL) != rv ||
	    strcmp(rec.id, rec2.id) != 0)
		abort();
	return rv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxtls_span txt[MXTLS_STS_TXT_RRS_MAX];
	struct mxtls_sts_record rec;
	struct mxtls_why why;
	const char *p = (const char *)data;
	enum mxtls_status rv, one = MXTLS_OK;
	size_t i, start = 0, n = 0, found = 0;

	(void)check_parse(p, size);
	for (i = 0; i <= size && n < MXTLS_STS_TXT_RRS_MAX; i++) {
		if (i < size && p[i] != '\n')
			continue;
		txt[n].p = p + start;
		txt[n].len = i - start;
		if (has_prefix(txt[n].p, txt[n].len)) {
			found++;
			one = check_parse(txt[n].p, txt[n].len);
		}
		n++;
		start = i + 1;
	}
	rv = mxtls_sts_record_select(&rec, txt, n, &why);
	check_why(&why, rv);
	if ((found == 0 && rv != MXTLS_NOTFOUND) ||
	    (found > 1 && rv != MXTLS_PERMFAIL) ||
	    (found == 1 && rv != one))
		abort();
	if (rv != MXTLS_OK && rec.id[0] != '\0')
		abort();
	return 0;
}
