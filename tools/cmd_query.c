/*
 * NAME
 *	cmd_query - "mxtls query [--no-cache] DOMAIN"
 * DESCRIPTION
 *	Runs the same engine the daemon runs, on a private event loop: the
 *	TXT id is always looked up, the policy fetched when the id changed
 *	or nothing valid is cached, and the cache updated for every other
 *	process. Prints what a sender must do for DOMAIN.
 * DIAGNOSTICS
 *	Exit 0 when an MTA-STS policy applies (any mode), 1 when the domain
 *	has none, 2 on usage, setup or temporary failure (policy tempfail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "sts.h"
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
	case MXTLS_POLICY_TEMPFAIL:
		return "defer and try again later: the answer could not be "
		    "established safely";
	default:
		return "no MTA-STS requirement: deliver as before "
		    "(opportunistic TLS)";
	}
}

static void
query_print(const struct mxtls_sts_result *r)
{
	size_t i;

	printf("%s: %s\n", r->domain, mxtls_policy_name(r->policy));
	if (r->have_entry)
		query_print_sts(r);
	printf("  TXT _mta-sts.%s: %s", r->domain, mxtls_sts_txt_name(r->txt));
	if (r->txt == MXTLS_TXT_FOUND)
		printf(", id %s", r->txt_id);
	if (r->txt != MXTLS_TXT_NOT_CHECKED)
		printf(", DNSSEC %s", mxtls_dnssec_name(r->dnssec));
	printf("\n");
	for (i = 0; i < r->nerrors; i++)
		printf("  problem%s%s%s: %s\n",
		    r->errors[i].type ? " (" : "",
		    mxtls_result_type_name(r->errors[i].type),
		    r->errors[i].type ? ")" : "", r->errors[i].detail);
	printf("  senders: %s\n", query_advice(r->policy));
}

static void
query_done(void *arg, const struct mxtls_sts_result *r)
{
	struct query_state *q = arg;

	if (q->cli->json)
		cli_json_out(mxtls_sts_result_json(r));
	else
		query_print(r);
	if (r->policy == MXTLS_POLICY_TEMPFAIL)
		q->rc = CLI_EXIT_ERR;
	else
		q->rc = r->have_entry ? CLI_EXIT_OK : CLI_EXIT_NO;
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
	if (mxtls_sts_lookup(eng, cli->argv[0], flags, query_done, &q,
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
