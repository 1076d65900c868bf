/*
 * NAME
 *	decide_json - render decisions and their DANE part as JSON
 * SYNOPSIS
 *	#include "decide_json.h"
 * DESCRIPTION
 *	mxtls_decision_json() is the MTA-STS answer of sts_json.c with the
 *	combined "policy" and "decided_by" and a "dane" member:
 *	{"mx_dnssec", "null_mx", "implicit_mx", "hosts": [{"host",
 *	"preference", "addresses", "addresses_dnssec", "tlsa_base", "tlsa":
 *	[{"usage", "selector", "mtype", "data", "usable", "unusable_reason"}],
 *	"tlsa_dnssec", "requirement", "detail"}]}. The member names are a
 *	stable interface documented in mxtls(1).
 */
#include "decide_json.h"

#include <stdlib.h>

#include "sts_json.h"

static json_t *
json_tlsa(const struct mxtls_tlsa *t)
{
	char hex[2 * MXTLS_TLSA_DATA_MAX + 1];

	return json_pack("{s:i, s:i, s:i, s:s, s:b, s:o}", "usage", t->usage,
	    "selector", t->selector, "mtype", t->mtype, "data",
	    mxtls_tlsa_hex(t, hex, sizeof(hex)), "usable", t->usable,
	    "unusable_reason", t->usable ? json_null() :
	    json_string(t->unusable_why));
}

static json_t *
json_host(const struct mxtls_dane_host *h)
{
	json_t *o, *addrs, *tlsa;
	size_t i;

	addrs = json_array();
	tlsa = json_array();
	for (i = 0; i < h->naddrs; i++)
		json_array_append_new(addrs, json_string(h->addrs[i]));
	for (i = 0; i < h->ntlsa; i++)
		json_array_append_new(tlsa, json_tlsa(&h->tlsa[i]));
	o = json_pack("{s:s, s:i, s:o, s:s, s:o, s:o, s:o, s:b, s:s, s:s}",
	    "host", h->host, "preference", h->preference, "addresses", addrs,
	    "addresses_dnssec", mxtls_dnssec_name(h->addr_dnssec),
	    "tlsa_base", h->base[0] ? json_string(h->base) : json_null(),
	    "tlsa", tlsa, "tlsa_dnssec", h->tlsa_looked_up ?
	    json_string(mxtls_dnssec_name(h->tlsa_dnssec)) : json_null(),
	    "tlsa_from_cache", h->tlsa_from_cache, "requirement", mxtls_dane_req_name(h->requirement),
	    "detail", h->detail);
	return o;
}

json_t *
mxtls_dane_json(const struct mxtls_dane *d)
{
	json_t *o, *hosts;
	size_t i;

	if ((hosts = json_array()) == NULL)
		return NULL;
	for (i = 0; i < d->nhosts; i++)
		json_array_append_new(hosts, json_host(&d->hosts[i]));
	o = json_pack("{s:s, s:b, s:b, s:o, s:o}", "mx_dnssec",
	    mxtls_dnssec_name(d->mx_dnssec), "null_mx", d->null_mx,
	    "implicit_mx", d->implicit_mx, "hosts", hosts, "detail",
	    d->detail[0] ? json_string(d->detail) : json_null());
	return o;
}

json_t *
mxtls_decision_json(const struct mxtls_decision *d)
{
	json_t *o, *errs, *e;
	size_t i;

	if ((o = mxtls_sts_result_json(&d->sts)) == NULL)
		return NULL;
	json_object_set_new(o, "domain", json_string(d->domain));
	json_object_set_new(o, "policy", json_string(mxtls_policy_name(
	    d->policy)));
	json_object_set_new(o, "decided_by", json_string(mxtls_rule_name(
	    d->decided_by)));
	json_object_set_new(o, "dane", mxtls_dane_json(&d->dane));
	errs = json_object_get(o, "errors");
	for (i = 0; errs && i < d->nerrors; i++) {
		e = json_pack("{s:o, s:s}", "result_type",
		    d->errors[i].type == MXTLS_RT_NONE ? json_null() :
		    json_string(mxtls_result_type_name(d->errors[i].type)),
		    "detail", d->errors[i].detail);
		json_array_append_new(errs, e);
	}
	return o;
}
