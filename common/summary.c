/*
 * NAME
 *	summary - a decision in one short line (see summary.h)
 * SYNOPSIS
 *	#include "summary.h"
 * DESCRIPTION
 *	mxtls_summary_make() reduces a decision to what a router needs;
 *	mxtls_summary_format() and mxtls_summary_parse() are the text form
 *	that mxtlsd sends to the Exim plugin and the "dec" database stores.
 *	The parser takes untrusted bytes (a peer on the daemon's socket, a
 *	damaged cache file): every token has a maximum, numbers are checked
 *	for overflow, host names go through mxtls_domain_normalize().
 * DIAGNOSTICS
 *	MXTLS_PERMFAIL with the reason in why. Never logs.
 */
#include "summary.h"

#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "sts_match.h"

#define SUM_DANE_TTL_MIN	30	/* DANE refresh at least this apart */
#define SUM_DANE_TTL_MAX	3600	/* and at most this */
#define SUM_DANE_STALE		3600	/* usable this long past refresh */
#define SUM_TOKEN_MAX		(MXTLS_DOMAIN_MAX + 12)

static const char *const sum_mx_words[] = { "nomx", "mx", "implicit" };

/* ---- lifetimes */

static uint32_t
sum_dane_ttl(const struct mxtls_decision *d)
{
	uint32_t ttl = SUM_DANE_TTL_MAX;
	size_t i;

	for (i = 0; i < d->dane.nhosts && i < MXTLS_DANE_HOSTS_MAX; i++)
		if (d->dane.hosts[i].ttl > 0 && d->dane.hosts[i].ttl < ttl)
			ttl = d->dane.hosts[i].ttl;
	return ttl < SUM_DANE_TTL_MIN ? SUM_DANE_TTL_MIN : ttl;
}

void
mxtls_decision_lifetime(const struct mxtls_config *cfg,
    const struct mxtls_decision *d, time_t now, time_t *refresh,
    time_t *usable)
{
	int sts = d->policy == MXTLS_POLICY_STS_ENFORCE ||
	    d->policy == MXTLS_POLICY_STS_TESTING ||
	    (d->policy == MXTLS_POLICY_NONE && d->sts.have_entry &&
	    !d->dane.null_mx && !d->dane.nxdomain);

	if (d->policy == MXTLS_POLICY_TEMPFAIL) {
		*refresh = *usable = now + MXTLS_TEMPFAIL_TTL;
	} else if (d->policy == MXTLS_POLICY_DANE) {
		*refresh = now + (time_t)sum_dane_ttl(d);
		*usable = *refresh + SUM_DANE_STALE;
	} else if (sts) {
		*refresh = now + (time_t)cfg->sts_recheck_interval;
		*usable = (time_t)d->sts.entry.expires_at;
	} else {
		*refresh = now + (time_t)cfg->negative_ttl;
		*usable = *refresh + (time_t)cfg->negative_ttl;
	}
	if (*refresh > *usable)
		*refresh = *usable;
}

/* ---- from a decision */

static unsigned
sum_host_flags(const struct mxtls_decision *d, const struct mxtls_dane_host *h)
{
	unsigned f = 0;

	if (d->sts.have_entry && d->sts.entry.have_policy &&
	    mxtls_sts_policy_matches(&d->sts.entry.policy, h->host,
	    strlen(h->host)))
		f |= MXTLS_SH_STS;
	switch (h->requirement) {
	case MXTLS_DANE_REQ_DANE:
		f |= MXTLS_SH_DANE;
		break;
	case MXTLS_DANE_REQ_ENCRYPT:
		f |= MXTLS_SH_ENCRYPT;
		break;
	case MXTLS_DANE_REQ_UNUSABLE:
		f |= MXTLS_SH_UNUSABLE;
		break;
	case MXTLS_DANE_REQ_OPPORTUNISTIC:
		break;
	}
	return f;
}

/* sum_note - the note, sanitized, without the leading blanks the parser
 * would drop */

static void
sum_note(struct mxtls_summary *s, const char *text)
{
	while (*text == ' ')
		text++;
	(void)mxtls_sanitize(s->note, sizeof(s->note), text, strlen(text));
}

void
mxtls_summary_make(const struct mxtls_config *cfg,
    const struct mxtls_decision *d, time_t now, struct mxtls_summary *s)
{
	const struct mxtls_dane *dn = &d->dane;
	struct mxtls_why why;
	time_t refresh, usable;
	size_t i, n;

	memset(s, 0, sizeof(*s));
	s->policy = d->policy;
	s->decided_by = d->decided_by;
	mxtls_decision_lifetime(cfg, d, now, &refresh, &usable);
	/* the text form has no negative times: clamp (an expired answer) */
	s->refresh_at = refresh > 0 ? (int64_t)refresh : 0;
	s->usable_until = usable > 0 ? (int64_t)usable : 0;
	if (dn->mx_error || dn->nxdomain || dn->null_mx || dn->nhosts == 0)
		s->mx = MXTLS_SUMMARY_MX_NONE;
	else
		s->mx = dn->implicit_mx ? MXTLS_SUMMARY_MX_IMPLICIT :
		    MXTLS_SUMMARY_MX_LIST;
	n = s->mx == MXTLS_SUMMARY_MX_NONE ? 0 : dn->nhosts;
	for (i = 0; i < n && i < MXTLS_SUMMARY_HOSTS_MAX; i++) {
		struct mxtls_summary_host *sh = &s->hosts[s->nhosts];

		/* only names the parser will take back */
		if (mxtls_domain_normalize(dn->hosts[i].host,
		    strlen(dn->hosts[i].host), sh->name, sizeof(sh->name),
		    &why) != MXTLS_OK)
			continue;
		sh->preference = dn->hosts[i].preference;
		sh->flags = sum_host_flags(d, &dn->hosts[i]);
		s->nhosts++;
	}
	if (s->nhosts == 0)		/* e.g. MX hosts that are IP literals */
		s->mx = MXTLS_SUMMARY_MX_NONE;
	if (d->nerrors > 0)
		sum_note(s, d->errors[0].detail);
	else if (d->sts.nerrors > 0)
		sum_note(s, d->sts.errors[0].detail);
	else if (s->policy != MXTLS_POLICY_NONE)
		sum_note(s, dn->detail);
}

/* ---- text form */

static size_t
sum_flags_text(unsigned f, char *out)
{
	size_t n = 0;

	if (f & MXTLS_SH_STS)
		out[n++] = 's';
	if (f & MXTLS_SH_DANE)
		out[n++] = 'd';
	if (f & MXTLS_SH_ENCRYPT)
		out[n++] = 'e';
	if (f & MXTLS_SH_UNUSABLE)
		out[n++] = 'u';
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
	return n;
}

size_t
mxtls_summary_format(const struct mxtls_summary *s, char *out, size_t outsz)
{
	char flags[8];
	size_t i, off;
	int n;

	if (s->mx > MXTLS_SUMMARY_MX_IMPLICIT)
		return 0;
	n = snprintf(out, outsz, "%s %s %lld %lld %s",
	    mxtls_policy_name(s->policy), mxtls_rule_name(s->decided_by),
	    (long long)s->refresh_at, (long long)s->usable_until,
	    sum_mx_words[s->mx]);
	if (n < 0 || (size_t)n >= outsz)
		return 0;
	off = (size_t)n;
	for (i = 0; i < s->nhosts && i < MXTLS_SUMMARY_HOSTS_MAX; i++) {
		(void)sum_flags_text(s->hosts[i].flags, flags);
		n = snprintf(out + off, outsz - off, " %u/%s/%s",
		    (unsigned)s->hosts[i].preference, flags,
		    s->hosts[i].name);
		if (n < 0 || (size_t)n >= outsz - off)
			return 0;
		off += (size_t)n;
	}
	if (s->note[0] != '\0') {
		n = snprintf(out + off, outsz - off, " | %s", s->note);
		if (n < 0 || (size_t)n >= outsz - off)
			return 0;
		off += (size_t)n;
	}
	return off;
}

/* sum_token - the next space-free token of at most max bytes; -1 if none */

static int
sum_token(const char *buf, size_t len, size_t *off, struct mxtls_span *t,
    size_t max)
{
	size_t o = *off;

	while (o < len && buf[o] == ' ')
		o++;
	t->p = buf + o;
	while (o < len && buf[o] != ' ')
		o++;
	t->len = (size_t)(buf + o - t->p);
	*off = o;
	return t->len == 0 || t->len > max ? -1 : 0;
}

static int
sum_word(const struct mxtls_span *t, const char *w)
{
	return t->len == strlen(w) && memcmp(t->p, w, t->len) == 0;
}

/* sum_number - a decimal number of at most max; -1 when it is not one */

static int
sum_number(const char *p, size_t len, uint64_t max, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (len == 0 || len > 20 || (len > 1 && p[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9' ||
		    *v > (max - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return 0;
}

static int
sum_policy(const struct mxtls_span *t, enum mxtls_policy *p)
{
	static const enum mxtls_policy all[] = { MXTLS_POLICY_NONE,
	    MXTLS_POLICY_STS_TESTING, MXTLS_POLICY_STS_ENFORCE,
	    MXTLS_POLICY_DANE, MXTLS_POLICY_TEMPFAIL };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (sum_word(t, mxtls_policy_name(all[i]))) {
			*p = all[i];
			return 0;
		}
	return -1;
}

static int
sum_rule(const struct mxtls_span *t, enum mxtls_rule *r)
{
	static const enum mxtls_rule all[] = { MXTLS_RULE_NONE,
	    MXTLS_RULE_MTA_STS, MXTLS_RULE_DANE };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (sum_word(t, mxtls_rule_name(all[i]))) {
			*r = all[i];
			return 0;
		}
	return -1;
}

/* sum_host - "PREF/FLAGS/NAME" */

static enum mxtls_status
sum_host(const struct mxtls_span *t, struct mxtls_summary_host *h,
    struct mxtls_why *why)
{
	const char *p = t->p, *end = t->p + t->len, *s1, *s2;
	uint64_t v;
	const char *f;

	if ((s1 = memchr(p, '/', t->len)) == NULL ||
	    (s2 = memchr(s1 + 1, '/', (size_t)(end - s1 - 1))) == NULL ||
	    sum_number(p, (size_t)(s1 - p), 65535, &v) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "malformed host "
		    "entry: expected PREFERENCE/FLAGS/NAME");
	h->preference = (uint16_t)v;
	h->flags = 0;
	if (s2 - s1 == 2 && s1[1] == '-')
		f = s2;
	else
		f = s1 + 1;
	for (; f < s2; f++) {
		unsigned bit = *f == 's' ? MXTLS_SH_STS : *f == 'd' ?
		    MXTLS_SH_DANE : *f == 'e' ? MXTLS_SH_ENCRYPT : *f == 'u' ?
		    MXTLS_SH_UNUSABLE : 0;

		if (bit == 0 || (h->flags & bit))
			return mxtls_why_set(why, MXTLS_PERMFAIL, "unknown or "
			    "repeated host flag");
		h->flags |= bit;
	}
	if (s2 - s1 == 1)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "empty host flags");
	if (mxtls_domain_normalize(s2 + 1, (size_t)(end - s2 - 1), h->name,
	    sizeof(h->name), why) != MXTLS_OK)
		return MXTLS_PERMFAIL;
	if ((size_t)(end - s2 - 1) != strlen(h->name) ||
	    memcmp(s2 + 1, h->name, strlen(h->name)) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "host name not in "
		    "canonical form");
	return MXTLS_OK;
}

static enum mxtls_status
sum_head(const char *buf, size_t len, size_t *off, struct mxtls_summary *s,
    struct mxtls_why *why)
{
	struct mxtls_span t;
	uint64_t v;
	size_t i;

	if (sum_token(buf, len, off, &t, 16) != 0 || sum_policy(&t,
	    &s->policy) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "unknown policy");
	if (sum_token(buf, len, off, &t, 16) != 0 || sum_rule(&t,
	    &s->decided_by) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "unknown rule");
	if (sum_token(buf, len, off, &t, 20) != 0 ||
	    sum_number(t.p, t.len, INT64_MAX, &v) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "bad refresh time");
	s->refresh_at = (int64_t)v;
	if (sum_token(buf, len, off, &t, 20) != 0 ||
	    sum_number(t.p, t.len, INT64_MAX, &v) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "bad expiry time");
	s->usable_until = (int64_t)v;
	if (sum_token(buf, len, off, &t, 16) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "no MX word");
	for (i = 0; i < 3; i++)
		if (sum_word(&t, sum_mx_words[i]))
			break;
	if (i == 3)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "unknown MX word");
	s->mx = (enum mxtls_summary_mx)i;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_summary_parse(const char *buf, size_t len, struct mxtls_summary *s,
    struct mxtls_why *why)
{
	struct mxtls_span t;
	size_t i, off = 0;

	memset(s, 0, sizeof(*s));
	if (len > MXTLS_SUMMARY_TEXT_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "summary longer "
		    "than %d bytes", MXTLS_SUMMARY_TEXT_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
			return mxtls_why_set(why, MXTLS_PERMFAIL, "control or "
			    "non-ASCII byte at offset %zu", i);
	if (sum_head(buf, len, &off, s, why) != MXTLS_OK)
		return MXTLS_PERMFAIL;
	for (;;) {
		if (sum_token(buf, len, &off, &t, SUM_TOKEN_MAX) != 0) {
			if (t.len == 0)
				break;
			return mxtls_why_set(why, MXTLS_PERMFAIL, "token too "
			    "long");
		}
		if (sum_word(&t, "|")) {
			while (off < len && buf[off] == ' ')
				off++;
			if (len - off >= sizeof(s->note))
				return mxtls_why_set(why, MXTLS_PERMFAIL,
				    "note too long");
			memcpy(s->note, buf + off, len - off);
			s->note[len - off] = '\0';
			break;
		}
		if (s->mx == MXTLS_SUMMARY_MX_NONE)
			return mxtls_why_set(why, MXTLS_PERMFAIL, "hosts after "
			    "\"nomx\"");
		if (s->nhosts == MXTLS_SUMMARY_HOSTS_MAX)
			return mxtls_why_set(why, MXTLS_PERMFAIL, "more than "
			    "%d hosts", MXTLS_SUMMARY_HOSTS_MAX);
		if (sum_host(&t, &s->hosts[s->nhosts], why) != MXTLS_OK)
			return MXTLS_PERMFAIL;
		s->nhosts++;
	}
	if (s->mx != MXTLS_SUMMARY_MX_NONE && s->nhosts == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "an MX set without "
		    "hosts");
	return MXTLS_OK;
}

/* ---- what a router uses */

int
mxtls_summary_hosts(const struct mxtls_summary *s, char sep, char *out,
    size_t outsz)
{
	size_t i, off = 0, n;
	int count = 0;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; i < s->nhosts && i < MXTLS_SUMMARY_HOSTS_MAX; i++) {
		const struct mxtls_summary_host *h = &s->hosts[i];

		if (s->policy == MXTLS_POLICY_STS_ENFORCE ?
		    !(h->flags & MXTLS_SH_STS) : (h->flags & MXTLS_SH_UNUSABLE))
			continue;
		n = strlen(h->name) + (count > 0);	/* + the separator */
		if (outsz - off <= n)
			return -1;
		if (count++ > 0)
			out[off++] = sep;
		memcpy(out + off, h->name, strlen(h->name) + 1);
		off += strlen(h->name);
	}
	return count;
}
