/*
 * NAME
 *	sts_json - render MTA-STS answers, cache entries and policies as JSON
 * SYNOPSIS
 *	#include "sts_json.h"
 * DESCRIPTION
 *	The member names and value sets are a stable interface documented in
 *	mxtls(1): members may be added, never renamed or removed. Times are
 *	RFC 3339 UTC strings. Text that came from the network was sanitized
 *	before it was stored.
 */
#include "sts_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sts_match.h"

char *
mxtls_time_text(int64_t t, char *out, size_t outsz)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(out, outsz, "%lld", (long long)t);
	return out;
}

static json_t *
json_time(int64_t t)
{
	char buf[32];

	if (t <= 0)
		return json_null();
	return json_string(mxtls_time_text(t, buf, sizeof(buf)));
}

json_t *
mxtls_sts_policy_json(const struct mxtls_sts_policy *p)
{
	json_t *o, *mx, *warn;
	unsigned bit;
	size_t i;

	o = json_object();
	mx = json_array();
	warn = json_array();
	if (o == NULL || mx == NULL || warn == NULL) {
		json_decref(o);
		json_decref(mx);
		json_decref(warn);
		return NULL;
	}
	json_object_set_new(o, "mode", json_string(mxtls_sts_mode_name(
	    p->mode)));
	json_object_set_new(o, "max_age", json_integer(p->max_age));
	for (i = 0; i < p->nmx; i++)
		json_array_append_new(mx, json_string(p->mx[i]));
	json_object_set_new(o, "mx", mx);
	for (bit = 1; bit != 0 && bit <= 0x8000; bit <<= 1)
		if ((p->warnings & bit) && mxtls_sts_warning_text(bit))
			json_array_append_new(warn, json_string(
			    mxtls_sts_warning_text(bit)));
	json_object_set_new(o, "warnings", warn);
	return o;
}

static json_t *
json_sts_object(const struct mxtls_sts_entry *e, int from_cache)
{
	json_t *o;

	if ((o = mxtls_sts_policy_json(&e->policy)) == NULL)
		return NULL;
	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "fetched_at", json_time(e->fetched_at));
	json_object_set_new(o, "expires_at", json_time(e->expires_at));
	if (from_cache >= 0)
		json_object_set_new(o, "from_cache", json_boolean(from_cache));
	return o;
}

static json_t *
json_error(enum mxtls_result_type type, const char *detail)
{
	return json_pack("{s:o, s:s}", "result_type",
	    type == MXTLS_RT_NONE ? json_null() :
	    json_string(mxtls_result_type_name(type)), "detail", detail);
}

json_t *
mxtls_sts_result_json(const struct mxtls_sts_result *r)
{
	json_t *o, *errs, *txt;
	size_t i;

	if ((o = json_object()) == NULL || (errs = json_array()) == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "domain", json_string(r->domain));
	json_object_set_new(o, "policy", json_string(mxtls_policy_name(
	    r->policy)));
	json_object_set_new(o, "decided_by", json_string(mxtls_rule_name(
	    r->have_entry && r->policy != MXTLS_POLICY_NONE ?
	    MXTLS_RULE_MTA_STS : MXTLS_RULE_NONE)));
	json_object_set_new(o, "sts", r->have_entry ?
	    json_sts_object(&r->entry, r->from_cache) : json_null());
	txt = json_pack("{s:s, s:o}", "result", mxtls_sts_txt_name(r->txt),
	    "id", r->txt == MXTLS_TXT_FOUND ? json_string(r->txt_id) :
	    json_null());
	json_object_set_new(o, "txt", txt);
	json_object_set_new(o, "dnssec", r->txt == MXTLS_TXT_NOT_CHECKED ?
	    json_null() : json_string(mxtls_dnssec_name(r->dnssec)));
	json_object_set_new(o, "fetched", json_boolean(r->fetched));
	for (i = 0; i < r->nerrors; i++)
		json_array_append_new(errs, json_error(r->errors[i].type,
		    r->errors[i].detail));
	json_object_set_new(o, "errors", errs);
	return o;
}

/* json_body - the raw policy; bytes that are not UTF-8 become '?' */

static json_t *
json_body(const char *body, size_t len)
{
	json_t *j;
	char *tmp;
	size_t i;

	if ((j = json_stringn(body, len)) != NULL)
		return j;
	if ((tmp = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		tmp[i] = (unsigned char)body[i] < 0x80 && body[i] != '\0' ?
		    body[i] : '?';
	j = json_stringn(tmp, len);
	free(tmp);
	return j;
}

json_t *
mxtls_sts_entry_json(const struct mxtls_sts_entry *e)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	json_object_set_new(o, "domain", json_string(e->domain));
	json_object_set_new(o, "sts", e->have_policy ?
	    json_sts_object(e, -1) : json_null());
	if (e->have_policy && e->body)
		json_object_set_new(o, "policy_text", json_body(e->body,
		    e->body_len));
	json_object_set_new(o, "txt_checked_at", json_time(e->txt_checked_at));
	json_object_set_new(o, "last_failure", e->failed_at <= 0 ?
	    json_null() : json_pack("{s:o, s:s, s:o, s:s}",
	    "at", json_time(e->failed_at), "id", e->failed_id,
	    "result_type", e->fail_type == MXTLS_RT_NONE ? json_null() :
	    json_string(mxtls_result_type_name(e->fail_type)),
	    "detail", e->fail_detail));
	return o;
}
