/*
 * NAME
 *	test_metrics - the Prometheus text mxtlsd's metrics listener serves
 * DESCRIPTION
 *	Counts a few lookups and latencies, renders the exposition with
 *	mxtlsd_metrics_render() (exposed by MXTLSD_UNITTEST) and checks
 *	exact lines: HELP/TYPE for every family, labelled counters, the
 *	gauges (from stubs of the other modules), cumulative histogram
 *	buckets with exact second values, _sum and _count; a buffer too small
 *	gives 0; a non-loopback metrics_listen is refused; a loopback one
 *	serves GET /metrics over HTTP.
 */
#include "daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "log.h"
#include "tap.h"

size_t	mxtlsd_metrics_render(const struct mxtlsd_metrics *, char *, size_t);

/* ---- stubs of the modules metrics.c reads gauges from */

size_t
mxtlsd_server_connections(const struct mxtlsd_server *s)
{
	(void)s;
	return 7;
}

size_t
mxtlsd_refresh_queue_len(const struct mxtlsd_refresh *r)
{
	(void)r;
	return 3;
}

size_t
mxtlsd_answers_count(const struct mxtlsd_answers *a)
{
	(void)a;
	return 1000;
}

/* has - text contains the whole line */

static int
has(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static const char *const expect[] = {
	"# TYPE mxtlsd_lookups_total counter",
	"mxtlsd_lookups_total{policy=\"dane\"} 0",
	"mxtlsd_lookups_total{policy=\"sts-enforce\"} 2",
	"mxtlsd_lookups_total{policy=\"sts-testing\"} 0",
	"mxtlsd_lookups_total{policy=\"none\"} 1",
	"mxtlsd_lookups_total{policy=\"tempfail\"} 0",
	"mxtlsd_lookups_total{policy=\"deadline\"} 1",
	"# TYPE mxtlsd_cache_hits_total counter",
	"mxtlsd_cache_hits_total 3",
	"mxtlsd_cache_misses_total 1",
	"mxtlsd_dnssec_bogus_total 1",
	"# TYPE mxtlsd_fetch_failures_total counter",
	"mxtlsd_fetch_failures_total{result_type=\"sts-policy-fetch-error\"} 2",
	"mxtlsd_fetch_failures_total{result_type=\"sts-policy-invalid\"} 0",
	"mxtlsd_fetch_failures_total{result_type=\"sts-webpki-invalid\"} 1",
	"# TYPE mxtlsd_connections gauge",
	"mxtlsd_connections 7",
	"# TYPE mxtlsd_refresh_queue_length gauge",
	"mxtlsd_refresh_queue_length 3",
	"# TYPE mxtlsd_answer_cache_entries gauge",
	"mxtlsd_answer_cache_entries 1000",
	"# TYPE mxtlsd_lookup_duration_seconds histogram",
	"mxtlsd_lookup_duration_seconds_bucket{le=\"0.000050\"} 2",
	"mxtlsd_lookup_duration_seconds_bucket{le=\"0.000100\"} 3",
	"mxtlsd_lookup_duration_seconds_bucket{le=\"0.000250\"} 3",
	"mxtlsd_lookup_duration_seconds_bucket{le=\"0.001000\"} 3",
	"mxtlsd_lookup_duration_seconds_bucket{le=\"0.005000\"} 4",
	"mxtlsd_lookup_duration_seconds_bucket{le=\"1.000000\"} 4",
	"mxtlsd_lookup_duration_seconds_bucket{le=\"5.000000\"} 4",
	"mxtlsd_lookup_duration_seconds_bucket{le=\"+Inf\"} 5",
	"mxtlsd_lookup_duration_seconds_sum 7.002151",
	"mxtlsd_lookup_duration_seconds_count 5",
};

static void
count_some(struct mxtlsd_metrics *m)
{
	mxtlsd_metrics_inc(m, MXTLSD_C_LOOKUPS_STS_ENFORCE);
	mxtlsd_metrics_inc(m, MXTLSD_C_LOOKUPS_STS_ENFORCE);
	mxtlsd_metrics_inc(m, MXTLSD_C_LOOKUPS_NONE);
	mxtlsd_metrics_inc(m, MXTLSD_C_LOOKUPS_DEADLINE);
	mxtlsd_metrics_inc(m, MXTLSD_C_CACHE_HITS);
	mxtlsd_metrics_inc(m, MXTLSD_C_CACHE_HITS);
	mxtlsd_metrics_inc(m, MXTLSD_C_CACHE_HITS);
	mxtlsd_metrics_inc(m, MXTLSD_C_CACHE_MISSES);
	mxtlsd_metrics_inc(m, MXTLSD_C_FETCH_FAIL_FETCH_ERROR);
	mxtlsd_metrics_inc(m, MXTLSD_C_FETCH_FAIL_FETCH_ERROR);
	mxtlsd_metrics_inc(m, MXTLSD_C_FETCH_FAIL_WEBPKI_INVALID);
	mxtlsd_metrics_inc(m, MXTLSD_C_DNSSEC_BOGUS);
	mxtlsd_metrics_inc(m, MXTLSD_C_MAX);	/* out of range: ignored */
	mxtlsd_metrics_inc(NULL, MXTLSD_C_DNSSEC_BOGUS);
	mxtlsd_metrics_latency(m, 0);		/* <= 50 us */
	mxtlsd_metrics_latency(m, 50);		/* le is inclusive */
	mxtlsd_metrics_latency(m, 51);		/* <= 100 us */
	mxtlsd_metrics_latency(m, 2050);	/* <= 5 ms */
	mxtlsd_metrics_latency(m, 7000000);	/* +Inf */
	mxtlsd_metrics_latency(NULL, 1);
}

/* every family has HELP then TYPE before its first sample */

static int
well_formed(const char *text)
{
	const char *p = text, *nl;
	char name[128] = "";
	size_t n;

	for (; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			return 0;
		if (strncmp(p, "# HELP ", 7) == 0) {
			n = strcspn(p + 7, " ");
			if (n >= sizeof(name))
				return 0;
			memcpy(name, p + 7, n);
			name[n] = '\0';
		} else if (strncmp(p, "# TYPE ", 7) == 0) {
			if (strncmp(p + 7, name, strlen(name)) != 0)
				return 0;
		} else if (name[0] == '\0' || strncmp(p, name, strlen(name))) {
			return 0;
		}
	}
	return 1;
}

static void
test_render(struct mxtlsd *d)
{
	struct mxtlsd_metrics *m;
	char buf[8192], small[64];
	size_t i, len;

	m = mxtlsd_metrics_new(d);
	ok(m != NULL, "metrics without a listener");
	if (m == NULL)
		return;
	d->metrics = m;
	count_some(m);
	len = mxtlsd_metrics_render(m, buf, sizeof(buf));
	ok(len > 0 && len == strlen(buf), "rendered %zu bytes", len);
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		ok(has(buf, expect[i]), "line: %s", expect[i]);
	ok(well_formed(buf), "HELP and TYPE precede every family");
	ok(mxtlsd_metrics_render(m, small, sizeof(small)) == 0,
	    "too small a buffer gives 0");
	if (tap_failed)
		diag("%s", buf);
	mxtlsd_metrics_free(m);
	d->metrics = NULL;
}

static void
test_refuse(struct mxtlsd *d)
{
	static const char *const bad[] = {
		"192.0.2.1:9100", "0.0.0.0:9100", "[::]:9100",
		"[2001:db8::1]:1", "localhost", "127.0.0.1", "127.0.0.1:99999"
	};
	size_t i;

	mxtls_log_set_level(LOG_EMERG);	/* the refusals are expected */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mxtls_strlcpy(d->cfg->metrics_listen, bad[i],
		    sizeof(d->cfg->metrics_listen));
		ok(mxtlsd_metrics_new(d) == NULL, "refused: %s", bad[i]);
	}
	mxtls_log_set_level(LOG_INFO);
	d->cfg->metrics_listen[0] = '\0';
}

/* ---- a real GET /metrics over loopback */

struct http_client {
	int	fd;
	char	resp[16384];
	size_t	len;
	struct event_base *base;
};

static void
http_read(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	ssize_t n;

	(void)what;
	n = read(fd, c->resp + c->len, sizeof(c->resp) - 1 - c->len);
	if (n <= 0 || c->len + (size_t)n >= sizeof(c->resp) - 1) {
		event_base_loopexit(c->base, NULL);
		return;
	}
	c->len += (size_t)n;
	c->resp[c->len] = '\0';
}

static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static int
http_get(struct mxtlsd *d, int port, const char *path, struct http_client *c)
{
	struct sockaddr_in sin;
	struct event *ev;
	struct timeval tv = { 5, 0 };
	char req[256];
	int n;

	memset(c, 0, sizeof(*c));
	c->base = d->base;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		return -1;
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: x\r\n\r\n",
	    path);
	if (write(c->fd, req, (size_t)n) != n)
		return -1;
	ev = event_new(d->base, c->fd, EV_READ | EV_PERSIST, http_read, c);
	event_add(ev, &tv);
	event_base_dispatch(d->base);
	event_free(ev);
	close(c->fd);
	return 0;
}

static void
test_http(struct mxtlsd *d)
{
	struct mxtlsd_metrics *m;
	struct http_client c;
	int port = free_port();

	(void)snprintf(d->cfg->metrics_listen, sizeof(d->cfg->metrics_listen),
	    "127.0.0.1:%d", port);
	m = mxtlsd_metrics_new(d);
	ok(m != NULL, "listening on %s", d->cfg->metrics_listen);
	if (m == NULL)
		return;
	d->metrics = m;
	mxtlsd_metrics_inc(m, MXTLSD_C_CACHE_HITS);
	ok(http_get(d, port, "/metrics", &c) == 0 &&
	    strncmp(c.resp, "HTTP/1.", 7) == 0 &&
	    strncmp(c.resp + 8, " 200 ", 5) == 0 &&
	    strstr(c.resp, "\nmxtlsd_cache_hits_total 1\n") != NULL &&
	    strstr(c.resp, "Content-Type: text/plain; version=0.0.4") != NULL,
	    "GET /metrics");
	ok(http_get(d, port, "/other", &c) == 0 &&
	    strncmp(c.resp, "HTTP/1.", 7) == 0 &&
	    strncmp(c.resp + 8, " 404 ", 5) == 0, "GET /other: 404");
	mxtlsd_metrics_free(m);
	d->metrics = NULL;
	d->cfg->metrics_listen[0] = '\0';
}

int
main(void)
{
	struct mxtls_config cfg;
	struct mxtlsd d;

	memset(&d, 0, sizeof(d));
	mxtls_config_defaults(&cfg);
	cfg.metrics_listen[0] = '\0';
	d.cfg = &cfg;
	if ((d.base = event_base_new()) == NULL)
		return 1;
	d.server = (struct mxtlsd_server *)&d;	/* never dereferenced */
	d.refresh = (struct mxtlsd_refresh *)&d;
	test_render(&d);
	test_refuse(&d);
	test_http(&d);
	event_base_free(d.base);
	return done_testing();
}
