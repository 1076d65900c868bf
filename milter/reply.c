/*
 * NAME
 *	reply - the one table from a decision to a socketmap reply
 * SYNOPSIS
 *	#include "reply.h"
 *
 *	size_t
 *	mxtlsd_reply(const struct mxtls_decision *d,
 *	    enum mxtlsd_dialect dia, const struct mxtlsd_reply_opts *o,
 *	    char *out, size_t outsz)
 * DESCRIPTION
 *	mxtlsd_reply() renders the decision d for one MTA. It decides no
 *	policy: the engine did (common/decide.c); this is a translation,
 *	one row per policy in reply_rows[] below, each with its RFC clause.
 *
 *	Postfix dialect (smtp_tls_policy_maps, postconf(5) and TLS_README
 *	"TLS policy table"):
 *
 *	dane	Postfix does the DANE work itself (this requires
 *		"smtp_dns_support_level = dnssec" and a validating
 *		resolver). "OK dane-only" when every MX host has usable
 *		TLSA records and o->dane_only is set, otherwise "OK dane",
 *		whose per-host behaviour is exactly RFC 7672 2.2. When every
 *		host has TLSA records that are all unusable, RFC 7672 2.2
 *		asks for mandatory TLS without authentication: "OK dane"
 *		(o->encrypt_as_dane; Postfix then applies "encrypt" itself)
 *		or "OK encrypt", never "dane-only", on which Postfix defers.
 *	sts-enforce
 *		"OK secure match=N1:N2 servername=hostname". The names are
 *		the domain's MX host names, from the MX lookup of the same
 *		decision, that match a policy pattern (RFC 8461 4.1, exact:
 *		"*.example.com" matches one label), so Postfix checks each
 *		certificate against the listed MX names. When the MX set
 *		cannot be had (MX lookup failed, no MX, null MX, none of the
 *		hosts matches) the patterns are listed instead, "*.d"
 *		written ".d". That fallback is WIDER than RFC 8461 4.1: in a
 *		Postfix "secure" match list ".example.com" matches
 *		subdomains at any depth, and certificate names are checked
 *		against the patterns, not the MX host name. It is used only
 *		because an unknown MX set leaves nothing narrower that would
 *		not defer all mail; Postfix 3.10 with the TLSRPT attributes
 *		below checks the MX host names against mx_host_pattern
 *		itself, with the exact RFC rule.
 *		With o->postfix_tlsrpt, the MTA-STS attributes of Postfix
 *		3.10 follow (TLSRPT_README, "MTA-STS Support via
 *		smtp_tls_policy_maps"): " policy_type=sts
 *		policy_domain=DOMAIN", then " { policy_string = LINE }" for
 *		each line of the policy as fetched (RFC 8460 4.4; "{ }"
 *		protects the spaces) and " mx_host_pattern=PATTERN" for each
 *		mx line. Lines that Postfix's "{ }" syntax cannot carry (a
 *		'{' or '}', bytes outside printable ASCII) are left out.
 *		Postfix 3.9 and older reject these attributes, hence the
 *		option. When the raw policy is not at hand, the lines are
 *		rebuilt from the parsed policy.
 *	sts-testing
 *		o->testing_enforce 0: "NOTFOUND " (RFC 8461 5: testing
 *		changes no delivery); 1: as enforce (local choice); 2: "OK
 *		may".
 *	none	"NOTFOUND ".
 *	tempfail
 *		"TEMP REASON": the first error of the decision, sanitized
 *		and short. Postfix defers; it never falls back to clear
 *		text (RFC 8461 5.1, RFC 7672 2.1.1).
 *
 *	Sendmail dialect (8.17 cf/feature/sts.m4 and the rulesets it turns
 *	on in cf/m4/proto.m4): FEATURE(`sts') declares "Ksts socket -d5
 *	-T<TMPF> inet:5461@127.0.0.1" and looks up the recipient domain
 *	(one trailing dot stripped) with "$(sts $1 $: none $)". A TEMP
 *	reply becomes "<TMPF>", on which the rulesets answer "450 STS lookup
 *	temp fail"; NOTFOUND becomes "none", which turns the checks off.
 *	Only a reply holding the token "secure" is acted on: ruleset
 *	STS_Check removes a final "servername=hostname", takes everything
 *	after "match=" as a ':'-separated list, and accepts the MX host
 *	({server_name}) when it is in the list, or when ".PARENT" is, PARENT
 *	being the host name without its first label (one level only);
 *	STS_SAN then checks the certificate names against the MX host name,
 *	and Set_SNI sends the MX host name as SNI when the reply says
 *	"servername=hostname" (the only value it understands). Hence:
 *
 *	dane	"NOTFOUND ": MTA-STS must not override DANE (RFC 8461 2);
 *		Sendmail does DANE itself in the binary (confDANE).
 *	sts-enforce
 *		"OK secure match=N1:N2 servername=hostname" with the MX
 *		names as for Postfix, nothing after "servername=hostname"
 *		(STS_Check strips it only at the end). The fallback "*.d" ->
 *		".d" is exact here: Sendmail strips exactly one label.
 *	sts-testing, none, tempfail
 *		as for Postfix ("OK may" is ignored by the rulesets).
 * DIAGNOSTICS
 *	The length of the reply in out (NUL-terminated), or 0 when it does
 *	not fit in outsz; the caller then answers "TEMP reply too long".
 * SEE ALSO
 *	RFC 8461 2, 4.1, 5, 5.1; RFC 7672 2.1.1, 2.2; RFC 8460 4.4;
 *	Postfix postconf(5) smtp_tls_policy_maps, TLS_README, TLSRPT_README;
 *	Sendmail 8.17 cf/feature/sts.m4, cf/m4/proto.m4
 */
#include "reply.h"

#include <string.h>

#include "sts_match.h"
#include "summary.h"

#define REPLY_REASON_MAX	160	/* bytes of a TEMP reason */
#define REPLY_LINE_MAX		MXTLS_STS_FIELD_MAX

/* A bounded output buffer; a write that does not fit sets full. */
struct rbuf {
	char   *p;
	size_t	size;
	size_t	len;
	int	full;
};

static void
rb_add(struct rbuf *b, const char *s, size_t n)
{
	if (b->full || b->size - b->len <= n) {	/* keep room for NUL */
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
rb_str(struct rbuf *b, const char *s)
{
	rb_add(b, s, strlen(s));
}

/* rb_num - append v in decimal */

static void
rb_num(struct rbuf *b, unsigned long v)
{
	char d[24];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n > 0);
	rb_add(b, d + n, sizeof(d) - n);
}

/* reply_name_ok - 1 when s is a name that cannot break the reply syntax */

static int
reply_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '-' || (s[i] == '*' && i == 0)))
			return 0;
	return i > 0 && i <= MXTLS_DOMAIN_MAX;
}

/* reply_mx_known - 1 when the decision carries the domain's MX set */

static int
reply_mx_known(const struct mxtls_dane *dn)
{
	return !dn->mx_error && !dn->nxdomain && !dn->null_mx &&
	    !dn->implicit_mx && dn->nhosts > 0;
}

/*
 * reply_mx_names - append the MX host names that match a policy pattern
 * (RFC 8461 4.1), ':'-separated, each once. Returns how many.
 */

static size_t
reply_mx_names(const struct mxtls_decision *d, struct rbuf *b)
{
	const struct mxtls_dane *dn = &d->dane;
	const char *h;
	size_t i, k, n = 0, nh;

	if (!reply_mx_known(dn))
		return 0;
	nh = dn->nhosts < MXTLS_DANE_HOSTS_MAX ? dn->nhosts :
	    MXTLS_DANE_HOSTS_MAX;
	for (i = 0; i < nh; i++) {
		h = dn->hosts[i].host;
		if (!reply_name_ok(h) || h[0] == '*' ||
		    !mxtls_sts_policy_matches(&d->sts.entry.policy, h,
		    strlen(h)))
			continue;
		for (k = 0; k < i; k++)
			if (strcmp(dn->hosts[k].host, h) == 0)
				break;
		if (k < i)
			continue;	/* listed already */
		if (n++ > 0)
			rb_str(b, ":");
		rb_str(b, h);
	}
	return n;
}

/* reply_patterns - the fallback: the patterns, "*.d" written ".d" */

static size_t
reply_patterns(const struct mxtls_sts_policy *pol, struct rbuf *b)
{
	const char *p;
	size_t i, n = 0;

	for (i = 0; i < pol->nmx && i < MXTLS_STS_MX_MAX; i++) {
		p = pol->mx[i];
		if (!reply_name_ok(p))
			continue;
		if (n++ > 0)
			rb_str(b, ":");
		rb_str(b, p[0] == '*' ? p + 1 : p);
	}
	return n;
}

/* reply_policy_line - " { policy_string = LINE }" when Postfix can carry it */

static void
reply_policy_line(struct rbuf *b, const char *s, size_t n)
{
	size_t i;

	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		n--;
	if (n == 0 || n > REPLY_LINE_MAX)
		return;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '{' || s[i] == '}')
			return;
	rb_str(b, " { policy_string = ");
	rb_add(b, s, n);
	rb_str(b, " }");
}

/* reply_policy_strings - each line of the policy as fetched, or rebuilt */

static void
reply_policy_strings(const struct mxtls_sts_entry *e, struct rbuf *b)
{
	const char *s, *nl;
	size_t i, left;

	if (e->body != NULL && e->body_len > 0) {
		for (s = e->body, left = e->body_len; left > 0; ) {
			nl = memchr(s, '\n', left);
			i = nl != NULL ? (size_t)(nl - s) : left;
			reply_policy_line(b, s, i);
			s += i < left ? i + 1 : i;
			left -= i < left ? i + 1 : i;
		}
		return;
	}
	rb_str(b, " { policy_string = version: STSv1 } { policy_string = "
	    "mode: ");
	rb_str(b, mxtls_sts_mode_name(e->policy.mode));
	rb_str(b, " }");
	for (i = 0; i < e->policy.nmx && i < MXTLS_STS_MX_MAX; i++)
		if (reply_name_ok(e->policy.mx[i])) {
			rb_str(b, " { policy_string = mx: ");
			rb_str(b, e->policy.mx[i]);
			rb_str(b, " }");
		}
	rb_str(b, " { policy_string = max_age: ");
	rb_num(b, e->policy.max_age);
	rb_str(b, " }");
}

/* reply_tlsrpt - the Postfix 3.10 MTA-STS attributes (TLSRPT_README) */

static void
reply_tlsrpt(const struct mxtls_decision *d, struct rbuf *b)
{
	const struct mxtls_sts_policy *pol = &d->sts.entry.policy;
	size_t i;

	rb_str(b, " policy_type=sts policy_domain=");
	rb_str(b, d->domain);
	reply_policy_strings(&d->sts.entry, b);
	for (i = 0; i < pol->nmx && i < MXTLS_STS_MX_MAX; i++)
		if (reply_name_ok(pol->mx[i])) {
			rb_str(b, " mx_host_pattern=");
			rb_str(b, pol->mx[i]);
		}
}

/* reply_temp - "TEMP " and a short, sanitized reason */

static void
reply_temp(const char *why, struct rbuf *b)
{
	char q[REPLY_REASON_MAX];

	if (why == NULL || why[0] == '\0')
		why = "cannot decide now";
	rb_str(b, "TEMP ");
	rb_str(b, mxtls_sanitize(q, sizeof(q), why,
	    strnlen(why, sizeof(q) - 1)));
}

/* reply_first_error - the first error of the decision, as words */

static const char *
reply_first_error(const struct mxtls_decision *d)
{
	const struct mxtls_err *e = NULL;

	if (d->nerrors > 0)
		e = &d->errors[0];
	else if (d->sts.nerrors > 0)
		e = &d->sts.errors[0];
	if (e != NULL && e->detail[0] != '\0')
		return e->detail;
	if (e != NULL && e->type != MXTLS_RT_NONE)
		return mxtls_result_type_name(e->type);
	if (d->dane.detail[0] != '\0')
		return d->dane.detail;
	return NULL;
}

/*
 * The rows. Each gets the decision, the dialect and the options and
 * appends the reply payload to b.
 */
typedef void reply_row_fn(const struct mxtls_decision *,
    enum mxtlsd_dialect, const struct mxtlsd_reply_opts *, struct rbuf *);

/* RFC 8461 5, RFC 7672 2: nothing to enforce, deliver as before */

static void
row_notfound(const struct mxtls_decision *d, enum mxtlsd_dialect dia,
    const struct mxtlsd_reply_opts *o, struct rbuf *b)
{
	(void)d;
	(void)dia;
	(void)o;
	rb_str(b, "NOTFOUND ");
}

/* RFC 8461 5.1, RFC 7672 2.1.1: cannot decide now, so defer */

static void
row_tempfail(const struct mxtls_decision *d, enum mxtlsd_dialect dia,
    const struct mxtlsd_reply_opts *o, struct rbuf *b)
{
	(void)dia;
	(void)o;
	reply_temp(reply_first_error(d), b);
}

/* RFC 8461 4.1 (MX names), 4.2 (PKIX), 5 (enforce: never clear text) */

static void
row_secure(const struct mxtls_decision *d, enum mxtlsd_dialect dia,
    const struct mxtlsd_reply_opts *o, struct rbuf *b)
{
	const struct mxtls_sts_policy *pol = &d->sts.entry.policy;

	if (!d->sts.have_entry || pol->nmx == 0) {
		reply_temp("MTA-STS policy without mx patterns", b);
		return;
	}
	rb_str(b, "OK secure match=");
	if (reply_mx_names(d, b) == 0 && reply_patterns(pol, b) == 0) {
		b->len = 0;
		b->full = 0;
		b->p[0] = '\0';
		reply_temp("MTA-STS policy has no usable mx pattern", b);
		return;
	}
	rb_str(b, " servername=hostname");
	if (dia == MXTLSD_DIALECT_POSTFIX && o->postfix_tlsrpt)
		reply_tlsrpt(d, b);
}

/* RFC 8461 5: testing delivers as before; the rest is local choice */

static void
row_testing(const struct mxtls_decision *d, enum mxtlsd_dialect dia,
    const struct mxtlsd_reply_opts *o, struct rbuf *b)
{
	if (o->testing_enforce == 1)
		row_secure(d, dia, o, b);
	else if (o->testing_enforce == 2)
		rb_str(b, "OK may");
	else
		row_notfound(d, dia, o, b);
}

/*
 * RFC 7672 2.2: per MX host, DANE authentication where TLSA records are
 * usable, mandatory unauthenticated TLS where all are unusable, and
 * pre-DANE TLS where there are none; Postfix's "dane" level does exactly
 * that. RFC 8461 2: MTA-STS never overrides it, so Sendmail gets no STS
 * policy and does DANE itself.
 */

static void
row_dane(const struct mxtls_decision *d, enum mxtlsd_dialect dia,
    const struct mxtlsd_reply_opts *o, struct rbuf *b)
{
	size_t i, ndane = 0, nencrypt = 0, nh;

	if (dia == MXTLSD_DIALECT_SENDMAIL) {
		row_notfound(d, dia, o, b);
		return;
	}
	nh = d->dane.nhosts < MXTLS_DANE_HOSTS_MAX ? d->dane.nhosts :
	    MXTLS_DANE_HOSTS_MAX;
	for (i = 0; i < nh; i++) {
		if (d->dane.hosts[i].requirement == MXTLS_DANE_REQ_DANE)
			ndane++;
		else if (d->dane.hosts[i].requirement == MXTLS_DANE_REQ_ENCRYPT)
			nencrypt++;
	}
	if (nh > 0 && ndane == nh && o->dane_only)
		rb_str(b, "OK dane-only");
	else if (nh > 0 && nencrypt == nh && !o->encrypt_as_dane)
		rb_str(b, "OK encrypt");
	else
		rb_str(b, "OK dane");
}

static const struct reply_row {
	enum mxtls_policy policy;
	reply_row_fn *fn;
} reply_rows[] = {
	{MXTLS_POLICY_NONE, row_notfound},	/* RFC 8461 5, 7672 2 */
	{MXTLS_POLICY_STS_TESTING, row_testing}, /* RFC 8461 5 */
	{MXTLS_POLICY_STS_ENFORCE, row_secure},	/* RFC 8461 4.1, 5 */
	{MXTLS_POLICY_DANE, row_dane},		/* RFC 7672 2.2; 8461 2 */
	{MXTLS_POLICY_TEMPFAIL, row_tempfail},	/* RFC 8461 5.1; 7672 2.1.1 */
};

size_t
mxtlsd_reply(const struct mxtls_decision *d, enum mxtlsd_dialect dia,
    const struct mxtlsd_reply_opts *o, char *out, size_t outsz)
{
	struct rbuf b = {out, outsz, 0, 0};
	size_t i;

	if (out == NULL || outsz == 0)
		return 0;
	out[0] = '\0';
	if (d == NULL || o == NULL) {
		reply_temp("internal error", &b);
		return b.full ? 0 : b.len;
	}
	for (i = 0; i < sizeof(reply_rows) / sizeof(reply_rows[0]); i++)
		if (reply_rows[i].policy == d->policy)
			break;
	if (i < sizeof(reply_rows) / sizeof(reply_rows[0]))
		reply_rows[i].fn(d, dia, o, &b);
	else
		reply_temp("unknown policy (internal error)", &b);
	if (b.full) {
		out[0] = '\0';
		return 0;
	}
	return b.len;
}

/*
 * The Exim dialect has no table of its own: the plugin gets the summary
 * (summary.h) and its own table (exim-plugin/) turns it into Exim's words.
 * A tempfail is the Postfix row (RFC 8461 5.1; 7672 2.1.1).
 */
size_t
mxtlsd_reply_exim(const struct mxtls_decision *d,
    const struct mxtls_config *cfg, time_t now, char *out, size_t outsz)
{
	struct mxtls_summary s;
	struct rbuf b = {out, outsz, 0, 0};
	size_t n;

	if (out == NULL || outsz < 4)
		return 0;
	if (d->policy == MXTLS_POLICY_TEMPFAIL) {
		row_tempfail(d, MXTLSD_DIALECT_POSTFIX, NULL, &b);
		return b.full ? 0 : b.len;
	}
	mxtls_summary_make(cfg, d, now, &s);
	memcpy(out, "OK ", 3);
	if ((n = mxtls_summary_format(&s, out + 3, outsz - 3)) == 0)
		return 0;
	return n + 3;
}
