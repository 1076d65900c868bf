/*
 * NAME
 *	probe_json - render probe results as JSON
 * SYNOPSIS
 *	#include "probe_json.h"
 * DESCRIPTION
 *	The member names and value sets are a stable interface documented in
 *	mxtls(1): members may be added, never renamed or removed. Text that
 *	came from the network was sanitized before it was stored.
 */
#include "probe_json.h"

#include <stdlib.h>
#include <string.h>

/* probe_json_str - a string, or null when empty */

static json_t *
probe_json_str(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

/* probe_json_sans - "a,b,c" as ["a", "b", "c"] */

static json_t *
probe_json_sans(const char *s)
{
	json_t *a;
	const char *p;

	if ((a = json_array()) == NULL)
		return NULL;
	while (*s != '\0') {
		if ((p = strchr(s, ',')) == NULL)
			p = s + strlen(s);
		if (p > s)
			json_array_append_new(a, json_stringn(s,
			    (size_t)(p - s)));
		s = *p ? p + 1 : p;
	}
	return a;
}

static json_t *
probe_json_chain(const struct mxtls_probe_result *r)
{
	const struct mxtls_probe_cert *c;
	json_t *a, *o;
	size_t i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < r->nchain && i < MXTLS_PROBE_CHAIN_MAX; i++) {
		c = &r->chain[i];
		if ((o = json_object()) == NULL)
			break;
		json_object_set_new(o, "subject", json_string(c->subject));
		json_object_set_new(o, "issuer", json_string(c->issuer));
		json_object_set_new(o, "san", probe_json_sans(c->san));
		json_object_set_new(o, "not_after", probe_json_str(
		    c->not_after));
		json_object_set_new(o, "days_left", json_integer(
		    c->days_left));
		json_array_append_new(a, o);
	}
	return a;
}

/* probe_json_field - the next space-separated number of s; NULL if none */

static const char *
probe_json_field(const char *s, unsigned *v)
{
	char *end;
	unsigned long n;

	n = strtoul(s, &end, 10);
	if (end == s || *end != ' ' || n > 255)
		return NULL;
	*v = (unsigned)n;
	return end + 1;
}

/* probe_json_tlsa - "u s m hex" as {usage, selector, mtype, data, depth} */

static json_t *
probe_json_tlsa(const struct mxtls_probe_result *r)
{
	const char *p = r->tlsa_match;
	unsigned u, s, m;
	json_t *o;

	if (!r->tlsa_matched || (p = probe_json_field(p, &u)) == NULL ||
	    (p = probe_json_field(p, &s)) == NULL ||
	    (p = probe_json_field(p, &m)) == NULL)
		return json_null();
	if ((o = json_object()) == NULL)
		return NULL;
	json_object_set_new(o, "usage", json_integer(u));
	json_object_set_new(o, "selector", json_integer(s));
	json_object_set_new(o, "mtype", json_integer(m));
	json_object_set_new(o, "data", json_string(p));
	json_object_set_new(o, "depth", json_integer(r->tlsa_depth));
	return o;
}

static json_t *
probe_json_tls(const struct mxtls_probe_result *r)
{
	json_t *o;

	if (!r->tls_ok)
		return json_null();
	if ((o = json_object()) == NULL)
		return NULL;
	json_object_set_new(o, "version", json_string(r->tls_version));
	json_object_set_new(o, "cipher", json_string(r->cipher));
	return o;
}

json_t *
mxtls_probe_json(const struct mxtls_probe_result *r)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	json_object_set_new(o, "host", json_string(r->host));
	json_object_set_new(o, "address", probe_json_str(r->address));
	json_object_set_new(o, "mode", json_string(mxtls_probe_mode_name(
	    r->mode)));
	json_object_set_new(o, "connected", json_boolean(r->connected));
	json_object_set_new(o, "banner", probe_json_str(r->banner));
	json_object_set_new(o, "starttls_offered", json_boolean(
	    r->starttls_offered));
	json_object_set_new(o, "tls", probe_json_tls(r));
	json_object_set_new(o, "chain", probe_json_chain(r));
	json_object_set_new(o, "tlsa_match", probe_json_tlsa(r));
	json_object_set_new(o, "peername", probe_json_str(r->peername));
	if (r->mode == MXTLS_PROBE_STS)
		json_object_set_new(o, "mx_matches_policy", json_boolean(
		    r->mx_matches_policy));
	json_object_set_new(o, "pass", json_boolean(r->pass));
	json_object_set_new(o, "result_type", r->type == MXTLS_RT_NONE ?
	    json_null() : json_string(mxtls_result_type_name(r->type)));
	json_object_set_new(o, "detail", json_string(r->detail));
	return o;
}
