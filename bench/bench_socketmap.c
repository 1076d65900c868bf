/*
 * NAME
 *	bench_socketmap - socketmap load generator, and the echo server that
 *	is its physical limit
 * SYNOPSIS
 *	bench_socketmap [-u PATH | -a ADDR -p PORT] [-m MAP] [-c CONNS]
 *	    [-n REQUESTS] [-k KEY | -f KEYFILE] [-e PREFIX] [-l LABEL]
 *	bench_socketmap --echo PORT [-a ADDR] [-r REPLY]
 * DESCRIPTION
 *	Run by hand (bench/run-socketmap.sh), not in CI.
 *
 *	Client mode: CONNS threads (default 1), one connection each, send
 *	"<len>:MAP KEY," and wait for the whole reply before the next
 *	request, as Postfix's socketmap client does. REQUESTS (default
 *	10000) requests in total; request i uses key i modulo the key list
 *	(-k one key, -f one key a line), so with REQUESTS equal to the
 *	number of keys each key is asked once (a cold run whose concurrency
 *	limit is CONNS). A reply that is not a netstring, or (with -e) does
 *	not start with PREFIX, counts as an error. Prints one line:
 *	  LABEL conns=C requests=N errors=E seconds=S rps=R p50_us=A p99_us=B max_us=M
 *	Exit status 1 when any request failed.
 *
 *	Echo mode: serves every well-formed request on ADDR:PORT (default
 *	127.0.0.1) with the constant REPLY (default "OK secure
 *	match=mx.bulk.test servername=hostname"): one thread, epoll,
 *	non-blocking sockets, pipelined requests answered in order. Prints
 *	"READY" when listening; stops on SIGTERM or SIGINT.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4 */
#endif
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BS_BUF		(128 * 1024)
#define BS_MAXKEYS	(1000 * 1000)

static const char *opt_unix, *opt_addr = "127.0.0.1", *opt_map = "postfix";
static const char *opt_prefix, *opt_label = "run";
static const char *opt_reply = "OK secure match=mx.bulk.test servername=hostname";
static int opt_port = 8461, opt_conns = 1;
static long opt_requests = 10000;
static char **keys;
static size_t nkeys;
static uint64_t *lat;			/* ns, one per request */
static long next_req;			/* shared request counter */
static long nerrors;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_socketmap [-u PATH | -a ADDR -p PORT] "
	    "[-m MAP] [-c CONNS] [-n REQUESTS] [-k KEY | -f KEYFILE] "
	    "[-e PREFIX] [-l LABEL]\n"
	    "       bench_socketmap --echo PORT [-a ADDR] [-r REPLY]\n");
	exit(2);
}

static int
connect_server(void)
{
	int fd, one = 1;

	if (opt_unix != NULL) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(opt_unix) >= sizeof(sun.sun_path))
			return -1;
		memcpy(sun.sun_path, opt_unix, strlen(opt_unix) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			close(fd);
			return -1;
		}
		return fd;
	} else {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)opt_port);
		if (inet_pton(AF_INET, opt_addr, &sin.sin_addr) != 1)
			return -1;
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* read_reply - one netstring into buf (NUL-terminated data); 0 or -1 */
static int
read_reply(int fd, char *buf, size_t bufsz, size_t *have, size_t *datalen,
    size_t *consumed)
{
	size_t len = 0, i;

	for (;;) {
		/* a complete netstring in buf[0..*have)? */
		for (i = 0; i < *have && buf[i] >= '0' && buf[i] <= '9'; i++) {
			len = len * 10 + (size_t)(buf[i] - '0');
			if (len > bufsz)
				return -1;
		}
		if (i < *have) {
			if (buf[i] != ':' || i == 0)
				return -1;
			if (*have >= i + 1 + len + 1) {
				if (buf[i + 1 + len] != ',')
					return -1;
				memmove(buf, buf + i + 1, len);
				buf[len] = '\0';
				*datalen = len;
				*consumed = i + 1 + len + 1;
				return 0;
			}
		}
		len = 0;
		if (*have >= bufsz - 1)
			return -1;
		{
			ssize_t r = read(fd, buf + *have, bufsz - 1 - *have);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			*have += (size_t)r;
		}
	}
}

static void *
client(void *arg)
{
	char *req = malloc(BS_BUF), *buf = malloc(BS_BUF);
	int fd = -1;
	long errs = 0;

	(void)arg;
	if (req == NULL || buf == NULL)
		abort();
	for (;;) {
		long i;
		size_t have = 0, dlen = 0, used = 0, klen;
		const char *key;
		int n;
		uint64_t t0;

		pthread_mutex_lock(&lock);
		i = next_req < opt_requests ? next_req++ : -1;
		pthread_mutex_unlock(&lock);
		if (i < 0)
			break;
		key = keys[(size_t)i % nkeys];
		klen = strlen(opt_map) + 1 + strlen(key);
		n = snprintf(req, BS_BUF, "%zu:%s %s,", klen, opt_map, key);
		t0 = now_ns();
		if (fd < 0 && (fd = connect_server()) < 0) {
			errs++;
			lat[i] = now_ns() - t0;
			continue;
		}
		if (write_all(fd, req, (size_t)n) != 0 ||
		    read_reply(fd, buf, BS_BUF, &have, &dlen, &used) != 0 ||
		    used != have) {
			errs++;
			close(fd);
			fd = -1;
		} else if (opt_prefix != NULL &&
		    strncmp(buf, opt_prefix, strlen(opt_prefix)) != 0) {
			if (errs < 3)
				fprintf(stderr, "bench_socketmap: %s: %s\n", key, buf);
			errs++;
		}
		lat[i] = now_ns() - t0;
	}
	if (fd >= 0)
		close(fd);
	free(req);
	free(buf);
	pthread_mutex_lock(&lock);
	nerrors += errs;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
load_keys(const char *file, const char *key)
{
	static char *one[1];

	if (file == NULL) {
		one[0] = (char *)(key != NULL ? key : "example.test");
		keys = one;
		nkeys = 1;
		return;
	} else {
		FILE *f = fopen(file, "r");
		char line[1024];

		if (f == NULL) {
			perror(file);
			exit(2);
		}
		keys = calloc(BS_MAXKEYS, sizeof(*keys));
		if (keys == NULL)
			abort();
		while (nkeys < BS_MAXKEYS && fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0')
				continue;
			if ((keys[nkeys++] = strdup(line)) == NULL)
				abort();
		}
		fclose(f);
		if (nkeys == 0) {
			fprintf(stderr, "bench_socketmap: no keys in %s\n", file);
			exit(2);
		}
	}
}

static int
run_client(void)
{
	pthread_t *t = calloc((size_t)opt_conns, sizeof(*t));
	uint64_t t0, t1;
	double secs;
	int i;

	lat = calloc((size_t)opt_requests, sizeof(*lat));
	if (t == NULL || lat == NULL)
		abort();
	t0 = now_ns();
	for (i = 0; i < opt_conns; i++)
		if (pthread_create(&t[i], NULL, client, NULL) != 0) {
			perror("pthread_create");
			exit(2);
		}
	for (i = 0; i < opt_conns; i++)
		pthread_join(t[i], NULL);
	t1 = now_ns();
	secs = (double)(t1 - t0) / 1e9;
	qsort(lat, (size_t)opt_requests, sizeof(*lat), cmp_u64);
	printf("%s conns=%d requests=%ld errors=%ld seconds=%.3f rps=%.0f "
	    "p50_us=%.1f p99_us=%.1f max_us=%.1f\n", opt_label, opt_conns,
	    opt_requests, nerrors, secs, (double)opt_requests / secs,
	    (double)lat[opt_requests / 2] / 1e3,
	    (double)lat[(opt_requests * 99) / 100] / 1e3,
	    (double)lat[opt_requests - 1] / 1e3);
	free(t);
	free(lat);
	return nerrors == 0 ? 0 : 1;
}

/* ------------------------------------------------------------ echo mode */
struct econn {
	int	fd;
	size_t	have;
	char	in[16384];
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* echo_serve - answer every complete request in c->in; -1: close */
static int
echo_serve(struct econn *c, const char *reply, size_t replylen)
{
	size_t off = 0;

	for (;;) {
		size_t i = off, len = 0;

		while (i < c->have && c->in[i] >= '0' && c->in[i] <= '9' &&
		    i - off < 6)
			len = len * 10 + (size_t)(c->in[i++] - '0');
		if (i >= c->have)
			break;
		if (c->in[i] != ':' || i == off || len > 10000)
			return -1;
		if (c->have < i + 1 + len + 1)
			break;
		if (c->in[i + 1 + len] != ',')
			return -1;
		if (write_all(c->fd, reply, replylen) != 0)
			return -1;
		off = i + 1 + len + 1;
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->have - off);
		c->have -= off;
	}
	return c->have >= sizeof(c->in) ? -1 : 0;
}

static int
run_echo(int port)
{
	struct sockaddr_in sin;
	struct epoll_event ev, evs[256];
	char reply[4096];
	size_t replylen;
	int lfd, ep, one = 1, n, i;

	n = snprintf(reply, sizeof(reply), "%zu:%s,", strlen(opt_reply),
	    opt_reply);
	if (n <= 0 || (size_t)n >= sizeof(reply))
		usage();
	replylen = (size_t)n;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, opt_addr, &sin.sin_addr) != 1)
		usage();
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		return 1;
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 4096) != 0) {
		perror("bench_socketmap: bind/listen");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0)
		return 1;
	printf("READY %s:%d\n", opt_addr, port);
	fflush(stdout);
	while (!stop) {
		n = epoll_wait(ep, evs, 256, 500);
		for (i = 0; i < n; i++) {
			struct econn *c = evs[i].data.ptr;

			if (c == NULL) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) >= 0) {
					c = calloc(1, sizeof(*c));
					if (c == NULL)
						abort();
					c->fd = fd;
					(void)setsockopt(fd, IPPROTO_TCP,
					    TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(c->fd, c->in + c->have,
				    sizeof(c->in) - c->have);

				if (r > 0) {
					c->have += (size_t)r;
					if (echo_serve(c, reply, replylen) == 0)
						continue;
				} else if (r < 0 && (errno == EAGAIN ||
				    errno == EINTR))
					break;
				close(c->fd);	/* EOF, error, bad input */
				free(c);
				break;
			}
		}
	}
	close(lfd);
	close(ep);
	return 0;
}

/* num - a non-negative decimal argument, or exit 2 */

static long
num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || errno != 0) {
		fprintf(stderr, "bench_socketmap: bad number \"%s\"\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	const char *keyfile = NULL, *key = NULL;
	int echo_port = -1, i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--echo") == 0 && v != NULL)
			echo_port = (int)num(v);
		else if (strcmp(a, "-u") == 0 && v != NULL)
			opt_unix = v;
		else if (strcmp(a, "-a") == 0 && v != NULL)
			opt_addr = v;
		else if (strcmp(a, "-p") == 0 && v != NULL)
			opt_port = (int)num(v);
		else if (strcmp(a, "-m") == 0 && v != NULL)
			opt_map = v;
		else if (strcmp(a, "-c") == 0 && v != NULL)
			opt_conns = (int)num(v);
		else if (strcmp(a, "-n") == 0 && v != NULL)
			opt_requests = num(v);
		else if (strcmp(a, "-k") == 0 && v != NULL)
			key = v;
		else if (strcmp(a, "-f") == 0 && v != NULL)
			keyfile = v;
		else if (strcmp(a, "-e") == 0 && v != NULL)
			opt_prefix = v;
		else if (strcmp(a, "-l") == 0 && v != NULL)
			opt_label = v;
		else if (strcmp(a, "-r") == 0 && v != NULL)
			opt_reply = v;
		else
			usage();
		i++;
	}
	if (echo_port >= 0) {
		if (echo_port < 1 || echo_port > 65535)
			usage();
		return run_echo(echo_port);
	}
	if (opt_conns < 1 || opt_conns > 10000 || opt_requests < 1 ||
	    opt_port < 1 || opt_port > 65535)
		usage();
	signal(SIGPIPE, SIG_IGN);
	load_keys(keyfile, key);
	return run_client();
}
