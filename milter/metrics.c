/*
 * NAME
 *	metrics - mxtlsd's counters, latency histogram and Prometheus listener
 * SYNOPSIS
 *	#include "daemon.h"
 * DESCRIPTION
 *	mxtlsd_metrics_inc() bumps one uint64 counter and
 *	mxtlsd_metrics_latency() files one lookup's latency (microseconds)
 *	into a fixed histogram; both are a few instructions, on the loop's
 *	thread only, and accept a NULL handle (no metrics).
 *
 *	When metrics_listen is "ADDR:PORT" (a loopback address only: the
 *	figures name the domains' policies in aggregate, which is nobody
 *	else's business, and the listener has no authentication), an HTTP
 *	listener on the daemon's loop (libevent's evhttp) answers GET and
 *	HEAD /metrics in the Prometheus text exposition format 0.0.4;
 *	other paths get 404. The address is read when the daemon starts; a
 *	changed metrics_listen takes effect at the next start.
 *
 *	Families: mxtlsd_lookups_total{policy}, mxtlsd_cache_hits_total,
 *	mxtlsd_cache_misses_total, mxtlsd_fetch_failures_total{result_type}
 *	(RFC 8460 4.3.2 names), mxtlsd_dnssec_bogus_total,
 *	mxtlsd_bad_requests_total, mxtlsd_connections_accepted_total,
 *	the gauges mxtlsd_connections, mxtlsd_refresh_queue_length and
 *	mxtlsd_answer_cache_entries, and the histogram
 *	mxtlsd_lookup_duration_seconds.
 * DIAGNOSTICS
 *	mxtlsd_metrics_new() logs why it failed (a non-loopback or malformed
 *	metrics_listen, a bind error) and returns NULL; the daemon must not
 *	start then.
 * SEE ALSO
 *	https://prometheus.io/docs/instrumenting/exposition_formats/
 */
#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "log.h"

#ifdef MXTLSD_UNITTEST
#define UNITTEST
size_t	mxtlsd_metrics_render(const struct mxtlsd_metrics *, char *, size_t);
#else
#define UNITTEST static
#endif

/* histogram bucket upper bounds in microseconds, then +Inf */
static const uint64_t metrics_le_usec[] = {
	50, 100, 250, 500, 1000, 5000, 25000, 100000, 1000000, 5000000
};
#define METRICS_NLE	(sizeof(metrics_le_usec) / sizeof(metrics_le_usec[0]))
#define METRICS_TEXT_MAX	8192	/* the whole exposition */

struct mxtlsd_metrics {
	struct mxtlsd *d;
	uint64_t c[MXTLSD_C_MAX];
	uint64_t bucket[METRICS_NLE + 1];	/* not cumulative; last: +Inf */
	uint64_t sum_usec;
	uint64_t count;
	struct evhttp *http;
	struct evconnlistener *lev;
};

/* One labelled row of a family. */
struct metrics_row {
	enum mxtlsd_counter c;
	const char *label;
};

static const struct metrics_row metrics_lookups[] = {
	{ MXTLSD_C_LOOKUPS_DANE, "dane" },
	{ MXTLSD_C_LOOKUPS_STS_ENFORCE, "sts-enforce" },
	{ MXTLSD_C_LOOKUPS_STS_TESTING, "sts-testing" },
	{ MXTLSD_C_LOOKUPS_NONE, "none" },
	{ MXTLSD_C_LOOKUPS_TEMPFAIL, "tempfail" },
	{ MXTLSD_C_LOOKUPS_NOTFOUND_KEY, "not-a-domain" },
	{ MXTLSD_C_LOOKUPS_DEADLINE, "deadline" },
};

static const struct metrics_row metrics_fetch[] = {
	{ MXTLSD_C_FETCH_FAIL_FETCH_ERROR, "sts-policy-fetch-error" },
	{ MXTLSD_C_FETCH_FAIL_POLICY_INVALID, "sts-policy-invalid" },
	{ MXTLSD_C_FETCH_FAIL_WEBPKI_INVALID, "sts-webpki-invalid" },
};

/* Unlabelled counters. */
static const struct {
	enum mxtlsd_counter c;
	const char *name, *help;
} metrics_plain[] = {
	{ MXTLSD_C_CACHE_HITS, "mxtlsd_cache_hits_total",
	    "Lookups answered from the answer cache." },
	{ MXTLSD_C_CACHE_MISSES, "mxtlsd_cache_misses_total",
	    "Lookups that waited for a resolution." },
	{ MXTLSD_C_DNSSEC_BOGUS, "mxtlsd_dnssec_bogus_total",
	    "Resolutions that met a DNSSEC-bogus answer." },
	{ MXTLSD_C_BAD_REQUESTS, "mxtlsd_bad_requests_total",
	    "Malformed or oversized socketmap requests." },
	{ MXTLSD_C_CONNECTIONS, "mxtlsd_connections_accepted_total",
	    "Socketmap connections accepted." },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- the hot path */

void
mxtlsd_metrics_inc(struct mxtlsd_metrics *m, enum mxtlsd_counter c)
{
	if (m != NULL && (unsigned)c < MXTLSD_C_MAX)
		m->c[c]++;
}

void
mxtlsd_metrics_latency(struct mxtlsd_metrics *m, uint64_t usec)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < METRICS_NLE && usec > metrics_le_usec[i]; i++)
		;
	m->bucket[i]++;
	m->sum_usec += usec;
	m->count++;
}

/* ---- rendering */

/* A bounded text buffer with a sticky overflow flag. */
struct metrics_out {
	char   *p;
	size_t	size, len;
	int	overflow;
};

static void metrics_printf(struct metrics_out *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
metrics_printf(struct metrics_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->overflow = 1;
		return;
	}
	o->len += (size_t)n;
}

static void
metrics_family(struct metrics_out *o, const char *name, const char *type,
    const char *help)
{
	metrics_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
metrics_labelled(struct metrics_out *o, const struct mxtlsd_metrics *m,
    const char *name, const char *label, const struct metrics_row *rows,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		metrics_printf(o, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label,
		    rows[i].label, m->c[rows[i].c]);
}

/* metrics_seconds - usec as seconds, exactly (no floating point) */

static void
metrics_seconds(char *buf, size_t size, uint64_t usec)
{
	(void)snprintf(buf, size, "%" PRIu64 ".%06" PRIu64, usec / 1000000,
	    usec % 1000000);
}

static void
metrics_histogram(struct metrics_out *o, const struct mxtlsd_metrics *m)
{
	static const char name[] = "mxtlsd_lookup_duration_seconds";
	uint64_t cum = 0;
	char le[32];
	size_t i;

	metrics_family(o, name, "histogram", "Time from a request to its "
	    "answer, cache hits included.");
	for (i = 0; i < METRICS_NLE; i++) {
		cum += m->bucket[i];
		metrics_seconds(le, sizeof(le), metrics_le_usec[i]);
		metrics_printf(o, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name,
		    le, cum);
	}
	cum += m->bucket[METRICS_NLE];
	metrics_printf(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
	metrics_seconds(le, sizeof(le), m->sum_usec);
	metrics_printf(o, "%s_sum %s\n%s_count %" PRIu64 "\n", name, le, name,
	    m->count);
}

static void
metrics_gauges(struct metrics_out *o, const struct mxtlsd_metrics *m)
{
	const struct mxtlsd *d = m->d;

	metrics_family(o, "mxtlsd_connections", "gauge",
	    "Socketmap connections open now.");
	metrics_printf(o, "mxtlsd_connections %zu\n", d->server == NULL ? 0 :
	    mxtlsd_server_connections(d->server));
	metrics_family(o, "mxtlsd_refresh_queue_length", "gauge",
	    "Policy domains waiting for a proactive refresh.");
	metrics_printf(o, "mxtlsd_refresh_queue_length %zu\n",
	    d->refresh == NULL ? 0 : mxtlsd_refresh_queue_len(d->refresh));
	metrics_family(o, "mxtlsd_answer_cache_entries", "gauge",
	    "Domains held in the answer cache.");
	metrics_printf(o, "mxtlsd_answer_cache_entries %zu\n",
	    mxtlsd_answers_count(d->answers));
}

/*
 * mxtlsd_metrics_render - the whole exposition into buf (size bytes,
 * NUL-terminated). Returns its length, or 0 when buf is too small.
 */
UNITTEST size_t
mxtlsd_metrics_render(const struct mxtlsd_metrics *m, char *buf, size_t size)
{
	struct metrics_out o = { buf, size, 0, 0 };
	size_t i;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	metrics_family(&o, "mxtlsd_lookups_total", "counter",
	    "Lookups answered, by answer (deadline: answered at "
	    "lookup_deadline as RFC 8461 3.3 says).");
	metrics_labelled(&o, m, "mxtlsd_lookups_total", "policy",
	    metrics_lookups, NELEM(metrics_lookups));
	for (i = 0; i < NELEM(metrics_plain); i++) {
		metrics_family(&o, metrics_plain[i].name, "counter",
		    metrics_plain[i].help);
		metrics_printf(&o, "%s %" PRIu64 "\n", metrics_plain[i].name,
		    m->c[metrics_plain[i].c]);
	}
	metrics_family(&o, "mxtlsd_fetch_failures_total", "counter",
	    "Failed MTA-STS policy fetches, by TLS-RPT result type.");
	metrics_labelled(&o, m, "mxtlsd_fetch_failures_total", "result_type",
	    metrics_fetch, NELEM(metrics_fetch));
	metrics_gauges(&o, m);
	metrics_histogram(&o, m);
	return o.overflow ? 0 : o.len;
}

/* ---- the HTTP listener */

static void
metrics_http(struct evhttp_request *req, void *arg)
{
	struct mxtlsd_metrics *m = arg;
	struct evbuffer *body;
	char text[METRICS_TEXT_MAX];
	size_t len;

	if ((len = mxtlsd_metrics_render(m, text, sizeof(text))) == 0 ||
	    (body = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	(void)evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	if (evbuffer_add(body, text, len) != 0) {
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

static void
metrics_notfound(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, HTTP_NOTFOUND, "try /metrics");
}

/* metrics_listen - bind metrics_listen (loopback only) and serve it */

static int
metrics_listen(struct mxtlsd_metrics *m, const char *addr)
{
	struct mxtls_endpoint ep;
	struct mxtls_why why;

	mxtls_why_clear(&why);
	if (mxtls_config_endpoint(addr, strlen(addr), MXTLS_ENDPOINT_BARE |
	    MXTLS_ENDPOINT_LOOPBACK, &ep, &why) != MXTLS_OK) {
		mxtls_log(LOG_ERR, "metrics_listen = %s refused: %s (the "
		    "metrics listener has no authentication, so it serves "
		    "loopback addresses only)", addr, why.text);
		return -1;
	}
	if ((m->http = evhttp_new(m->d->base)) == NULL) {
		mxtls_log(LOG_ERR, "metrics: out of memory");
		return -1;
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_max_headers_size(m->http, 8192);
	evhttp_set_max_body_size(m->http, 0);
	if (evhttp_set_cb(m->http, "/metrics", metrics_http, m) != 0)
		return -1;
	evhttp_set_gencb(m->http, metrics_notfound, m);
	m->lev = evconnlistener_new_bind(m->d->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, (struct sockaddr *)&ep.ss, (int)ep.sslen);
	if (m->lev == NULL) {
		mxtls_log_warn("metrics: cannot listen on %s", addr);
		return -1;
	}
	if (evhttp_bind_listener(m->http, m->lev) == NULL) {
		mxtls_log(LOG_ERR, "metrics: cannot serve %s", addr);
		evconnlistener_free(m->lev);
		m->lev = NULL;
		return -1;
	}
	m->lev = NULL;		/* owned by m->http now */
	mxtls_log(LOG_INFO, "metrics on http://%s/metrics", addr);
	return 0;
}

struct mxtlsd_metrics *
mxtlsd_metrics_new(struct mxtlsd *d)
{
	struct mxtlsd_metrics *m;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		mxtls_log(LOG_ERR, "metrics: out of memory");
		return NULL;
	}
	m->d = d;
	if (d->cfg->metrics_listen[0] != '\0' &&
	    metrics_listen(m, d->cfg->metrics_listen) != 0) {
		mxtlsd_metrics_free(m);
		return NULL;
	}
	return m;
}

void
mxtlsd_metrics_free(struct mxtlsd_metrics *m)
{
	if (m == NULL)
		return;
	if (m->http != NULL)
		evhttp_free(m->http);	/* and its bound listener */
	free(m);
}
