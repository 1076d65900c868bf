/*
 * NAME
 *	cmd_cache - "mxtls cache list|show DOMAIN|purge [DOMAIN]"
 * DESCRIPTION
 *	Inspects and manages the shared LMDB cache. list and show open it
 *	read-only, so they are safe beside a running daemon.
 * DIAGNOSTICS
 *	Exit 0 found/done, 1 no such entry, 2 usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cli.h"
#include "clock.h"
#include "domain.h"
#include "sts_json.h"
#include "summary.h"

struct list_state {
	struct cli *cli;
	struct mxtls_cache *cache;
	struct mxtls_sts_entry *scratch;
	json_t *arr;
	size_t	n;
};

/*
 * cache_decision - the summary of the domain's last decision ("dec"
 * database, what the Exim plugin reads) into text; 0 when there is none
 */
static int
cache_decision(struct mxtls_cache *cache, const char *domain, char *text,
    size_t textsz)
{
	struct mxtls_summary s;
	struct mxtls_why why;

	return mxtls_cache_dec_get(cache, domain, &s, &why) == MXTLS_OK &&
	    mxtls_summary_format(&s, text, textsz) > 0;
}

/* list_policy_name - the first word of a summary: the decided policy */
static const char *
list_policy_name(const char *dec, char *out, size_t outsz)
{
	size_t n = strcspn(dec, " ");

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, dec, n);
	out[n] = '\0';
	return out;
}

static int
cache_list_one(void *arg, const struct mxtls_sts_entry *e)
{
	struct list_state *ls = arg;
	char t[32], f[32], p[32], dec[MXTLS_SUMMARY_TEXT_MAX + 1];
	int have_dec;
	json_t *j;

	ls->n++;
	have_dec = cache_decision(ls->cache, e->domain, dec, sizeof(dec));
	if (ls->cli->json) {
		if ((j = mxtls_sts_entry_json(e)) != NULL)
			json_object_set_new(j, "decision", have_dec ?
			    json_string(dec) : json_null());
		json_array_append_new(ls->arr, j);
		return 0;
	}
	printf("%-32s %-8s %-20s %-21s %-21s %s\n", e->domain,
	    e->have_policy ? mxtls_sts_mode_name(e->policy.mode) : "-",
	    e->have_policy ? e->id : "-",
	    e->have_policy ? mxtls_time_text(e->expires_at, t, sizeof(t)) :
	    "-", e->failed_at > 0 ? mxtls_time_text(e->failed_at, f,
	    sizeof(f)) : "-", have_dec ? list_policy_name(dec, p,
	    sizeof(p)) : "-");
	return 0;
}

/* cache_list_dec - a domain with a decision but no MTA-STS entry (DANE,
 * no policy): listed after the others */
static int
cache_list_dec(void *arg, const char *domain, const struct mxtls_summary *s)
{
	struct list_state *ls = arg;
	char dec[MXTLS_SUMMARY_TEXT_MAX + 1], p[32];

	if (mxtls_cache_sts_get(ls->cache, domain, ls->scratch, 0, NULL) ==
	    MXTLS_OK)
		return 0;	/* listed with its MTA-STS entry */
	if (mxtls_summary_format(s, dec, sizeof(dec)) == 0)
		return 0;
	ls->n++;
	if (ls->cli->json) {
		json_array_append_new(ls->arr, json_pack("{s:s, s:n, s:s}",
		    "domain", domain, "sts", "decision", dec));
		return 0;
	}
	printf("%-32s %-8s %-20s %-21s %-21s %s\n", domain, "-", "-", "-",
	    "-", list_policy_name(dec, p, sizeof(p)));
	return 0;
}

static int
cache_list(struct cli *cli, struct mxtls_cache *cache)
{
	struct list_state ls;
	struct mxtls_why why;

	memset(&ls, 0, sizeof(ls));
	ls.cli = cli;
	ls.cache = cache;
	if ((ls.scratch = calloc(1, sizeof(*ls.scratch))) == NULL ||
	    (cli->json && (ls.arr = json_array()) == NULL)) {
		free(ls.scratch);
		cli_err("out of memory");
		return CLI_EXIT_ERR;
	}
	if (!cli->json)
		printf("%-32s %-8s %-20s %-21s %-21s %s\n", "DOMAIN", "MODE",
		    "ID", "EXPIRES", "LAST-FAILURE", "DECISION");
	mxtls_why_clear(&why);
	if (mxtls_cache_sts_list(cache, cache_list_one, &ls, &why) !=
	    MXTLS_OK || mxtls_cache_dec_list(cache, cache_list_dec, &ls,
	    &why) != MXTLS_OK) {
		json_decref(ls.arr);
		free(ls.scratch);
		cli_err("%s", why.text);
		return CLI_EXIT_ERR;
	}
	free(ls.scratch);
	if (cli->json)
		cli_json_out(ls.arr);
	return CLI_EXIT_OK;
}

static void
cache_show_text(const struct mxtls_sts_entry *e)
{
	char t[32];
	size_t i;

	printf("%s\n", e->domain);
	if (e->have_policy) {
		printf("  policy: mode %s, id %s, max_age %u s\n",
		    mxtls_sts_mode_name(e->policy.mode), e->id,
		    e->policy.max_age);
		for (i = 0; i < e->policy.nmx; i++)
			printf("  mx: %s\n", e->policy.mx[i]);
		printf("  fetched: %s\n", mxtls_time_text(e->fetched_at, t,
		    sizeof(t)));
		printf("  expires: %s%s\n", mxtls_time_text(e->expires_at, t,
		    sizeof(t)), e->expires_at <= (int64_t)mxtls_now() ?
		    " (expired)" : "");
	} else {
		printf("  policy: none cached\n");
	}
	if (e->txt_checked_at > 0)
		printf("  TXT checked: %s\n", mxtls_time_text(
		    e->txt_checked_at, t, sizeof(t)));
	if (e->failed_at > 0)
		printf("  last failure: %s, id %s, %s: %s\n",
		    mxtls_time_text(e->failed_at, t, sizeof(t)), e->failed_id,
		    e->fail_type ? mxtls_result_type_name(e->fail_type) :
		    "error", e->fail_detail);
	if (e->have_policy && e->body) {
		printf("  policy text:\n");
		fwrite(e->body, 1, e->body_len, stdout);
		if (e->body_len && e->body[e->body_len - 1] != '\n')
			printf("\n");
	}
}


static int
cache_show(struct cli *cli, struct mxtls_cache *cache, const char *domain)
{
	char dec[MXTLS_SUMMARY_TEXT_MAX + 1];
	struct mxtls_sts_entry e;
	struct mxtls_why why;
	enum mxtls_status st;
	json_t *j;
	int have_dec;

	memset(&e, 0, sizeof(e));
	mxtls_why_clear(&why);
	have_dec = cache_decision(cache, domain, dec, sizeof(dec));
	st = mxtls_cache_sts_get(cache, domain, &e, 1, &why);
	if (st == MXTLS_NOTFOUND && !have_dec) {
		if (cli->json)
			cli_json_out(json_pack("{s:s, s:n, s:n}", "domain",
			    domain, "sts", "decision"));
		else
			printf("%s: not in the cache\n", domain);
		return CLI_EXIT_NO;
	}
	if (st != MXTLS_OK && st != MXTLS_NOTFOUND) {
		cli_err("%s", why.text);
		return CLI_EXIT_ERR;
	}
	if (cli->json) {
		j = st == MXTLS_OK ? mxtls_sts_entry_json(&e) :
		    json_pack("{s:s, s:n}", "domain", domain, "sts");
		if (j != NULL)
			json_object_set_new(j, "decision", have_dec ?
			    json_string(dec) : json_null());
		cli_json_out(j);
	} else {
		if (st == MXTLS_OK)
			cache_show_text(&e);
		else
			printf("%s\n  policy: none cached\n", domain);
		if (have_dec)
			printf("  decision (what the Exim plugin reads): %s\n",
			    dec);
	}
	mxtls_sts_entry_clear(&e);
	return CLI_EXIT_OK;
}

static int
cache_purge(struct cli *cli, struct mxtls_cache *cache, const char *domain)
{
	struct mxtls_why why;
	enum mxtls_status st;
	size_t n = 0;

	mxtls_why_clear(&why);
	st = mxtls_cache_sts_purge(cache, domain, &n, &why);
	if (st != MXTLS_OK && st != MXTLS_NOTFOUND) {
		cli_err("%s", why.text);
		return CLI_EXIT_ERR;
	}
	if (cli->json)
		cli_json_out(json_pack("{s:I}", "removed", (json_int_t)n));
	else
		printf("removed %zu entr%s\n", n, n == 1 ? "y" : "ies");
	return domain && n == 0 ? CLI_EXIT_NO : CLI_EXIT_OK;
}

int
cmd_cache(struct cli *cli)
{
	char name[MXTLS_DOMAIN_MAX + 1];
	struct mxtls_cache *cache;
	struct mxtls_why why;
	const char *sub = cli->argc > 0 ? cli->argv[0] : "";
	int rc, writer = strcmp(sub, "purge") == 0;

	if (!((strcmp(sub, "list") == 0 && cli->argc == 1) ||
	    (strcmp(sub, "show") == 0 && cli->argc == 2) ||
	    (writer && (cli->argc == 1 || cli->argc == 2)))) {
		cli_err("usage: mxtls cache list | show DOMAIN | "
		    "purge [DOMAIN]");
		return CLI_EXIT_ERR;
	}
	mxtls_why_clear(&why);
	if (cli->argc == 2 && mxtls_domain_normalize(cli->argv[1],
	    strlen(cli->argv[1]), name, sizeof(name), &why) != MXTLS_OK) {
		cli_err("%s", why.text);
		return CLI_EXIT_ERR;
	}
	cache = mxtls_cache_open(cli->cfg.cache_dir, cli->cfg.cache_map_size,
	    writer ? 0 : MXTLS_CACHE_RDONLY, &why);
	if (cache == NULL) {
		cli_err("%s", why.text);
		return CLI_EXIT_ERR;
	}
	if (strcmp(sub, "list") == 0)
		rc = cache_list(cli, cache);
	else if (strcmp(sub, "show") == 0)
		rc = cache_show(cli, cache, name);
	else
		rc = cache_purge(cli, cache, cli->argc == 2 ? name : NULL);
	mxtls_cache_close(cache);
	return rc;
}
