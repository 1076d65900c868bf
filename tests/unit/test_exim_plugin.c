/*
 * NAME
 *	test_exim_plugin - mxtls_exim.so loaded the way Exim loads it
 * SYNOPSIS
 *	test_exim_plugin [PATH-TO-mxtls_exim.so]
 *	(default: $top_builddir/exim-plugin/.libs/mxtls_exim.so)
 * DESCRIPTION
 *	dlopen()s the built plugin and calls its dlfunc entry points with
 *	Exim's calling convention. This program provides the three Exim
 *	functions the plugin uses (log_write, string_copy_function,
 *	store_get_3), exported with -rdynamic, recording what is logged.
 *	The shared cache is a real LMDB environment in a temporary directory
 *	whose "dec" records are written here; mxtlsd is played by a forked
 *	socketmap server on a unix socket that answers canned replies, so
 *	every branch of exim-plugin/lookup.c runs: a fresh record, a stale
 *	one kept when every refresh fails, an expired one, a daemon that
 *	answers, is still resolving, tempfails, speaks an unknown map, sends
 *	garbage or never answers (the deadline), a process that forks after
 *	its first lookup, a corrupt record and a corrupt cache file, and the
 *	exim_tempfail setting. Real Exim runs are in tests/mta/exim.test.
 * DIAGNOSTICS
 *	TAP on stdout. Skips when the plugin was not built.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "netstring.h"
#include "summary.h"
#include "tap.h"

/* Exim's return codes (local_scan.h) */
#define XR_OK		0
#define XR_DEFER		1
#define XR_FAIL		2
#define XR_ERROR		3
#define XR_FAIL_FORCED	4

typedef int dlfunc_t(unsigned char **, int, unsigned char *[]);

/* ---- the Exim API the plugin calls */

static char logbuf[16384];
static char *pool[4096];
static size_t npool;

void	log_write(unsigned int, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
unsigned char *string_copy_function(const unsigned char *);
void   *store_get_3(int, const void *, const char *, int);

void
log_write(unsigned int sel, int flags, const char *fmt, ...)
{
	size_t n = strlen(logbuf);
	va_list ap;

	(void)sel;
	(void)flags;
	va_start(ap, fmt);
	(void)vsnprintf(logbuf + n, sizeof(logbuf) - n, fmt, ap);
	va_end(ap);
	n = strlen(logbuf);
	if (n + 1 < sizeof(logbuf)) {
		logbuf[n] = '\n';
		logbuf[n + 1] = '\0';
	}
}

void *
store_get_3(int size, const void *proto, const char *fn, int line)
{
	(void)proto;
	(void)fn;
	(void)line;
	if (npool == sizeof(pool) / sizeof(pool[0]))
		abort();
	return pool[npool++] = calloc(1, (size_t)size + 1);
}

unsigned char *
string_copy_function(const unsigned char *s)
{
	size_t n = strlen((const char *)s);
	char *p = store_get_3((int)n + 1, NULL, __func__, __LINE__);

	memcpy(p, s, n + 1);
	return (unsigned char *)p;
}

/* ---- fixtures */

static char dir[64], conf[128], cachedir[128], sock[128];
static dlfunc_t *f_policy, *f_hosts, *f_names, *f_require, *f_summary;
static pid_t server_pid = -1;

/* call - fn with up to 3 arguments; *out gets the yield ("" for NULL) */

static int
call(dlfunc_t *fn, const char *a0, const char *a1, const char *a2,
    const char **out)
{
	unsigned char *argv[4] = { (unsigned char *)a0, (unsigned char *)a1,
	    (unsigned char *)a2, NULL };
	unsigned char *yield = NULL;
	int argc = a0 == NULL ? 0 : a1 == NULL ? 1 : a2 == NULL ? 2 : 3;
	int rc;

	rc = fn(&yield, argc, argv);
	*out = yield != NULL ? (const char *)yield : "";
	return rc;
}

static void
write_conf(const char *extra)
{
	FILE *fp = fopen(conf, "w");

	if (fp == NULL)
		exit(1);
	fprintf(fp, "cache_dir = %s\nexim_daemon = unix:%s\n"
	    "exim_inline_resolve = no\nexim_deadline = 400\n%s", cachedir,
	    sock, extra);
	fclose(fp);
}

static void
put(struct mxtls_cache *c, const char *domain, const char *text)
{
	struct mxtls_summary s;
	struct mxtls_why why;

	if (mxtls_summary_parse(text, strlen(text), &s, &why) != MXTLS_OK ||
	    mxtls_cache_dec_put(c, domain, &s, &why) != MXTLS_OK) {
		printf("Bail out! cannot store %s: %s\n", domain, why.text);
		exit(1);
	}
}

/* ---- the fake mxtlsd: one request per connection, reply by domain */

static const char *
server_reply(const char *domain, char *buf, size_t sz, long now)
{
	if (strcmp(domain, "daemon.example") == 0)
		(void)snprintf(buf, sz, "OK sts-enforce mta-sts %ld %ld mx "
		    "10/s/mx.daemon.example", now + 300, now + 86400);
	else if (strcmp(domain, "running.example") == 0) {
		static int asked;

		if (asked++ < 2)
			return "TEMP the lookup is still running; try again "
			    "shortly";
		(void)snprintf(buf, sz, "OK dane dane %ld %ld mx "
		    "10/d/mx.running.example", now + 300, now + 3600);
	} else if (strcmp(domain, "temp.example") == 0)
		return "TEMP MX lookup of temp.example failed: SERVFAIL";
	else if (strcmp(domain, "perm.example") == 0)
		return "PERM unknown map exim";
	else if (strcmp(domain, "garbage.example") == 0)
		return "OK sts-enforce mta-sts 12 x";
	else if (strcmp(domain, "notfound.example") == 0)
		return "NOTFOUND ";
	else if (strcmp(domain, "silent.example") == 0) {
		sleep(5);
		return "NOTFOUND ";
	} else
		(void)snprintf(buf, sz, "OK none none %ld %ld mx "
		    "10/-/mx.%s", now + 300, now + 600, domain);
	return buf;
}

static void
server_loop(int lfd)
{
	char req[1024], reply[1024], out[1100], dom[300];
	const char *data, *r;
	size_t have, dlen, used, n;
	struct mxtls_why why;
	ssize_t k, w;
	int fd;

	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		have = 0;
		while ((k = read(fd, req + have, sizeof(req) - have)) > 0) {
			have += (size_t)k;
			if (mxtls_netstring_parse(req, have, 1000, &data, &dlen,
			    &used, &why) != MXTLS_NOTFOUND)
				break;
		}
		if (mxtls_netstring_parse(req, have, 1000, &data, &dlen, &used,
		    &why) == MXTLS_OK && dlen > 5 &&
		    memcmp(data, "exim ", 5) == 0 && dlen - 5 < sizeof(dom)) {
			memcpy(dom, data + 5, dlen - 5);
			dom[dlen - 5] = '\0';
			r = server_reply(dom, reply, sizeof(reply),
			    (long)time(NULL));
			n = mxtls_netstring_encode(r, strlen(r), out,
			    sizeof(out));
			/* a client that went away is not our concern */
			w = write(fd, out, n);
			(void)w;
		}
		close(fd);
	}
}

static void
server_start(void)
{
	struct sockaddr_un sun;
	int lfd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	mxtls_strlcpy(sun.sun_path, sock, sizeof(sun.sun_path));
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(lfd, 16) != 0) {
		printf("Bail out! cannot listen on %s\n", sock);
		exit(1);
	}
	if ((server_pid = fork()) == 0) {
		server_loop(lfd);
		_exit(0);
	}
	close(lfd);
}

static void
server_stop(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
	(void)unlink(sock);
}

/* ---- the cases */

static void
test_cached(void)
{
	const char *y;
	int rc;

	rc = call(f_policy, "enforce.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "sts-enforce") == 0,
	    "policy from a fresh record: %d %s", rc, y);
	rc = call(f_policy, "Enforce.Example.", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "sts-enforce") == 0,
	    "the domain is normalized (case, trailing dot): %s", y);
	rc = call(f_hosts, "enforce.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "mx1.enforce.example:mx3.enforce.example")
	    == 0, "hosts: only the policy's, in preference order: %s", y);
	rc = call(f_names, "enforce.example", "MX1.enforce.example", conf, &y);
	ok(rc == XR_OK && strcmp(y, "mx1.enforce.example") == 0,
	    "names of an allowed host: %s", y);
	rc = call(f_names, "enforce.example", "mx2.enforce.example", conf, &y);
	ok(rc == XR_FAIL && strstr(y, "not an MX host") != NULL,
	    "names of a host outside the policy: FAIL (%s)", y);
	rc = call(f_require, "enforce.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "dane= tls=mx1.enforce.example:"
	    "mx3.enforce.example") == 0, "require for enforce: %s", y);
	rc = call(f_policy, "dane.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "dane") == 0, "policy dane: %s", y);
	rc = call(f_require, "dane.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "dane=mx1.dane.example "
	    "tls=mx1.dane.example:mx2.dane.example") == 0,
	    "require for dane: usable TLSA -> dane, unusable-only -> tls, "
	    "opportunistic and unusable hosts neither: %s", y);
	rc = call(f_hosts, "dane.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "mx1.dane.example:mx2.dane.example:"
	    "mx3.dane.example") == 0, "hosts for dane: all but the "
	    "unusable one: %s", y);
	rc = call(f_policy, "testing.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "sts-testing") == 0, "sts-testing: %s", y);
	rc = call(f_hosts, "testing.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "mx1.testing.example:mx2.testing.example")
	    == 0, "hosts for testing: every MX host: %s", y);
	rc = call(f_policy, "none.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "none") == 0, "none: %s", y);
	rc = call(f_hosts, "nullmx.example", conf, NULL, &y);
	ok(rc == XR_FAIL_FORCED, "hosts of a null MX domain without a policy: "
	    "FAIL_FORCED (%s)", y);
	rc = call(f_hosts, "nomatch.example", conf, NULL, &y);
	ok(rc == XR_DEFER && strstr(y, "no MX host matches") != NULL,
	    "enforce with no matching MX host: DEFER (%s)", y);
	rc = call(f_summary, "enforce.example", conf, NULL, &y);
	ok(rc == XR_OK && strncmp(y, "sts-enforce mta-sts ", 20) == 0 &&
	    strstr(y, " mx 10/s/mx1.enforce.example 20/-/mx2.enforce.example "
	    "30/s/mx3.enforce.example") != NULL, "summary: %s", y);
	rc = call(f_policy, "[192.0.2.1]", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "none") == 0, "an IP literal: none");
	ok(logbuf[0] == '\0', "nothing logged for cached answers");
	if (logbuf[0] != '\0')
		diag("log: %s", logbuf);
}

static void
test_daemon(void)
{
	struct timespec t0, t1;
	const char *y;
	long ms;
	int rc;

	logbuf[0] = '\0';
	rc = call(f_policy, "daemon.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "sts-enforce") == 0, "miss -> mxtlsd "
	    "answers a summary: %s", y);
	rc = call(f_hosts, "daemon.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "mx.daemon.example") == 0,
	    "hosts from mxtlsd's summary: %s", y);
	rc = call(f_policy, "running.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "dane") == 0, "mxtlsd still resolving: "
	    "asked again within the deadline: %d %s", rc, y);
	rc = call(f_policy, "notfound.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "none") == 0, "NOTFOUND -> none: %s", y);
	rc = call(f_policy, "temp.example", conf, NULL, &y);
	ok(rc == XR_DEFER && strstr(y, "temp.example") != NULL &&
	    strstr(y, "SERVFAIL") != NULL, "mxtlsd's tempfail -> DEFER with "
	    "its reason: %s", y);
	rc = call(f_policy, "perm.example", conf, NULL, &y);
	ok(rc == XR_DEFER && strstr(y, "unknown map") != NULL &&
	    strstr(y, "exim_inline_resolve is off") != NULL,
	    "an unknown map and no inline resolution -> DEFER: %s", y);
	rc = call(f_policy, "garbage.example", conf, NULL, &y);
	ok(rc == XR_DEFER && strstr(y, "cannot read") != NULL,
	    "a summary that does not parse -> DEFER: %s", y);
	rc = call(f_policy, "stale.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "none") == 0, "a stale record is "
	    "refreshed from mxtlsd: %s", y);
	/* last: the server sleeps on it */
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = call(f_policy, "silent.example", conf, NULL, &y);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	ok(rc == XR_DEFER && strstr(y, "did not answer within") != NULL &&
	    ms >= 350 && ms < 1500, "a silent mxtlsd: DEFER at the deadline "
	    "(400 ms): %ld ms, %s", ms, y);
}

static void
test_nodaemon(void)
{
	char fail[160];
	const char *y;
	int rc;

	logbuf[0] = '\0';
	rc = call(f_policy, "stale.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "sts-enforce") == 0, "no mxtlsd, stale "
	    "but usable record: kept (fail safe): %s", y);
	ok(strstr(logbuf, "stale.example: could not refresh") != NULL &&
	    strstr(logbuf, "until it expires") != NULL,
	    "and the fallback is logged");
	rc = call(f_policy, "expired.example", conf, NULL, &y);
	ok(rc == XR_DEFER && strstr(y, "exim_inline_resolve is off") != NULL,
	    "an expired record and nothing to ask: DEFER (%s)", y);
	rc = call(f_policy, "unknown.example", conf, NULL, &y);
	ok(rc == XR_DEFER && strstr(y, "unknown.example") != NULL &&
	    strstr(y, sock) != NULL, "no record, no mxtlsd: DEFER naming "
	    "the socket: %s", y);
	/* the configuration is read once per process and path */
	write_conf("exim_tempfail = fail\n");
	(void)snprintf(fail, sizeof(fail), "%s/fail.conf", dir);
	(void)rename(conf, fail);
	write_conf("");
	rc = call(f_policy, "unknown.example", fail, NULL, &y);
	ok(rc == XR_FAIL && strstr(logbuf, "unknown.example: deferred") !=
	    NULL, "exim_tempfail = fail: FAIL, logged by the plugin");
}

static void
test_fork(void)
{
	const char *y;
	pid_t pid;
	int rc, status = -1;

	rc = call(f_policy, "enforce.example", conf, NULL, &y);
	ok(rc == XR_OK, "parent: a lookup opens the cache");
	if ((pid = fork()) == 0) {
		rc = call(f_policy, "dane.example", conf, NULL, &y);
		if (rc != XR_OK || strcmp(y, "dane") != 0)
			_exit(1);
		rc = call(f_hosts, "enforce.example", conf, NULL, &y);
		_exit(rc == XR_OK && strcmp(y, "mx1.enforce.example:"
		    "mx3.enforce.example") == 0 ? 0 : 2);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "a forked child reads the cache (status %d)", status);
	rc = call(f_policy, "testing.example", conf, NULL, &y);
	ok(rc == XR_OK && strcmp(y, "sts-testing") == 0,
	    "the parent still reads it after the child: %s", y);
}

static void
test_args(void)
{
	const char *y;
	int rc;

	rc = call(f_policy, NULL, NULL, NULL, &y);
	ok(rc == XR_ERROR && strstr(y, "takes 1 or 2 arguments") != NULL,
	    "no argument: ERROR (%s)", y);
	rc = call(f_names, "enforce.example", NULL, NULL, &y);
	ok(rc == XR_ERROR, "names with one argument: ERROR");
	rc = call(f_policy, "enforce.example", "relative.conf", NULL, &y);
	ok(rc == XR_ERROR && strstr(y, "absolute path") != NULL,
	    "a relative configuration path: ERROR (%s)", y);
	rc = call(f_policy, "enforce.example", "/nonexistent/mxtls.conf",
	    NULL, &y);
	ok(rc == XR_ERROR && strstr(y, "/nonexistent/mxtls.conf") != NULL,
	    "a missing configuration file: ERROR naming it (%s)", y);
}

static void
test_corrupt(void)
{
	char bad[128], file[160];
	const char *y;
	FILE *fp;
	int rc, fd;

	/* a corrupt cache file: a new directory whose data.mdb is junk */
	(void)snprintf(bad, sizeof(bad), "%s/bad", dir);
	(void)mkdir(bad, 0755);
	(void)snprintf(file, sizeof(file), "%s/data.mdb", bad);
	if ((fd = open(file, O_WRONLY | O_CREAT, 0644)) != -1) {
		char junk[8192];

		memset(junk, 0x5a, sizeof(junk));
		ok(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk),
		    "a junk data.mdb written");
		close(fd);
	}
	(void)snprintf(file, sizeof(file), "%s/bad.conf", dir);
	if ((fp = fopen(file, "w")) != NULL) {
		fprintf(fp, "cache_dir = %s\nexim_daemon =\n"
		    "exim_inline_resolve = no\n", bad);
		fclose(fp);
	}
	rc = call(f_policy, "enforce.example", file, NULL, &y);
	ok(rc == XR_DEFER && strstr(y, bad) != NULL, "a corrupt cache file: "
	    "DEFER naming it, no crash (%s)", y);
	rc = call(f_policy, "enforce.example", conf, NULL, &y);
	ok(rc == XR_OK, "back to the good cache (a configuration change "
	    "reopens it)");
}

int
main(int argc, char **argv)
{
	struct mxtls_cache *c;
	struct mxtls_why why;
	char t[512], so[512];
	const char *top = getenv("top_builddir");
	void *h;
	long now = (long)time(NULL);

	(void)snprintf(so, sizeof(so), "%s", argc > 1 ? argv[1] : top != NULL ?
	    top : ".");
	if (argc < 2)
		mxtls_strlcpy(so + strlen(so), "/exim-plugin/.libs/mxtls_exim.so",
		    sizeof(so) - strlen(so));
	if (access(so, R_OK) != 0) {
		printf("1..0 # SKIP the Exim plugin was not built (%s)\n", so);
		return 0;
	}
	if ((h = dlopen(so, RTLD_LAZY)) == NULL) {
		printf("Bail out! dlopen: %s\n", dlerror());
		return 1;
	}
	f_policy = (dlfunc_t *)dlsym(h, "policy");
	f_hosts = (dlfunc_t *)dlsym(h, "hosts");
	f_names = (dlfunc_t *)dlsym(h, "names");
	f_require = (dlfunc_t *)dlsym(h, "require");
	f_summary = (dlfunc_t *)dlsym(h, "summary");
	ok(f_policy && f_hosts && f_names && f_require && f_summary,
	    "the five entry points are exported");
	ok(dlsym(h, "mxtls_summary_parse") == NULL &&
	    dlsym(h, "mxtls_cache_open") == NULL, "libmxtls stays private");
	if (!f_policy || !f_hosts || !f_names || !f_require || !f_summary)
		return done_testing();

	mxtls_strlcpy(dir, "/tmp/mxtls-exim-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return 1;
	(void)snprintf(conf, sizeof(conf), "%s/mxtls.conf", dir);
	(void)snprintf(cachedir, sizeof(cachedir), "%s/cache", dir);
	(void)snprintf(sock, sizeof(sock), "%s/mxtlsd.sock", dir);
	write_conf("");
	if ((c = mxtls_cache_open(cachedir, 0, MXTLS_CACHE_CREATE, &why)) ==
	    NULL) {
		printf("Bail out! %s\n", why.text);
		return 1;
	}
#define PUT(d, fmt, r, u) do { \
	(void)snprintf(t, sizeof(t), fmt, now + (r), now + (u)); \
	put(c, d, t); } while (0)
	PUT("enforce.example", "sts-enforce mta-sts %ld %ld mx "
	    "10/s/mx1.enforce.example 20/-/mx2.enforce.example "
	    "30/s/mx3.enforce.example", 300, 86400);
	PUT("nomatch.example", "sts-enforce mta-sts %ld %ld mx "
	    "10/-/mx1.nomatch.example", 300, 86400);
	PUT("dane.example", "dane dane %ld %ld mx 10/d/mx1.dane.example "
	    "20/e/mx2.dane.example 30/-/mx3.dane.example "
	    "40/u/mx4.dane.example", 300, 3600);
	PUT("testing.example", "sts-testing mta-sts %ld %ld mx "
	    "10/s/mx1.testing.example 20/-/mx2.testing.example", 300, 86400);
	PUT("none.example", "none none %ld %ld mx 10/-/mx.none.example", 300,
	    600);
	PUT("nullmx.example", "none none %ld %ld nomx | null MX", 300, 600);
	PUT("stale.example", "sts-enforce mta-sts %ld %ld mx "
	    "10/s/mx.stale.example", -10, 86400);
	PUT("expired.example", "sts-enforce mta-sts %ld %ld mx "
	    "10/s/mx.expired.example", -100, -10);

	/* LMDB: one environment per process at a time; the plugin has its
	 * own copy of libmxtls, so this handle goes before it opens one */
	mxtls_cache_close(c);

	test_cached();
	test_args();
	test_fork();
	server_start();
	test_daemon();
	server_stop();
	test_nodaemon();
	test_corrupt();
	while (npool > 0)
		free(pool[--npool]);
	(void)snprintf(t, sizeof(t), "rm -rf '%s'", dir);
	ok(system(t) == 0, "the temporary directory removed");
	return done_testing();
}
