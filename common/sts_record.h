/*
 * NAME
 *	sts_record.h - the _mta-sts TXT record (RFC 8461 section 3.1)
 */
#ifndef MXTLS_STS_RECORD_H
#define MXTLS_STS_RECORD_H

#include "mxtls.h"

struct mxtls_sts_record {
	char	id[MXTLS_STS_ID_MAX + 1];	/* 1*32(ALPHA / DIGIT) */
};

/*
 * mxtls_sts_record_parse - parse one TXT value of len bytes (its strings
 * already joined; not NUL-terminated) into *rec.
 * Returns MXTLS_OK for a valid v=STSv1 record; MXTLS_NOTFOUND when the value
 * does not begin with "v=STSv1;" (it is not an MTA-STS record and is to be
 * ignored); MXTLS_PERMFAIL with the reason in why for a syntax error or a
 * missing id.
 */
enum mxtls_status mxtls_sts_record_parse(struct mxtls_sts_record *rec,
    const char *buf, size_t len, struct mxtls_why *why);

/*
 * mxtls_sts_record_select - apply the RRset rule of 3.1 to the n joined
 * TXT values txt[0..n-1] found at _mta-sts.<domain>: discard values that do
 * not begin with "v=STSv1;"; exactly one left and valid -> MXTLS_OK and
 * *rec filled. None left -> MXTLS_NOTFOUND. More than one, or the one left
 * is invalid -> MXTLS_PERMFAIL (the domain has no available policy record),
 * with the reason in why.
 */
enum mxtls_status mxtls_sts_record_select(struct mxtls_sts_record *rec,
    const struct mxtls_span *txt, size_t n, struct mxtls_why *why);

#endif /* MXTLS_STS_RECORD_H */
