/*
 * NAME
 *	server - mxtlsd's socketmap listeners and connections
 * SYNOPSIS
 *	#include "daemon.h"
 *
 *	struct mxtlsd_server *
 *	mxtlsd_server_new(struct mxtlsd *d, struct mxtls_why *why)
 *
 *	int
 *	mxtlsd_server_reload(struct mxtlsd_server *s, struct mxtls_why *why)
 *
 *	void
 *	mxtlsd_server_drain(struct mxtlsd_server *s)
 *
 *	size_t
 *	mxtlsd_server_connections(const struct mxtlsd_server *s)
 *
 *	void
 *	mxtlsd_server_free(struct mxtlsd_server *s)
 * DESCRIPTION
 *	One evconnlistener per item of the listen option: "unix:PATH" (a
 *	stale socket file is removed first, a live one is an error; then
 *	socket_mode, socket_owner and socket_group are applied) or
 *	"inet:ADDR:PORT" (SO_REUSEADDR, never SO_REUSEPORT: a second daemon
 *	on the same port must fail, not share it).
 *
 *	Each connection has one persistent read event, a bounded input
 *	buffer (at most one request of MXTLSD_REQUEST_MAX bytes plus its
 *	netstring framing) and an output buffer. Requests are netstrings
 *	"<len>:<map> <key>,", pipelined. Each request gets a slot in the
 *	connection's queue; replies leave in request order even when the
 *	answers arrive out of order. The requests of one read() are taken
 *	together and the replies ready then leave in one write(); a write
 *	event is registered only while the socket is full. A map named in map_postfix or
 *	map_sendmail or map_exim selects the reply dialect and asks
 *	answers.c (the Exim dialect answers a summary, summary.h); the map
 *	"json" runs mxtls_decide() directly and answers "OK <decision
 *	JSON>" for mxtls query; any other map is "PERM unknown map NAME".
 *	A malformed or oversized netstring is logged with the peer and the
 *	connection closed. A reply over MXTLSD_REPLY_MAX becomes "TEMP reply
 *	too long". One info line is logged per decision.
 *
 *	Limits: max_connections (more are closed at accept, logged),
 *	idle_timeout (no request, or output not drained, for that long:
 *	closed; a connection waiting for an answer is not idle; checked by a
 *	sweep every SERVER_SWEEP_MS against each connection's last activity,
 *	so a close comes up to that much late), at most
 *	SERVER_SLOTS_MAX requests in flight per connection and
 *	SERVER_OUT_MAX bytes of unsent replies: past either, reading stops
 *	until the client catches up.
 *
 *	mxtlsd_server_drain() closes the listeners and stops reading; each
 *	connection is closed once its pending replies are sent.
 * DIAGNOSTICS
 *	mxtlsd_server_new() returns NULL with the reason in why when a
 *	listener cannot be set up. Per-connection trouble is logged.
 * SEE ALSO
 *	mxtlsd(8), daemon.h, socketmap.h, reply.h
 */
#include "daemon.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "decide_json.h"
#include "log.h"
#include "netstring.h"
#include "socketmap.h"

#define SERVER_SLOTS_MAX	256	/* requests in flight per connection */
#define SERVER_OUT_MAX		(4 * MXTLSD_REPLY_MAX)	/* unsent bytes */
#define SERVER_PEER_MAX		80
#define SERVER_BACKLOG		4096
#define SERVER_NS_OVERHEAD	12	/* "4294967295:" and "," */
#define SERVER_IN_MAX		(MXTLSD_REQUEST_MAX + SERVER_NS_OVERHEAD)
#define SERVER_BUF_INIT		1024	/* first size of a conn's buffers */
#define SERVER_OUT_KEEP		16384	/* an empty output buffer shrinks */
#define SERVER_SWEEP_MS		500	/* idle_timeout check interval */

struct server_conn;

/* One request waiting for its reply. */
struct server_slot {
	TAILQ_ENTRY(server_slot) entry;
	struct server_conn *conn;	/* NULL: orphan (json, client gone) */
	struct mxtlsd_server *s;
	void	*handle;		/* answers.c, for cancel */
	int	 pending;		/* answers.c has our callback */
	int	 done;
	enum mxtlsd_dialect dialect;
	char	*reply;			/* payload, malloc'd */
	size_t	 len;
	struct timespec start;
	char	 map[MXTLSD_MAPNAME_MAX + 1];
};
TAILQ_HEAD(server_slots, server_slot);

struct server_conn {
	TAILQ_ENTRY(server_conn) entry;
	struct mxtlsd_server *s;
	int	 fd;
	struct event *rev;		/* EV_READ|EV_PERSIST, on unless paused */
	struct event *wev;		/* EV_WRITE, added while wblocked */
	struct server_slots slots;
	size_t	 nslots;
	char	*in;			/* unparsed bytes, inlen of incap */
	size_t	 inlen, incap;		/* incap <= SERVER_IN_MAX */
	char	*out;			/* unsent bytes: out[outoff..outlen) */
	size_t	 outoff, outlen, outcap;
	uint64_t last_in;		/* ms: last read, or reading resumed */
	uint64_t last_out;		/* ms: last write progress or block */
	uint64_t idle_ms;		/* idle_timeout when accepted */
	int	 paused;		/* reading stopped: backpressure */
	int	 wblocked;		/* socket full: wev is pending */
	int	 closing;		/* close once replies are out */
	int	 in_read;		/* server_conn_parse() is running */
	char	 peer[SERVER_PEER_MAX];
};
TAILQ_HEAD(server_conns, server_conn);

struct server_listener {
	struct evconnlistener *l;
	struct mxtls_endpoint ep;
	int	 is_unix;
};

struct mxtlsd_server {
	struct mxtlsd *d;
	struct server_listener ls[MXTLS_CONFIG_LISTEN_MAX];
	size_t	 nls;
	char	 listen[MXTLS_CONFIG_PATH_MAX];	/* what ls was built from */
	struct server_conns conns;
	size_t	 nconns;
	struct server_slots orphans;	/* json lookups of closed conns */
	struct event *resume;		/* re-enable after accept errors */
	struct event *sweep;		/* idle_timeout, every SERVER_SWEEP_MS */
	int	 draining;
};

static void server_conn_free(struct server_conn *);
static int server_conn_input(struct server_conn *);

/* ------------------------------------------------------------ listeners */

/* server_fail - MXTLS_PERMFAIL with a printf-style reason; returns -1 */

static int
server_fail(struct mxtls_why *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
server_fail(struct mxtls_why *why, const char *fmt, ...)
{
	char buf[MXTLS_WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)mxtls_why_set(why, MXTLS_PERMFAIL, "%s", buf);
	return -1;
}

/* server_owner - resolve socket_owner/socket_group into ids (-1: keep) */

static int
server_owner(const struct mxtls_config *cfg, uid_t *uid, gid_t *gid,
    struct mxtls_why *why)
{
	struct passwd *pw;
	struct group *gr;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (cfg->socket_owner[0] != '\0') {
		if ((pw = getpwnam(cfg->socket_owner)) == NULL)
			return server_fail(why, "socket_owner %s: no such "
			    "user", cfg->socket_owner);
		*uid = pw->pw_uid;
	}
	if (cfg->socket_group[0] != '\0') {
		if ((gr = getgrnam(cfg->socket_group)) == NULL)
			return server_fail(why, "socket_group %s: no such "
			    "group", cfg->socket_group);
		*gid = gr->gr_gid;
	}
	return 0;
}

/*
 * server_unlink_stale - remove a socket file nobody answers on; a live
 * daemon or a file that is not a socket is an error
 */

static int
server_unlink_stale(const struct mxtls_endpoint *ep, const char *path,
    struct mxtls_why *why)
{
	struct stat st;
	int fd, live;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : server_fail(why, "%s: %s", path,
		    strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return server_fail(why, "%s exists and is not a socket", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return server_fail(why, "socket: %s", strerror(errno));
	live = connect(fd, (const struct sockaddr *)&ep->ss, ep->sslen) == 0;
	(void)close(fd);
	if (live)
		return server_fail(why, "%s: another daemon is listening "
		    "there", path);
	if (unlink(path) == -1 && errno != ENOENT)
		return server_fail(why, "unlink %s: %s", path, strerror(errno));
	return 0;
}

/* server_socket - a bound, listening socket for ep, or -1 + why */

static int
server_socket(struct mxtlsd_server *s, const struct mxtls_endpoint *ep,
    struct mxtls_why *why)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&ep->ss;
	int fd, one = 1, is_unix = ep->ss.ss_family == AF_UNIX;
	uid_t uid;
	gid_t gid;
	mode_t old;

	if (is_unix && (server_owner(s->d->cfg, &uid, &gid, why) != 0 ||
	    server_unlink_stale(ep, sun->sun_path, why) != 0))
		return -1;
	if ((fd = socket(ep->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		goto fail;
	if (!is_unix && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1)
		goto fail;
	old = umask(0177);		/* no window with looser bits */
	if (bind(fd, (const struct sockaddr *)&ep->ss, ep->sslen) == -1) {
		(void)umask(old);
		goto fail;
	}
	(void)umask(old);
	if (is_unix && (chmod(sun->sun_path,
	    (mode_t)s->d->cfg->socket_mode) == -1 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(sun->sun_path, uid, gid) == -1)))
		goto fail;
	if (listen(fd, SERVER_BACKLOG) == -1)
		goto fail;
	return fd;
fail:
	mxtls_why_set(why, MXTLS_PERMFAIL, "%s: %s", ep->text,
	    strerror(errno));
	if (fd != -1)
		(void)close(fd);
	return -1;
}

/* server_listener_close - free a listener; a unix one takes its file */

static void
server_listener_close(struct server_listener *sl)
{
	const struct sockaddr_un *sun =
	    (const struct sockaddr_un *)&sl->ep.ss;

	if (sl->l == NULL)
		return;
	evconnlistener_free(sl->l);
	sl->l = NULL;
	if (sl->is_unix)
		(void)unlink(sun->sun_path);
}

static void server_accept(struct evconnlistener *, evutil_socket_t,
    struct sockaddr *, int, void *);

/* server_accept_error - EMFILE and friends: pause accepting for a second */

static void
server_accept_error(struct evconnlistener *l, void *arg)
{
	struct mxtlsd_server *s = arg;
	struct timeval tv = { 1, 0 };
	size_t i;

	mxtls_log_warn("accept");
	for (i = 0; i < s->nls; i++)
		if (s->ls[i].l != NULL)
			evconnlistener_disable(s->ls[i].l);
	(void)l;
	if (s->resume != NULL)
		(void)evtimer_add(s->resume, &tv);
}

static void
server_resume(evutil_socket_t fd, short what, void *arg)
{
	struct mxtlsd_server *s = arg;
	size_t i;

	(void)fd;
	(void)what;
	if (s->draining)
		return;
	for (i = 0; i < s->nls; i++)
		if (s->ls[i].l != NULL)
			evconnlistener_enable(s->ls[i].l);
}

/* server_listener_open - a listener for one endpoint text (len bytes) */

static int
server_listener_open(struct mxtlsd_server *s, struct server_listener *sl,
    const char *text, size_t len, struct mxtls_why *why)
{
	int fd;

	memset(sl, 0, sizeof(*sl));
	if (mxtls_config_endpoint(text, len, MXTLS_ENDPOINT_UNIX |
	    MXTLS_ENDPOINT_INET, &sl->ep, why) != MXTLS_OK)
		return -1;
	sl->is_unix = sl->ep.ss.ss_family == AF_UNIX;
	if ((fd = server_socket(s, &sl->ep, why)) == -1)
		return -1;
	sl->l = evconnlistener_new(s->d->base, server_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (sl->l == NULL) {
		(void)close(fd);
		if (sl->is_unix)
			(void)unlink(((struct sockaddr_un *)&sl->ep.ss)->
			    sun_path);
		return server_fail(why, "%s: cannot create a listener",
		    sl->ep.text);
	}
	evconnlistener_set_error_cb(sl->l, server_accept_error);
	mxtls_log(LOG_INFO, "listening on %s", sl->ep.text);
	return 0;
}

/*
 * server_listen - listeners for each item of list into ls (*nls set); an
 * item already open in old (oldn entries) is moved over, not re-bound.
 * On error everything opened here is closed and old is left as it was.
 */

static int
server_listen(struct mxtlsd_server *s, const char *list,
    struct server_listener *old, size_t oldn, struct server_listener *ls,
    size_t *nls, struct mxtls_why *why)
{
	const char *p = list, *tok;
	size_t n = 0, i, len;

	while (*p != '\0' && n < MXTLS_CONFIG_LISTEN_MAX) {
		for (tok = p; *p != '\0' && *p != ' '; p++)
			;
		len = (size_t)(p - tok);
		while (*p == ' ')
			p++;
		for (i = 0; i < oldn; i++)
			if (old[i].l != NULL && strlen(old[i].ep.text) == len &&
			    memcmp(old[i].ep.text, tok, len) == 0)
				break;
		if (i < oldn) {
			ls[n++] = old[i];
			continue;
		}
		if (len == 0)
			continue;
		if (server_listener_open(s, &ls[n], tok, len, why) != 0)
			goto fail;
		n++;
	}
	*nls = n;
	return 0;
fail:
	while (n-- > 0) {
		for (i = 0; i < oldn; i++)
			if (old[i].l == ls[n].l)
				break;
		if (i == oldn)
			server_listener_close(&ls[n]);
	}
	return -1;
}

/* ------------------------------------------------------------ replies */

static uint64_t
server_elapsed_us(const struct timespec *start)
{
	struct timespec now;
	int64_t us;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	us = (int64_t)(now.tv_sec - start->tv_sec) * 1000000 +
	    (now.tv_nsec - start->tv_nsec) / 1000;
	return us > 0 ? (uint64_t)us : 0;
}

/* server_now_ms - a cheap monotonic clock for idle_timeout, in ms */

static uint64_t
server_now_ms(void)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

/*
 * server_out_add - append the netstring of a reply (len bytes) to the
 * output buffer, compacting or growing it; -1 when out of memory
 */

static int
server_out_add(struct server_conn *c, const char *reply, size_t len)
{
	size_t need = len + SERVER_NS_OVERHEAD + 10, cap, n;
	char *p;

	if (c->outoff > 0 && c->outcap - c->outlen < need) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outcap - c->outlen < need) {
		for (cap = c->outcap > 0 ? c->outcap : SERVER_BUF_INIT;
		    cap - c->outlen < need; cap *= 2)
			;
		if ((p = realloc(c->out, cap)) == NULL)
			return -1;
		c->out = p;
		c->outcap = cap;
	}
	n = mxtls_netstring_encode(reply, len, c->out + c->outlen,
	    c->outcap - c->outlen);
	if (n == 0)
		return -1;
	c->outlen += n;
	return 0;
}

/* server_conn_watch - pause or resume reading per the limits; -1: freed */

static int
server_conn_watch(struct server_conn *c)
{
	int over = c->nslots >= SERVER_SLOTS_MAX ||
	    c->outlen - c->outoff >= SERVER_OUT_MAX;

	if (c->closing || c->s->draining)
		over = 1;
	if (over && !c->paused) {
		(void)event_del(c->rev);
		c->paused = 1;
	} else if (!over && c->paused) {
		c->paused = 0;
		c->last_in = server_now_ms();
		(void)event_add(c->rev, NULL);
		/* requests already buffered are not announced again */
		if (c->inlen > 0 && !c->in_read)
			return server_conn_input(c);
	}
	return 0;
}

/* server_conn_collect - move the ready replies at the queue head to out */

static void
server_conn_collect(struct server_conn *c)
{
	struct server_slot *sl;

	while ((sl = TAILQ_FIRST(&c->slots)) != NULL && sl->done) {
		if (server_out_add(c, sl->reply, sl->len) == -1)
			c->closing = 1;
		TAILQ_REMOVE(&c->slots, sl, entry);
		c->nslots--;
		free(sl->reply);
		free(sl);
	}
}

/* server_out_empty - all sent: reset out, give back a large buffer */

static void
server_out_empty(struct server_conn *c)
{
	c->outoff = c->outlen = 0;
	if (c->outcap > SERVER_OUT_KEEP) {
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	if (c->wblocked) {
		(void)event_del(c->wev);
		c->wblocked = 0;
	}
}

/*
 * server_conn_send - write what is buffered; when the socket is full, the
 * write event takes over. Returns -1 on a write error (errno set).
 */

static int
server_conn_send(struct server_conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n > 0) {
			c->outoff += (size_t)n;
			c->last_out = server_now_ms();
		} else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)) {
			if (!c->wblocked) {
				c->last_out = server_now_ms();
				(void)event_add(c->wev, NULL);
				c->wblocked = 1;
			}
			return 0;
		} else
			return -1;
	}
	server_out_empty(c);
	return 0;
}

/*
 * server_conn_flush - send the replies at the head of the queue that are
 * ready; close the connection when it is closing and nothing is left.
 * Returns -1 when c was freed.
 */

static int
server_conn_flush(struct server_conn *c)
{
	server_conn_collect(c);
	if (server_conn_send(c) == -1) {
		mxtls_log(LOG_DEBUG, "%s: %s", c->peer, strerror(errno));
		server_conn_free(c);
		return -1;
	}
	if ((c->closing || c->s->draining) && c->nslots == 0 &&
	    c->outlen == c->outoff) {
		server_conn_free(c);
		return -1;
	}
	return server_conn_watch(c);
}

/* server_slot_set - the reply of a slot (copied); too long becomes TEMP */

static void
server_slot_set(struct server_slot *sl, const char *reply)
{
	static const char too_long[] = "TEMP reply too long";
	size_t len = strlen(reply);

	if (len > MXTLSD_REPLY_MAX) {
		reply = too_long;
		len = sizeof(too_long) - 1;
	}
	if ((sl->reply = malloc(len + 1)) == NULL) {
		if (sl->conn != NULL)
			sl->conn->closing = 1;	/* no reply: hang up */
		sl->len = 0;
	} else {
		memcpy(sl->reply, reply, len + 1);
		sl->len = len;
	}
	sl->done = 1;
}

/* server_slot_finish - slot has its reply: send what can be sent */

static void
server_slot_finish(struct server_slot *sl)
{
	if (sl->conn == NULL) {		/* orphan: the client went away */
		TAILQ_REMOVE(&sl->s->orphans, sl, entry);
		free(sl->reply);
		free(sl);
		return;
	}
	/* the read loop flushes after each request it takes */
	if (!sl->conn->in_read && TAILQ_FIRST(&sl->conn->slots) == sl)
		(void)server_conn_flush(sl->conn);
}

/* server_slot_reply - a fixed reply (printf style) for a slot */

static void
server_slot_reply(struct server_slot *sl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
server_slot_reply(struct server_slot *sl, const char *fmt, ...)
{
	char buf[MXTLS_WHY_MAX + MXTLSD_MAPNAME_MAX + 32];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	server_slot_set(sl, buf);
}

/* server_answered - answers.c's callback for one slot */

static void
server_answered(void *arg, const struct mxtlsd_answer *a)
{
	struct server_slot *sl = arg;
	const char *reply = a->reply[sl->dialect];
	uint64_t us = server_elapsed_us(&sl->start);

	/* answers.c counts lookups, cache hits and latency */
	sl->pending = 0;
	sl->handle = NULL;
	server_slot_set(sl, reply != NULL ? reply : "TEMP no answer");
	/* one info line per decision comes from answers.c; this is per request */
	mxtls_log(LOG_DEBUG, "%s map=%s policy=%s reply=\"%s\" ms=%llu.%03llu%s",
	    a->domain, sl->map, mxtls_policy_name(a->policy),
	    sl->reply != NULL ? sl->reply : "", (unsigned long long)us / 1000,
	    (unsigned long long)us % 1000, a->timed_out ? " deadline" :
	    a->from_cache ? " cached" : "");
	server_slot_finish(sl);
}

/* server_json_done - mxtls_decide()'s callback for the "json" map */

static void
server_json_done(void *arg, const struct mxtls_decision *d)
{
	struct server_slot *sl = arg;
	json_t *j;
	char *text = NULL, *reply = NULL;
	size_t len;

	sl->pending = 0;
	if ((j = mxtls_decision_json(d)) != NULL)
		text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	len = text != NULL ? strlen(text) + 3 : 0;
	if (text != NULL && len <= MXTLSD_REPLY_MAX &&
	    (reply = malloc(len + 1)) != NULL) {
		(void)snprintf(reply, len + 1, "OK %s", text);
		sl->reply = reply;
		sl->len = len;
		sl->done = 1;
	} else
		server_slot_set(sl, text == NULL || reply == NULL ?
		    "TEMP out of memory" : "TEMP reply too long");
	free(text);
	mxtls_log(LOG_INFO, "%s map=json policy=%s ms=%llu", d->domain,
	    mxtls_policy_name(d->policy),
	    (unsigned long long)server_elapsed_us(&sl->start) / 1000);
	server_slot_finish(sl);
}

/* ------------------------------------------------------------ requests */

/* server_dialect - the dialect of a map name: 0, or -1 when unknown */

static int
server_dialect(const struct mxtls_config *cfg, const char *map,
    enum mxtlsd_dialect *dia)
{
	static const enum mxtlsd_dialect dias[] = { MXTLSD_DIALECT_POSTFIX,
	    MXTLSD_DIALECT_SENDMAIL, MXTLSD_DIALECT_EXIM };
	const char *lists[3] = { cfg->map_postfix, cfg->map_sendmail,
	    cfg->map_exim };
	size_t n = strlen(map), i;
	const char *p;

	for (i = 0; i < 3; i++)
		for (p = lists[i]; (p = strstr(p, map)) != NULL; p += n)
			if ((p == lists[i] || p[-1] == ' ') &&
			    (p[n] == '\0' || p[n] == ' ')) {
				*dia = dias[i];
				return 0;
			}
	return -1;
}

/* server_json - start the "json" lookup of domain for slot */

static void
server_json(struct server_slot *sl, const char *domain)
{
	struct mxtls_why why;

	sl->pending = 1;
	if (mxtls_decide(sl->s->d->eng, domain, MXTLS_LOOKUP_CHECK_TXT,
	    server_json_done, sl, &why) != MXTLS_OK) {
		sl->pending = 0;
		server_slot_reply(sl, "PERM %s", why.text);
	}
}

/* server_lookup - a policy lookup of key in map for slot */

static void
server_lookup(struct server_slot *sl, const char *key)
{
	struct mxtlsd *d = sl->s->d;
	char domain[MXTLS_DOMAIN_MAX + 1];
	struct mxtls_why why;
	enum mxtls_status st;
	int r, is_json = strcmp(sl->map, "json") == 0;

	if (!is_json && server_dialect(d->cfg, sl->map, &sl->dialect) != 0) {
		mxtlsd_metrics_inc(d->metrics, MXTLSD_C_BAD_REQUESTS);
		server_slot_reply(sl, "PERM unknown map %s", sl->map);
		return;
	}
	st = mxtlsd_socketmap_key(key, domain, sizeof(domain), &why);
	if (st == MXTLS_NOTFOUND) {
		mxtlsd_metrics_inc(d->metrics, MXTLSD_C_LOOKUPS_NOTFOUND_KEY);
		server_slot_set(sl, "NOTFOUND ");
		return;
	}
	if (st != MXTLS_OK) {
		/*
		 * A key that is not a domain name can have no policy. PERM
		 * would make Postfix defer the mail for good; NOTFOUND lets it
		 * go as without a policy. The json map (mxtls query) is told.
		 */
		mxtlsd_metrics_inc(d->metrics, MXTLSD_C_BAD_REQUESTS);
		if (is_json) {
			server_slot_reply(sl, "PERM %s", why.text);
			return;
		}
		mxtls_log(LOG_DEBUG, "map %s: key is not a domain: %s",
		    sl->map, why.text);
		server_slot_set(sl, "NOTFOUND ");
		return;
	}
	if (is_json) {
		server_json(sl, domain);
		return;
	}
	sl->pending = 1;
	r = mxtlsd_answers_get(d->answers, domain, sl->dialect,
	    server_answered, sl, &sl->handle);
	if (r == -1) {
		sl->pending = 0;
		server_slot_set(sl, "TEMP out of memory");
	}
}

/*
 * server_request - one request payload (len bytes, untrusted). The slot
 * is queued before any answer can arrive, so the order holds.
 */

static void
server_request(struct server_conn *c, const char *buf, size_t len)
{
	char key[MXTLS_DOMAIN_MAX + 17 + 1];
	struct server_slot *sl;
	struct mxtls_why why;

	if ((sl = calloc(1, sizeof(*sl))) == NULL) {
		c->closing = 1;
		return;
	}
	sl->conn = c;
	sl->s = c->s;
	(void)clock_gettime(CLOCK_MONOTONIC, &sl->start);
	TAILQ_INSERT_TAIL(&c->slots, sl, entry);
	c->nslots++;
	if (mxtlsd_socketmap_split(buf, len, sl->map, sizeof(sl->map), key,
	    sizeof(key), &why) != MXTLS_OK) {
		mxtlsd_metrics_inc(c->s->d->metrics, MXTLSD_C_BAD_REQUESTS);
		mxtls_log(LOG_NOTICE, "bad request from %s: %s", c->peer,
		    why.text);
		server_slot_reply(sl, "PERM %s", why.text);
		return;
	}
	server_lookup(sl, key);
}

/*
 * server_conn_parse - take every complete request from the input buffer,
 * replies that are ready go to the output buffer (not yet sent). Returns
 * -1 when c was freed (malformed input).
 */

static int
server_conn_parse(struct server_conn *c)
{
	const char *data;
	size_t dlen, used, off = 0;
	struct mxtls_why why;
	enum mxtls_status st = MXTLS_NOTFOUND;

	c->in_read = 1;
	while (!c->paused && !c->closing && off < c->inlen) {
		st = mxtls_netstring_parse(c->in + off, c->inlen - off,
		    MXTLSD_REQUEST_MAX, &data, &dlen, &used, &why);
		if (st != MXTLS_OK)
			break;
		server_request(c, data, dlen);
		off += used;
		server_conn_collect(c);
		(void)server_conn_watch(c);	/* only pauses: in_read */
	}
	c->in_read = 0;
	if (st == MXTLS_NOTFOUND && off == 0 && c->inlen == SERVER_IN_MAX)
		st = mxtls_why_set(&why, MXTLS_PERMFAIL, "request too long");
	if (st != MXTLS_OK && st != MXTLS_NOTFOUND) {
		mxtlsd_metrics_inc(c->s->d->metrics, MXTLSD_C_BAD_REQUESTS);
		mxtls_log_warnx("%s: malformed request: %s; closing",
		    c->peer, why.text);
		server_conn_free(c);
		return -1;
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
	return 0;
}

/* server_conn_input - parse the buffered requests, send; -1: c freed */

static int
server_conn_input(struct server_conn *c)
{
	if (server_conn_parse(c) == -1)
		return -1;
	return server_conn_flush(c);
}

/* server_in_room - room in the input buffer for read(); -1: no memory */

static int
server_in_room(struct server_conn *c)
{
	size_t cap;
	char *p;

	if (c->inlen < c->incap)
		return 0;
	cap = c->incap > 0 ? c->incap * 2 : SERVER_BUF_INIT;
	if (cap > SERVER_IN_MAX)
		cap = SERVER_IN_MAX;
	if (cap <= c->inlen || (p = realloc(c->in, cap)) == NULL)
		return -1;
	c->in = p;
	c->incap = cap;
	return 0;
}

/* server_conn_readable - one read(), then its requests and their replies */

static void
server_conn_readable(evutil_socket_t fd, short what, void *arg)
{
	struct server_conn *c = arg;
	ssize_t n;

	(void)what;
	if (server_in_room(c) == -1) {
		mxtls_log_warnx("%s: out of memory, closing", c->peer);
		server_conn_free(c);
		return;
	}
	n = read(fd, c->in + c->inlen, c->incap - c->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {			/* EOF or error */
		if (n == -1)
			mxtls_log(LOG_DEBUG, "%s: %s", c->peer,
			    strerror(errno));
		server_conn_free(c);
		return;
	}
	c->inlen += (size_t)n;
	c->last_in = server_now_ms();
	(void)server_conn_input(c);
}

/* server_conn_writable - the socket has room again */

static void
server_conn_writable(evutil_socket_t fd, short what, void *arg)
{
	struct server_conn *c = arg;

	(void)fd;
	(void)what;
	c->wblocked = 0;		/* wev is not persistent */
	(void)server_conn_flush(c);
}

/*
 * server_conn_idle - idle_timeout for one connection at now (ms): output
 * stuck, or no request while reading and no answer awaited
 */

static void
server_conn_idle(struct server_conn *c, uint64_t now)
{
	if (c->wblocked && now - c->last_out >= c->idle_ms) {
		mxtls_log(LOG_DEBUG, "%s: idle, closing", c->peer);
		server_conn_free(c);
	} else if (!c->paused && now - c->last_in >= c->idle_ms) {
		if (c->nslots > 0) {
			c->last_in = now;	/* busy, not idle */
			return;
		}
		mxtls_log(LOG_DEBUG, "%s: idle, closing", c->peer);
		server_conn_free(c);
	}
}

/* server_sweep - the periodic idle_timeout check of every connection */

static void
server_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct mxtlsd_server *s = arg;
	struct server_conn *c, *next;
	uint64_t now = server_now_ms();

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&s->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		server_conn_idle(c, now);
	}
}

/* ------------------------------------------------------------ connections */

static void
server_peer(char *out, size_t outsz, const struct sockaddr *sa)
{
	char addr[INET6_ADDRSTRLEN];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET && inet_ntop(AF_INET, &sin->sin_addr,
	    addr, sizeof(addr)) != NULL)
		(void)snprintf(out, outsz, "%s:%u", addr,
		    ntohs(sin->sin_port));
	else if (sa->sa_family == AF_INET6 && inet_ntop(AF_INET6,
	    &sin6->sin6_addr, addr, sizeof(addr)) != NULL)
		(void)snprintf(out, outsz, "[%s]:%u", addr,
		    ntohs(sin6->sin6_port));
	else
		mxtls_strlcpy(out, "unix", outsz);
}

/* server_conn_new - a connection for an accepted non-blocking fd */

static struct server_conn *
server_conn_new(struct mxtlsd_server *s, int fd, const char *peer)
{
	struct server_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = fd;
	if ((c->rev = event_new(s->d->base, fd, EV_READ | EV_PERSIST,
	    server_conn_readable, c)) == NULL ||
	    (c->wev = event_new(s->d->base, fd, EV_WRITE,
	    server_conn_writable, c)) == NULL ||
	    event_add(c->rev, NULL) == -1) {
		if (c->rev != NULL)
			event_free(c->rev);
		if (c->wev != NULL)
			event_free(c->wev);
		free(c);
		return NULL;
	}
	c->s = s;
	TAILQ_INIT(&c->slots);
	mxtls_strlcpy(c->peer, peer, sizeof(c->peer));
	c->idle_ms = (uint64_t)s->d->cfg->idle_timeout * 1000;
	c->last_in = c->last_out = server_now_ms();
	return c;
}

static void
server_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct mxtlsd_server *s = arg;
	struct server_conn *c;
	char peer[SERVER_PEER_MAX];
	int one = 1;

	(void)l;
	(void)salen;
	server_peer(peer, sizeof(peer), sa);
	if (s->draining || s->nconns >= s->d->cfg->max_connections) {
		mxtls_log_warnx("%s: refused: %s", peer, s->draining ?
		    "shutting down" : "max_connections reached");
		(void)evutil_closesocket(fd);
		return;
	}
	if (sa->sa_family != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	if ((c = server_conn_new(s, fd, peer)) == NULL) {
		mxtls_log_warnx("%s: out of memory, refused", peer);
		(void)evutil_closesocket(fd);
		return;
	}
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	s->nconns++;
	mxtlsd_metrics_inc(s->d->metrics, MXTLSD_C_CONNECTIONS);
}

/* server_conn_free - close c; its pending lookups are let go */

static void
server_conn_free(struct server_conn *c)
{
	struct mxtlsd_server *s = c->s;
	struct server_slot *sl;

	while ((sl = TAILQ_FIRST(&c->slots)) != NULL) {
		TAILQ_REMOVE(&c->slots, sl, entry);
		if (sl->pending && strcmp(sl->map, "json") == 0) {
			sl->conn = NULL;	/* mxtls_decide cannot cancel */
			TAILQ_INSERT_TAIL(&s->orphans, sl, entry);
			continue;
		}
		if (sl->pending)
			mxtlsd_answers_cancel(s->d->answers, sl->handle);
		free(sl->reply);
		free(sl);
	}
	TAILQ_REMOVE(&s->conns, c, entry);
	s->nconns--;
	event_free(c->rev);
	event_free(c->wev);
	(void)evutil_closesocket(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* ------------------------------------------------------------ public */

struct mxtlsd_server *
mxtlsd_server_new(struct mxtlsd *d, struct mxtls_why *why)
{
	struct timeval sweep = { 0, SERVER_SWEEP_MS * 1000 };
	struct mxtlsd_server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
		return NULL;
	}
	s->d = d;
	TAILQ_INIT(&s->conns);
	TAILQ_INIT(&s->orphans);
	if ((s->resume = evtimer_new(d->base, server_resume, s)) == NULL ||
	    (s->sweep = event_new(d->base, -1, EV_PERSIST, server_sweep,
	    s)) == NULL || event_add(s->sweep, &sweep) == -1 ||
	    server_listen(s, d->cfg->listen, NULL, 0, s->ls, &s->nls,
	    why) != 0) {
		if (s->resume == NULL || s->sweep == NULL)
			mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
		mxtlsd_server_free(s);
		return NULL;
	}
	mxtls_strlcpy(s->listen, d->cfg->listen, sizeof(s->listen));
	return s;
}

int
mxtlsd_server_reload(struct mxtlsd_server *s, struct mxtls_why *why)
{
	struct server_listener ls[MXTLS_CONFIG_LISTEN_MAX];
	size_t n = 0, i, k;

	if (strcmp(s->listen, s->d->cfg->listen) == 0 || s->draining)
		return 0;
	if (server_listen(s, s->d->cfg->listen, s->ls, s->nls, ls, &n,
	    why) != 0)
		return -1;
	for (i = 0; i < s->nls; i++) {
		for (k = 0; k < n; k++)
			if (ls[k].l == s->ls[i].l)
				break;
		if (k == n) {
			mxtls_log(LOG_INFO, "no longer listening on %s",
			    s->ls[i].ep.text);
			server_listener_close(&s->ls[i]);
		}
	}
	memcpy(s->ls, ls, sizeof(ls));
	s->nls = n;
	mxtls_strlcpy(s->listen, s->d->cfg->listen, sizeof(s->listen));
	return 0;
}

void
mxtlsd_server_drain(struct mxtlsd_server *s)
{
	struct server_conn *c, *next;
	size_t i;

	s->draining = 1;
	for (i = 0; i < s->nls; i++)
		server_listener_close(&s->ls[i]);
	s->nls = 0;
	for (c = TAILQ_FIRST(&s->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		(void)server_conn_flush(c);	/* idle ones close now */
	}
}

size_t
mxtlsd_server_connections(const struct mxtlsd_server *s)
{
	return s->nconns;
}

void
mxtlsd_server_free(struct mxtlsd_server *s)
{
	struct server_slot *sl;
	size_t i;

	if (s == NULL)
		return;
	while (!TAILQ_EMPTY(&s->conns))
		server_conn_free(TAILQ_FIRST(&s->conns));
	while ((sl = TAILQ_FIRST(&s->orphans)) != NULL) {
		TAILQ_REMOVE(&s->orphans, sl, entry);
		free(sl->reply);
		free(sl);
	}
	for (i = 0; i < s->nls; i++)
		server_listener_close(&s->ls[i]);
	if (s->resume != NULL)
		event_free(s->resume);
	if (s->sweep != NULL)
		event_free(s->sweep);
	free(s);
}
