/*
 * NAME
 *	cmd_query - "mxtls query [--no-cache] DOMAIN"
 * DESCRIPTION
 *	Runs the same engine the daemon runs, on a private event loop: the
 *	MTA-STS TXT id is always looked up, the policy fetched when the id
 *	changed or nothing valid is cached, the cache updated for every other
 *	process; at the same time the MX, address and TLSA records are
 *	resolved for DANE. Prints what a sender must do for DOMAIN.
 *
 *	When query_daemon names a running mxtlsd (and --no-cache is not
 *	given), the question goes to it instead, as "json DOMAIN" over the
 *	socketmap protocol, so that the administrator sees what the MTA
 *	sees: --json prints the daemon's decision JSON, plain output the
 *	essential lines of it. A daemon that cannot be reached, or does not
 *	answer within dns_timeout + fetch_timeout + 5 s, is reported on
 *	stderr and the query is resolved in-process.
 * DIAGNOSTICS
 *	Exit 0 when DANE or an MTA-STS policy (any mode) applies, 1 when the
 *	domain has neither, 2 on usage, setup or temporary failure (policy
 *	tempfail).
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "decide.h"
#include "decide_json.h"
#include "smclient.h"
#include "sts_json.h"

#define QUERY_REPLY_MAX		100000	/* socketmap reply payload */
#define QUERY_REPLY_BUF		(QUERY_REPLY_MAX + 16)

struct query_state {
	struct cli *cli;
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

/* ------------------------------------------------------------ the JSON */

/* query_policy_value - the enum for a policy name from the JSON */

static enum mxtls_policy
query_policy_value(const char *name)
{
	enum mxtls_policy p;

	for (p = MXTLS_POLICY_NONE; p <= MXTLS_POLICY_TEMPFAIL; p++)
		if (name != NULL && strcmp(name, mxtls_policy_name(p)) == 0)
			return p;
	return MXTLS_POLICY_TEMPFAIL;
}

static const char *
query_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

/* query_print_json_sts - mode and mx patterns of the "sts" member */

static void
query_print_json_sts(const json_t *sts)
{
	const json_t *v;
	size_t i;

	if (!json_is_object(sts))
		return;
	printf("  MTA-STS policy id %s, mode %s, max_age %lld s\n",
	    query_str(sts, "id"), query_str(sts, "mode"),
	    (long long)json_integer_value(json_object_get(sts, "max_age")));
	json_array_foreach(json_object_get(sts, "mx"), i, v)
		printf("  mx: %s\n", json_string_value(v) ?
		    json_string_value(v) : "-");
	printf("  valid until %s\n", query_str(sts, "expires_at"));
}

/* query_print_json - the essential lines of the daemon's decision JSON */

static void
query_print_json(const json_t *j, const char *endpoint)
{
	const json_t *v;
	const char *type;
	size_t i;

	printf("%s: %s (decided by %s; answered by mxtlsd at %s)\n",
	    query_str(j, "domain"), query_str(j, "policy"),
	    query_str(j, "decided_by"), endpoint);
	json_array_foreach(json_object_get(json_object_get(j, "dane"),
	    "hosts"), i, v)
		printf("  host %s (preference %lld): %s\n",
		    query_str(v, "host"), (long long)json_integer_value(
		    json_object_get(v, "preference")),
		    query_str(v, "requirement"));
	query_print_json_sts(json_object_get(j, "sts"));
	printf("  TXT _mta-sts.%s: %s\n", query_str(j, "domain"),
	    query_str(json_object_get(j, "txt"), "result"));
	json_array_foreach(json_object_get(j, "errors"), i, v) {
		type = json_string_value(json_object_get(v, "result_type"));
		printf("  problem%s%s%s: %s\n", type ? " (" : "",
		    type ? type : "", type ? ")" : "", query_str(v, "detail"));
	}
	printf("  senders: %s\n",
	    query_advice(query_policy_value(query_str(j, "policy"))));
}

/* query_daemon_reply - print the daemon's reply; an exit code */

static int
query_daemon_reply(struct cli *cli, const char *domain, const char *data,
    size_t dlen)
{
	char show[256];
	json_error_t jerr;
	json_t *j;
	enum mxtls_policy p;
	int rc;

	if (dlen >= 9 && memcmp(data, "NOTFOUND ", 9) == 0) {
		printf("%s: no policy can apply (an address or a parent-domain "
		    "key)\n", domain);
		return CLI_EXIT_NO;
	}
	if (dlen < 3 || memcmp(data, "OK ", 3) != 0) {
		cli_err("mxtlsd: %s", mxtls_sanitize(show, sizeof(show), data,
		    dlen));
		return CLI_EXIT_ERR;
	}
	if ((j = json_loadb(data + 3, dlen - 3, 0, &jerr)) == NULL) {
		cli_err("mxtlsd: the reply is not JSON: %s", jerr.text);
		return CLI_EXIT_ERR;
	}
	p = query_policy_value(query_str(j, "policy"));
	if (p == MXTLS_POLICY_TEMPFAIL)
		rc = CLI_EXIT_ERR;
	else
		rc = p == MXTLS_POLICY_DANE || json_is_object(
		    json_object_get(j, "sts")) ? CLI_EXIT_OK : CLI_EXIT_NO;
	if (cli->json)
		cli_json_out(j);
	else {
		query_print_json(j, cli->cfg.query_daemon);
		json_decref(j);
	}
	return rc;
}

/* ------------------------------------------------------------ mxtlsd */

/*
 * query_daemon - ask mxtlsd. Returns -1 when it could not be asked (the
 * caller resolves in-process), else an exit code after printing.
 */

static int
query_daemon(struct cli *cli, const char *domain)
{
	struct mxtls_endpoint ep;
	struct mxtls_why why;
	struct timespec dl;
	const char *data;
	size_t dlen;
	char *buf;
	int rc = -1;

	if (mxtls_config_endpoint(cli->cfg.query_daemon,
	    strlen(cli->cfg.query_daemon), MXTLS_ENDPOINT_UNIX |
	    MXTLS_ENDPOINT_INET, &ep, &why) != MXTLS_OK) {
		cli_err("warning: query_daemon: %s", why.text);
		return -1;
	}
	if (strlen(domain) > MXTLS_DOMAIN_MAX + 1 ||
	    strchr(domain, ' ') != NULL) {
		cli_err("%s: not a domain name", domain);
		return CLI_EXIT_ERR;
	}
	mxtls_deadline_in(&dl, (cli->cfg.dns_timeout + cli->cfg.fetch_timeout +
	    5) * 1000);
	if ((buf = malloc(QUERY_REPLY_BUF)) == NULL)
		return -1;
	if (mxtls_smclient_ask(&ep, "json", domain, &dl, buf, QUERY_REPLY_BUF,
	    &data, &dlen) != 0)
		cli_err("warning: mxtlsd at %s: %s; resolving in-process",
		    ep.text, strerror(errno));
	else
		rc = query_daemon_reply(cli, domain, data, dlen);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ in-process */

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
}

int
cmd_query(struct cli *cli)
{
	struct query_state q;

	if (cli->argc != 1) {
		cli_err("usage: mxtls query [--no-cache] DOMAIN");
		return CLI_EXIT_ERR;
	}
	if (cli->cfg.query_daemon[0] != '\0' && cli->no_cache)
		cli_err("warning: --no-cache: resolving in-process, not asking "
		    "mxtlsd");
	else if (cli->cfg.query_daemon[0] != '\0' &&
	    (q.rc = query_daemon(cli, cli->argv[0])) != -1)
		return q.rc;
	memset(&q, 0, sizeof(q));
	q.cli = cli;
	q.rc = CLI_EXIT_ERR;
	(void)cli_decide(cli, cli->argv[0], query_done, &q);
	return q.rc;
}
