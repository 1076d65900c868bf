/*
 * NAME
 *	cmd_query - "mxtls query [--no-cache] DOMAIN"
 * DESCRIPTION
 *	Runs the same engine the daemon runs, on a private event loop: the
 *	MTA-STS TXT id is always looked up, the policy fetched when the id
 *	changed or nothing valid is cached, the cache updated for every other
 *	process; at the same time the MX, address and TLSA records are
 *	resolved for DANE. Prints what a sender must do for DOMAIN.
 * DIAGNOSTICS
 *	Exit 0 when DANE or an MTA-STS policy (any mode) applies, 1 when the
 *	domain has neither, 2 on usage, setup or temporary failure (policy
 *	tempfail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "decide.h"
#include "decide_json.h"
#include "sts_json.h"

struct query_state {
	struct cli *cli;
	struct event_base *base;
	int	done;
	int	rc;
};

static void
query_print_sts(const struct mxtls_sts_result *r)
{
	const struct mxtls_sts_entry *e = &r->entry;
	char t1[32], t2[32];
	size_t i;

	printf("  MTA-STS policy id %s, mode %s, max_age %u s\n", e->id,
	    mxtls_sts_mode_name(e->policy.mode), e->policy.max_age);
	for (i = 0; i < e->policy.nmx; i++)
		printf("  mx: %s\n", e->policy.mx[i]);
	printf("  fetched %s%s, valid until %s\n",
	    mxtls_time_text(e->fetched_at, t1, sizeof(t1)),
	    r->from_cache ? " (from the cache)" : " (just now)",
	    mxtls_time_text(e->expires_at, t2, sizeof(t2)));
}

static void
query_print_error(const struct mxtls_err *e)
{
	printf("  problem%s%s%s: %s\n", e->type ? " (" : "",
	    mxtls_result_type_name(e->type), e->type ? ")" : "", e->detail);
}

static const char *
query_advice(enum mxtls_policy p)
{
	switch (p) {
	case MXTLS_POLICY_STS_ENFORCE:
		return "deliver only over TLS to MX hosts that match an mx "
		    "pattern, with a trusted certificate for the MX host name; "
		    "otherwise defer (RFC 8461 4, 5)";
	case MXTLS_POLICY_STS_TESTING:
		return "check as for enforce and report failures (TLS-RPT), "
		    "but deliver even when the checks fail (RFC 8461 5)";
	case MXTLS_POLICY_DANE:
		return "deliver only over TLS; hosts marked dane must present "
		    "a certificate matching a usable TLSA record, hosts marked "
		    "encrypt only need TLS, unusable hosts must not be tried "
		    "now (RFC 7672 2.2, 3)";
	case MXTLS_POLICY_TEMPFAIL:
		return "defer and try again later: the answer could not be "
		    "established safely";
	default:
		return "no MTA-STS requirement: deliver as before "
		    "(opportunistic TLS)";
	}
}

static void
query_print_dane(const struct mxtls_dane *dn)
{
	const struct mxtls_dane_host *h;
	char hex[2 * MXTLS_TLSA_DATA_MAX + 1];
	size_t i, k;

	if (dn->nhosts == 0)
		return;
	printf("  MX records: DNSSEC %s%s\n", mxtls_dnssec_name(dn->mx_dnssec),
	    dn->implicit_mx ? " (no MX: the domain is its own mail host)" :
	    "");
	for (i = 0; i < dn->nhosts; i++) {
		h = &dn->hosts[i];
		printf("  host %s (preference %u): %s\n", h->host,
		    h->preference, mxtls_dane_req_name(h->requirement));
		for (k = 0; k < h->ntlsa; k++)
			printf("    TLSA %u %u %u %s%s%s\n", h->tlsa[k].usage,
			    h->tlsa[k].selector, h->tlsa[k].mtype,
			    mxtls_tlsa_hex(&h->tlsa[k], hex, 80),
			    h->tlsa[k].usable ? "" : " -- unusable: ",
			    h->tlsa[k].usable ? "" : h->tlsa[k].unusable_why);
		if (h->detail[0])
			printf("    %s\n", h->detail);
	}
}

static void
query_print(const struct mxtls_decision *d)
{
	const struct mxtls_sts_result *r = &d->sts;
	size_t i;

	printf("%s: %s (decided by %s)\n", d->domain,
	    mxtls_policy_name(d->policy), mxtls_rule_name(d->decided_by));
	query_print_dane(&d->dane);
	if (r->have_entry)
		query_print_sts(r);
	printf("  TXT _mta-sts.%s: %s", r->domain, mxtls_sts_txt_name(r->txt));
	if (r->txt == MXTLS_TXT_FOUND)
		printf(", id %s", r->txt_id);
	if (r->txt != MXTLS_TXT_NOT_CHECKED)
		printf(", DNSSEC %s", mxtls_dnssec_name(r->dnssec));
	printf("\n");
	for (i = 0; i < r->nerrors; i++)
		query_print_error(&r->errors[i]);
	for (i = 0; i < d->nerrors; i++)
		query_print_error(&d->errors[i]);
	printf("  senders: %s\n", query_advice(d->policy));
}

static void
query_done(void *arg, const struct mxtls_decision *d)
{
	struct query_state *q = arg;

	if (q->cli->json)
		cli_json_out(mxtls_decision_json(d));
	else
		query_print(d);
	if (d->policy == MXTLS_POLICY_TEMPFAIL)
		q->rc = CLI_EXIT_ERR;
	else
		q->rc = d->policy == MXTLS_POLICY_DANE || d->sts.have_entry ?
		    CLI_EXIT_OK : CLI_EXIT_NO;
	q->done = 1;
	event_base_loopbreak(q->base);
}

int
cmd_query(struct cli *cli)
{
	struct query_state q;
	struct mxtls_cache *cache = NULL;
	struct mxtls_engine *eng = NULL;
	struct mxtls_why why;
	unsigned flags = MXTLS_LOOKUP_CHECK_TXT;

	if (cli->argc != 1) {
		cli_err("usage: mxtls query [--no-cache] DOMAIN");
		return CLI_EXIT_ERR;
	}
	memset(&q, 0, sizeof(q));
	q.cli = cli;
	q.rc = CLI_EXIT_ERR;
	mxtls_why_clear(&why);
	if (cli->no_cache)
		flags |= MXTLS_LOOKUP_NO_CACHE;
	else if ((cache = mxtls_cache_open(cli->cfg.cache_dir,
	    cli->cfg.cache_map_size, MXTLS_CACHE_CREATE, &why)) == NULL)
		cli_err("warning: working without the cache: %s", why.text);
	if ((q.base = event_base_new()) == NULL) {
		cli_err("cannot create an event loop");
		goto out;
	}
	if ((eng = mxtls_engine_new(q.base, &cli->cfg, cache, &why)) == NULL) {
		cli_err("%s", why.text);
		goto out;
	}
	if (mxtls_decide(eng, cli->argv[0], flags, query_done, &q,
	    &why) != MXTLS_OK) {
		cli_err("%s", why.text);
		goto out;
	}
	while (!q.done && event_base_dispatch(q.base) == 0)
		;
out:
	mxtls_engine_free(eng);
	if (q.base)
		event_base_free(q.base);
	mxtls_cache_close(cache);
	return q.rc;
}
