/*
 * NAME
 *	fuzz_summary - libFuzzer target for the decision summary parser
 * DESCRIPTION
 *	The input goes through mxtls_summary_parse(). Aborts when an
 *	invariant breaks: a failure is MXTLS_PERMFAIL with a printable
 *	reason; a summary that parses is within every bound (known words,
 *	non-negative times, at most MXTLS_SUMMARY_HOSTS_MAX canonical host
 *	names, known flags, a printable note), formats to a text no longer
 *	than the input that does not fit in one byte less, and that text
 *	parses to an equal summary which formats to the same bytes again;
 *	mxtls_summary_hosts() never names more hosts than there are.
 *	The input is also decoded as a "dec" cache record: no bytes is
 *	MXTLS_PERMFAIL, a first byte other than 1 is MXTLS_NOTFOUND, and
 *	otherwise the outcome is that of parsing the rest; a record that
 *	decodes encodes to version 1 + the formatted text, which decodes to
 *	the same summary.
 * SEE ALSO
 *	common/summary.c, common/cache_record.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "summary.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ALL_FLAGS	(MXTLS_SH_STS | MXTLS_SH_DANE | MXTLS_SH_ENCRYPT | \
			    MXTLS_SH_UNUSABLE)

static struct mxtls_summary s, again, rec;
static char text[MXTLS_SUMMARY_TEXT_MAX + 1];
static char text2[MXTLS_SUMMARY_TEXT_MAX + 1];
static char names[MXTLS_SUMMARY_HOSTS_MAX * (MXTLS_DOMAIN_MAX + 1) + 1];

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

static int
same(const struct mxtls_summary *a, const struct mxtls_summary *b)
{
	size_t i;

	if (a->policy != b->policy || a->decided_by != b->decided_by ||
	    a->refresh_at != b->refresh_at ||
	    a->usable_until != b->usable_until || a->mx != b->mx ||
	    a->nhosts != b->nhosts || strcmp(a->note, b->note) != 0)
		return 0;
	for (i = 0; i < a->nhosts; i++)
		if (a->hosts[i].preference != b->hosts[i].preference ||
		    a->hosts[i].flags != b->hosts[i].flags ||
		    strcmp(a->hosts[i].name, b->hosts[i].name) != 0)
			return 0;
	return 1;
}

/* check_name - a lower-case LDH host name of 1 to 253 bytes */

static void
check_name(const char *name)
{
	size_t i, n = strnlen(name, MXTLS_DOMAIN_MAX + 1);

	if (n == 0 || n > MXTLS_DOMAIN_MAX || name[0] == '.' ||
	    name[n - 1] == '.')
		abort();
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '-' ||
		    name[i] == '.'))
			abort();
}

static void
check_bounds(const struct mxtls_summary *p)
{
	size_t i, n;

	if ((unsigned)p->policy > MXTLS_POLICY_TEMPFAIL ||
	    (unsigned)p->decided_by > MXTLS_RULE_DANE ||
	    (unsigned)p->mx > MXTLS_SUMMARY_MX_IMPLICIT ||
	    p->refresh_at < 0 || p->usable_until < 0 ||
	    p->nhosts > MXTLS_SUMMARY_HOSTS_MAX ||
	    (p->mx == MXTLS_SUMMARY_MX_NONE) != (p->nhosts == 0))
		abort();
	for (i = 0; i < p->nhosts; i++) {
		if ((p->hosts[i].flags & ~(unsigned)FUZZ_ALL_FLAGS) != 0)
			abort();
		check_name(p->hosts[i].name);
	}
	n = strnlen(p->note, sizeof(p->note));
	if (n == sizeof(p->note) || p->note[0] == ' ')
		abort();
	for (i = 0; i < n; i++)
		if (p->note[i] < 0x20 || p->note[i] > 0x7e)
			abort();
}

/* check_ok - p came from size input bytes: the text form round trips */

static void
check_ok(const struct mxtls_summary *p, size_t size)
{
	size_t n, n2;
	int k;

	check_bounds(p);
	n = mxtls_summary_format(p, text, sizeof(text));
	if (n == 0 || n > size || text[n] != '\0' ||
	    mxtls_summary_format(p, text2, n) != 0)
		abort();
	if (mxtls_summary_parse(text, n, &again, NULL) != MXTLS_OK ||
	    !same(p, &again))
		abort();
	n2 = mxtls_summary_format(&again, text2, sizeof(text2));
	if (n2 != n || memcmp(text, text2, n + 1) != 0)
		abort();
	k = mxtls_summary_hosts(p, ' ', names, sizeof(names));
	if (k < 0 || (size_t)k > p->nhosts || (k == 0 && names[0] != '\0'))
		abort();
}

/* check_record - the input as a "dec" cache record */

static void
check_record(const uint8_t *data, size_t size)
{
	struct mxtls_why why, pwhy;
	enum mxtls_status rv, prv;
	unsigned char *out = NULL;
	size_t outlen = 0, n;

	mxtls_why_clear(&why);
	memset(&rec, 0x5a, sizeof(rec));	/* decode needs no clean one */
	rv = mxtls_dec_record_decode(&rec, data, size, &why);
	if (size == 0 || data[0] != 1) {
		if (rv != (size == 0 ? MXTLS_PERMFAIL : MXTLS_NOTFOUND))
			abort();
		check_why(&why, rv);
		return;
	}
	prv = mxtls_summary_parse((const char *)data + 1, size - 1, &again,
	    &pwhy);
	if (rv != prv)
		abort();
	if (rv != MXTLS_OK) {
		check_why(&why, rv);
		return;
	}
	if (!same(&rec, &again))
		abort();
	n = mxtls_summary_format(&rec, text, sizeof(text));
	if (mxtls_dec_record_encode(&rec, &out, &outlen, &why) != MXTLS_OK ||
	    out == NULL || outlen != n + 1 || out[0] != 1 ||
	    memcmp(out + 1, text, n) != 0)
		abort();
	if (mxtls_dec_record_decode(&again, out, outlen, NULL) != MXTLS_OK ||
	    !same(&rec, &again))
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxtls_why why;
	enum mxtls_status rv;

	mxtls_why_clear(&why);
	memset(&s, 0x5a, sizeof(s));
	rv = mxtls_summary_parse((const char *)data, size, &s, &why);
	if (rv == MXTLS_OK)
		check_ok(&s, size);
	else if (rv != MXTLS_PERMFAIL)
		abort();
	else
		check_why(&why, rv);
	check_record(data, size);
	return 0;
}
