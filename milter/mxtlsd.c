/*
 * NAME
 *	mxtlsd - MTA-STS and DANE policy daemon for Postfix and Sendmail
 * SYNOPSIS
 *	mxtlsd [-f] [-R] [-c FILE]
 * DESCRIPTION
 *	main() loads the configuration (errors name file and line: exit 2),
 *	goes to the background unless -f (the parent waits until the child
 *	listens, and exits with its status), opens the cache, the event
 *	loop and the engine, starts metrics, answers, refresh and the
 *	listeners (daemon.h), drops privileges to the configured user, says
 *	READY (sd_notify through $NOTIFY_SOCKET; "READY" on stdout with -R)
 *	and runs the loop.
 *
 *	SIGHUP loads the file into a new snapshot; on error the old one
 *	stays. The engine keeps the snapshot it was started with (resolver,
 *	cache and fetch options need a restart, logged when they changed);
 *	everything else takes effect at once, connections stay open, and
 *	the listeners are re-bound only when listen changed.
 *	SIGTERM and SIGINT stop accepting, let pending requests finish for
 *	at most lookup_deadline + 1 s, then exit 0. SIGPIPE is ignored.
 *
 *	Logging goes to syslog (LOG_MAIL) and, with -f or until the daemon
 *	is ready, to stderr too; under systemd's journal (JOURNAL_STREAM
 *	set) stderr is left out, so lines are not doubled.
 * DIAGNOSTICS
 *	Exit 0 after SIGTERM, 1 when the daemon cannot start, 2 on usage or
 *	configuration errors.
 * SEE ALSO
 *	mxtlsd(8), mxtls.conf(5), daemon.h
 */
#include "daemon.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define MXTLSD_EXIT_OK		0
#define MXTLSD_EXIT_FAIL	1
#define MXTLSD_EXIT_USAGE	2
#define MXTLSD_DRAIN_TICK_MS	20

struct mxtlsd_main {
	struct mxtlsd d;
	struct mxtls_config engcfg;	/* the engine's, fixed at start */
	const char *config_path;
	int	 config_given;
	int	 foreground;
	int	 ready_stdout;
	int	 ready_fd;		/* daemon mode: tell the parent */
	struct event *ev_hup, *ev_term, *ev_int, *ev_drain, *ev_trim;
	struct timespec drain_start;
};

/* ------------------------------------------------------------ logging */

static int log_to_stderr = 1;
static int log_to_syslog;

/* mxtlsd_log_sink - syslog LOG_MAIL and/or stderr, same prefixes */

static void
mxtlsd_log_sink(void *arg, int level, const char *msg)
{
	const char *prefix = level <= LOG_CRIT ? "fatal: " :
	    level == LOG_ERR ? "error: " : level == LOG_WARNING ?
	    "warning: " : level == LOG_DEBUG ? "debug: " : "";

	(void)arg;
	if (log_to_syslog)
		syslog(LOG_MAIL | level, "%s%s", prefix, msg);
	if (log_to_stderr)
		(void)fprintf(stderr, "mxtlsd: %s%s\n", prefix, msg);
}

static void
mxtlsd_log_start(int foreground)
{
	openlog("mxtlsd", LOG_PID | LOG_NDELAY, LOG_MAIL);
	log_to_syslog = 1;
	log_to_stderr = !foreground || getenv("JOURNAL_STREAM") == NULL;
	mxtls_log_set_sink(mxtlsd_log_sink, NULL);
}

/* ------------------------------------------------------------ readiness */

/* mxtlsd_notify - one sd_notify(3) datagram, no libsystemd needed */

static void
mxtlsd_notify(const char *state)
{
	struct sockaddr_un sun;
	const char *e = getenv("NOTIFY_SOCKET");
	size_t len;
	int fd;

	if (e == NULL || (e[0] != '/' && e[0] != '@') ||
	    (len = strlen(e)) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, e, len);
	if (e[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract name */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		mxtls_log_warn("sd_notify: socket");
		return;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + len)) == -1)
		mxtls_log_warn("sd_notify %s", e);
	(void)close(fd);
}

/* mxtlsd_ready - listening: tell systemd, the test harness, the parent */

static void
mxtlsd_ready(struct mxtlsd_main *m)
{
	int fd;

	mxtlsd_notify("READY=1");
	if (m->ready_stdout) {
		(void)printf("READY\n");
		(void)fflush(stdout);
	}
	mxtls_log(LOG_INFO, "ready (pid %ld)", (long)getpid());
	if (m->ready_fd == -1)
		return;
	if (write(m->ready_fd, "R", 1) != 1)
		mxtls_log_warn("cannot tell the parent process we are ready");
	(void)close(m->ready_fd);
	m->ready_fd = -1;
	log_to_stderr = 0;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		if (!m->ready_stdout)
			(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			(void)close(fd);
	}
}

/*
 * mxtlsd_daemonize - fork; the parent waits for "ready" or the child's
 * exit and leaves with the matching status. The child runs on in a new
 * session with the write end of the pipe in m->ready_fd.
 */

static void
mxtlsd_daemonize(struct mxtlsd_main *m)
{
	int p[2], st;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) == -1)
		mxtls_fatal("pipe");
	if ((pid = fork()) == -1)
		mxtls_fatal("fork");
	if (pid > 0) {
		(void)close(p[1]);
		if (read(p[0], &c, 1) == 1)
			_exit(MXTLSD_EXIT_OK);
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
			_exit(WEXITSTATUS(st));
		_exit(MXTLSD_EXIT_FAIL);
	}
	(void)close(p[0]);
	m->ready_fd = p[1];
	if (setsid() == -1)
		mxtls_fatal("setsid");
	if (chdir("/") == -1)
		mxtls_fatal("chdir /");
}

/* ------------------------------------------------------------ privileges */

/* mxtlsd_drop - become cfg->user, after everything is bound and open */

static int
mxtlsd_drop(const struct mxtls_config *cfg)
{
	struct passwd *pw;

	if (cfg->user[0] == '\0')
		return 0;
	if ((pw = getpwnam(cfg->user)) == NULL) {
		if (geteuid() == 0) {
			mxtls_log(LOG_ERR, "user %s: no such user; refusing "
			    "to run as root", cfg->user);
			return -1;
		}
		mxtls_log_warnx("user %s: no such user; running as uid %ld",
		    cfg->user, (long)geteuid());
		return 0;
	}
	if (pw->pw_uid == geteuid())
		return 0;
	if (geteuid() != 0) {
		mxtls_log_warnx("cannot become user %s: not started as root; "
		    "running as uid %ld", cfg->user, (long)geteuid());
		return 0;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		mxtls_log(LOG_ERR, "cannot become user %s: %s", cfg->user,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		mxtls_log(LOG_ERR, "still root after becoming %s", cfg->user);
		return -1;
	}
	mxtls_log(LOG_INFO, "running as user %s", cfg->user);
	return 0;
}

/*
 * mxtlsd_nofile - raise the soft descriptor limit toward the hard one, so
 * that max_connections can be reached (1024 is a common soft default)
 */

static void
mxtlsd_nofile(const struct mxtls_config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_connections + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ?
	    want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		mxtls_log_warnx("only %llu file descriptors for max_connections "
		    "%u", (unsigned long long)rl.rlim_cur,
		    cfg->max_connections);
}

/* ------------------------------------------------------------ config */

/* mxtlsd_ropts - the reply options a snapshot asks for */

static void
mxtlsd_ropts(const struct mxtls_config *cfg, struct mxtlsd_reply_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dane_only = cfg->dane_only != 0;
	o->encrypt_as_dane = strcmp(cfg->unusable_tlsa_reply, "dane") == 0;
	o->testing_enforce = strcmp(cfg->testing_action, "enforce") == 0 ? 1 :
	    strcmp(cfg->testing_action, "may") == 0 ? 2 : 0;
	o->postfix_tlsrpt = cfg->postfix_tlsrpt != 0;
}

/* mxtlsd_restart_needed - options the engine took at start changed */

static void
mxtlsd_restart_needed(const struct mxtls_config *a,
    const struct mxtls_config *b)
{
	if (strcmp(a->cache_dir, b->cache_dir) != 0 ||
	    a->cache_map_size != b->cache_map_size ||
	    strcmp(a->trust_anchor_file, b->trust_anchor_file) != 0 ||
	    strcmp(a->unbound_conf, b->unbound_conf) != 0 ||
	    strcmp(a->resolver, b->resolver) != 0 ||
	    strcmp(a->ca_file, b->ca_file) != 0 ||
	    a->fetch_timeout != b->fetch_timeout ||
	    a->dns_timeout != b->dns_timeout ||
	    a->sts_recheck_interval != b->sts_recheck_interval ||
	    strcmp(a->user, b->user) != 0 ||
	    strcmp(a->metrics_listen, b->metrics_listen) != 0)
		mxtls_log(LOG_NOTICE, "reload: resolver, cache, fetch, user "
		    "and metrics options take effect only after a restart");
}

/* mxtlsd_reload - SIGHUP: a new snapshot, or the old one on error */

static void
mxtlsd_reload(struct mxtlsd_main *m)
{
	struct mxtls_config *cfg, *old = m->d.cfg;
	struct mxtls_why why;

	if ((cfg = malloc(sizeof(*cfg))) == NULL) {
		mxtls_log_warnx("reload: out of memory; configuration kept");
		return;
	}
	if (mxtls_config_load(cfg, m->config_path, !m->config_given,
	    &why) != MXTLS_OK) {
		mxtls_log_warnx("reload: %s; the old configuration stays",
		    why.text);
		free(cfg);
		return;
	}
	mxtlsd_restart_needed(&m->engcfg, cfg);
	m->d.cfg = cfg;
	mxtlsd_ropts(cfg, &m->d.ropts);
	if (mxtlsd_server_reload(m->d.server, &why) != 0)
		mxtls_log_warnx("reload: %s; still listening as before",
		    why.text);
	free(old);
	mxtls_log(LOG_INFO, "configuration reloaded from %s",
	    m->config_path ? m->config_path : MXTLS_CONFIG_DEFAULT);
}

/* ------------------------------------------------------------ signals */

static long
mxtlsd_ms_since(const struct timespec *t)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* mxtlsd_drain_tick - stop once every connection is done, or at the bound */

static void
mxtlsd_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mxtlsd_main *m = arg;
	struct timeval tv = { 0, MXTLSD_DRAIN_TICK_MS * 1000 };
	size_t n = mxtlsd_server_connections(m->d.server);

	(void)fd;
	(void)what;
	if (n == 0 || mxtlsd_ms_since(&m->drain_start) >=
	    (long)m->d.cfg->lookup_deadline + 1000) {
		if (n > 0)
			mxtls_log_warnx("%zu connections still busy; closing "
			    "them", n);
		event_base_loopbreak(m->d.base);
		return;
	}
	(void)evtimer_add(m->ev_drain, &tv);
}

static void
mxtlsd_signal(evutil_socket_t sig, short what, void *arg)
{
	struct mxtlsd_main *m = arg;

	(void)what;
	if (sig == SIGHUP) {
		mxtls_log(LOG_INFO, "SIGHUP: reloading the configuration");
		mxtlsd_reload(m);
		return;
	}
	if (m->d.draining)
		return;
	mxtls_log(LOG_INFO, "%s: stopping", sig == SIGTERM ? "SIGTERM" :
	    "SIGINT");
	mxtlsd_notify("STOPPING=1");
	m->d.draining = 1;
	(void)clock_gettime(CLOCK_MONOTONIC, &m->drain_start);
	mxtlsd_server_drain(m->d.server);
	mxtlsd_drain_tick(-1, 0, m);
}

/*
 * mxtlsd_trim - once a minute give freed heap back to the system: a burst
 * of cold resolutions (libcurl and OpenSSL per fetch) leaves megabytes of
 * free space inside the heap that malloc would otherwise keep.
 */
static void
mxtlsd_trim(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	(void)malloc_trim(0);
}

/*
 * mxtlsd_malloc_tune - a decision in flight is a few hundred kilobytes (the
 * TLSA sets of every MX host), and dozens run at once. By default glibc
 * maps such blocks anew or gives the top of the heap back at each free,
 * so every decision paid for page faults on memory it had just had:
 * keep them in the heap and keep freed space for mxtlsd_trim(); the
 * writer thread of the cache allocates from the same arena.
 */
static void
mxtlsd_malloc_tune(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	(void)mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	(void)mallopt(M_ARENA_MAX, 1);
}

static int
mxtlsd_signals(struct mxtlsd_main *m)
{
	struct timeval minute = { 60, 0 };
	struct event_base *b = m->d.base;

	(void)signal(SIGPIPE, SIG_IGN);
	if ((m->ev_hup = evsignal_new(b, SIGHUP, mxtlsd_signal, m)) == NULL ||
	    (m->ev_term = evsignal_new(b, SIGTERM, mxtlsd_signal,
	    m)) == NULL ||
	    (m->ev_int = evsignal_new(b, SIGINT, mxtlsd_signal, m)) == NULL ||
	    (m->ev_drain = evtimer_new(b, mxtlsd_drain_tick, m)) == NULL ||
	    (m->ev_trim = event_new(b, -1, EV_PERSIST, mxtlsd_trim,
	    m)) == NULL || event_add(m->ev_trim, &minute) == -1 ||
	    evsignal_add(m->ev_hup, NULL) == -1 ||
	    evsignal_add(m->ev_term, NULL) == -1 ||
	    evsignal_add(m->ev_int, NULL) == -1)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ main */

/*
 * mxtlsd_cache_report - what became of a record written behind (called on
 * the cache's writer thread; mxtls_log with our sink is thread-safe)
 */

static void
mxtlsd_cache_report(void *arg, enum mxtls_status st, const char *text)
{
	(void)arg;
	mxtls_log(st == MXTLS_OK ? LOG_NOTICE : LOG_WARNING, "cache: %s",
	    text);
}

/* mxtlsd_start - everything between the config and the loop */

static int
mxtlsd_start(struct mxtlsd_main *m)
{
	struct mxtlsd *d = &m->d;
	struct mxtls_why why;

	mxtlsd_nofile(d->cfg);
	if ((d->cache = mxtls_cache_open(d->cfg->cache_dir,
	    d->cfg->cache_map_size, MXTLS_CACHE_CREATE, &why)) == NULL) {
		mxtls_log(LOG_ERR, "cache: %s", why.text);
		return -1;
	}
	if ((d->base = event_base_new()) == NULL) {
		mxtls_log(LOG_ERR, "cannot create the event loop");
		return -1;
	}
	m->engcfg = *d->cfg;
	if ((d->eng = mxtls_engine_new(d->base, &m->engcfg, d->cache,
	    &why)) == NULL) {
		mxtls_log(LOG_ERR, "%s", why.text);
		return -1;
	}
	if ((d->metrics = mxtlsd_metrics_new(d)) == NULL ||
	    (d->answers = mxtlsd_answers_new(d)) == NULL ||
	    (d->refresh = mxtlsd_refresh_new(d)) == NULL) {
		mxtls_log(LOG_ERR, "cannot start the %s", d->metrics == NULL ?
		    "metrics" : d->answers == NULL ? "answer cache" :
		    "refresh");
		return -1;
	}
	if ((d->server = mxtlsd_server_new(d, &why)) == NULL) {
		mxtls_log(LOG_ERR, "%s", why.text);
		return -1;
	}
	if (mxtlsd_signals(m) != 0) {
		mxtls_log(LOG_ERR, "cannot set up signal handling");
		return -1;
	}
	if (mxtlsd_drop(d->cfg) != 0)
		return -1;
	/* commits wait for the disk: never on the loop (cache_writer.c) */
	if (mxtls_cache_write_behind(d->cache, mxtlsd_cache_report, NULL,
	    &why) != MXTLS_OK) {
		mxtls_log(LOG_ERR, "cache: %s", why.text);
		return -1;
	}
	return 0;
}

static void
mxtlsd_stop(struct mxtlsd_main *m)
{
	struct mxtlsd *d = &m->d;
	struct event *evs[] = { m->ev_hup, m->ev_term, m->ev_int, m->ev_drain,
	    m->ev_trim };
	size_t i;

	mxtlsd_server_free(d->server);
	if (d->refresh != NULL)
		mxtlsd_refresh_free(d->refresh);
	if (d->answers != NULL)
		mxtlsd_answers_free(d->answers);
	if (d->metrics != NULL)
		mxtlsd_metrics_free(d->metrics);
	mxtls_engine_free(d->eng);
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	if (d->base != NULL)
		event_base_free(d->base);
	mxtls_cache_close(d->cache);
	free(d->cfg);
}

static void __attribute__((noreturn))
usage(void)
{
	(void)fprintf(stderr, "usage: mxtlsd [-f] [-R] [-c FILE]\n");
	exit(MXTLSD_EXIT_USAGE);
}

int
main(int argc, char *argv[])
{
	struct mxtlsd_main m;
	struct mxtls_why why;
	int ch, rc = MXTLSD_EXIT_FAIL;

	memset(&m, 0, sizeof(m));
	m.ready_fd = -1;
	mxtlsd_malloc_tune();
	mxtls_log_open_stderr("mxtlsd");
	while ((ch = getopt(argc, argv, "c:fR")) != -1) {
		switch (ch) {
		case 'c':
			m.config_path = optarg;
			m.config_given = 1;
			break;
		case 'f':
			m.foreground = 1;
			break;
		case 'R':
			m.ready_stdout = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((m.d.cfg = malloc(sizeof(*m.d.cfg))) == NULL)
		mxtls_fatalx("out of memory");
	if (mxtls_config_load(m.d.cfg, m.config_path, !m.config_given,
	    &why) != MXTLS_OK) {
		(void)fprintf(stderr, "mxtlsd: %s\n", why.text);
		free(m.d.cfg);
		return MXTLSD_EXIT_USAGE;
	}
	mxtlsd_ropts(m.d.cfg, &m.d.ropts);
	if (!m.foreground)
		mxtlsd_daemonize(&m);
	mxtlsd_log_start(m.foreground);
	if (mxtlsd_start(&m) == 0) {
		mxtlsd_ready(&m);
		rc = event_base_dispatch(m.d.base) == -1 ? MXTLSD_EXIT_FAIL :
		    MXTLSD_EXIT_OK;
		mxtls_log(LOG_INFO, "stopped");
	}
	mxtlsd_stop(&m);
	closelog();
	return rc;
}
