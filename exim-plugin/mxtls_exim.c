/*
 * NAME
 *	mxtls_exim - MTA-STS and DANE decisions for Exim through ${dlfunc}
 * SYNOPSIS
 *	${dlfunc{/usr/lib/mxtls/mxtls_exim.so}{policy}{DOMAIN}{[CONFIG]}}
 *	${dlfunc{/usr/lib/mxtls/mxtls_exim.so}{hosts}{DOMAIN}{[CONFIG]}}
 *	${dlfunc{/usr/lib/mxtls/mxtls_exim.so}{names}{DOMAIN}{HOST}{[CONFIG]}}
 *	${dlfunc{/usr/lib/mxtls/mxtls_exim.so}{require}{DOMAIN}{[CONFIG]}}
 *	${dlfunc{/usr/lib/mxtls/mxtls_exim.so}{summary}{DOMAIN}{[CONFIG]}}
 * DESCRIPTION
 *	The Exim 4.96 dlfunc contract (local_scan.h, DLFUNC_IMPL): each
 *	function is int fn(uschar **yield, int argc, uschar *argv[]) and
 *	returns OK with *yield from Exim's store (string_copy), or another
 *	code with *yield the message. Every function takes at most 3
 *	arguments (Exim 4.96 crashes on exactly 8). CONFIG, when given and
 *	not empty, is the absolute path of the mxtls.conf to use instead of
 *	/etc/mxtls/mxtls.conf.
 *
 *	policy	"dane", "sts-enforce", "sts-testing" or "none": the decision
 *		for DOMAIN (a key that is not a domain name, e.g. an IP
 *		literal, is "none").
 *	hosts	the MX hosts a delivery may use, ':'-separated in preference
 *		order: for sts-enforce only those matching the policy (RFC
 *		8461 4.1), for the others every host not unusable now; the
 *		domain itself for an implicit MX. None at all: for
 *		sts-enforce a temporary failure (RFC 8461 5: do not deliver),
 *		otherwise a forced failure (the router declines).
 *	names	the names the certificate of HOST must match when delivering
 *		to DOMAIN: HOST itself when the policy allows it (RFC 8461
 *		4.1: the certificate must be valid for the MX host name; RFC
 *		7672 3.2.2: the MX host name is a reference identifier);
 *		FAIL when HOST is not a host the policy allows.
 *	require	"dane=H1:H2 tls=H1:H2:H3", for ${extract}: the MX hosts with
 *		usable TLSA records (RFC 7672 2.2: DANE required) and those
 *		that must use TLS (those, the hosts whose TLSA records are all
 *		unusable, RFC 7672 2.2 "encrypt", and for sts-enforce the
 *		hosts matching the policy); either list may be empty.
 *	summary	the decision summary (see summary.h), for logs and tests.
 *
 *	The one table from an outcome to Exim's return code:
 *
 *	outcome                         return      Exim then
 *	decision found                  OK          uses *yield
 *	tempfail (RFC 8461 5.1, 7672    DEFER (or   defers the address;
 *	  2.1.1), no allowed MX host      FAIL with  DEFER also writes the
 *	                                  exim_tempfail = fail)  panic log
 *	no host for a non-enforce       FAIL_FORCED the router declines
 *	bad arguments, unusable config  ERROR       defers, panic log
 *
 *	Lookups go through lookup.c (the shared LMDB cache, mxtlsd, or the
 *	engine in-process). Messages go to Exim's main log through
 *	log_write(), one line per failure or fallback; a cached answer logs
 *	nothing.
 * SEE ALSO
 *	mxtls_exim(8), packaging/exim4/mxtls.conf, plugin.h
 */
#define DLFUNC_IMPL
#include <local_scan.h>

#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "log.h"
#include "plugin.h"

#define XP_MSG_MAX	(MXTLS_WHY_MAX + 128)

/* Exported: only these (exim-plugin/exports.sym). */
exim_dlfunc_t policy, hosts, names, require, summary;

/* xp_sink - the core's log messages go to Exim's main log */

static void
xp_sink(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	log_write(0, LOG_MAIN, "mxtls: %s", msg);
}

/* xp_yield - *yield = a copy of s in Exim's store; returns rc */

static int
xp_yield(uschar **yield, int rc, const char *s)
{
	*yield = string_copy((const uschar *)s);
	return rc;
}

static int
xp_yieldf(uschar **yield, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
xp_yieldf(uschar **yield, int rc, const char *fmt, ...)
{
	char buf[XP_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return xp_yield(yield, rc, buf);
}

/* xp_tempfail - the tempfail row of the table, logged */

static int
xp_tempfail(uschar **yield, const struct mxtls_config *cfg,
    const char *domain, const char *why)
{
	int rc = strcmp(cfg->exim_tempfail, "fail") == 0 ? FAIL : DEFER;

	/* Exim logs a DEFER itself (main and panic log), a FAIL not */
	if (rc == FAIL)
		log_write(0, LOG_MAIN, "mxtls: %s: deferred: %s", domain, why);
	return xp_yieldf(yield, rc, "mxtls: %s: %s", domain, why);
}

/*
 * xp_decide - the common start of every function: arguments, the
 * configuration and the summary of argv[0]. Returns -1 with *rc set (the
 * function returns it) or 0 with *s filled; *isdomain 0 when the key
 * cannot have a policy (then *s is "none").
 */
static int
xp_decide(uschar **yield, int argc, uschar *argv[], int nargs,
    const char *fn, char *domain, struct mxtls_summary *s,
    const struct mxtls_config **cfgp, int *rc)
{
	const struct mxtls_config *cfg;
	enum mxtls_exim_source from;
	struct mxtls_why why;
	const char *conf;

	mxtls_why_clear(&why);
	if (argc < nargs || argc > nargs + 1) {
		*rc = xp_yieldf(yield, ERROR, "mxtls: %s takes %d or %d "
		    "arguments, not %d", fn, nargs, nargs + 1, argc);
		return -1;
	}
	conf = argc > nargs ? (const char *)argv[nargs] : "";
	mxtls_log_set_sink(xp_sink, NULL);
	if ((cfg = mxtls_exim_config(conf, &why)) == NULL) {
		*rc = xp_yieldf(yield, ERROR, "mxtls: %s", why.text);
		return -1;
	}
	*cfgp = cfg;
	memset(s, 0, sizeof(*s));
	if (mxtls_domain_normalize((const char *)argv[0],
	    strlen((const char *)argv[0]), domain, MXTLS_DOMAIN_MAX + 1,
	    &why) != MXTLS_OK) {
		/* an IP literal or no domain name: no policy can apply */
		mxtls_strlcpy(domain, "", MXTLS_DOMAIN_MAX + 1);
		s->policy = MXTLS_POLICY_NONE;
		return 0;
	}
	if (mxtls_exim_lookup(cfg, domain, s, &from, &why) != MXTLS_OK) {
		*rc = xp_tempfail(yield, cfg, domain, why.text);
		return -1;
	}
	if (from == MXTLS_EXIM_FROM_STALE)
		log_write(0, LOG_MAIN, "mxtls: %s: could not refresh the "
		    "decision (%s); using the stored one (%s) until it "
		    "expires", domain, why.text, mxtls_policy_name(s->policy));
	if (s->policy == MXTLS_POLICY_TEMPFAIL) {
		*rc = xp_tempfail(yield, cfg, domain, s->note[0] ? s->note :
		    "cannot decide now");
		return -1;
	}
	return 0;
}

int
policy(uschar **yield, int argc, uschar *argv[])
{
	const struct mxtls_config *cfg;
	char domain[MXTLS_DOMAIN_MAX + 1];
	struct mxtls_summary s;
	int rc;

	if (xp_decide(yield, argc, argv, 1, "policy", domain, &s, &cfg,
	    &rc) != 0)
		return rc;
	return xp_yield(yield, OK, mxtls_policy_name(s.policy));
}

int
hosts(uschar **yield, int argc, uschar *argv[])
{
	const struct mxtls_config *cfg;
	char domain[MXTLS_DOMAIN_MAX + 1];
	char list[MXTLS_SUMMARY_HOSTS_MAX * (MXTLS_DOMAIN_MAX + 1) + 1];
	struct mxtls_summary s;
	int rc, n;

	if (xp_decide(yield, argc, argv, 1, "hosts", domain, &s, &cfg,
	    &rc) != 0)
		return rc;
	n = mxtls_summary_hosts(&s, ':', list, sizeof(list));
	if (n > 0)
		return xp_yield(yield, OK, list);
	if (s.policy != MXTLS_POLICY_STS_ENFORCE)
		return xp_yieldf(yield, FAIL_FORCED, "mxtls: %s has no MX host "
		    "to use", domain[0] ? domain : (const char *)argv[0]);
	/* RFC 8461 5: no MX host matches the enforced policy: do not send */
	return xp_tempfail(yield, cfg, domain, s.mx == MXTLS_SUMMARY_MX_NONE ?
	    "its MTA-STS policy is enforced but its MX hosts are not known "
	    "now" : "no MX host matches its MTA-STS policy (RFC 8461 4.1); "
	    "the domain must fix its MX records or its policy");
}

int
names(uschar **yield, int argc, uschar *argv[])
{
	const struct mxtls_config *cfg;
	char domain[MXTLS_DOMAIN_MAX + 1], host[MXTLS_DOMAIN_MAX + 1];
	struct mxtls_summary s;
	struct mxtls_why why;
	size_t i;
	int rc;

	if (xp_decide(yield, argc, argv, 2, "names", domain, &s, &cfg,
	    &rc) != 0)
		return rc;
	if (mxtls_domain_normalize((const char *)argv[1],
	    strlen((const char *)argv[1]), host, sizeof(host), &why) !=
	    MXTLS_OK)
		return xp_yieldf(yield, FAIL, "mxtls: %s", why.text);
	for (i = 0; i < s.nhosts; i++) {
		if (strcmp(s.hosts[i].name, host) != 0)
			continue;
		if (s.policy == MXTLS_POLICY_STS_ENFORCE &&
		    !(s.hosts[i].flags & MXTLS_SH_STS))
			break;
		return xp_yield(yield, OK, host);
	}
	return xp_yieldf(yield, FAIL, "mxtls: %s is not an MX host of %s "
	    "that its %s policy allows", host, domain,
	    mxtls_policy_name(s.policy));
}

/* xp_append - add name to the ':'-list in buf (size sz); -1: full */

static int
xp_append(char *buf, size_t sz, size_t *len, const char *name)
{
	size_t n = strlen(name);

	if (sz - *len <= n + 1)
		return -1;
	if (*len > 0 && buf[*len - 1] != '=')
		buf[(*len)++] = ':';
	memcpy(buf + *len, name, n + 1);
	*len += n;
	return 0;
}

int
require(uschar **yield, int argc, uschar *argv[])
{
	const struct mxtls_config *cfg;
	char domain[MXTLS_DOMAIN_MAX + 1];
	char dane[MXTLS_SUMMARY_HOSTS_MAX * (MXTLS_DOMAIN_MAX + 1) + 8];
	char tls[sizeof(dane)], out[2 * sizeof(dane) + 16];
	size_t dl = 0, tl = 0, i;
	struct mxtls_summary s;
	unsigned f;
	int rc, err = 0;

	if (xp_decide(yield, argc, argv, 1, "require", domain, &s, &cfg,
	    &rc) != 0)
		return rc;
	dane[0] = tls[0] = '\0';
	for (i = 0; i < s.nhosts; i++) {
		f = s.hosts[i].flags;
		if (s.policy == MXTLS_POLICY_DANE && (f & MXTLS_SH_DANE))
			err |= xp_append(dane, sizeof(dane), &dl,
			    s.hosts[i].name);
		if ((s.policy == MXTLS_POLICY_DANE &&
		    (f & (MXTLS_SH_DANE | MXTLS_SH_ENCRYPT))) ||
		    (s.policy == MXTLS_POLICY_STS_ENFORCE &&
		    (f & MXTLS_SH_STS)))
			err |= xp_append(tls, sizeof(tls), &tl,
			    s.hosts[i].name);
	}
	if (err)
		return xp_yield(yield, ERROR, "mxtls: host lists too long");
	(void)snprintf(out, sizeof(out), "dane=%s tls=%s", dane, tls);
	return xp_yield(yield, OK, out);
}

int
summary(uschar **yield, int argc, uschar *argv[])
{
	const struct mxtls_config *cfg;
	char domain[MXTLS_DOMAIN_MAX + 1], text[MXTLS_SUMMARY_TEXT_MAX + 1];
	struct mxtls_summary s;
	int rc;

	if (xp_decide(yield, argc, argv, 1, "summary", domain, &s, &cfg,
	    &rc) != 0)
		return rc;
	if (mxtls_summary_format(&s, text, sizeof(text)) == 0)
		return xp_yield(yield, ERROR, "mxtls: summary too long");
	return xp_yield(yield, OK, text);
}
