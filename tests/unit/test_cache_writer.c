/*
 * NAME
 *	test_cache_writer - the LMDB cache writing behind (mxtlsd's mode)
 * SYNOPSIS
 *	test_cache_writer
 * DESCRIPTION
 *	In a temporary directory, a handle with mxtls_cache_write_behind():
 *	puts of all three databases return while another process holds
 *	LMDB's write lock (so they never wait for a commit), and once the
 *	lock is free everything queued is stored in one or two transactions;
 *	the last put of a key wins; a put without the policy body keeps the
 *	stored body; a delete and a purge after queued puts win; closing the
 *	handle stores what is queued; three times the map's size written
 *	through a full map: a batch that does not fit is written record by
 *	record with the eviction every put does, evictions are reported
 *	through the callback, no record fails and the newest are all
 *	stored; a child made by fork() writes synchronously;
 *	reads on one thread while the writer commits on another see whole
 *	records only.
 *	Prints TAP; the directory is removed at the end.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "summary.h"
#include "tap.h"
#include "tmpdir.h"

#define T0	1700000000	/* pinned "now" */

static char tmpdir[PATH_MAX / 2];

/* what the report callback saw */
static pthread_mutex_t rep_lock = PTHREAD_MUTEX_INITIALIZER;
static int rep_ok, rep_fail;
static char rep_last_ok[MXTLS_WHY_MAX], rep_last_fail[MXTLS_WHY_MAX];

static void
report(void *arg, enum mxtls_status st, const char *text)
{
	(void)arg;
	(void)pthread_mutex_lock(&rep_lock);
	if (st == MXTLS_OK) {
		rep_ok++;
		(void)snprintf(rep_last_ok, sizeof(rep_last_ok), "%s", text);
	} else {
		rep_fail++;
		(void)snprintf(rep_last_fail, sizeof(rep_last_fail), "%s",
		    text);
	}
	(void)pthread_mutex_unlock(&rep_lock);
}

static struct mxtls_cache *
open_wb(const char *name, size_t map, char *dir, size_t dirsz)
{
	struct mxtls_cache *c;
	struct mxtls_why why;

	(void)snprintf(dir, dirsz, "%s/%s", tmpdir, name);
	if ((c = mxtls_cache_open(dir, map, MXTLS_CACHE_CREATE, &why)) ==
	    NULL) {
		diag("open %s: %s", dir, why.text);
		return NULL;
	}
	if (mxtls_cache_write_behind(c, report, NULL, &why) != MXTLS_OK) {
		diag("write_behind %s: %s", dir, why.text);
		mxtls_cache_close(c);
		return NULL;
	}
	return c;
}

/* an enforce entry for domain; body of body_len bytes of fill (0: none) */
static void
fill(struct mxtls_sts_entry *e, const char *domain, const char *id,
    size_t body_len, int fill_ch)
{
	mxtls_sts_entry_clear(e);
	(void)snprintf(e->domain, sizeof(e->domain), "%s", domain);
	e->have_policy = 1;
	(void)snprintf(e->id, sizeof(e->id), "%s", id);
	e->fetched_at = T0 - 10;
	e->expires_at = T0 + 86400;
	e->txt_checked_at = T0 - 5;
	e->policy.mode = MXTLS_STS_MODE_ENFORCE;
	e->policy.max_age = 86400;
	e->policy.nmx = 1;
	(void)snprintf(e->policy.mx[0], sizeof(e->policy.mx[0]), "mx.%s",
	    domain);
	if (body_len > 0) {
		if ((e->body = malloc(body_len)) == NULL)
			abort();
		memset(e->body, fill_ch, body_len);
		e->body_len = body_len;
	}
}

static int
has_id(struct mxtls_cache *c, const char *domain, const char *id)
{
	struct mxtls_sts_entry *e = calloc(1, sizeof(*e));
	int r;

	if (e == NULL)
		abort();
	r = mxtls_cache_sts_get(c, domain, e, 0, NULL) == MXTLS_OK &&
	    (id == NULL || strcmp(e->id, id) == 0);
	mxtls_sts_entry_clear(e);
	free(e);
	return r;
}

/* last_txnid - the newest transaction id of the environment in dir */
static long
last_txnid(const char *dir)
{
	MDB_envinfo info;
	MDB_env *env;
	long id = -1;

	if (mdb_env_create(&env) != 0)
		return -1;
	(void)mdb_env_set_maxdbs(env, 8);
	if (mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0644) == 0 &&
	    mdb_env_info(env, &info) == 0)
		id = (long)info.me_last_txnid;
	mdb_env_close(env);
	return id;
}

/*
 * A child that will hold LMDB's write lock on dir. It is forked before the
 * test allocates anything (so that it leaks nothing under valgrind) and
 * takes the lock when told to.
 */
struct holder {
	pid_t	pid;
	int	to;		/* write: "lock"; close: release and exit */
	int	from;		/* read: "locked" */
};

static int
holder_start(struct holder *h, const char *dir)
{
	int go[2], ready[2];
	MDB_env *env;
	MDB_txn *txn;
	char ch;

	if (pipe(go) != 0)
		return -1;
	if (pipe(ready) != 0) {
		(void)close(go[0]);
		(void)close(go[1]);
		return -1;
	}
	fflush(stdout);
	if ((h->pid = fork()) == 0) {
		(void)close(go[1]);
		(void)close(ready[0]);
		if (read(go[0], &ch, 1) != 1)
			_exit(0);	/* not needed after all */
		if (mdb_env_create(&env) != 0)
			_exit(1);
		if (mdb_env_set_maxdbs(env, 8) != 0 ||
		    mdb_env_open(env, dir, MDB_NOTLS, 0644) != 0 ||
		    mdb_txn_begin(env, NULL, 0, &txn) != 0) {
			mdb_env_close(env);
			_exit(1);
		}
		if (write(ready[1], "x", 1) != 1)
			ch = 0;
		if (read(go[0], &ch, 1) < 0)	/* until the parent closes */
			ch = 0;
		usleep(200 * 1000);	/* the parent goes on meanwhile */
		mdb_txn_abort(txn);
		mdb_env_close(env);
		_exit(0);
	}
	(void)close(go[0]);
	(void)close(ready[1]);
	h->to = go[1];
	h->from = ready[0];
	return h->pid > 0 ? 0 : -1;
}

/* holder_lock - tell the child to take the lock; 0 once it holds it */
static int
holder_lock(struct holder *h)
{
	char ch;

	return write(h->to, "x", 1) == 1 && read(h->from, &ch, 1) == 1 ?
	    0 : -1;
}

/* holder_release - have the child release the lock 200 ms from now */
static void
holder_release(struct holder *h)
{
	(void)close(h->to);
	(void)close(h->from);
	h->to = h->from = -1;
}

/* holder_end - release the lock, reap the child; its exit status */
static int
holder_end(struct holder *h)
{
	int st = -1;

	if (h->to >= 0)
		holder_release(h);
	if (waitpid(h->pid, &st, 0) != h->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ------------------------------------------------------------ tests */

/* stuck_puts - SIGALRM while puts wait for the lock: fail, do not hang */
static void
stuck_puts(int sig)
{
	static const char msg[] = "not ok - puts waited for another "
	    "process's write lock (30 s)\nBail out! stuck\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void
test_never_waits(void)
{
	struct mxtls_sts_entry *e;
	struct mxtls_dane_entry *d;
	struct mxtls_summary s;
	char dir[PATH_MAX], name[64];
	struct mxtls_cache *c;
	struct mxtls_why why;
	struct holder h;
	long before, after;
	int i, puts_ok = 1, all = 1;

	(void)snprintf(dir, sizeof(dir), "%s/wait", tmpdir);
	if (holder_start(&h, dir) != 0) {
		ok(0, "fork a child to hold the write lock");
		return;
	}
	e = calloc(1, sizeof(*e));
	d = calloc(1, sizeof(*d));
	if (e == NULL || d == NULL || (c = open_wb("wait", 0, dir,
	    sizeof(dir))) == NULL) {
		ok(0, "open a write-behind cache");
		(void)holder_end(&h);
		goto out;
	}
	mxtls_cache_flush(c);
	before = last_txnid(dir);
	if (holder_lock(&h) != 0) {
		ok(0, "a child holds the write lock");
		(void)holder_end(&h);
		goto close;
	}
	/* with the lock held elsewhere, a synchronous put would hang here */
	(void)signal(SIGALRM, stuck_puts);
	alarm(30);
	for (i = 0; i < 500; i++) {
		(void)snprintf(name, sizeof(name), "d%d.example", i);
		fill(e, name, "one", 100, 'a');
		puts_ok &= mxtls_cache_sts_put(c, e, &why) == MXTLS_OK;
	}
	memset(d, 0, sizeof(*d));
	(void)snprintf(d->host, sizeof(d->host), "mx.d0.example");
	d->fetched_at = T0;
	d->expires_at = T0 + 3600;
	puts_ok &= mxtls_cache_dane_put(c, d, &why) == MXTLS_OK;
	memset(&s, 0, sizeof(s));
	s.policy = MXTLS_POLICY_NONE;
	s.refresh_at = T0 + 60;
	s.usable_until = T0 + 120;
	puts_ok &= mxtls_cache_dec_put(c, "d1.example", &s, &why) ==
	    MXTLS_OK;
	alarm(0);
	ok(puts_ok, "502 puts (sts, dane, dec) returned while another "
	    "process held the write lock");
	ok(!has_id(c, "d499.example", NULL), "nothing is visible before "
	    "the lock is released");
	ok(holder_end(&h) == 0, "the lock holder released the lock and ended");
	mxtls_cache_flush(c);
	for (i = 0; i < 500; i++) {
		(void)snprintf(name, sizeof(name), "d%d.example", i);
		all &= has_id(c, name, "one");
	}
	ok(all, "after the flush every sts record is stored");
	memset(d, 0, sizeof(*d));
	ok(mxtls_cache_dane_get(c, "mx.d0.example", d, &why) == MXTLS_OK &&
	    d->expires_at == T0 + 3600, "the dane record is stored");
	ok(mxtls_cache_dec_get(c, "d1.example", &s, &why) == MXTLS_OK &&
	    s.policy == MXTLS_POLICY_NONE && s.usable_until == T0 + 120,
	    "the decision is stored");
	after = last_txnid(dir);
	diag("transactions for 502 records: %ld", after - before);
	ok(before >= 0 && after - before >= 1 && after - before <= 3,
	    "they took at most 3 commits (%ld), not 502", after - before);
close:
	mxtls_cache_close(c);
out:
	mxtls_sts_entry_clear(e);
	free(e);
	free(d);
}

static void
test_order_and_body(void)
{
	struct mxtls_sts_entry *e = calloc(1, sizeof(*e));
	struct mxtls_sts_entry *g = calloc(1, sizeof(*g));
	char dir[PATH_MAX], id[16];
	struct mxtls_cache *c;
	struct mxtls_why why;
	int i;

	if (e == NULL || g == NULL ||
	    (c = open_wb("order", 0, dir, sizeof(dir))) == NULL) {
		ok(0, "open a write-behind cache");
		goto out;
	}
	for (i = 0; i < 300; i++) {
		(void)snprintf(id, sizeof(id), "v%d", i);
		fill(e, "same.example", id, i == 0 ? 2000 : 0, 'q');
		(void)mxtls_cache_sts_put(c, e, &why);
	}
	mxtls_cache_flush(c);
	ok(mxtls_cache_sts_get(c, "same.example", g, 1, &why) == MXTLS_OK &&
	    strcmp(g->id, "v299") == 0, "the last of 300 puts of one key "
	    "wins (%s)", g->id);
	ok(g->body != NULL && g->body_len == 2000 && g->body[0] == 'q' &&
	    g->body[1999] == 'q', "puts without a body kept the stored body "
	    "(%zu bytes)", g->body_len);
	mxtls_sts_entry_clear(g);

	fill(e, "gone.example", "x", 10, 'g');
	(void)mxtls_cache_sts_put(c, e, &why);
	ok(mxtls_cache_sts_del(c, "gone.example", &why) == MXTLS_OK &&
	    !has_id(c, "gone.example", NULL), "a delete right after a queued "
	    "put finds the record and removes it");
	fill(e, "p1.example", "x", 10, 'g');
	(void)mxtls_cache_sts_put(c, e, &why);
	ok(mxtls_cache_sts_purge(c, NULL, NULL, &why) == MXTLS_OK &&
	    !has_id(c, "p1.example", NULL) && !has_id(c, "same.example",
	    NULL), "a purge after queued puts leaves nothing");

	mxtls_cache_close(c);
out:
	mxtls_sts_entry_clear(e);
	free(e);
	free(g);
}

/* close_put - queue an entry "closed" for cI.example */
static void
close_put(struct mxtls_cache *c, int i)
{
	struct mxtls_sts_entry *e = calloc(1, sizeof(*e));
	struct mxtls_why why;
	char name[32];

	if (e == NULL)
		abort();
	(void)snprintf(name, sizeof(name), "c%d.example", i);
	fill(e, name, "closed", 50, 'c');
	(void)mxtls_cache_sts_put(c, e, &why);
	mxtls_sts_entry_clear(e);
	free(e);
}

static void
test_close_drains(void)
{
	char dir[PATH_MAX], name[32];
	struct mxtls_cache *c;
	struct mxtls_why why;
	struct holder h;
	int i, all = 1;

	(void)snprintf(dir, sizeof(dir), "%s/close", tmpdir);
	if (holder_start(&h, dir) != 0) {
		ok(0, "fork a child to hold the write lock");
		return;
	}
	if ((c = open_wb("close", 0, dir, sizeof(dir))) == NULL) {
		ok(0, "open a write-behind cache");
		(void)holder_end(&h);
		return;
	}
	if (holder_lock(&h) != 0) {
		ok(0, "a child holds the write lock");
		(void)holder_end(&h);
		mxtls_cache_close(c);
		return;
	}
	/* the writer is stuck behind the lock: everything stays queued */
	for (i = 0; i < 200; i++)
		close_put(c, i);
	/*
	 * close while the writer still waits for the lock (the child lets
	 * go 200 ms later): close must write the queue, not drop it
	 */
	holder_release(&h);
	mxtls_cache_close(c);
	(void)holder_end(&h);
	if ((c = mxtls_cache_open(dir, 0, 0, &why)) == NULL) {
		ok(0, "reopen: %s", why.text);
		return;
	}
	for (i = 0; i < 200; i++) {
		(void)snprintf(name, sizeof(name), "c%d.example", i);
		all &= has_id(c, name, "closed");
	}
	ok(all, "closing the handle while the writer waited for the lock "
	    "stored all 200 queued records");
	mxtls_cache_close(c);
}

static void
test_map_full(void)
{
	struct mxtls_sts_entry *e = calloc(1, sizeof(*e));
	char dir[PATH_MAX], name[32];
	struct mxtls_cache *c;
	struct mxtls_why why;
	int i, n0, f0, last = 1;

	mxtls_clock_set(T0);
	if (e == NULL ||
	    (c = open_wb("full", 1024 * 1024, dir, sizeof(dir))) == NULL) {
		ok(0, "open a 1 MB write-behind cache");
		goto out;
	}
	(void)pthread_mutex_lock(&rep_lock);
	n0 = rep_ok;
	f0 = rep_fail;
	(void)pthread_mutex_unlock(&rep_lock);
	/* 3 MB of policies through a 1 MB map, newest refreshed last */
	for (i = 0; i < 400; i++) {
		(void)snprintf(name, sizeof(name), "f%d.example", i);
		fill(e, name, "full", 8 * 1024, 'f');
		e->fetched_at = T0 - 1000 + i;
		e->txt_checked_at = e->fetched_at;
		(void)mxtls_cache_sts_put(c, e, &why);
		if (i % 50 == 49)
			mxtls_cache_flush(c);	/* batches of many sizes */
	}
	mxtls_cache_flush(c);
	(void)pthread_mutex_lock(&rep_lock);
	ok(rep_ok > n0 && strstr(rep_last_ok, "least recently refreshed") !=
	    NULL && strstr(rep_last_ok, "cache_map_size") != NULL,
	    "evictions are reported with MXTLS_OK: %s", rep_last_ok);
	ok(rep_fail == f0, "no record failed to be stored (%d failures; "
	    "last: %s)", rep_fail - f0, rep_last_fail);
	(void)pthread_mutex_unlock(&rep_lock);
	for (i = 380; i < 400; i++) {
		(void)snprintf(name, sizeof(name), "f%d.example", i);
		last &= has_id(c, name, "full");
	}
	ok(last && !has_id(c, "f0.example", NULL), "the 20 newest records "
	    "are stored, the oldest was evicted: the full map never stops "
	    "taking records");
	mxtls_cache_close(c);
out:
	mxtls_clock_set(0);
	mxtls_sts_entry_clear(e);
	free(e);
}

static void
test_fork(void)
{
	struct mxtls_sts_entry *e = calloc(1, sizeof(*e));
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;
	int st;
	pid_t pid;

	if (e == NULL || (c = open_wb("fork", 0, dir, sizeof(dir))) == NULL) {
		ok(0, "open a write-behind cache");
		goto out;
	}
	fill(e, "parent.example", "p", 10, 'p');
	(void)mxtls_cache_sts_put(c, e, &why);
	/* a record the writer thread holds at fork() would be unreachable in
	 * the child (valgrind: lost); mxtlsd never forks once started */
	mxtls_cache_flush(c);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		alarm(20);	/* a hang fails the test instead */
		fill(e, "child.example", "c", 10, 'c');
		st = mxtls_cache_sts_put(c, e, &why) != MXTLS_OK ? 2 :
		    has_id(c, "child.example", "c") ? 0 : 3;
		mxtls_cache_close(c);
		mxtls_sts_entry_clear(e);
		free(e);
		_exit(st);
	}
	(void)waitpid(pid, &st, 0);
	ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "a forked child writes synchronously and reads its record back "
	    "(status %d)", st);
	mxtls_cache_flush(c);
	ok(has_id(c, "child.example", "c") && has_id(c, "parent.example",
	    "p"), "the parent sees both records");
	mxtls_cache_close(c);
out:
	mxtls_sts_entry_clear(e);
	free(e);
}

struct reader_arg {
	struct mxtls_cache *c;
	atomic_int stop;
	int reads, torn;
};

static void *
reader_main(void *arg)
{
	struct reader_arg *r = arg;
	struct mxtls_sts_entry *e = calloc(1, sizeof(*e));
	size_t i;

	if (e == NULL)
		abort();
	while (!atomic_load(&r->stop)) {
		if (mxtls_cache_sts_get(r->c, "hot.example", e, 1, NULL) ==
		    MXTLS_OK) {
			r->reads++;
			/* id "bN" always comes with a body of N+1 bytes 'b' */
			if (e->id[0] != 'b' ||
			    e->body_len != (size_t)strtoul(e->id + 1, NULL, 10) + 1)
				r->torn++;
			for (i = 0; i < e->body_len; i++)
				if (e->body[i] != 'b')
					r->torn++;
		}
		mxtls_sts_entry_clear(e);
	}
	free(e);
	return NULL;
}

static void
test_threads(void)
{
	struct mxtls_sts_entry *e = calloc(1, sizeof(*e));
	struct reader_arg r;
	char dir[PATH_MAX], id[16];
	struct mxtls_why why;
	pthread_t t;
	int i;

	memset(&r, 0, sizeof(r));
	if (e == NULL ||
	    (r.c = open_wb("threads", 0, dir, sizeof(dir))) == NULL) {
		ok(0, "open a write-behind cache");
		goto out;
	}
	fill(e, "hot.example", "b0", 1, 'b');
	(void)mxtls_cache_sts_put(r.c, e, &why);
	mxtls_cache_flush(r.c);
	if (pthread_create(&t, NULL, reader_main, &r) != 0) {
		ok(0, "start a reader thread");
		mxtls_cache_close(r.c);
		goto out;
	}
	for (i = 1; i < 2000; i++) {
		(void)snprintf(id, sizeof(id), "b%d", i);
		fill(e, "hot.example", id, (size_t)i + 1, 'b');
		(void)mxtls_cache_sts_put(r.c, e, &why);
	}
	mxtls_cache_flush(r.c);
	atomic_store(&r.stop, 1);
	(void)pthread_join(t, NULL);
	ok(r.reads > 0 && r.torn == 0, "%d reads on another thread while "
	    "2,000 records were written behind: none torn", r.reads);
	ok(has_id(r.c, "hot.example", "b1999"), "the last record is stored");
	mxtls_cache_close(r.c);
out:
	mxtls_sts_entry_clear(e);
	free(e);
}

static void
test_rdonly(void)
{
	char dir[PATH_MAX];
	struct mxtls_cache *c, *w;
	struct mxtls_why why;

	if ((w = open_wb("ro", 0, dir, sizeof(dir))) == NULL) {
		ok(0, "open a write-behind cache");
		return;
	}
	mxtls_cache_close(w);
	if ((c = mxtls_cache_open(dir, 0, MXTLS_CACHE_RDONLY, &why)) == NULL) {
		ok(0, "open read-only: %s", why.text);
		return;
	}
	ok(mxtls_cache_write_behind(c, report, NULL, &why) ==
	    MXTLS_PERMFAIL && strstr(why.text, "read-only") != NULL,
	    "a read-only handle cannot write behind: %s", why.text);
	mxtls_cache_close(c);
}

int
main(void)
{
	umask(022);
	if (tmpdir_make(tmpdir, sizeof(tmpdir), "test_cache_writer") != 0)
		return 1;
	test_never_waits();
	test_order_and_body();
	test_close_drains();
	test_map_full();
	test_fork();
	test_threads();
	test_rdonly();
	tmpdir_remove(tmpdir);
	return done_testing();
}
