/*
 * NAME
 *	cmd_probe - "mxtls probe [--host H] [--port P] [--timeout S] DOMAIN"
 * DESCRIPTION
 *	Asks the decision engine what a sender must do for DOMAIN (MTA-STS
 *	and DANE, TXT id checked now), then connects to each MX host in
 *	preference order and checks it the way a sender would:
 *
 *	host requires DANE	DANE verification with its usable TLSA records
 *	host requires encrypt	TLS, no authentication (all TLSA unusable)
 *	host is unusable	not connected to: reported as a failure
 *	otherwise		MTA-STS (PKIX + mx patterns) when the policy is
 *				sts-enforce or sts-testing, else opportunistic
 *
 *	--host H probes only H. When H is one of the MX hosts it is checked
 *	as above. When it is not, it is still probed, so that a new server can
 *	be tried before it enters the MX RRset: its addresses come from the
 *	system resolver (no DNSSEC, hence no DANE), and it is checked under
 *	MTA-STS when a policy applies (where it fails as mx-not-in-policy
 *	until the policy lists it), else opportunistically.
 *
 *	The port defaults to 25 and the per-stage timeout to 10 s; the EHLO
 *	name is this system's host name. Output is one block per host, the
 *	verdict first, or with --json an object {domain, policy, decided_by,
 *	hosts} whose hosts are probe objects (see mxtls(1)).
 * DIAGNOSTICS
 *	Exit 0 when every probed host meets the requirement, 1 when any does
 *	not, 2 on usage or setup errors, when the decision is tempfail, or
 *	when a host could not be probed for local reasons.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "probe_json.h"
#include "decide.h"
#include "probe.h"
#include "sts.h"

#define PROBE_PORT	25
#define PROBE_TIMEOUT	10
#define PROBE_HELO	"mxtls-probe.invalid"

struct probe_state {
	struct mxtls_decision *d;	/* copy of the answer; owned */
	int	done;
};

/* probe_decided - keep a copy of the decision */

static void
probe_decided(void *arg, const struct mxtls_decision *d)
{
	struct probe_state *ps = arg;

	if ((ps->d = malloc(sizeof(*ps->d))) != NULL) {
		memcpy(ps->d, d, sizeof(*ps->d));
		ps->d->sts.entry.body = NULL;	/* borrowed: not kept */
	}
	ps->done = 1;
}

/* probe_decide - run the engine on a private loop; NULL on error */

static struct mxtls_decision *
probe_decide(struct cli *cli, const char *domain)
{
	struct probe_state ps;

	memset(&ps, 0, sizeof(ps));
	if (cli_decide(cli, domain, probe_decided, &ps) == 0 && ps.d == NULL)
		cli_err("out of memory");
	return ps.d;
}

/* probe_helo - this host's name when it looks like one, else a default */

static void
probe_helo(char *out, size_t outsz)
{
	size_t i;

	if (gethostname(out, outsz) != 0 || out[0] == '\0' ||
	    strchr(out, '.') == NULL)
		goto def;
	out[outsz - 1] = '\0';
	for (i = 0; out[i] != '\0'; i++)
		if (!isalnum((unsigned char)out[i]) && out[i] != '-' &&
		    out[i] != '.')
			goto def;
	return;
def:
	mxtls_strlcpy(out, PROBE_HELO, outsz);
}

/* probe_same_host - a == b, case-insensitive, one trailing dot ignored */

static int
probe_same_host(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* probe_resolve - addresses of a host outside the MX RRset (no DNSSEC) */

static int
probe_resolve(const char *name, struct mxtls_dane_host *h)
{
	struct addrinfo hints, *res = NULL, *ai;
	const void *a;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && h->naddrs < MXTLS_DNS_ADDRS_MAX;
	    ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			a = &((struct sockaddr_in *)(void *)
			    ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			a = &((struct sockaddr_in6 *)(void *)
			    ai->ai_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ai->ai_family, a, h->addrs[h->naddrs],
		    sizeof(h->addrs[0])) != NULL)
			h->naddrs++;
	}
	freeaddrinfo(res);
	return h->naddrs > 0 ? 0 : -1;
}

/* probe_mode - what to verify for h under decision d (see DESCRIPTION) */

static enum mxtls_probe_mode
probe_mode(const struct mxtls_decision *d, const struct mxtls_dane_host *h)
{
	if (h != NULL && h->requirement == MXTLS_DANE_REQ_DANE)
		return MXTLS_PROBE_DANE;
	if (h != NULL && h->requirement == MXTLS_DANE_REQ_ENCRYPT)
		return MXTLS_PROBE_ENCRYPT;
	if ((d->policy == MXTLS_POLICY_STS_ENFORCE ||
	    d->policy == MXTLS_POLICY_STS_TESTING) && d->sts.have_entry)
		return MXTLS_PROBE_STS;
	return MXTLS_PROBE_OPPORTUNISTIC;
}

/* probe_advice - what the operator should do about a failure */

static const char *
probe_advice(const struct mxtls_probe_result *r)
{
	int sts = r->mode == MXTLS_PROBE_STS;

	switch (r->type) {
	case MXTLS_RT_STARTTLS_NOT_SUPPORTED:
		return "enable STARTTLS on this server; senders that honor the "
		    "policy will not deliver to it in clear";
	case MXTLS_RT_VALIDATION_FAILURE:
		if (sts && !r->mx_matches_policy)
			return "add this host to the mx lines of the MTA-STS "
			    "policy (and publish a new id), or remove it from "
			    "the MX records";
		if (r->mode == MXTLS_PROBE_DANE && r->tls_ok)
			return "publish a TLSA record for the certificate now "
			    "in use (the leaf key is shown above) or put back "
			    "the certificate the records describe; during a "
			    "rollover publish both records first, wait for "
			    "the TTL, then switch certificates";
		return "check the server's TLS configuration (TLS 1.2 or "
		    "later, a certificate and a common cipher)";
	case MXTLS_RT_CERTIFICATE_HOST_MISMATCH:
		return sts ? "install a certificate with a DNS name (SAN) for "
		    "the MX host name" : "install a certificate that names "
		    "the MX host or the TLSA base domain";
	case MXTLS_RT_CERTIFICATE_EXPIRED:
		return "renew the certificate";
	case MXTLS_RT_CERTIFICATE_NOT_TRUSTED:
		return sts ? "use a certificate from a public CA and send the "
		    "intermediate certificates with it" : "send the whole "
		    "chain up to the certificate the DANE-TA record names";
	case MXTLS_RT_DNSSEC_INVALID:
		return "fix the DNSSEC answers for this host's addresses or "
		    "TLSA records; senders defer until they resolve";
	case MXTLS_RT_TLSA_INVALID:
		return "publish TLSA records that are usable for SMTP (usage "
		    "2 or 3, selector 0 or 1, matching type 1 or 2)";
	default:
		return "check that the server is reachable on this port and "
		    "answers within the timeout";
	}
}

static void
probe_print_cert(size_t i, const struct mxtls_probe_cert *c)
{
	printf("  certificate %zu: %s\n", i, c->subject);
	printf("    issuer: %s\n", c->issuer);
	if (c->san[0])
		printf("    DNS names: %s\n", c->san);
	if (c->not_after[0])
		printf("    not after: %s (%s%ld day%s%s)\n", c->not_after,
		    c->days_left < 0 ? "expired " : "",
		    c->days_left < 0 ? -c->days_left : c->days_left,
		    (c->days_left == 1 || c->days_left == -1) ? "" : "s",
		    c->days_left < 0 ? " ago" : " left");
}

/* probe_print_tlsa - the match, or the records that did not match */

static void
probe_print_tlsa(const struct mxtls_probe_result *r,
    const struct mxtls_dane_host *h)
{
	char hex[160];
	size_t i;

	if (r->tlsa_matched) {
		printf("  TLSA: %s matched at depth %d\n", r->tlsa_match,
		    r->tlsa_depth);
		return;
	}
	if (!r->tls_ok || h == NULL)
		return;
	printf("  TLSA: no usable record matched; usable records of %s:\n",
	    h->base[0] ? h->base : h->host);
	for (i = 0; i < h->ntlsa && i < MXTLS_TLSA_RRS_MAX; i++)
		if (h->tlsa[i].usable)
			printf("    %u %u %u %s\n", h->tlsa[i].usage,
			    h->tlsa[i].selector, h->tlsa[i].mtype,
			    mxtls_tlsa_hex(&h->tlsa[i], hex, sizeof(hex)));
}

static void
probe_print(const struct mxtls_probe_result *r,
    const struct mxtls_dane_host *h, const struct mxtls_decision *d)
{
	size_t i;

	printf("%s%s%s%s: %s (%s)%s%s%s%s\n", r->host,
	    r->address[0] ? " [" : "", r->address, r->address[0] ? "]" : "",
	    r->pass ? "PASS" : "FAIL", mxtls_probe_mode_name(r->mode),
	    r->type ? ": " : "", mxtls_result_type_name(r->type),
	    r->detail[0] ? ": " : "", r->detail);
	if (r->banner[0])
		printf("  banner: %s\n", r->banner);
	if (!r->connected && r->mode == MXTLS_PROBE_DANE &&
	    r->type == MXTLS_RT_DNSSEC_INVALID)
		printf("  not connected: senders must not use this host now\n");
	if (r->connected)
		printf("  STARTTLS: %s\n", r->starttls_offered ? "offered" :
		    "not offered");
	if (r->tls_ok)
		printf("  TLS: %s, %s\n", r->tls_version, r->cipher);
	for (i = 0; i < r->nchain && i < MXTLS_PROBE_CHAIN_MAX; i++)
		probe_print_cert(i, &r->chain[i]);
	if (r->mode == MXTLS_PROBE_DANE)
		probe_print_tlsa(r, h);
	if (r->peername[0])
		printf("  name matched: %s\n", r->peername);
	if (r->mode == MXTLS_PROBE_STS) {
		printf("  MX vs policy: %s %s mx pattern (", r->host,
		    r->mx_matches_policy ? "matches an" : "matches no");
		for (i = 0; i < d->sts.entry.policy.nmx; i++)
			printf("%s%s", i ? ", " : "",
			    d->sts.entry.policy.mx[i]);
		printf(")\n");
	}
	if (!r->pass) {
		printf("  what to do: %s\n", probe_advice(r));
		if (d->policy == MXTLS_POLICY_STS_TESTING)
			printf("  (policy mode testing: senders report this "
			    "failure but still deliver)\n");
	}
}

/* probe_unusable - the verdict for a host that must not be connected to */

static void
probe_unusable(const struct mxtls_dane_host *h, struct mxtls_probe_result *r)
{
	memset(r, 0, sizeof(*r));
	mxtls_strlcpy(r->host, h->host, sizeof(r->host));
	r->mode = MXTLS_PROBE_DANE;
	r->type = MXTLS_RT_DNSSEC_INVALID;
	mxtls_strlcpy(r->detail, h->detail[0] ? h->detail : "the DNSSEC "
	    "lookups for this host failed: do not connect now (RFC 7672 "
	    "2.2)", sizeof(r->detail));
}

/* probe_one - probe h (or report why not); print or collect the result.
 * Returns the exit code for this host. */

static int
probe_one(struct cli *cli, const struct mxtls_decision *d,
    const struct mxtls_dane_host *h, const char *helo, json_t *hosts)
{
	struct mxtls_probe_req req;
	struct mxtls_probe_result r;
	struct mxtls_why why;
	int rc = CLI_EXIT_OK;

	memset(&req, 0, sizeof(req));
	req.domain = d->domain;
	req.host = h;
	req.mx_secure = d->dane.mx_dnssec == MXTLS_DNSSEC_SECURE;
	req.mode = probe_mode(d, h);
	req.sts = &d->sts.entry.policy;
	req.ca_file = cli->cfg.ca_file;
	req.helo = helo;
	req.port = cli->probe_port ? cli->probe_port : PROBE_PORT;
	req.timeout = cli->probe_timeout ? cli->probe_timeout : PROBE_TIMEOUT;
	mxtls_why_clear(&why);
	if (h->requirement == MXTLS_DANE_REQ_UNUSABLE)
		probe_unusable(h, &r);
	else if (mxtls_probe_host(&req, &r, &why) != MXTLS_OK) {
		memset(&r, 0, sizeof(r));
		mxtls_strlcpy(r.host, h->host, sizeof(r.host));
		r.mode = req.mode;
		(void)snprintf(r.detail, sizeof(r.detail), "not probed: %.230s",
		    why.text);
		rc = CLI_EXIT_ERR;
	}
	if (rc == CLI_EXIT_OK && !r.pass)
		rc = CLI_EXIT_NO;
	if (hosts != NULL)
		json_array_append_new(hosts, mxtls_probe_json(&r));
	else
		probe_print(&r, h, d);
	return rc;
}

/* probe_foreign - --host names no MX host: probe it anyway (DESCRIPTION) */

static int
probe_foreign(struct cli *cli, const struct mxtls_decision *d,
    const char *helo, json_t *hosts)
{
	struct mxtls_dane_host *h;
	int rc;

	if (strlen(cli->probe_host) > MXTLS_DOMAIN_MAX) {
		cli_err("--host %s: the name is too long", cli->probe_host);
		return CLI_EXIT_ERR;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		cli_err("out of memory");
		return CLI_EXIT_ERR;
	}
	mxtls_strlcpy(h->host, cli->probe_host, sizeof(h->host));
	if (probe_resolve(h->host, h) != 0) {
		cli_err("--host %s: no address found for this name", h->host);
		free(h);
		return CLI_EXIT_ERR;
	}
	if (hosts == NULL)
		printf("note: %s is not an MX host of %s; probing it with the "
		    "%s mode (addresses from the system resolver)\n", h->host,
		    d->domain, mxtls_probe_mode_name(probe_mode(d, h)));
	rc = probe_one(cli, d, h, helo, hosts);
	free(h);
	return rc;
}

static void
probe_print_decision(const struct mxtls_decision *d)
{
	size_t i;

	printf("%s: policy %s, decided by %s\n", d->domain,
	    mxtls_policy_name(d->policy), mxtls_rule_name(d->decided_by));
	for (i = 0; i < d->nerrors && i < MXTLS_ERRORS_MAX; i++)
		printf("  problem%s%s%s: %s\n", d->errors[i].type ? " (" : "",
		    mxtls_result_type_name(d->errors[i].type),
		    d->errors[i].type ? ")" : "", d->errors[i].detail);
}

/* probe_hosts - every MX host, or only --host; the worst exit code */

static int
probe_hosts(struct cli *cli, const struct mxtls_decision *d,
    const char *helo, json_t *hosts)
{
	size_t i;
	int rc = CLI_EXIT_OK, one, found = 0;

	for (i = 0; i < d->dane.nhosts && i < MXTLS_DANE_HOSTS_MAX; i++) {
		if (cli->probe_host != NULL &&
		    !probe_same_host(cli->probe_host, d->dane.hosts[i].host))
			continue;
		found = 1;
		if (hosts == NULL && i > 0)
			printf("\n");
		if ((one = probe_one(cli, d, &d->dane.hosts[i], helo, hosts)) >
		    rc)
			rc = one;
	}
	if (cli->probe_host != NULL && !found)
		return probe_foreign(cli, d, helo, hosts);
	if (!found) {
		cli_err("%s: no MX host to probe%s%s", d->domain,
		    d->dane.detail[0] ? ": " : "", d->dane.detail);
		return d->dane.mx_error || d->policy == MXTLS_POLICY_TEMPFAIL ?
		    CLI_EXIT_ERR : CLI_EXIT_NO;
	}
	return rc;
}

int
cmd_probe(struct cli *cli)
{
	struct mxtls_decision *d;
	json_t *out = NULL, *hosts = NULL;
	char helo[MXTLS_DOMAIN_MAX + 1];
	int rc;

	if (cli->argc != 1) {
		cli_err("usage: mxtls probe [--host H] [--port P] "
		    "[--timeout S] DOMAIN");
		return CLI_EXIT_ERR;
	}
	(void)signal(SIGPIPE, SIG_IGN);	/* probe.c: OpenSSL uses write(2) */
	if ((d = probe_decide(cli, cli->argv[0])) == NULL)
		return CLI_EXIT_ERR;
	probe_helo(helo, sizeof(helo));
	if (cli->json && ((out = json_object()) == NULL ||
	    (hosts = json_array()) == NULL)) {
		cli_err("out of memory");
		json_decref(out);
		free(d);
		return CLI_EXIT_ERR;
	}
	if (!cli->json)
		probe_print_decision(d);
	rc = probe_hosts(cli, d, helo, hosts);
	if (d->policy == MXTLS_POLICY_TEMPFAIL)
		rc = CLI_EXIT_ERR;
	if (cli->json) {
		json_object_set_new(out, "domain", json_string(d->domain));
		json_object_set_new(out, "policy", json_string(
		    mxtls_policy_name(d->policy)));
		json_object_set_new(out, "decided_by", json_string(
		    mxtls_rule_name(d->decided_by)));
		json_object_set_new(out, "hosts", hosts);
		cli_json_out(out);
	}
	free(d);
	return rc;
}
