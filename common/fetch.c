/*
 * NAME
 *	fetch - HTTPS fetch of MTA-STS policies with libcurl's multi-socket API
 * SYNOPSIS
 *	#include "fetch.h"
 * DESCRIPTION
 *	One curl multi handle per event loop; libcurl tells us which sockets
 *	to watch (CURLMOPT_SOCKETFUNCTION) and when to wake it
 *	(CURLMOPT_TIMERFUNCTION), and libevent drives it.
 *
 *	Every transfer follows RFC 8461 3.3: the URL is fixed, port 443, SNI
 *	and certificate name mta-sts.<domain>, Web PKI validation (ca_file or
 *	the system store), TLS 1.2 or later (7.2), no redirects, status 200
 *	only, media type text/plain, at most 65536 bytes whether or not the
 *	server sends Content-Length, no HTTP caching, a fresh connection each
 *	time, and an overall deadline (fetch_timeout). libcurl never resolves
 *	names itself: the caller's addresses, from our validating resolver,
 *	are pinned with CURLOPT_RESOLVE.
 *
 *	Each failure is classified as a TLS-RPT result type (RFC 8460 4.3.2.2):
 *	certificate problems of the policy host are sts-webpki-invalid, a
 *	wrong media type is sts-policy-invalid, everything else
 *	sts-policy-fetch-error.
 * DIAGNOSTICS
 *	Through the callback's result; never logs.
 */
#include "fetch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "config.h"

struct fetch_xfer {
	struct mxtls_fetch *f;
	CURL   *easy;
	CURLSH *share;			/* this transfer's own DNS cache */
	struct curl_slist *resolve;
	mxtls_fetch_cb *cb;
	void   *arg;
	char	url[MXTLS_DOMAIN_MAX + 64];
	char	errbuf[CURL_ERROR_SIZE];
	char   *body;
	size_t	len;
	int	too_big;
	struct fetch_xfer *prev, *next;
};

struct fetch_sock {
	struct event *ev;
};

struct mxtls_fetch {
	struct event_base *base;
	CURLM  *multi;
	struct event *timer;
	unsigned timeout;
	char	ca_file[MXTLS_CONFIG_PATH_MAX];
	struct fetch_xfer *xfers;
};

static int fetch_curl_ready;

const char *
mxtls_fetch_user_agent(void)
{
	return "mxtls/" MXTLS_VERSION " (MTA-STS, RFC 8461)";
}

static void fetch_check_done(struct mxtls_fetch *);

/* ---- libcurl <-> libevent glue */

static void
fetch_sock_event(evutil_socket_t fd, short what, void *arg)
{
	struct mxtls_fetch *f = arg;
	int running, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	(void)curl_multi_socket_action(f->multi, fd, flags, &running);
	fetch_check_done(f);
}

static void
fetch_timer_event(evutil_socket_t fd, short what, void *arg)
{
	struct mxtls_fetch *f = arg;
	int running;

	(void)fd;
	(void)what;
	(void)curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	fetch_check_done(f);
}

static int
fetch_sock_cb(CURL *easy, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct mxtls_fetch *f = userp;
	struct fetch_sock *fs = socketp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (fs) {
			event_free(fs->ev);
			free(fs);
			curl_multi_assign(f->multi, s, NULL);
		}
		return 0;
	}
	if (fs == NULL) {
		if ((fs = calloc(1, sizeof(*fs))) == NULL)
			return -1;
		curl_multi_assign(f->multi, s, fs);
	} else {
		event_free(fs->ev);
	}
	kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) |
	    (what & CURL_POLL_OUT ? EV_WRITE : 0);
	fs->ev = event_new(f->base, s, kind, fetch_sock_event, f);
	if (fs->ev == NULL || event_add(fs->ev, NULL) != 0)
		return -1;
	return 0;
}

static int
fetch_timer_cb(CURLM *multi, long ms, void *userp)
{
	struct mxtls_fetch *f = userp;
	struct timeval tv;

	(void)multi;
	if (ms < 0)
		return evtimer_del(f->timer);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return evtimer_add(f->timer, &tv);
}

/* ---- one transfer */

static size_t
fetch_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct fetch_xfer *x = userp;
	size_t n = size * nmemb;
	char *nb;

	/* 3.3: cap the body even when the server sent no Content-Length. */
	if (n > MXTLS_STS_BODY_MAX - x->len) {
		x->too_big = 1;
		return 0;
	}
	if ((nb = realloc(x->body, x->len + n + 1)) == NULL)
		return 0;
	x->body = nb;
	memcpy(x->body + x->len, data, n);
	x->len += n;
	x->body[x->len] = '\0';
	return n;
}

/*
 * fetch_xfer_free - the transfer's handles (the easy handle first: it
 * holds the share) and memory. The pinned addresses live in the share's
 * DNS cache, not the multi handle's: libcurl keeps CURLOPT_RESOLVE
 * entries for good and walks its whole cache at every transfer, so in a
 * daemon that fetches the policies of 100,000 domains a shared cache
 * would grow without end and make each fetch slower than the last.
 */
static void
fetch_xfer_free(struct fetch_xfer *x)
{
	curl_easy_cleanup(x->easy);
	if (x->share != NULL)
		(void)curl_share_cleanup(x->share);
	curl_slist_free_all(x->resolve);
	free(x->body);
	free(x);
}

static void
fetch_unlink(struct fetch_xfer *x)
{
	struct mxtls_fetch *f = x->f;

	if (x->prev)
		x->prev->next = x->next;
	else
		f->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	curl_multi_remove_handle(f->multi, x->easy);
	fetch_xfer_free(x);
}

/* fetch_media_ok - "text/plain" with any parameters, case-insensitive */

static int
fetch_media_ok(const char *ct)
{
	size_t n;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "text/plain", 10) != 0)
		return 0;
	n = 10;
	while (ct[n] == ' ' || ct[n] == '\t')
		n++;
	return ct[n] == '\0' || ct[n] == ';';
}

static void fetch_fail(struct mxtls_fetch_result *, enum mxtls_result_type,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static void
fetch_fail(struct mxtls_fetch_result *res, enum mxtls_result_type type,
    const char *fmt, ...)
{
	va_list ap;

	res->status = MXTLS_TEMPFAIL;
	res->type = type;
	va_start(ap, fmt);
	(void)vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

/* fetch_classify - turn curl's outcome into a result (RFC 8460 4.3.2.2) */

static void
fetch_classify(struct fetch_xfer *x, CURLcode rc,
    struct mxtls_fetch_result *res)
{
	char tmp[160], err[CURL_ERROR_SIZE], url[sizeof(x->url)];
	const char *ct = NULL, *loc = NULL;

	mxtls_sanitize(err, sizeof(err), x->errbuf, strlen(x->errbuf));
	if (err[0] == '\0')
		mxtls_strlcpy(err, curl_easy_strerror(rc), sizeof(err));
	mxtls_strlcpy(url, x->url, sizeof(url));
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &res->http_code);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
	if (ct)
		mxtls_sanitize(res->content_type, sizeof(res->content_type),
		    ct, strlen(ct));
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
		fetch_fail(res, MXTLS_RT_STS_WEBPKI_INVALID,
		    "the certificate of %s is not valid: %s; it must be "
		    "trusted, unexpired and name the policy host (RFC 8461 "
		    "3.3)", url, err);
		return;
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
		if (rc == CURLE_FILESIZE_EXCEEDED || x->too_big) {
			fetch_fail(res, MXTLS_RT_STS_POLICY_FETCH_ERROR,
			    "%s is larger than %d bytes; a policy must be "
			    "smaller (RFC 8461 3.3)", url, MXTLS_STS_BODY_MAX);
			return;
		}
		/* FALLTHROUGH */
	case CURLE_OPERATION_TIMEDOUT:
	default:
		fetch_fail(res, MXTLS_RT_STS_POLICY_FETCH_ERROR,
		    "cannot fetch %s: %s", url, err);
		return;
	}
	if (res->http_code >= 300 && res->http_code < 400) {
		curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
		mxtls_sanitize(tmp, sizeof(tmp), loc ? loc : "",
		    loc ? strlen(loc) : 0);
		fetch_fail(res, MXTLS_RT_STS_POLICY_FETCH_ERROR,
		    "%s redirects to %s; redirects must not be followed: "
		    "serve the policy itself with status 200 (RFC 8461 3.3)",
		    url, tmp[0] ? tmp : "(no Location)");
		return;
	}
	if (res->http_code != 200) {
		fetch_fail(res, MXTLS_RT_STS_POLICY_FETCH_ERROR,
		    "%s answered HTTP status %ld; only 200 gives a policy "
		    "(RFC 8461 3.3)", url, res->http_code);
		return;
	}
	if (ct == NULL || !fetch_media_ok(ct)) {
		fetch_fail(res, MXTLS_RT_STS_POLICY_INVALID,
		    "%s is served as \"%s\"; the media type must be "
		    "text/plain (RFC 8461 3.2)", url,
		    res->content_type[0] ? res->content_type : "(none)");
		return;
	}
	res->status = MXTLS_OK;
	res->type = MXTLS_RT_NONE;
	res->body = x->body ? x->body : "";
	res->len = x->len;
}

static void
fetch_check_done(struct mxtls_fetch *f)
{
	struct mxtls_fetch_result res;
	struct fetch_xfer *x;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x == NULL)
			continue;
		memset(&res, 0, sizeof(res));
		fetch_classify(x, m->data.result, &res);
		x->cb(x->arg, &res);
		fetch_unlink(x);
	}
}

struct mxtls_fetch *
mxtls_fetch_new(struct event_base *base, const struct mxtls_config *cfg,
    struct mxtls_why *why)
{
	struct mxtls_fetch *f;

	if (!fetch_curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			mxtls_why_set(why, MXTLS_TEMPFAIL,
			    "libcurl failed to initialise");
			return NULL;
		}
		fetch_curl_ready = 1;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
		return NULL;
	}
	f->base = base;
	f->timeout = cfg->fetch_timeout ? cfg->fetch_timeout : 60;
	mxtls_strlcpy(f->ca_file, cfg->ca_file, sizeof(f->ca_file));
	f->multi = curl_multi_init();
	f->timer = evtimer_new(base, fetch_timer_event, f);
	if (f->multi == NULL || f->timer == NULL) {
		mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
		mxtls_fetch_free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, fetch_sock_cb);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, fetch_timer_cb);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	return f;
}

void
mxtls_fetch_free(struct mxtls_fetch *f)
{
	if (f == NULL)
		return;
	while (f->xfers)
		fetch_unlink(f->xfers);
	if (f->multi)
		curl_multi_cleanup(f->multi);
	if (f->timer)
		event_free(f->timer);
	free(f);
}

/* fetch_resolve_list - "-host:443" then "host:443:a1,[v6],..." */

static struct curl_slist *
fetch_resolve_list(const char *host, const char *const *addrs, size_t n)
{
	struct curl_slist *l, *l2;
	char buf[MXTLS_DOMAIN_MAX + 16 + MXTLS_DNS_ADDRS_MAX * 48];
	size_t i, off;
	int w;

	(void)snprintf(buf, sizeof(buf), "-%s:443", host);
	if ((l = curl_slist_append(NULL, buf)) == NULL)
		return NULL;
	w = snprintf(buf, sizeof(buf), "%s:443:", host);
	off = (size_t)w;
	for (i = 0; i < n && i < MXTLS_DNS_ADDRS_MAX; i++) {
		w = snprintf(buf + off, sizeof(buf) - off,
		    strchr(addrs[i], ':') ? "%s[%s]" : "%s%s", i ? "," : "",
		    addrs[i]);
		if (w < 0 || (size_t)w >= sizeof(buf) - off)
			break;
		off += (size_t)w;
	}
	if ((l2 = curl_slist_append(l, buf)) == NULL) {
		curl_slist_free_all(l);
		return NULL;
	}
	return l2;
}

static int
fetch_setup(struct mxtls_fetch *f, struct fetch_xfer *x)
{
	CURL *e = x->easy;
	int bad = 0;

#define SET(opt, val) bad |= curl_easy_setopt(e, opt, val) != CURLE_OK
	SET(CURLOPT_URL, x->url);
	SET(CURLOPT_PRIVATE, x);
	SET(CURLOPT_SHARE, x->share);
	SET(CURLOPT_RESOLVE, x->resolve);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);	/* 3.3: MUST NOT follow */
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);	/* 7.2 */
	if (f->ca_file[0]) {
		SET(CURLOPT_CAINFO, f->ca_file);
		SET(CURLOPT_CAPATH, NULL);
	}
	SET(CURLOPT_TIMEOUT, (long)f->timeout);
	SET(CURLOPT_MAXFILESIZE, (long)MXTLS_STS_BODY_MAX);
	SET(CURLOPT_WRITEFUNCTION, fetch_write_cb);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_USERAGENT, mxtls_fetch_user_agent());
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FRESH_CONNECT, 1L);		/* no HTTP-level reuse */
	SET(CURLOPT_FORBID_REUSE, 1L);
	SET(CURLOPT_ACCEPT_ENCODING, NULL);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
#undef SET
	return bad ? -1 : 0;
}

enum mxtls_status
mxtls_fetch_policy(struct mxtls_fetch *f, const char *domain,
    const char *const *addrs, size_t naddrs, mxtls_fetch_cb *cb, void *arg,
    struct mxtls_why *why)
{
	struct fetch_xfer *x;
	char host[MXTLS_DOMAIN_MAX + 16];

	if (naddrs == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "no address to fetch the policy of %s from", domain);
	if ((size_t)snprintf(host, sizeof(host), "mta-sts.%s", domain) >=
	    sizeof(host))
		return mxtls_why_set(why, MXTLS_PERMFAIL, "domain too long");
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
	x->f = f;
	x->cb = cb;
	x->arg = arg;
	(void)snprintf(x->url, sizeof(x->url),
	    "https://%s/.well-known/mta-sts.txt", host);
	x->easy = curl_easy_init();
	x->share = curl_share_init();
	x->resolve = fetch_resolve_list(host, addrs, naddrs);
	if (x->easy == NULL || x->share == NULL || x->resolve == NULL ||
	    curl_share_setopt(x->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) !=
	    CURLSHE_OK || fetch_setup(f, x) != 0) {
		fetch_xfer_free(x);
		return mxtls_why_set(why, MXTLS_ENOMEM,
		    "cannot set up the fetch of %s", host);
	}
	if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
		fetch_xfer_free(x);
		return mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "cannot start the fetch of %s", host);
	}
	x->next = f->xfers;
	if (x->next)
		x->next->prev = x;
	f->xfers = x;
	return MXTLS_OK;
}
