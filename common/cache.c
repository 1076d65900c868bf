/*
 * NAME
 *	cache - the LMDB cache of MTA-STS policies and DANE outcomes shared
 *	by every mxtls process on the host
 * SYNOPSIS
 *	#include "cache.h"
 *
 *	struct mxtls_cache *
 *	mxtls_cache_open(const char *dir, size_t map_size, int flags,
 *	    struct mxtls_why *why);
 *
 *	enum mxtls_status
 *	mxtls_cache_sts_get(struct mxtls_cache *cache, const char *domain,
 *	    struct mxtls_sts_entry *out, int want_body, struct mxtls_why *why);
 *
 *	enum mxtls_status
 *	mxtls_cache_sts_put(struct mxtls_cache *cache,
 *	    const struct mxtls_sts_entry *e, struct mxtls_why *why);
 *
 *	(and _del, _list, _purge, _evict, mxtls_cache_close; see cache.h)
 *
 *	enum mxtls_status
 *	mxtls_cache_dane_get(struct mxtls_cache *cache, const char *host,
 *	    struct mxtls_dane_entry *out, struct mxtls_why *why);
 *
 *	enum mxtls_status
 *	mxtls_cache_dane_put(struct mxtls_cache *cache,
 *	    const struct mxtls_dane_entry *e, struct mxtls_why *why);
 * DESCRIPTION
 *	One LMDB environment lives in dir (data.mdb and lock.mdb) with the
 *	named databases "sts" (key the policy domain) and "dane" (key the MX
 *	host name), keys in lower case without a trailing dot, values the
 *	records of cache_record.c. Room is made for CACHE_MAXDBS named
 *	databases ("neg", "rpt", "rpt_in" later). Writable handles create
 *	"dane" when missing; a read-only handle on an older cache file
 *	without it reads every host as a miss, and looks for the database
 *	again on each dane get until a writer has created it.
 *	Writable handles also keep a "meta" database; its key "sts_evicted"
 *	holds u8 version 1, u64 entries evicted so far (from "sts" and
 *	"dane"; the key keeps its old name), i64 time of the last eviction
 *	(big-endian).
 *
 *	Files are created with mode 0644 so that processes running as other
 *	users (the Exim plugin, the CLI) can read data.mdb. LMDB gives
 *	lock.mdb the same mode, but a reader also writes its slot into
 *	lock.mdb, so a reader of another user needs write access to that
 *	one file: the installation must arrange it (a shared group and
 *	g+w on lock.mdb). A reader refused it gets a reason that says so.
 *	MXTLS_CACHE_CREATE creates dir (one level, mode 0755) if missing.
 *
 *	Writers open the environment with MDB_NOMETASYNC: a commit flushes
 *	the data pages but not the meta page, so a crash of the whole
 *	system may undo the last commits, never corrupt the file (LMDB keeps
 *	ACI); a cache can afford that, and each write then costs one fsync
 *	instead of two (twice the cold lookups per second in mxtlsd).
 *
 *	Each call is one short transaction. Readers take a read-only
 *	transaction, decode (copy out) the record and abort; they never block
 *	the writer. The environment is opened with MDB_NOTLS, so a reader slot
 *	belongs to a transaction rather than to a thread and is released when
 *	the transaction ends: the many short-lived Exim processes never pin
 *	slots. Stale slots of dead processes are cleared at open, and again
 *	when the reader table is full.
 *
 *	A handle serves one thread at a time (a threaded caller serialises
 *	its calls; LMDB forbids opening one environment twice in a process).
 *
 *	Write-behind (mxtls_cache_write_behind, for mxtlsd): puts encode the
 *	record on the caller's thread and queue it; the thread of
 *	cache_writer.c stores each batch in one write transaction (one
 *	fsync for up to CACHE_WB_BATCH records), and when that fails (a full
 *	map) record by record with the usual eviction, telling the owner
 *	through its report function. An sts record queued without its body
 *	gets the stored body then, inside the writer's transaction. The
 *	caller's thread keeps reading; both threads take maplock shared for
 *	each transaction, and adopting a map grown by another process takes
 *	it exclusive (mdb_env_set_mapsize wants no transaction active in the
 *	process). Deletes, purges and evictions flush the queue first, so a
 *	queued put never undoes them; close writes what is queued.
 *
 *	Fork: LMDB forbids using an MDB_env in any process but the one that
 *	opened it. A handle records the pid and a fork generation at open;
 *	a pthread_atfork() child handler bumps the generation. Reads compare
 *	the generation only (getpid() is a system call, about 1 us on a
 *	virtual machine: half the budget of a cached lookup); every other
 *	call also compares getpid(), which catches a child made without the
 *	fork handlers. In a child the handle opens a fresh environment. It
 *	does not mdb_env_close() the inherited one: that would be a use of
 *	the parent's MDB_env, and closing its lock.mdb descriptor once the
 *	child has its own environment would drop the child's fcntl lock on
 *	that file (POSIX locks belong to the process, not to the
 *	descriptor), letting a later opener reset the reader table under
 *	us. The inherited environment (and a write-behind writer, whose
 *	thread the child does not have) stays on a list for the life of
 *	the child: a deliberate leak of one mapping, a few
 *	descriptors and LMDB's buffers per fork (valgrind calls them
 *	"possibly lost" in such a child).
 *
 *	Map full: mxtls_cache_sts_put() and mxtls_cache_dane_put() abort,
 *	evict expired entries of both databases (sts: those whose policy
 *	has expired, or without a policy, and whose failure is older than
 *	the back-off; dane: expires_at <= now) and retry; if the record
 *	still does not fit, they evict the least recently refreshed entries
 *	of both databases (sts: smallest max(fetched_at, txt_checked_at);
 *	dane: smallest fetched_at) in growing batches, retrying after each,
 *	for at most CACHE_EVICT_ROUNDS rounds. The entry being written is
 *	never evicted. mxtls_cache_sts_evict() only touches "sts".
 *	Every eviction is followed by a small commit (the counter in "meta"):
 *	LMDB reuses pages freed by a transaction only two commits later.
 *	Evictions are reported in why with MXTLS_OK. MDB_MAP_RESIZED (another
 *	process grew the map) is handled by adopting the new size and
 *	retrying.
 * DIAGNOSTICS
 *	MXTLS_TEMPFAIL with the cache path and the LMDB error text for I/O,
 *	lock and map problems and corrupt records; MXTLS_PERMFAIL for a
 *	write on a read-only handle or an invalid domain or entry;
 *	MXTLS_ENOMEM. Never logs, never exits.
 * SEE ALSO
 *	cache_record.c, lmdb.h, RFC 8461 sections 3.3 and 5.1
 */
#include "cache.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_writer.h"
#include "clock.h"
#include "cursor.h"
#include "summary.h"

#define CACHE_MAXDBS		8	/* sts, meta; dane, neg, rpt, rpt_in */
#define CACHE_MAXREADERS	510	/* concurrent read transactions */
#define CACHE_FILE_MODE		0644	/* data.mdb, lock.mdb: see above */
#define CACHE_DIR_MODE		0755
#define CACHE_BEGIN_TRIES	3	/* txn begin after RESIZED/READERS_FULL */
#define CACHE_EVICT_ROUNDS	24	/* LRU batches of 1, 2, 4, ... entries */
#define CACHE_META_EVICTED	"sts_evicted"	/* key in "meta" */

/* The databases eviction walks (a bit mask). */
#define CACHE_DB_STS		0x01
#define CACHE_DB_DANE		0x02
#define CACHE_DB_DEC		0x04
#define CACHE_DB_LAST		CACHE_DB_DEC
#define CACHE_DB_ALL		(CACHE_DB_STS | CACHE_DB_DANE | CACHE_DB_DEC)

struct mxtls_cache {
	MDB_env	*env;		/* NULL until (re)opened in this process */
	MDB_dbi	dbi;		/* "sts" */
	MDB_dbi	dane;		/* "dane"; valid when have_dane */
	int	have_dane;	/* 0: a read-only handle on an older file */
	MDB_dbi	dec;		/* "dec"; valid when have_dec */
	int	have_dec;	/* 0: a read-only handle on an older file */
	MDB_dbi	meta;		/* "meta"; writable handles only */
	pid_t	pid;		/* process that opened env */
	unsigned long gen;	/* cache_fork_gen when env was opened */
	int	flags;		/* MXTLS_CACHE_* */
	size_t	map_size;	/* as asked by the caller; 0: LMDB's */
	/* write-behind (mxtls_cache_write_behind); NULL: puts commit */
	struct cache_writer *writer;
	mxtls_cache_report_fn *report;
	void   *report_arg;
	/*
	 * With a writer, two threads use env: every transaction holds
	 * maplock shared, and adopting a map grown by another process
	 * (mdb_env_set_mapsize, which needs no transaction active in the
	 * process) holds it exclusive.
	 */
	pthread_rwlock_t maplock;
	int	use_maplock;
	char	dir[PATH_MAX];
};

/* Environments inherited over fork(): never closed, see DESCRIPTION. */
struct cache_orphan {
	MDB_env	*env;
	struct cache_writer *writer;	/* a parent's write-behind, or NULL */
	struct cache_orphan *next;
};
static struct cache_orphan *cache_orphans;

/* Bumped in every child of fork(); see DESCRIPTION. */
static unsigned long cache_fork_gen;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

/* A growable byte buffer for the list snapshot. */
struct cache_buf {
	unsigned char *p;
	size_t	len;
	size_t	cap;
};

static void
cache_orphan(MDB_env *env, struct cache_writer *writer)
{
	struct cache_orphan *o;

	if ((env == NULL && writer == NULL) ||
	    (o = malloc(sizeof(*o))) == NULL)
		return;		/* without memory the env is simply leaked */
	o->env = env;
	o->writer = writer;
	o->next = cache_orphans;
	cache_orphans = o;
}

static void
cache_forked(void)
{
	cache_fork_gen++;
}

static void
cache_init_once(void)
{
	(void)pthread_atfork(NULL, NULL, cache_forked);
}

/*
 * cache_fail - report LMDB (or errno) error rc for the action described by
 * fmt, with the cache path and a hint where the admin can act.
 */
static enum mxtls_status cache_fail(const struct mxtls_cache *c, int rc,
    struct mxtls_why *why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum mxtls_status
cache_fail(const struct mxtls_cache *c, int rc, struct mxtls_why *why,
    const char *fmt, ...)
{
	char what[MXTLS_WHY_MAX];
	const char *hint = "";
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (rc == MDB_MAP_FULL)
		hint = "; raise cache_map_size";
	else if (rc == MDB_READERS_FULL)
		hint = "; too many concurrent readers";
	else if (rc == EACCES && (c->flags & MXTLS_CACHE_RDONLY))
		hint = "; a reader needs read access to data.mdb and write "
		    "access to lock.mdb";
	else if ((rc == ENOENT || rc == MDB_NOTFOUND) &&
	    (c->flags & MXTLS_CACHE_RDONLY))
		hint = "; no cache there yet (has mxtlsd run?)";
	return mxtls_why_set(why, rc == ENOMEM ? MXTLS_ENOMEM : MXTLS_TEMPFAIL,
	    "%s in LMDB cache %s: %s%s", what, c->dir, mdb_strerror(rc), hint);
}

/*
 * cache_txn_begin - begin a transaction, adopting a map grown by another
 * process (MDB_MAP_RESIZED; only when resize is set, else that code is
 * returned) and clearing stale reader slots (MDB_READERS_FULL) before
 * retrying. Returns an LMDB code.
 */
static int
cache_txn_begin(MDB_env *env, unsigned flags, MDB_txn **txn, int resize)
{
	int rc, tries, dead;

	for (tries = 1;; tries++) {
		rc = mdb_txn_begin(env, NULL, flags, txn);
		if (rc == 0 || tries >= CACHE_BEGIN_TRIES)
			return rc;
		if (rc == MDB_MAP_RESIZED) {
			if (!resize)
				return rc;
			if (mdb_env_set_mapsize(env, 0) != 0)
				return rc;
		} else if (rc == MDB_READERS_FULL) {
			if (mdb_reader_check(env, &dead) != 0 || dead == 0)
				return rc;
		} else
			return rc;
	}
}

/*
 * cache_txn - begin a transaction on c; with a writer thread, under
 * maplock (see struct mxtls_cache), which cache_txn_end() releases.
 */
static int
cache_txn(struct mxtls_cache *c, unsigned flags, MDB_txn **txn)
{
	int rc, tries;

	if (!c->use_maplock)
		return cache_txn_begin(c->env, flags, txn, 1);
	for (tries = 1;; tries++) {
		(void)pthread_rwlock_rdlock(&c->maplock);
		rc = cache_txn_begin(c->env, flags, txn, 0);
		if (rc == 0)
			return 0;
		(void)pthread_rwlock_unlock(&c->maplock);
		if (rc != MDB_MAP_RESIZED || tries >= CACHE_BEGIN_TRIES)
			return rc;
		/* no transaction of this process is active while we hold it */
		(void)pthread_rwlock_wrlock(&c->maplock);
		rc = mdb_env_set_mapsize(c->env, 0);
		(void)pthread_rwlock_unlock(&c->maplock);
		if (rc != 0)
			return MDB_MAP_RESIZED;
	}
}

/* cache_txn_end - commit (commit != 0) or abort txn; an LMDB code */
static int
cache_txn_end(struct mxtls_cache *c, MDB_txn *txn, int commit)
{
	int rc = 0;

	if (commit)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (c->use_maplock)
		(void)pthread_rwlock_unlock(&c->maplock);
	return rc;
}

/* cache_mkdir - create the cache directory (one level) if it is missing */
static enum mxtls_status
cache_mkdir(const struct mxtls_cache *c, struct mxtls_why *why)
{
	struct stat sb;

	if (stat(c->dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			return mxtls_why_set(why, MXTLS_TEMPFAIL,
			    "cache_dir %s is not a directory", c->dir);
		return MXTLS_OK;
	}
	if (errno != ENOENT)
		return mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "cannot stat cache_dir %s: %s", c->dir, strerror(errno));
	if (!(c->flags & MXTLS_CACHE_CREATE))
		return mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "cache_dir %s does not exist", c->dir);
	if (mkdir(c->dir, CACHE_DIR_MODE) != 0 && errno != EEXIST)
		return mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "cannot create cache_dir %s: %s", c->dir, strerror(errno));
	return MXTLS_OK;
}

/*
 * cache_dbs_open - in txn, the databases: "sts" (must exist for a reader),
 * "dane" (may be missing for a reader) and, for a writer, "meta".
 */
static int
cache_dbs_open(struct mxtls_cache *c, MDB_txn *txn, int rdonly)
{
	int rc;

	if ((rc = mdb_dbi_open(txn, "sts", rdonly ? 0 : MDB_CREATE,
	    &c->dbi)) != 0)
		return rc;
	rc = mdb_dbi_open(txn, "dane", rdonly ? 0 : MDB_CREATE, &c->dane);
	if (rc != 0 && !(rdonly && rc == MDB_NOTFOUND))
		return rc;
	c->have_dane = rc == 0;
	rc = mdb_dbi_open(txn, "dec", rdonly ? 0 : MDB_CREATE, &c->dec);
	if (rc != 0 && !(rdonly && rc == MDB_NOTFOUND))
		return rc;
	c->have_dec = rc == 0;
	if (!rdonly && (rc = mdb_dbi_open(txn, "meta", MDB_CREATE,
	    &c->meta)) != 0)
		return rc;
	return 0;
}

/* cache_env_open - open c->env in this process and its databases */
static enum mxtls_status
cache_env_open(struct mxtls_cache *c, struct mxtls_why *why)
{
	int rdonly = (c->flags & MXTLS_CACHE_RDONLY) != 0;
	MDB_env *env;
	MDB_txn *txn;
	int rc, dead;

	if ((rc = mdb_env_create(&env)) != 0)
		return cache_fail(c, rc, why, "cannot create an environment");
	if ((rc = mdb_env_set_maxdbs(env, CACHE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(env, CACHE_MAXREADERS)) != 0 ||
	    (c->map_size > 0 &&
	    (rc = mdb_env_set_mapsize(env, c->map_size)) != 0)) {
		mdb_env_close(env);
		return cache_fail(c, rc, why, "cannot set map size %zu",
		    c->map_size);
	}
	if ((rc = mdb_env_open(env, c->dir, MDB_NOTLS |
	    (rdonly ? MDB_RDONLY : MDB_NOMETASYNC), CACHE_FILE_MODE)) != 0) {
		mdb_env_close(env);
		return cache_fail(c, rc, why, "cannot open %s",
		    rdonly ? "read-only" : "for writing");
	}
	(void)mdb_reader_check(env, &dead);
	if ((rc = cache_txn_begin(env, rdonly ? MDB_RDONLY : 0, &txn,
	    1)) != 0) {
		mdb_env_close(env);
		return cache_fail(c, rc, why, "cannot begin a transaction");
	}
	if ((rc = cache_dbs_open(c, txn, rdonly)) != 0) {
		mdb_txn_abort(txn);
		mdb_env_close(env);
		return cache_fail(c, rc, why, "cannot open the databases");
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		mdb_env_close(env);
		return cache_fail(c, rc, why, "cannot create the databases");
	}
	c->env = env;
	c->pid = getpid();
	c->gen = cache_fork_gen;
	return MXTLS_OK;
}

/* cache_ours - whether c->env was opened by this process */
static int
cache_ours(const struct mxtls_cache *c, int check_pid)
{
	return c->gen == cache_fork_gen && (!check_pid || c->pid == getpid());
}

/*
 * cache_enter - every call starts here: clear why, and in a forked child
 * (or after a failed reopen) open an environment of this process. Reads
 * pass check_pid 0 to stay free of system calls.
 */
static enum mxtls_status
cache_enter(struct mxtls_cache *c, int check_pid, struct mxtls_why *why)
{
	mxtls_why_clear(why);
	if (c->env != NULL && cache_ours(c, check_pid))
		return MXTLS_OK;
	/* the parent's writer thread does not exist here, and its locks may
	 * be held for good: write synchronously; the writer is kept, never
	 * used again (like the environment) */
	if (c->env != NULL || c->writer != NULL)
		cache_orphan(c->env, c->writer);  /* the parent's: do not touch */
	c->env = NULL;
	c->writer = NULL;
	c->use_maplock = 0;
	return cache_env_open(c, why);
}

static enum mxtls_status
cache_writable(const struct mxtls_cache *c, struct mxtls_why *why)
{
	if (c->flags & MXTLS_CACHE_RDONLY)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "LMDB cache %s is open read-only: writes go through mxtlsd",
		    c->dir);
	return MXTLS_OK;
}

/*
 * cache_key - the key of domain: ASCII lower case, one trailing dot
 * dropped; only printable ASCII, so that keys are safe in reasons. key has
 * room for MXTLS_DOMAIN_MAX + 1 bytes.
 */
static enum mxtls_status
cache_key(const char *domain, char *key, MDB_val *k, struct mxtls_why *why)
{
	size_t n, i;

	if (domain == NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "no domain given");
	n = strnlen(domain, MXTLS_DOMAIN_MAX + 2);
	if (n > 0 && domain[n - 1] == '.')
		n--;
	if (n == 0 || n > MXTLS_DOMAIN_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "not a cache key: a domain of 1 to %d characters",
		    MXTLS_DOMAIN_MAX);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)domain[i];

		if (ch <= 0x20 || ch >= 0x7f)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "not a cache key: byte 0x%02x at offset %zu of "
			    "the domain", ch, i);
		key[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	key[n] = '\0';
	k->mv_data = key;
	k->mv_size = n;
	return MXTLS_OK;
}

struct mxtls_cache *
mxtls_cache_open(const char *dir, size_t map_size, int flags,
    struct mxtls_why *why)
{
	struct mxtls_cache *c;

	mxtls_why_clear(why);
	if (dir == NULL || dir[0] == '\0') {
		(void)mxtls_why_set(why, MXTLS_PERMFAIL, "no cache_dir given");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)mxtls_why_set(why, MXTLS_ENOMEM,
		    "out of memory opening the cache in %s", dir);
		return NULL;
	}
	if (mxtls_strlcpy(c->dir, dir, sizeof(c->dir)) >= sizeof(c->dir)) {
		(void)mxtls_why_set(why, MXTLS_PERMFAIL,
		    "cache_dir path is longer than %d bytes", PATH_MAX - 1);
		free(c);
		return NULL;
	}
	(void)pthread_once(&cache_once, cache_init_once);
	c->flags = flags;
	c->map_size = map_size;
	if ((flags & MXTLS_CACHE_RDONLY) == 0 &&
	    cache_mkdir(c, why) != MXTLS_OK) {
		free(c);
		return NULL;
	}
	if (cache_env_open(c, why) != MXTLS_OK) {
		free(c);
		return NULL;
	}
	return c;
}

void
mxtls_cache_close(struct mxtls_cache *c)
{
	if (c == NULL)
		return;
	if (!cache_ours(c, 1))
		cache_orphan(c->env, c->writer);	/* a child's copies */
	else {
		if (c->writer != NULL) {
			cache_writer_stop(c->writer);	/* writes the queue */
			(void)pthread_rwlock_destroy(&c->maplock);
		}
		if (c->env != NULL)
			mdb_env_close(c->env);
	}
	free(c);
}

/* cache_decode_fail - turn a decode failure into the caller's why */
static enum mxtls_status
cache_decode_fail(const struct mxtls_cache *c, const char *key,
    enum mxtls_status st, const struct mxtls_why *dwhy, struct mxtls_why *why)
{
	if (st == MXTLS_NOTFOUND)	/* another schema version: a miss */
		return mxtls_why_set(why, MXTLS_NOTFOUND, "%s: %s", key,
		    dwhy->text);
	if (st == MXTLS_ENOMEM)
		return mxtls_why_set(why, st, "%s", dwhy->text);
	return mxtls_why_set(why, MXTLS_TEMPFAIL,
	    "corrupt record for %s in LMDB cache %s: %s", key, c->dir,
	    dwhy->text);
}

enum mxtls_status
mxtls_cache_sts_get(struct mxtls_cache *c, const char *domain,
    struct mxtls_sts_entry *out, int want_body, struct mxtls_why *why)
{
	char key[MXTLS_DOMAIN_MAX + 1];
	struct mxtls_why dwhy;
	enum mxtls_status st;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	out->body = NULL;
	out->body_len = 0;
	out->policy.nmx = 0;
	if ((st = cache_enter(c, 0, why)) != MXTLS_OK ||
	    (st = cache_key(domain, key, &k, why)) != MXTLS_OK)
		return st;
	if ((rc = cache_txn(c, MDB_RDONLY, &txn)) != 0)
		return cache_fail(c, rc, why, "cannot begin reading %s", key);
	if ((rc = mdb_get(txn, c->dbi, &k, &v)) == 0)
		st = mxtls_sts_entry_decode(out, v.mv_data, v.mv_size,
		    want_body, &dwhy);
	(void)cache_txn_end(c, txn, 0);
	if (rc == MDB_NOTFOUND)
		return MXTLS_NOTFOUND;
	if (rc != 0)
		return cache_fail(c, rc, why, "cannot read %s", key);
	if (st != MXTLS_OK)
		return cache_decode_fail(c, key, st, &dwhy, why);
	memcpy(out->domain, key, k.mv_size + 1);
	return MXTLS_OK;
}

/*
 * cache_encode - the record to store for e under k. When e has a policy
 * but no body, the body stored under k (read in txn) is carried over.
 */
static enum mxtls_status
cache_encode(const struct mxtls_cache *c, MDB_txn *txn, MDB_val *k,
    const struct mxtls_sts_entry *e, MDB_val *rec, struct mxtls_why *why)
{
	struct mxtls_sts_entry *tmp;
	enum mxtls_status st;
	unsigned char *p;
	MDB_val old;
	int rc;

	rec->mv_data = NULL;
	if (e->body != NULL || !e->have_policy ||
	    (rc = mdb_get(txn, c->dbi, k, &old)) == MDB_NOTFOUND) {
		st = mxtls_sts_entry_encode(e, &p, &rec->mv_size, why);
		rec->mv_data = p;
		return st;
	}
	if (rc != 0)
		return cache_fail(c, rc, why, "cannot read the stored policy "
		    "of %s", e->domain);
	/* tmp[0]: e with the old body; tmp[1]: the old entry */
	if ((tmp = malloc(2 * sizeof(*tmp))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM,
		    "out of memory storing %s", e->domain);
	if (mxtls_sts_entry_decode(&tmp[1], old.mv_data, old.mv_size, 1,
	    NULL) != MXTLS_OK)
		tmp[1].body = NULL;	/* unreadable: nothing to keep */
	memcpy(&tmp[0], e, sizeof(*e));
	tmp[0].body = tmp[1].body;
	tmp[0].body_len = tmp[1].body_len;
	st = mxtls_sts_entry_encode(&tmp[0], &p, &rec->mv_size, why);
	rec->mv_data = p;
	free(tmp[1].body);
	free(tmp);
	return st;
}

/*
 * What a put stores: under key k of database dbi, either the sts entry
 * (encoded inside the write transaction: see cache_encode) or a record
 * made beforehand (rec).
 */
struct cache_put {
	MDB_val	k;
	MDB_dbi	dbi;
	const struct mxtls_sts_entry *sts;	/* NULL: store rec */
	MDB_val	rec;
};

/*
 * cache_put_in - store p in the write transaction txn. Returns an LMDB
 * code; when it is 0, *st tells whether the record could be made (when
 * not, nothing was stored and txn is still usable).
 */
static int
cache_put_in(struct mxtls_cache *c, MDB_txn *txn, struct cache_put *p,
    enum mxtls_status *st, struct mxtls_why *why)
{
	MDB_val rec;
	int rc;

	*st = MXTLS_OK;
	rec = p->rec;
	if (p->sts != NULL &&
	    (*st = cache_encode(c, txn, &p->k, p->sts, &rec, why)) !=
	    MXTLS_OK)
		return 0;
	rc = mdb_put(txn, p->dbi, &p->k, &rec, 0);
	if (p->sts != NULL)
		free(rec.mv_data);
	return rc;
}

/*
 * cache_put_try - one write transaction storing p. Returns an LMDB code;
 * when it is 0, *st tells whether the record could be made.
 */
static int
cache_put_try(struct mxtls_cache *c, struct cache_put *p,
    enum mxtls_status *st, struct mxtls_why *why)
{
	MDB_txn *txn;
	int rc;

	if ((rc = cache_txn(c, 0, &txn)) != 0)
		return rc;
	if ((rc = cache_put_in(c, txn, p, st, why)) != 0 || *st != MXTLS_OK) {
		(void)cache_txn_end(c, txn, 0);
		return rc;
	}
	return cache_txn_end(c, txn, 1);
}

/* cache_refreshed - when an entry was last refreshed, for LRU eviction */
static int64_t
cache_refreshed(const struct mxtls_sts_entry *e)
{
	return e->fetched_at > e->txt_checked_at ? e->fetched_at :
	    e->txt_checked_at;
}

/*
 * cache_expired - evictable at now: the policy (if any) has expired and no
 * failure younger than the back-off (RFC 8461 3.3) needs remembering.
 */
static int
cache_expired(const struct mxtls_sts_entry *e, time_t now)
{
	if (e->failed_at != 0 &&
	    e->failed_at > (int64_t)now - MXTLS_STS_BACKOFF)
		return 0;
	return !e->have_policy || e->expires_at <= (int64_t)now;
}

/* Room to decode one record of either database during an eviction. */
struct cache_scratch {
	struct mxtls_sts_entry sts;	/* decoded without body: owns none */
	struct mxtls_dane_entry dane;
	struct mxtls_summary dec;
};

/*
 * cache_judge - decode the record v of database db (CACHE_DB_*). When it
 * decodes, *expired says whether it is evictable at now and *t when it
 * was last refreshed; otherwise *expired is 1 and *t INT64_MIN. Returns
 * the decode status (MXTLS_NOTFOUND: another schema version).
 */
static enum mxtls_status
cache_judge(struct cache_scratch *s, int db, const MDB_val *v, time_t now,
    int *expired, int64_t *t)
{
	enum mxtls_status st;

	*expired = 1;
	*t = INT64_MIN;
	if (db == CACHE_DB_STS) {
		st = mxtls_sts_entry_decode(&s->sts, v->mv_data, v->mv_size,
		    0, NULL);
		if (st == MXTLS_OK) {
			*expired = cache_expired(&s->sts, now);
			*t = cache_refreshed(&s->sts);
		}
	} else if (db == CACHE_DB_DANE) {
		st = mxtls_dane_entry_decode(&s->dane, v->mv_data, v->mv_size,
		    NULL);
		if (st == MXTLS_OK) {
			*expired = s->dane.expires_at <= (int64_t)now;
			*t = s->dane.fetched_at;
		}
	} else {
		st = mxtls_dec_record_decode(&s->dec, v->mv_data, v->mv_size,
		    NULL);
		if (st == MXTLS_OK) {
			*expired = s->dec.usable_until <= (int64_t)now;
			*t = s->dec.refresh_at;	/* later for newer ones */
		}
	}
	return st;
}

/* cache_db_dbi - the handle of database db; -1 when this handle has none */
static int
cache_db_dbi(const struct mxtls_cache *c, int db, MDB_dbi *dbi)
{
	if (db == CACHE_DB_STS)
		*dbi = c->dbi;
	else if (db == CACHE_DB_DANE && c->have_dane)
		*dbi = c->dane;
	else if (db == CACHE_DB_DEC && c->have_dec)
		*dbi = c->dec;
	else
		return -1;
	return 0;
}

/*
 * cache_note_evictions - add n to the eviction counter in "meta". Besides
 * telling the admin, this commit is what makes the room just freed usable:
 * LMDB reuses a page freed by transaction N only from transaction N + 2
 * on (snapshot N - 1 stays the fallback), so one commit must come between
 * an eviction and the put it makes room for. Returns an LMDB code.
 */
static int
cache_note_evictions(struct mxtls_cache *c, size_t n)
{
	unsigned char buf[1 + 8 + 8];
	struct mxtls_cursor cur;
	uint64_t total = 0, at = (uint64_t)(int64_t)mxtls_now();
	MDB_txn *txn;
	MDB_val k, v;
	size_t i;
	int rc;

	if ((rc = cache_txn(c, 0, &txn)) != 0)
		return rc;
	k.mv_data = (void *)CACHE_META_EVICTED;
	k.mv_size = sizeof(CACHE_META_EVICTED) - 1;
	if (mdb_get(txn, c->meta, &k, &v) == 0) {
		mxtls_cursor_init(&cur, v.mv_data, v.mv_size);
		if (mxtls_cursor_u8(&cur) == 1)
			total = mxtls_cursor_u64(&cur);
	}
	total += n;
	buf[0] = 1;
	for (i = 0; i < 8; i++) {
		buf[1 + i] = (unsigned char)(total >> (56 - 8 * i));
		buf[9 + i] = (unsigned char)(at >> (56 - 8 * i));
	}
	v.mv_data = buf;
	v.mv_size = sizeof(buf);
	if ((rc = mdb_put(txn, c->meta, &k, &v, 0)) != 0) {
		(void)cache_txn_end(c, txn, 0);
		return rc;
	}
	return cache_txn_end(c, txn, 1);
}

/* cache_spared - whether key k of database dbi is the one being written */
static int
cache_spared(MDB_dbi dbi, const MDB_val *k, const struct cache_put *spare)
{
	return spare != NULL && spare->dbi == dbi &&
	    k->mv_size == spare->k.mv_size &&
	    memcmp(k->mv_data, spare->k.mv_data, k->mv_size) == 0;
}

/* cache_evict_end - commit or abort an eviction pass; note what it removed */

static int
cache_evict_end(struct mxtls_cache *c, MDB_txn *txn, int rc,
    struct cache_scratch *s, size_t *count)
{
	if (rc == 0)
		rc = cache_txn_end(c, txn, 1);
	else
		(void)cache_txn_end(c, txn, 0);
	free(s);
	if (rc != 0)
		*count = 0;
	else if (*count > 0)
		(void)cache_note_evictions(c, *count);	/* best effort */
	return rc;
}

/* cache_evict_begin - scratch space and a write transaction */
static int
cache_evict_begin(struct mxtls_cache *c, struct cache_scratch **s,
    MDB_txn **txn)
{
	int rc;

	if ((*s = malloc(sizeof(**s))) == NULL)
		return ENOMEM;
	if ((rc = cache_txn(c, 0, txn)) != 0) {
		free(*s);
		*s = NULL;
	}
	return rc;
}

/*
 * cache_expire_db - in txn, remove the expired entries and corrupt records
 * of database db, sparing spare and records of other schema versions.
 * Returns an LMDB code.
 */
static int
cache_expire_db(MDB_txn *txn, int db, MDB_dbi dbi, time_t now,
    const struct cache_put *spare, struct cache_scratch *s, size_t *count)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int64_t t;
	int rc, expired;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (cache_spared(dbi, &k, spare) ||
		    cache_judge(s, db, &v, now, &expired, &t) ==
		    MXTLS_NOTFOUND || !expired)
			continue;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		(*count)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * cache_evict_expired - one write transaction removing the expired entries
 * and corrupt records of the databases in mask (CACHE_DB_*), sparing spare
 * (may be NULL) and records of other schema versions. Returns an LMDB
 * code or errno.
 */
static int
cache_evict_expired(struct mxtls_cache *c, time_t now, int mask,
    const struct cache_put *spare, size_t *count)
{
	struct cache_scratch *s;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc, db;

	*count = 0;
	if ((rc = cache_evict_begin(c, &s, &txn)) != 0)
		return rc;
	for (db = CACHE_DB_STS; db <= CACHE_DB_LAST && rc == 0; db <<= 1)
		if ((mask & db) && cache_db_dbi(c, db, &dbi) == 0)
			rc = cache_expire_db(txn, db, dbi, now, spare, s,
			    count);
	return cache_evict_end(c, txn, rc, s, count);
}

static int
cache_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* cache_lru_time - refresh time of a record; unreadable ones go first */
static int64_t
cache_lru_time(struct cache_scratch *s, int db, const MDB_val *v)
{
	int64_t t;
	int expired;

	(void)cache_judge(s, db, v, 0, &expired, &t);
	return t;
}

/* A growing array of refresh times. */
struct cache_times {
	int64_t	*t;
	size_t	n;
	size_t	cap;
};

/* cache_times_db - append the refresh times of database db but spare */
static int
cache_times_db(MDB_txn *txn, int db, MDB_dbi dbi,
    const struct cache_put *spare, struct cache_scratch *s,
    struct cache_times *ts)
{
	int64_t *nt;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (cache_spared(dbi, &k, spare))
			continue;
		if (ts->n == ts->cap) {
			ts->cap = ts->cap ? 2 * ts->cap : 256;
			if (ts->cap > SIZE_MAX / sizeof(*nt) ||
			    (nt = realloc(ts->t, ts->cap * sizeof(*nt))) ==
			    NULL) {
				rc = ENOMEM;
				break;
			}
			ts->t = nt;
		}
		ts->t[ts->n++] = cache_lru_time(s, db, &v);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * cache_lru_cutoff - in txn, over both databases, the want-th smallest
 * refresh time (*cutoff) and how many entries are strictly older
 * (*older); *n gets the number of candidates (all but spare). Returns an
 * LMDB code (MDB_NOTFOUND: no candidate) or errno.
 */
static int
cache_lru_cutoff(struct mxtls_cache *c, MDB_txn *txn,
    const struct cache_put *spare, struct cache_scratch *s, size_t want,
    int64_t *cutoff, size_t *older, size_t *n)
{
	struct cache_times ts = { NULL, 0, 0 };
	MDB_dbi dbi;
	size_t i;
	int rc = 0, db;

	for (db = CACHE_DB_STS; db <= CACHE_DB_LAST && rc == 0; db <<= 1)
		if (cache_db_dbi(c, db, &dbi) == 0)
			rc = cache_times_db(txn, db, dbi, spare, s, &ts);
	*n = ts.n;
	if (rc == 0 && ts.n == 0)
		rc = MDB_NOTFOUND;
	if (rc == 0) {
		qsort(ts.t, ts.n, sizeof(*ts.t), cache_cmp_i64);
		*cutoff = ts.t[(want < ts.n ? want : ts.n) - 1];
		for (i = 0, *older = 0; i < ts.n && ts.t[i] < *cutoff; i++)
			(*older)++;
	}
	free(ts.t);
	return rc;
}

/*
 * cache_lru_db - in txn, remove the entries of database db older than
 * cutoff, and those at cutoff while *ties lasts. Returns an LMDB code.
 */
static int
cache_lru_db(MDB_txn *txn, int db, MDB_dbi dbi,
    const struct cache_put *spare, struct cache_scratch *s, int64_t cutoff,
    size_t *ties, size_t *count)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int64_t t;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (cache_spared(dbi, &k, spare))
			continue;
		if ((t = cache_lru_time(s, db, &v)) > cutoff ||
		    (t == cutoff && *ties == 0))
			continue;
		if (t == cutoff)
			(*ties)--;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		(*count)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * cache_evict_lru - one write transaction removing the want least recently
 * refreshed entries of both databases other than spare. Returns an LMDB
 * code or errno.
 */
static int
cache_evict_lru(struct mxtls_cache *c, const struct cache_put *spare,
    size_t want, size_t *count)
{
	struct cache_scratch *s;
	MDB_txn *txn;
	MDB_dbi dbi;
	int64_t cutoff = 0;
	size_t older = 0, n, ties;
	int rc, db;

	*count = 0;
	if ((rc = cache_evict_begin(c, &s, &txn)) != 0)
		return rc;
	rc = cache_lru_cutoff(c, txn, spare, s, want, &cutoff, &older, &n);
	if (rc == MDB_NOTFOUND)	/* nothing to evict */
		rc = 0;
	else if (rc == 0) {
		ties = (want < n ? want : n) - older;
		for (db = CACHE_DB_STS; db <= CACHE_DB_LAST && rc == 0;
		    db <<= 1)
			if (cache_db_dbi(c, db, &dbi) == 0)
				rc = cache_lru_db(txn, db, dbi, spare, s,
				    cutoff, &ties, count);
	}
	return cache_evict_end(c, txn, rc, s, count);
}

/*
 * cache_put_full - the map was full: evict expired entries, retry, then
 * evict least recently refreshed ones in doubling batches, retrying after
 * each.
 */
static enum mxtls_status
cache_put_full(struct mxtls_cache *c, struct cache_put *p,
    struct mxtls_why *why)
{
	const char *key = p->k.mv_data;
	size_t expired = 0, lru = 0, n = 0, round;
	enum mxtls_status st = MXTLS_OK;
	MDB_envinfo info;
	int rc;

	rc = cache_evict_expired(c, mxtls_now(), CACHE_DB_ALL, p, &expired);
	if (rc == 0 && expired > 0)
		rc = cache_put_try(c, p, &st, why);
	else if (rc == 0)
		rc = MDB_MAP_FULL;	/* nothing expired: go on to LRU */
	for (round = 0; rc == MDB_MAP_FULL && round < CACHE_EVICT_ROUNDS;
	    round++) {
		if ((rc = cache_evict_lru(c, p, (size_t)1 << round, &n)) != 0)
			break;
		lru += n;
		if (n == 0) {
			rc = MDB_MAP_FULL;	/* nothing left to evict */
			break;
		}
		rc = cache_put_try(c, p, &st, why);
	}
	if (rc == MDB_MAP_FULL) {
		if (mdb_env_info(c->env, &info) != 0)
			info.me_mapsize = c->map_size;
		return mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "LMDB cache %s is full: the record of %s does not fit even "
		    "after evicting %zu expired and %zu least recently "
		    "refreshed entries; raise cache_map_size (now %zu bytes)",
		    c->dir, key, expired, lru, info.me_mapsize);
	}
	if (rc != 0)
		return cache_fail(c, rc, why, "cannot store %s (map full; "
		    "%zu expired and %zu older entries evicted)", key, expired,
		    lru);
	if (st != MXTLS_OK)
		return st;
	return mxtls_why_set(why, MXTLS_OK,
	    "LMDB cache %s was full: evicted %zu expired and %zu least "
	    "recently refreshed entries to store %s; consider raising "
	    "cache_map_size", c->dir, expired, lru, key);
}

/* cache_put - store p, making room when the map is full */
static enum mxtls_status
cache_put(struct mxtls_cache *c, struct cache_put *p, struct mxtls_why *why)
{
	enum mxtls_status st;
	int rc;

	rc = cache_put_try(c, p, &st, why);
	if (rc == MDB_MAP_FULL)
		return cache_put_full(c, p, why);
	if (rc != 0)
		return cache_fail(c, rc, why, "cannot store %s",
		    (const char *)p->k.mv_data);
	return st;
}

/* ---- write-behind (cache_writer.c runs the thread) */

/* cache_wb_sts - queue e's record under key; the body is carried over by
 * the writer (cache_encode) when e has a policy without one */
static enum mxtls_status
cache_wb_sts(struct mxtls_cache *c, const struct mxtls_sts_entry *e,
    const char *key, struct mxtls_why *why)
{
	enum mxtls_status st;
	unsigned char *rec;
	size_t len;

	if ((st = mxtls_sts_entry_encode(e, &rec, &len, why)) != MXTLS_OK)
		return st;
	return cache_writer_queue(c->writer, CACHE_DB_STS, key, rec, len,
	    why);
}

/* cache_wb_report - tell the owner what became of a queued record */
static void
cache_wb_report(struct mxtls_cache *c, enum mxtls_status st,
    const struct mxtls_why *why)
{
	if (c->report != NULL && (st != MXTLS_OK || why->text[0] != '\0'))
		c->report(c->report_arg, st, why->text);
}

/*
 * cache_wb_prepare - the put of a queued item: its key and database, and
 * for "sts" the entry decoded again (*e, caller frees with
 * mxtls_sts_entry_clear and free) so that cache_encode() can carry the
 * stored body over
 */
static enum mxtls_status
cache_wb_prepare(struct mxtls_cache *c, struct cache_wb_item *it,
    struct cache_put *p, struct mxtls_sts_entry **e, struct mxtls_why *why)
{
	enum mxtls_status st;

	*e = NULL;
	p->k.mv_data = it->key;
	p->k.mv_size = strlen(it->key);
	p->rec.mv_data = it->rec;
	p->rec.mv_size = it->len;
	p->sts = NULL;
	if (cache_db_dbi(c, it->db, &p->dbi) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "no database for "
		    "the record of %s in LMDB cache %s", it->key, c->dir);
	if (it->db != CACHE_DB_STS)
		return MXTLS_OK;
	if ((*e = malloc(sizeof(**e))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory "
		    "storing %s", it->key);
	if ((st = mxtls_sts_entry_decode(*e, it->rec, it->len, 1, why)) !=
	    MXTLS_OK) {
		free(*e);
		*e = NULL;
		return st;
	}
	mxtls_strlcpy((*e)->domain, it->key, sizeof((*e)->domain));
	p->sts = *e;
	return MXTLS_OK;
}

static void
cache_wb_release(struct mxtls_sts_entry *e)
{
	if (e != NULL) {
		mxtls_sts_entry_clear(e);
		free(e);
	}
}

/* cache_wb_batch - all of list in one transaction; an LMDB code */
static int
cache_wb_batch(struct mxtls_cache *c, struct cache_wb_item *list)
{
	struct mxtls_sts_entry *e;
	struct cache_wb_item *it;
	enum mxtls_status st;
	struct mxtls_why why;
	struct cache_put p;
	MDB_txn *txn;
	int rc;

	if ((rc = cache_txn(c, 0, &txn)) != 0)
		return rc;
	for (it = list; it != NULL && rc == 0; it = it->next) {
		if (it->skip)
			continue;
		mxtls_why_clear(&why);
		if ((st = cache_wb_prepare(c, it, &p, &e, &why)) == MXTLS_OK)
			rc = cache_put_in(c, txn, &p, &st, &why);
		cache_wb_release(e);
		if (rc == 0 && st != MXTLS_OK) {
			it->skip = 1;	/* cannot be stored: say so once */
			cache_wb_report(c, st, &why);
		}
	}
	if (rc != 0) {
		(void)cache_txn_end(c, txn, 0);
		return rc;
	}
	return cache_txn_end(c, txn, 1);
}

/*
 * cache_wb_write - cache_writer.c's batch function: one transaction for
 * the batch; when that fails (the map is full, most likely), each record
 * on its own with the eviction every put does
 */
static void
cache_wb_write(void *arg, struct cache_wb_item *list)
{
	struct mxtls_cache *c = arg;
	struct mxtls_sts_entry *e;
	struct cache_wb_item *it;
	enum mxtls_status st;
	struct mxtls_why why;
	struct cache_put p;

	if (cache_wb_batch(c, list) != 0) {
		for (it = list; it != NULL; it = it->next) {
			if (it->skip)
				continue;
			mxtls_why_clear(&why);
			if ((st = cache_wb_prepare(c, it, &p, &e, &why)) ==
			    MXTLS_OK)
				st = cache_put(c, &p, &why);
			cache_wb_release(e);
			cache_wb_report(c, st, &why);
		}
	}
}

enum mxtls_status
mxtls_cache_write_behind(struct mxtls_cache *c, mxtls_cache_report_fn *fn,
    void *arg, struct mxtls_why *why)
{
	enum mxtls_status st;

	if ((st = cache_enter(c, 1, why)) != MXTLS_OK ||
	    (st = cache_writable(c, why)) != MXTLS_OK)
		return st;
	if (c->writer != NULL)
		return MXTLS_OK;
	c->report = fn;
	c->report_arg = arg;
	if (pthread_rwlock_init(&c->maplock, NULL) != 0)
		return mxtls_why_set(why, MXTLS_ENOMEM, "cannot make the lock "
		    "of the cache writer");
	c->use_maplock = 1;
	if ((c->writer = cache_writer_start(cache_wb_write, c, why)) == NULL) {
		c->use_maplock = 0;
		(void)pthread_rwlock_destroy(&c->maplock);
		return why != NULL ? why->status : MXTLS_TEMPFAIL;
	}
	return MXTLS_OK;
}

void
mxtls_cache_flush(struct mxtls_cache *c)
{
	if (c != NULL && c->writer != NULL && cache_ours(c, 1))
		cache_writer_flush(c->writer);
}

enum mxtls_status
mxtls_cache_sts_put(struct mxtls_cache *c, const struct mxtls_sts_entry *e,
    struct mxtls_why *why)
{
	char key[MXTLS_DOMAIN_MAX + 1];
	struct cache_put p;
	enum mxtls_status st;

	if ((st = cache_enter(c, 1, why)) != MXTLS_OK ||
	    (st = cache_writable(c, why)) != MXTLS_OK ||
	    (st = cache_key(e->domain, key, &p.k, why)) != MXTLS_OK)
		return st;
	if (c->writer != NULL)
		return cache_wb_sts(c, e, key, why);
	p.dbi = c->dbi;
	p.sts = e;
	p.rec.mv_data = NULL;
	p.rec.mv_size = 0;
	return cache_put(c, &p, why);
}

/* cache_del_key - delete k in one write transaction; an LMDB code */
static int
cache_del_key(struct mxtls_cache *c, MDB_val *k)
{
	MDB_txn *txn;
	int rc;

	int rd;

	if ((rc = cache_txn(c, 0, &txn)) != 0)
		return rc;
	/* the domain's decision goes with its policy: the Exim plugin must
	 * not keep applying what was purged */
	rc = mdb_del(txn, c->dbi, k, NULL);
	rd = mdb_del(txn, c->dec, k, NULL);
	if (rc == MDB_NOTFOUND && rd == 0)
		rc = 0;
	else if (rc == 0 && rd != MDB_NOTFOUND)
		rc = rd;
	if (rc != 0) {
		(void)cache_txn_end(c, txn, 0);
		return rc;
	}
	return cache_txn_end(c, txn, 1);
}

enum mxtls_status
mxtls_cache_sts_del(struct mxtls_cache *c, const char *domain,
    struct mxtls_why *why)
{
	char key[MXTLS_DOMAIN_MAX + 1];
	enum mxtls_status st;
	MDB_val k;
	int rc;

	if ((st = cache_enter(c, 1, why)) != MXTLS_OK ||
	    (st = cache_writable(c, why)) != MXTLS_OK ||
	    (st = cache_key(domain, key, &k, why)) != MXTLS_OK)
		return st;
	mxtls_cache_flush(c);	/* a queued put must not undo the delete */
	if ((rc = cache_del_key(c, &k)) == MDB_NOTFOUND)
		return mxtls_why_set(why, MXTLS_NOTFOUND,
		    "no cache entry for %s", key);
	if (rc != 0)
		return cache_fail(c, rc, why, "cannot delete %s", key);
	return MXTLS_OK;
}

enum mxtls_status
mxtls_cache_sts_purge(struct mxtls_cache *c, const char *domain,
    size_t *count, struct mxtls_why *why)
{
	char key[MXTLS_DOMAIN_MAX + 1];
	enum mxtls_status st;
	MDB_stat ms;
	MDB_txn *txn;
	MDB_val k;
	int rc;

	if (count != NULL)
		*count = 0;
	if ((st = cache_enter(c, 1, why)) != MXTLS_OK ||
	    (st = cache_writable(c, why)) != MXTLS_OK)
		return st;
	mxtls_cache_flush(c);	/* a queued put must not undo the purge */
	if (domain != NULL) {
		if ((st = cache_key(domain, key, &k, why)) != MXTLS_OK)
			return st;
		if ((rc = cache_del_key(c, &k)) == MDB_NOTFOUND)
			return MXTLS_OK;
		if (rc != 0)
			return cache_fail(c, rc, why, "cannot purge %s", key);
		if (count != NULL)
			*count = 1;
		return MXTLS_OK;
	}
	if ((rc = cache_txn(c, 0, &txn)) != 0)
		return cache_fail(c, rc, why, "cannot begin the purge");
	if ((rc = mdb_stat(txn, c->dbi, &ms)) != 0 ||
	    (rc = mdb_drop(txn, c->dbi, 0)) != 0 ||
	    (rc = mdb_drop(txn, c->dec, 0)) != 0)
		(void)cache_txn_end(c, txn, 0);
	else
		rc = cache_txn_end(c, txn, 1);
	if (rc != 0)
		return cache_fail(c, rc, why, "cannot purge the sts database");
	if (count != NULL)
		*count = ms.ms_entries;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_cache_sts_evict(struct mxtls_cache *c, time_t now, size_t *count,
    struct mxtls_why *why)
{
	enum mxtls_status st;
	size_t n = 0;
	int rc;

	if (count != NULL)
		*count = 0;
	if ((st = cache_enter(c, 1, why)) != MXTLS_OK ||
	    (st = cache_writable(c, why)) != MXTLS_OK)
		return st;
	mxtls_cache_flush(c);
	if ((rc = cache_evict_expired(c, now, CACHE_DB_STS, NULL,
	    &n)) != 0)
		return cache_fail(c, rc, why, "cannot evict expired entries");
	if (count != NULL)
		*count = n;
	return MXTLS_OK;
}

/* cache_buf_add - append n bytes to b; -1 when out of memory */
static int
cache_buf_add(struct cache_buf *b, const void *p, size_t n)
{
	unsigned char *np;
	size_t cap;

	if (b->cap - b->len < n) {
		cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		if ((np = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/*
 * A snapshot (what a list copies out of its read transaction) is a run of
 * frames [size_t klen][key][size_t rlen][record].
 */

/* cache_snap_add - append one frame; ENOMEM or 0 */
static int
cache_snap_add(struct cache_buf *b, const void *key, size_t klen,
    const void *rec, size_t rlen)
{
	if (cache_buf_add(b, &klen, sizeof(klen)) != 0 ||
	    cache_buf_add(b, key, klen) != 0 ||
	    cache_buf_add(b, &rlen, sizeof(rlen)) != 0 ||
	    cache_buf_add(b, rec, rlen) != 0)
		return ENOMEM;
	return 0;
}

/*
 * cache_snap_next - the frame at *off (key and record borrowed from b),
 * *off moved past it; -1 at the end. Keys are at most MXTLS_DOMAIN_MAX
 * bytes: only such keys are added.
 */
static int
cache_snap_next(const struct cache_buf *b, size_t *off,
    const unsigned char **key, size_t *klen, const unsigned char **rec,
    size_t *rlen)
{
	if (*off >= b->len)
		return -1;
	memcpy(klen, b->p + *off, sizeof(*klen));
	*key = b->p + *off + sizeof(*klen);
	*off += sizeof(*klen) + *klen;
	memcpy(rlen, b->p + *off, sizeof(*rlen));
	*rec = b->p + *off + sizeof(*rlen);
	*off += sizeof(*rlen) + *rlen;
	return 0;
}

/*
 * cache_snap_one - append key and the record of v without its body to the
 * snapshot. Unreadable records count in *skipped. Returns 0, or ENOMEM.
 */
static int
cache_snap_one(struct cache_buf *b, struct mxtls_sts_entry *e,
    const MDB_val *k, const MDB_val *v, size_t *skipped)
{
	unsigned char *rec;
	size_t rlen;
	enum mxtls_status st;
	int rc = 0;

	if (k->mv_size == 0 || k->mv_size > MXTLS_DOMAIN_MAX ||
	    mxtls_sts_entry_decode(e, v->mv_data, v->mv_size, 0, NULL) !=
	    MXTLS_OK) {
		(*skipped)++;
		return 0;
	}
	if ((st = mxtls_sts_entry_encode(e, &rec, &rlen, NULL)) != MXTLS_OK) {
		(*skipped)++;
		return st == MXTLS_ENOMEM ? ENOMEM : 0;
	}
	rc = cache_snap_add(b, k->mv_data, k->mv_size, rec, rlen);
	free(rec);
	return rc;
}

/* cache_snapshot - every record without its body, in key order, into b */
static int
cache_snapshot(struct mxtls_cache *c, struct cache_buf *b,
    struct mxtls_sts_entry *e, size_t *skipped)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	if ((rc = cache_txn(c, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, c->dbi, &cur)) == 0) {
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
			if ((rc = cache_snap_one(b, e, &k, &v, skipped)) != 0)
				break;
		mdb_cursor_close(cur);
	}
	(void)cache_txn_end(c, txn, 0);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

enum mxtls_status
mxtls_cache_sts_list(struct mxtls_cache *c,
    int (*fn)(void *arg, const struct mxtls_sts_entry *e), void *arg,
    struct mxtls_why *why)
{
	struct cache_buf b = { NULL, 0, 0 };
	struct mxtls_sts_entry *e;
	const unsigned char *kp, *rp;
	enum mxtls_status st;
	size_t off, klen, rlen, skipped = 0;
	int rc;

	if ((st = cache_enter(c, 1, why)) != MXTLS_OK)
		return st;
	if ((e = malloc(sizeof(*e))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM,
		    "out of memory listing LMDB cache %s", c->dir);
	if ((rc = cache_snapshot(c, &b, e, &skipped)) != 0) {
		st = cache_fail(c, rc, why, "cannot list the sts database");
		goto out;
	}
	for (off = 0; cache_snap_next(&b, &off, &kp, &klen, &rp, &rlen) == 0;) {
		if (mxtls_sts_entry_decode(e, rp, rlen, 0, NULL) != MXTLS_OK)
			continue;	/* cannot happen: we encoded it */
		memcpy(e->domain, kp, klen);	/* klen <= MXTLS_DOMAIN_MAX */
		e->domain[klen] = '\0';
		if (fn(arg, e) != 0)
			break;
	}
	if (skipped > 0)
		(void)mxtls_why_set(why, MXTLS_OK, "skipped %zu unreadable "
		    "records in LMDB cache %s", skipped, c->dir);
out:
	free(b.p);
	free(e);
	return st;
}

/* ------------------------------------------------------------ dane, dec */

/*
 * "dane" and "dec" are read the same way: a read-only handle opened on
 * a file older than them finds them only once a writer has created them,
 * so each get looks for its database again until it is there. Their
 * records are made before the write transaction (unlike "sts" entries).
 */
typedef enum mxtls_status cache_decode_fn(void *out,
    const unsigned char *buf, size_t len, struct mxtls_why *why);

/*
 * cache_lazy_find - in the read transaction txn, the database name of a
 * handle that may not have it yet (*have 0). Returns an LMDB code
 * (MDB_NOTFOUND: still none); *opened tells the caller to commit txn so
 * that the handle outlives it.
 */
static int
cache_lazy_find(MDB_txn *txn, const char *name, MDB_dbi *dbi, int have,
    int *opened)
{
	int rc;

	*opened = 0;
	if (have)
		return 0;
	if ((rc = mdb_dbi_open(txn, name, 0, dbi)) == 0)
		*opened = 1;
	return rc;
}

/*
 * cache_lazy_end - end the read transaction txn of a cache_lazy_find();
 * when it opened the database, commit so that the handle outlives txn
 */
static void
cache_lazy_end(struct mxtls_cache *c, MDB_txn *txn, int opened, int *have)
{
	if (!opened)
		(void)cache_txn_end(c, txn, 0);
	else if (cache_txn_end(c, txn, 1) == 0)
		*have = 1;
}

/*
 * cache_lazy_get - read the record of in (a domain or host, made into
 * key) from the database name (*dbi, *have) and decode it into out.
 * what names the record in messages. MXTLS_OK, MXTLS_NOTFOUND, or
 * MXTLS_TEMPFAIL with why.
 */
static enum mxtls_status
cache_lazy_get(struct mxtls_cache *c, const char *name, MDB_dbi *dbi,
    int *have, const char *in, char *key, cache_decode_fn *decode,
    void *out, const char *what, struct mxtls_why *why)
{
	struct mxtls_why dwhy;
	enum mxtls_status st = MXTLS_OK;
	MDB_txn *txn;
	MDB_val k, v;
	int rc, opened;

	if ((st = cache_enter(c, 0, why)) != MXTLS_OK ||
	    (st = cache_key(in, key, &k, why)) != MXTLS_OK)
		return st;
	if ((rc = cache_txn(c, MDB_RDONLY, &txn)) != 0)
		return cache_fail(c, rc, why, "cannot begin reading %s", key);
	if ((rc = cache_lazy_find(txn, name, dbi, *have, &opened)) == 0 &&
	    (rc = mdb_get(txn, *dbi, &k, &v)) == 0)
		st = decode(out, v.mv_data, v.mv_size, &dwhy);
	cache_lazy_end(c, txn, opened, have);
	if (rc == MDB_NOTFOUND)
		return MXTLS_NOTFOUND;
	if (rc != 0)
		return cache_fail(c, rc, why, "cannot read the %s of %s", what,
		    key);
	if (st != MXTLS_OK)
		return cache_decode_fail(c, key, st, &dwhy, why);
	return MXTLS_OK;
}

/*
 * cache_put_rec - store the record rec (len bytes, malloc'd by the caller;
 * freed here) under in in database db (CACHE_DB_DANE or CACHE_DB_DEC),
 * which a writable handle always has (same map-full handling as every
 * put), or queue it when c writes behind
 */
static enum mxtls_status
cache_put_rec(struct mxtls_cache *c, int db, const char *in,
    unsigned char *rec, size_t len, struct mxtls_why *why)
{
	char key[MXTLS_DOMAIN_MAX + 1];
	struct cache_put p;
	enum mxtls_status st;

	if ((st = cache_enter(c, 1, why)) != MXTLS_OK ||
	    (st = cache_writable(c, why)) != MXTLS_OK ||
	    (st = cache_key(in, key, &p.k, why)) != MXTLS_OK) {
		free(rec);
		return st;
	}
	if (c->writer != NULL)
		return cache_writer_queue(c->writer, db, key, rec, len, why);
	p.rec.mv_data = rec;
	p.rec.mv_size = len;
	(void)cache_db_dbi(c, db, &p.dbi);	/* after cache_enter() */
	p.sts = NULL;
	st = cache_put(c, &p, why);
	free(rec);
	return st;
}

static enum mxtls_status
cache_dane_decode(void *out, const unsigned char *buf, size_t len,
    struct mxtls_why *why)
{
	return mxtls_dane_entry_decode(out, buf, len, why);
}

enum mxtls_status
mxtls_cache_dane_get(struct mxtls_cache *c, const char *host,
    struct mxtls_dane_entry *out, struct mxtls_why *why)
{
	char key[MXTLS_DOMAIN_MAX + 1];
	enum mxtls_status st;

	out->host[0] = '\0';
	out->ntlsa = 0;
	st = cache_lazy_get(c, "dane", &c->dane, &c->have_dane, host, key,
	    cache_dane_decode, out, "DANE entry", why);
	if (st == MXTLS_OK)
		mxtls_strlcpy(out->host, key, sizeof(out->host));
	return st;
}

enum mxtls_status
mxtls_cache_dane_put(struct mxtls_cache *c, const struct mxtls_dane_entry *e,
    struct mxtls_why *why)
{
	enum mxtls_status st;
	unsigned char *rec;
	size_t len;

	if ((st = mxtls_dane_entry_encode(e, &rec, &len, why)) != MXTLS_OK)
		return st;
	return cache_put_rec(c, CACHE_DB_DANE, e->host, rec, len, why);
}

static enum mxtls_status
cache_dec_decode(void *out, const unsigned char *buf, size_t len,
    struct mxtls_why *why)
{
	return mxtls_dec_record_decode(out, buf, len, why);
}

enum mxtls_status
mxtls_cache_dec_get(struct mxtls_cache *c, const char *domain,
    struct mxtls_summary *out, struct mxtls_why *why)
{
	char key[MXTLS_DOMAIN_MAX + 1];

	return cache_lazy_get(c, "dec", &c->dec, &c->have_dec, domain, key,
	    cache_dec_decode, out, "decision", why);
}

/*
 * cache_dec_snapshot - copy every key and record of "dec" into b (frames
 * of cache_snap_add), in a read transaction;
 * an LMDB code (MDB_NOTFOUND: no such database yet, nothing to list)
 */
static int
cache_dec_snapshot(struct mxtls_cache *c, struct cache_buf *b)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc, opened;

	if ((rc = cache_txn(c, MDB_RDONLY, &txn)) != 0)
		return rc;
	if ((rc = cache_lazy_find(txn, "dec", &c->dec, c->have_dec,
	    &opened)) == 0 && (rc = mdb_cursor_open(txn, c->dec, &cur)) == 0) {
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
			if (k.mv_size > 0 && k.mv_size <= MXTLS_DOMAIN_MAX &&
			    (rc = cache_snap_add(b, k.mv_data, k.mv_size,
			    v.mv_data, v.mv_size)) != 0)
				break;
		mdb_cursor_close(cur);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	cache_lazy_end(c, txn, opened, &c->have_dec);
	return rc;
}

enum mxtls_status
mxtls_cache_dec_list(struct mxtls_cache *c,
    int (*fn)(void *arg, const char *domain, const struct mxtls_summary *s),
    void *arg, struct mxtls_why *why)
{
	struct cache_buf b = { NULL, 0, 0 };
	char domain[MXTLS_DOMAIN_MAX + 1];
	const unsigned char *kp, *rp;
	struct mxtls_summary *s;
	enum mxtls_status st;
	size_t off, klen, rlen, skipped = 0;
	int rc;

	if ((st = cache_enter(c, 1, why)) != MXTLS_OK)
		return st;
	if ((rc = cache_dec_snapshot(c, &b)) == MDB_NOTFOUND)
		return MXTLS_OK;	/* an older file: no decisions */
	if (rc != 0) {
		free(b.p);
		return cache_fail(c, rc, why, "cannot list the decisions");
	}
	if ((s = malloc(sizeof(*s))) == NULL) {
		free(b.p);
		return mxtls_why_set(why, MXTLS_ENOMEM,
		    "out of memory listing LMDB cache %s", c->dir);
	}
	for (off = 0; cache_snap_next(&b, &off, &kp, &klen, &rp, &rlen) == 0;) {
		memcpy(domain, kp, klen);	/* klen <= MXTLS_DOMAIN_MAX */
		domain[klen] = '\0';
		if (mxtls_dec_record_decode(s, rp, rlen, NULL) != MXTLS_OK) {
			skipped++;	/* corrupt or another schema version */
			continue;
		}
		if (fn(arg, domain, s) != 0)
			break;
	}
	if (skipped > 0)
		(void)mxtls_why_set(why, MXTLS_OK, "skipped %zu unreadable "
		    "decisions in LMDB cache %s", skipped, c->dir);
	free(b.p);
	free(s);
	return MXTLS_OK;
}

enum mxtls_status
mxtls_cache_dec_put(struct mxtls_cache *c, const char *domain,
    const struct mxtls_summary *s, struct mxtls_why *why)
{
	enum mxtls_status st;
	unsigned char *rec;
	size_t len;

	if ((st = mxtls_dec_record_encode(s, &rec, &len, why)) != MXTLS_OK)
		return st;
	return cache_put_rec(c, CACHE_DB_DEC, domain, rec, len, why);
}
