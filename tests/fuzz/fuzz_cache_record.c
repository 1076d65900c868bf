/*
 * NAME
 *	fuzz_cache_record - libFuzzer target for the cache record decoder
 * DESCRIPTION
 *	Decodes the input as an MTA-STS cache record, with and without the
 *	body. Aborts when an invariant breaks: both decodes agree on status
 *	and fields; a failure carries a printable, NUL-terminated reason of
 *	its own status; a record that decodes re-encodes to exactly the
 *	input (the format has one encoding per entry), and that re-encoding
 *	decodes to the same entry; every string is within its bound.
 * SEE ALSO
 *	common/cache_record.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

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
	if (i == 0 || i == sizeof(why->text))
		abort();
}

/* same - every field but the body */
static int
same(const struct mxtls_sts_entry *a, const struct mxtls_sts_entry *b)
{
	size_t i;

	if (a->have_policy != b->have_policy || strcmp(a->id, b->id) != 0 ||
	    a->fetched_at != b->fetched_at || a->expires_at != b->expires_at ||
	    a->txt_checked_at != b->txt_checked_at ||
	    a->failed_at != b->failed_at ||
	    strcmp(a->failed_id, b->failed_id) != 0 ||
	    a->fail_type != b->fail_type ||
	    strcmp(a->fail_detail, b->fail_detail) != 0 ||
	    a->policy.mode != b->policy.mode ||
	    a->policy.max_age != b->policy.max_age ||
	    a->policy.warnings != b->policy.warnings ||
	    a->policy.nmx != b->policy.nmx)
		return 0;
	for (i = 0; i < a->policy.nmx; i++)
		if (strcmp(a->policy.mx[i], b->policy.mx[i]) != 0)
			return 0;
	return 1;
}

static void
check_bounds(const struct mxtls_sts_entry *e)
{
	size_t i;

	if (strlen(e->id) > MXTLS_STS_ID_MAX ||
	    strlen(e->failed_id) > MXTLS_STS_ID_MAX ||
	    e->policy.nmx > MXTLS_STS_MX_MAX ||
	    e->policy.max_age > MXTLS_STS_MAX_AGE_MAX ||
	    e->body_len > MXTLS_STS_BODY_MAX || e->domain[0] != '\0')
		abort();
	for (i = 0; i < e->policy.nmx; i++)
		if (e->policy.mx[i][0] == '\0')
			abort();
	if (e->body_len > 0 && (e->body == NULL || e->body[e->body_len]))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mxtls_sts_entry full, fast, again;
	struct mxtls_why why, why2;
	enum mxtls_status rv, rv2;
	unsigned char *out = NULL;
	size_t outlen = 0;

	mxtls_why_clear(&why);
	mxtls_why_clear(&why2);
	rv = mxtls_sts_entry_decode(&full, data, size, 1, &why);
	rv2 = mxtls_sts_entry_decode(&fast, data, size, 0, &why2);
	if (rv != rv2 || fast.body != NULL || fast.body_len != 0)
		abort();
	if (rv != MXTLS_OK) {
		check_why(&why, rv);
		check_why(&why2, rv);
		if (full.body != NULL || strcmp(why.text, why2.text) != 0)
			abort();
		return 0;
	}
	check_bounds(&full);
	if (!same(&full, &fast))
		abort();
	if (mxtls_sts_entry_encode(&full, &out, &outlen, &why) != MXTLS_OK ||
	    outlen != size || memcmp(out, data, size) != 0)
		abort();
	if (mxtls_sts_entry_decode(&again, out, outlen, 1, &why) != MXTLS_OK ||
	    !same(&full, &again) || again.body_len != full.body_len ||
	    (full.body_len > 0 &&
	    memcmp(again.body, full.body, full.body_len) != 0))
		abort();
	free(out);
	mxtls_sts_entry_clear(&full);
	mxtls_sts_entry_clear(&again);
	return 0;
}
