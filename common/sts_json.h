/*
 * NAME
 *	sts_json.h - the stable JSON forms of MTA-STS answers (see mxtls(1))
 */
#ifndef MXTLS_STS_JSON_H
#define MXTLS_STS_JSON_H

#include <jansson.h>

#include "sts.h"

/* Each returns a new reference (caller json_decref) or NULL on ENOMEM. */
json_t *mxtls_sts_result_json(const struct mxtls_sts_result *r);
json_t *mxtls_sts_entry_json(const struct mxtls_sts_entry *e);
json_t *mxtls_sts_policy_json(const struct mxtls_sts_policy *p);

/* mxtls_time_text - RFC 3339 UTC ("2026-11-22T09:13:17Z") into out[32] */
char   *mxtls_time_text(int64_t t, char *out, size_t outsz);

#endif /* MXTLS_STS_JSON_H */
