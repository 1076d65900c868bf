/*
 * NAME
 *	test_cache - the cache record format and the LMDB cache
 * SYNOPSIS
 *	test_cache
 * DESCRIPTION
 *	Record round trips (every field, with and without body, 0 and 64 mx,
 *	maximal strings), a golden encoding, table-driven decoding of
 *	truncated, garbled and unknown-version records; then, in a temporary
 *	directory: get/put/del/list/purge/evict, keeping the stored body,
 *	read-only handles, corrupt records, a handle used across fork(), a
 *	full map (eviction of expired, then least recently refreshed
 *	entries, and a record that cannot fit), and one writer with two
 *	readers in separate processes checking that no read is ever torn.
 *	The same for the "dane" database: round trips (0 and 8 TLSA records
 *	of the largest size), a golden encoding, rejected entries and
 *	records, get/put/overwrite, expired entries returned, a read-only
 *	handle on a cache from before "dane", and map-full eviction across
 *	both databases.
 *	Prints TAP; the directory is removed at the end.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "tap.h"
#include "tmpdir.h"

#define T0	1700000000	/* pinned "now" */

static char tmpdir[PATH_MAX / 2];

/* ------------------------------------------------------------ helpers */

static void
path_in(char *out, size_t outsz, const char *name)
{
	(void)snprintf(out, outsz, "%s/%s", tmpdir, name);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct mxtls_sts_entry *
entry_new(void)
{
	struct mxtls_sts_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		abort();
	return e;
}

static void
entry_free(struct mxtls_sts_entry *e)
{
	mxtls_sts_entry_clear(e);
	free(e);
}

static void
set_body(struct mxtls_sts_entry *e, size_t n, int fill)
{
	free(e->body);
	e->body = NULL;
	e->body_len = 0;
	if (n == 0)
		return;
	if ((e->body = malloc(n)) == NULL)
		abort();
	memset(e->body, fill, n);
	e->body_len = n;
}

/* fill_entry - a typical entry; every field depends on seed */
static void
fill_entry(struct mxtls_sts_entry *e, const char *domain, unsigned seed,
    size_t nmx, size_t body_len)
{
	size_t i;

	mxtls_sts_entry_clear(e);
	(void)snprintf(e->domain, sizeof(e->domain), "%s", domain);
	e->have_policy = 1;
	(void)snprintf(e->id, sizeof(e->id), "id%u", seed);
	e->fetched_at = T0 - 1000 + seed;
	e->expires_at = T0 + 86400 + seed;
	e->txt_checked_at = T0 - 500 + seed;
	e->failed_at = seed % 2 ? T0 - 7 : 0;
	(void)snprintf(e->failed_id, sizeof(e->failed_id), "f%u", seed);
	e->fail_type = (enum mxtls_result_type)(seed % 12);
	(void)snprintf(e->fail_detail, sizeof(e->fail_detail),
	    "detail %u", seed);
	e->policy.mode = (enum mxtls_sts_mode)(seed % 3);
	e->policy.max_age = 86400 + seed;
	e->policy.warnings = seed & 0xff;
	e->policy.nmx = nmx;
	for (i = 0; i < nmx; i++)
		(void)snprintf(e->policy.mx[i], sizeof(e->policy.mx[i]),
		    "mx%zu.s%u.example.net", i, seed);
	set_body(e, body_len, 'a' + (int)(seed % 26));
}

/* entry_eq - field by field; domain compared when with_domain */
static int
entry_eq(const struct mxtls_sts_entry *a, const struct mxtls_sts_entry *b,
    int with_body, int with_domain)
{
	size_t i;

	if ((with_domain && strcmp(a->domain, b->domain) != 0) ||
	    a->have_policy != b->have_policy || strcmp(a->id, b->id) != 0 ||
	    a->fetched_at != b->fetched_at || a->expires_at != b->expires_at ||
	    a->txt_checked_at != b->txt_checked_at ||
	    a->failed_at != b->failed_at ||
	    strcmp(a->failed_id, b->failed_id) != 0 ||
	    a->fail_type != b->fail_type ||
	    strcmp(a->fail_detail, b->fail_detail) != 0 ||
	    a->policy.mode != b->policy.mode ||
	    a->policy.max_age != b->policy.max_age ||
	    a->policy.warnings != b->policy.warnings ||
	    a->policy.nmx != b->policy.nmx)
		return 0;
	for (i = 0; i < a->policy.nmx; i++)
		if (strcmp(a->policy.mx[i], b->policy.mx[i]) != 0)
			return 0;
	if (!with_body)
		return 1;
	if (a->body_len != b->body_len)
		return 0;
	return a->body_len == 0 ||
	    (a->body && b->body && memcmp(a->body, b->body, a->body_len) == 0);
}

static size_t
unhex(unsigned char *out, size_t outsz, const char *hex)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *hex; hex++) {
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else
			continue;
		if (hi < 0)
			hi = v;
		else {
			if (n == outsz)
				abort();
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* ------------------------------------------------------------ records */

/* round_trip - encode, decode with and without body, re-encode */
static void
round_trip(const char *name, struct mxtls_sts_entry *e)
{
	struct mxtls_sts_entry *d = entry_new(), *f = entry_new();
	unsigned char *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	struct mxtls_why why;
	enum mxtls_status st;

	mxtls_why_clear(&why);
	st = mxtls_sts_entry_encode(e, &buf, &len, &why);
	ok(st == MXTLS_OK, "%s: encodes (%zu bytes) %s", name, len, why.text);
	st = mxtls_sts_entry_decode(d, buf, len, 1, &why);
	ok(st == MXTLS_OK && entry_eq(e, d, 1, 0) && d->domain[0] == '\0',
	    "%s: decodes with body to the same entry", name);
	ok(e->body_len == 0 || d->body[d->body_len] == '\0',
	    "%s: decoded body is NUL-terminated", name);
	memset(f, 0x5a, sizeof(*f));	/* decode must not need a clean struct */
	st = mxtls_sts_entry_decode(f, buf, len, 0, &why);
	ok(st == MXTLS_OK && entry_eq(e, f, 0, 0) && f->body == NULL &&
	    f->body_len == 0, "%s: fast path decodes without body", name);
	st = mxtls_sts_entry_encode(d, &buf2, &len2, &why);
	ok(st == MXTLS_OK && len2 == len && memcmp(buf, buf2, len) == 0,
	    "%s: re-encodes to the same bytes", name);
	free(buf);
	free(buf2);
	free(f);		/* owns no body */
	entry_free(d);
}

static void
test_round_trips(void)
{
	struct mxtls_sts_entry *e = entry_new();
	size_t i;

	fill_entry(e, "example.com", 3, 0, 0);
	round_trip("0 mx, no body", e);

	fill_entry(e, "example.com", 4, 1, 120);
	round_trip("1 mx, small body", e);

	fill_entry(e, "example.com", 5, MXTLS_STS_MX_MAX, 4000);
	round_trip("64 mx", e);

	/* every string at its maximum, the largest body */
	fill_entry(e, "example.com", 7, MXTLS_STS_MX_MAX, MXTLS_STS_BODY_MAX);
	memset(e->id, 'I', MXTLS_STS_ID_MAX);
	e->id[MXTLS_STS_ID_MAX] = '\0';
	memset(e->failed_id, 'F', MXTLS_STS_ID_MAX);
	e->failed_id[MXTLS_STS_ID_MAX] = '\0';
	memset(e->fail_detail, 'd', MXTLS_DETAIL_MAX - 1);
	e->fail_detail[MXTLS_DETAIL_MAX - 1] = '\0';
	for (i = 0; i < MXTLS_STS_MX_MAX; i++) {
		memset(e->policy.mx[i], 'a' + (int)(i % 26), MXTLS_DOMAIN_MAX);
		e->policy.mx[i][MXTLS_DOMAIN_MAX] = '\0';
	}
	e->policy.max_age = MXTLS_STS_MAX_AGE_MAX;
	e->policy.warnings = 0xffffffffU;
	e->fail_type = MXTLS_RT_STS_WEBPKI_INVALID;
	e->policy.mode = MXTLS_STS_MODE_ENFORCE;
	round_trip("maximal strings and body", e);

	/* no policy, a failure, extreme timestamps */
	fill_entry(e, "example.org", 8, 0, 0);
	e->have_policy = 0;
	e->fetched_at = INT64_MIN;
	e->expires_at = INT64_MAX;
	e->txt_checked_at = -1;
	e->failed_at = T0;
	e->fail_type = MXTLS_RT_STS_POLICY_FETCH_ERROR;
	round_trip("no policy, extreme times", e);
	entry_free(e);
}

/*
 * The layout of version 1, pinned: changing it without a new version byte
 * would make old records decode wrongly.
 */
static void
test_golden(void)
{
	struct mxtls_sts_entry *e = entry_new();
	unsigned char want[256], *buf = NULL;
	size_t wlen, len = 0;
	struct mxtls_why why;

	e->have_policy = 1;
	memcpy(e->id, "ab", 3);
	e->fetched_at = 0x0102030405060708LL;
	e->expires_at = -2;
	e->txt_checked_at = 3;
	e->failed_at = 4;
	memcpy(e->failed_id, "c", 2);
	e->fail_type = MXTLS_RT_STS_POLICY_INVALID;
	memcpy(e->fail_detail, "x", 2);
	e->policy.mode = MXTLS_STS_MODE_TESTING;
	e->policy.max_age = 86400;
	e->policy.warnings = 0x41;
	e->policy.nmx = 2;
	memcpy(e->policy.mx[0], "mx", 3);
	memcpy(e->policy.mx[1], "*.m", 4);
	e->body = (char *)"BODY";
	e->body_len = 4;
	wlen = unhex(want, sizeof(want),
	    "01 01 02 6162"
	    "0102030405060708 fffffffffffffffe 0000000000000003"
	    "0000000000000004"
	    "01 63 0a 0001 78"
	    "01 00015180 00000041"
	    "02 02 6d78 03 2a2e6d"
	    "00000004 424f4459");
	if (mxtls_sts_entry_encode(e, &buf, &len, &why) != MXTLS_OK)
		len = 0;
	ok(len == wlen && memcmp(buf, want, wlen) == 0,
	    "golden: version 1 layout is unchanged (%zu bytes)", len);
	free(buf);
	e->body = NULL;
	entry_free(e);
}

static void
test_encode_rejects(void)
{
	static const struct {
		const char *name;
		int	what;
	} rows[] = {
		{ "65 mx patterns", 0 },
		{ "a 65537-byte body", 1 },
		{ "an unknown mode", 2 },
		{ "an unknown fail_type", 3 },
		{ "max_age beyond a year", 4 },
		{ "an empty mx pattern", 5 },
		{ "an id without NUL", 6 },
	};
	struct mxtls_sts_entry *e = entry_new();
	unsigned char *buf;
	struct mxtls_why why;
	size_t i, len;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fill_entry(e, "example.com", 1, 3, 10);
		switch (rows[i].what) {
		case 0:
			e->policy.nmx = MXTLS_STS_MX_MAX + 1;
			break;
		case 1:
			set_body(e, MXTLS_STS_BODY_MAX + 1, 'x');
			break;
		case 2:
			e->policy.mode = (enum mxtls_sts_mode)3;
			break;
		case 3:
			e->fail_type = (enum mxtls_result_type)12;
			break;
		case 4:
			e->policy.max_age = MXTLS_STS_MAX_AGE_MAX + 1;
			break;
		case 5:
			e->policy.mx[1][0] = '\0';
			break;
		case 6:
			memset(e->id, 'a', sizeof(e->id));
			break;
		}
		buf = (unsigned char *)"x";
		len = 99;
		mxtls_why_clear(&why);
		ok(mxtls_sts_entry_encode(e, &buf, &len, &why) ==
		    MXTLS_PERMFAIL && buf == NULL && len == 0 &&
		    why.text[0] != '\0', "encode rejects %s: %s", rows[i].name,
		    why.text);
	}
	entry_free(e);
}

#define Z8	"0000000000000000 "
#define TIMES	Z8 Z8 Z8 Z8
#define HEAD0	"01 00 00 " TIMES "00 00 0000 "	/* up to fail_detail */

static void
test_decode_table(void)
{
	static const struct {
		const char *name;
		const char *hex;
		enum mxtls_status want;
	} rows[] = {
		{ "empty record", "", MXTLS_PERMFAIL },
		{ "version only", "01", MXTLS_PERMFAIL },
		{ "version 0", "00", MXTLS_NOTFOUND },
		{ "version 2", "02 00 00", MXTLS_NOTFOUND },
		{ "version 255", "ff", MXTLS_NOTFOUND },
		{ "minimal", HEAD0 "00 00000000 00000000 00 00000000",
		    MXTLS_OK },
		{ "have_policy 2",
		    "01 02 00 " TIMES "00 00 0000 00 00000000 00000000 00 "
		    "00000000", MXTLS_PERMFAIL },
		{ "id of 1 byte", "01 01 01 61 " TIMES "00 00 0000 00 "
		    "00000000 00000000 00 00000000", MXTLS_OK },
		{ "id with NUL", "01 01 01 00 " TIMES "00 00 0000 00 "
		    "00000000 00000000 00 00000000", MXTLS_PERMFAIL },
		{ "id length 33", "01 01 21 "
		    "616161616161616161616161616161616161616161616161616161616161"
		    "616161" TIMES "00 00 0000 00 00000000 00000000 00 00000000",
		    MXTLS_PERMFAIL },
		{ "id longer than the record", "01 01 05 6161", MXTLS_PERMFAIL },
		{ "timestamps cut", "01 00 00 0000000000000000 00",
		    MXTLS_PERMFAIL },
		{ "fail_type 11", "01 00 00 " TIMES "00 0b 0000 "
		    "00 00000000 00000000 00 00000000", MXTLS_OK },
		{ "fail_type 12", "01 00 00 " TIMES "00 0c 0000 "
		    "00 00000000 00000000 00 00000000", MXTLS_PERMFAIL },
		{ "detail length beyond the record", "01 00 00 " TIMES
		    "00 00 0100 41", MXTLS_PERMFAIL },
		{ "mode 2", HEAD0 "02 00000000 00000000 00 00000000", MXTLS_OK },
		{ "mode 3", HEAD0 "03 00000000 00000000 00 00000000",
		    MXTLS_PERMFAIL },
		{ "max_age 31557600", HEAD0 "00 01e187e0 00000000 00 00000000",
		    MXTLS_OK },
		{ "max_age 31557601", HEAD0 "00 01e187e1 00000000 00 00000000",
		    MXTLS_PERMFAIL },
		{ "warnings all set", HEAD0 "00 00000000 ffffffff 00 00000000",
		    MXTLS_OK },
		{ "65 mx", HEAD0 "00 00000000 00000000 41 00000000",
		    MXTLS_PERMFAIL },
		{ "mx missing", HEAD0 "00 00000000 00000000 01 00000000",
		    MXTLS_PERMFAIL },
		{ "mx empty", HEAD0 "00 00000000 00000000 01 00 00000000",
		    MXTLS_PERMFAIL },
		{ "mx 'a'", HEAD0 "00 00000000 00000000 01 01 61 00000000",
		    MXTLS_OK },
		{ "mx with NUL", HEAD0 "00 00000000 00000000 01 02 6100 "
		    "00000000", MXTLS_PERMFAIL },
		{ "mx length 254 (cut)", HEAD0 "00 00000000 00000000 01 fe 61",
		    MXTLS_PERMFAIL },
		{ "body missing", HEAD0 "00 00000000 00000000 00",
		    MXTLS_PERMFAIL },
		{ "body length cut", HEAD0 "00 00000000 00000000 00 000000",
		    MXTLS_PERMFAIL },
		{ "body shorter than said", HEAD0 "00 00000000 00000000 00 "
		    "00000002 78", MXTLS_PERMFAIL },
		{ "body of 1 byte", HEAD0 "00 00000000 00000000 00 00000001 78",
		    MXTLS_OK },
		{ "body with NUL", HEAD0 "00 00000000 00000000 00 00000002 0078",
		    MXTLS_OK },
		{ "body over 64 KiB declared", HEAD0 "00 00000000 00000000 00 "
		    "00010001 78", MXTLS_PERMFAIL },
		{ "body length 2^32-1", HEAD0 "00 00000000 00000000 00 ffffffff",
		    MXTLS_PERMFAIL },
		{ "trailing byte", HEAD0 "00 00000000 00000000 00 00000000 00",
		    MXTLS_PERMFAIL },
		{ "trailing bytes after body", HEAD0 "00 00000000 00000000 00 "
		    "00000001 78 7879", MXTLS_PERMFAIL },
	};
	struct mxtls_sts_entry *e = entry_new();
	unsigned char buf[512];
	struct mxtls_why why;
	enum mxtls_status st;
	size_t i, len;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		len = unhex(buf, sizeof(buf), rows[i].hex);
		mxtls_why_clear(&why);
		st = mxtls_sts_entry_decode(e, buf, len, 1, &why);
		ok(st == rows[i].want && (st == MXTLS_OK ||
		    why.text[0] != '\0'), "decode %s: %s (want %s) %s",
		    rows[i].name, mxtls_status_name(st),
		    mxtls_status_name(rows[i].want), why.text);
		mxtls_sts_entry_clear(e);
	}
	entry_free(e);
}

/* every truncation of a full record fails; garbling never crashes */
static void
test_decode_garbled(void)
{
	struct mxtls_sts_entry *e = entry_new(), *d = entry_new();
	unsigned char *buf = NULL, *g, *re;
	size_t len = 0, i, bad = 0, ok_rt = 1, relen, decoded = 0;
	unsigned v;
	enum mxtls_status st;

	fill_entry(e, "example.com", 9, 5, 300);
	if (mxtls_sts_entry_encode(e, &buf, &len, NULL) != MXTLS_OK)
		abort();
	for (i = 0; i < len; i++) {
		if ((g = malloc(i + 1)) == NULL)	/* exact size for ASan */
			abort();
		memcpy(g, buf, i);
		if (mxtls_sts_entry_decode(d, g, i, 1, NULL) != MXTLS_PERMFAIL)
			bad++;
		mxtls_sts_entry_clear(d);
		free(g);
	}
	ok(bad == 0, "all %zu truncations of a %zu-byte record are rejected",
	    len, len);

	if ((g = malloc(len)) == NULL)
		abort();
	for (i = 0; i < len; i++) {
		for (v = 0; v < 256; v += 17) {
			memcpy(g, buf, len);
			g[i] ^= (unsigned char)(v | 1);
			st = mxtls_sts_entry_decode(d, g, len, 1, NULL);
			if (st == MXTLS_OK) {
				decoded++;
				if (mxtls_sts_entry_encode(d, &re, &relen,
				    NULL) != MXTLS_OK || relen != len ||
				    memcmp(re, g, len) != 0)
					ok_rt = 0;
				free(re);
			}
			mxtls_sts_entry_clear(d);
		}
	}
	ok(ok_rt, "garbled records: the %zu that decode re-encode to the "
	    "same bytes", decoded);
	free(g);
	free(buf);
	entry_free(e);
	entry_free(d);
}

/* ------------------------------------------------------------ cache */

struct collect {
	char	names[16][MXTLS_DOMAIN_MAX + 1];
	size_t	n;
	size_t	stop_after;	/* 0: never */
	int	bodies;		/* entries that came with a body */
	struct mxtls_cache *cache;	/* to call back into */
	int	nested_ok;
};

static int
collect_fn(void *arg, const struct mxtls_sts_entry *e)
{
	struct collect *col = arg;
	struct mxtls_sts_entry *g;

	if (col->n < 16)
		(void)snprintf(col->names[col->n], sizeof(col->names[0]), "%s",
		    e->domain);
	col->n++;
	if (e->body != NULL)
		col->bodies++;
	if (col->cache != NULL) {
		g = entry_new();
		if (mxtls_cache_sts_get(col->cache, e->domain, g, 0, NULL) ==
		    MXTLS_OK && entry_eq(g, e, 0, 1))
			col->nested_ok++;
		entry_free(g);
	}
	return col->stop_after && col->n >= col->stop_after;
}

/*
 * raw_put_db - store raw bytes under key in database db, bypassing the API
 * (no handle open)
 */
static int
raw_put_db(const char *dir, const char *db, const char *key, const void *val,
    size_t len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_env_create(&env)) != 0)
		return rc;
	(void)mdb_env_set_maxdbs(env, 8);
	if ((rc = mdb_env_open(env, dir, 0, 0644)) == 0 &&
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) == 0) {
		k.mv_data = (void *)key;
		k.mv_size = strlen(key);
		v.mv_data = (void *)val;
		v.mv_size = len;
		if ((rc = mdb_dbi_open(txn, db, MDB_CREATE, &dbi)) == 0 &&
		    (rc = mdb_put(txn, dbi, &k, &v, 0)) == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return rc;
}

/* raw_put - raw_put_db into "sts" */
static int
raw_put(const char *dir, const char *key, const void *val, size_t len)
{
	return raw_put_db(dir, "sts", key, val, len);
}

/* raw_stale_reader - a child that dies inside a read transaction */
static int
raw_stale_reader(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	int status = -1;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (mdb_env_create(&env) != 0 ||
		    mdb_env_set_maxdbs(env, 8) != 0 ||
		    mdb_env_open(env, dir, MDB_RDONLY, 0644) != 0 ||
		    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0)
			_exit(1);
		_exit(0);	/* the reader slot stays taken */
	}
	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* raw_reader_check - how many stale reader slots mdb_reader_check frees */
static int
raw_reader_check(const char *dir)
{
	MDB_env *env;
	int dead = -1;

	if (mdb_env_create(&env) != 0)
		return -1;
	if (mdb_env_open(env, dir, MDB_RDONLY, 0644) != 0 ||
	    mdb_reader_check(env, &dead) != 0)
		dead = -1;
	mdb_env_close(env);
	return dead;
}

/*
 * raw_holder - a child keeping the environment open until *fd is closed,
 * so that later openers do not get the exclusive lock and reset the
 * reader table themselves. Returns once the child has it open.
 */
static pid_t
raw_holder(const char *dir, int *fd)
{
	MDB_env *env;
	int hold[2], ready[2];
	char ch = 'r';
	pid_t pid;

	if (pipe(hold) != 0 || pipe(ready) != 0)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(hold[1]);
		close(ready[0]);
		if (mdb_env_create(&env) != 0 ||
		    mdb_env_open(env, dir, MDB_RDONLY, 0644) != 0 ||
		    write(ready[1], &ch, 1) != 1)
			_exit(1);
		while (read(hold[0], &ch, 1) > 0)
			;
		mdb_env_close(env);
		_exit(0);
	}
	close(hold[0]);
	close(ready[1]);
	if (pid <= 0 || read(ready[0], &ch, 1) != 1) {
		close(ready[0]);
		close(hold[1]);
		return -1;
	}
	close(ready[0]);
	*fd = hold[1];
	return pid;
}

static void
test_stale_readers(void)
{
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;
	int dead, fd = -1, status;
	pid_t holder;

	path_in(dir, sizeof(dir), "stale");
	if ((c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_CREATE,
	    &why)) == NULL) {
		ok(0, "open: %s", why.text);
		return;
	}
	mxtls_cache_close(c);
	if ((holder = raw_holder(dir, &fd)) <= 0) {
		ok(0, "holder process");
		return;
	}
	dead = raw_stale_reader(dir) == 0 ? raw_reader_check(dir) : -1;
	ok(dead == 1, "a process that died in a read transaction leaves a "
	    "stale reader slot (%d)", dead);
	c = NULL;
	if (raw_stale_reader(dir) == 0)
		c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_RDONLY, &why);
	mxtls_cache_close(c);
	dead = raw_reader_check(dir);
	ok(c != NULL && dead == 0, "opening the cache clears stale reader "
	    "slots (%d left)", dead);
	close(fd);
	(void)waitpid(holder, &status, 0);
}

static void
test_open_errors(void)
{
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;

	path_in(dir, sizeof(dir), "missing");
	c = mxtls_cache_open(dir, 1 << 20, 0, &why);
	ok(c == NULL && why.status == MXTLS_TEMPFAIL &&
	    strstr(why.text, dir) != NULL,
	    "open without CREATE fails on a missing dir: %s", why.text);
	c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_RDONLY, &why);
	ok(c == NULL && strstr(why.text, dir) != NULL &&
	    strstr(why.text, "No such file") != NULL,
	    "read-only open of a missing cache says so: %s", why.text);
	c = mxtls_cache_open("", 1 << 20, 0, &why);
	ok(c == NULL && why.status == MXTLS_PERMFAIL, "empty dir refused");
}

static void
test_basic(void)
{
	struct mxtls_sts_entry *e = entry_new(), *g = entry_new();
	char dir[PATH_MAX], file[PATH_MAX + 16];
	struct mxtls_cache *c;
	struct mxtls_why why;
	struct stat sb;

	path_in(dir, sizeof(dir), "basic");
	c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_CREATE, &why);
	ok(c != NULL, "open with CREATE makes the dir: %s", why.text);
	if (c == NULL)
		goto out;
	ok(stat(dir, &sb) == 0 && (sb.st_mode & 07777) == 0755,
	    "cache dir has mode 0755");
	(void)snprintf(file, sizeof(file), "%s/data.mdb", dir);
	ok(stat(file, &sb) == 0 && (sb.st_mode & 07777) == 0644,
	    "data.mdb has mode 0644");

	ok(mxtls_cache_sts_get(c, "example.com", g, 1, &why) ==
	    MXTLS_NOTFOUND && g->body == NULL, "get of a missing key: notfound");

	fill_entry(e, "Example.COM.", 2, 3, 200);
	ok(mxtls_cache_sts_put(c, e, &why) == MXTLS_OK && why.text[0] == '\0',
	    "put: ok, no reason");
	ok(mxtls_cache_sts_get(c, "example.com", g, 0, &why) == MXTLS_OK &&
	    entry_eq(e, g, 0, 0) && g->body == NULL && g->body_len == 0 &&
	    strcmp(g->domain, "example.com") == 0,
	    "get without body: every field, normalized domain");
	ok(mxtls_cache_sts_get(c, "EXAMPLE.com.", g, 1, &why) == MXTLS_OK &&
	    entry_eq(e, g, 1, 0), "get with body, key case-folded");
	mxtls_sts_entry_clear(g);

	/* have_policy and no body: the stored body stays */
	fill_entry(e, "example.com", 4, 2, 0);
	ok(mxtls_cache_sts_put(c, e, &why) == MXTLS_OK, "put without body");
	ok(mxtls_cache_sts_get(c, "example.com", g, 1, &why) == MXTLS_OK &&
	    entry_eq(e, g, 0, 0) && g->body_len == 200 && g->body[0] == 'c',
	    "the stored body (200 bytes) is kept, the rest replaced");
	mxtls_sts_entry_clear(g);
	e->have_policy = 0;
	ok(mxtls_cache_sts_put(c, e, &why) == MXTLS_OK &&
	    mxtls_cache_sts_get(c, "example.com", g, 1, &why) == MXTLS_OK &&
	    g->have_policy == 0 && g->body == NULL,
	    "put without policy drops the body");
	mxtls_sts_entry_clear(g);

	ok(mxtls_cache_sts_del(c, "example.com", &why) == MXTLS_OK &&
	    mxtls_cache_sts_get(c, "example.com", g, 0, &why) ==
	    MXTLS_NOTFOUND, "del removes");
	ok(mxtls_cache_sts_del(c, "example.com", &why) == MXTLS_NOTFOUND,
	    "del of a missing key: notfound (%s)", why.text);
	ok(mxtls_cache_sts_get(c, "", g, 0, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_sts_get(c, NULL, g, 0, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_sts_get(c, ".", g, 0, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_sts_get(c, "a b", g, 0, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_sts_get(c, "a\nb", g, 0, &why) == MXTLS_PERMFAIL,
	    "empty, NULL, blank and control-character domains are refused");
	fill_entry(e, "example.com", 1, 1, 1);
	e->policy.nmx = 99;
	ok(mxtls_cache_sts_put(c, e, &why) == MXTLS_PERMFAIL,
	    "put of an invalid entry: %s", why.text);
	mxtls_cache_close(c);
out:
	entry_free(e);
	entry_free(g);
}

/* list in key order, without bodies; early stop; nested calls; purge */
static void
test_list_purge(void)
{
	struct mxtls_sts_entry *e = entry_new();
	struct collect col;
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;
	size_t n, i;

	path_in(dir, sizeof(dir), "list");
	if ((c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_CREATE, &why)) ==
	    NULL) {
		ok(0, "open: %s", why.text);
		entry_free(e);
		return;
	}
	for (i = 0; i < 5; i++) {
		char name[32];

		(void)snprintf(name, sizeof(name), "d%zu.example", 4 - i);
		fill_entry(e, name, (unsigned)i, i, 50);
		(void)mxtls_cache_sts_put(c, e, &why);
	}
	memset(&col, 0, sizeof(col));
	col.cache = c;
	ok(mxtls_cache_sts_list(c, collect_fn, &col, &why) == MXTLS_OK &&
	    col.n == 5 && strcmp(col.names[0], "d0.example") == 0 &&
	    strcmp(col.names[4], "d4.example") == 0 && col.bodies == 0,
	    "list: 5 entries in key order, no bodies");
	ok(col.nested_ok == 5, "list callback can call back into the cache");
	memset(&col, 0, sizeof(col));
	col.stop_after = 2;
	ok(mxtls_cache_sts_list(c, collect_fn, &col, &why) == MXTLS_OK &&
	    col.n == 2, "list stops when the callback says so");

	ok(mxtls_cache_sts_purge(c, "D1.example", &n, &why) == MXTLS_OK &&
	    n == 1, "purge one: 1 removed");
	ok(mxtls_cache_sts_purge(c, "d1.example", &n, &why) == MXTLS_OK &&
	    n == 0, "purge a missing one: 0 removed");
	ok(mxtls_cache_sts_purge(c, NULL, &n, &why) == MXTLS_OK && n == 4,
	    "purge all: 4 removed");
	memset(&col, 0, sizeof(col));
	ok(mxtls_cache_sts_list(c, collect_fn, &col, &why) == MXTLS_OK &&
	    col.n == 0, "list after purge: empty");
	mxtls_cache_close(c);
	entry_free(e);
}

static void
test_evict(void)
{
	struct mxtls_sts_entry *e = entry_new(), *g = entry_new();
	static const struct {
		const char *name;
		int	have_policy;
		int64_t	expires_at;
		int64_t	failed_at;
		int	evicted;
	} rows[] = {
		{ "fresh.example", 1, T0 + 10, 0, 0 },
		{ "expired.example", 1, T0 - 10, 0, 1 },
		{ "expires-now.example", 1, T0, 0, 1 },
		{ "expired-backoff.example", 1, T0 - 10, T0 - 100, 0 },
		{ "expired-oldfail.example", 1, T0 - 10, T0 - 400, 1 },
		{ "nopolicy-backoff.example", 0, 0, T0 - 299, 0 },
		{ "nopolicy-backoff-over.example", 0, 0, T0 - 300, 1 },
		{ "nopolicy-nofail.example", 0, 0, 0, 1 },
	};
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;
	enum mxtls_status st;
	size_t i, n, want = 0, right = 0;

	path_in(dir, sizeof(dir), "evict");
	if ((c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_CREATE, &why)) ==
	    NULL) {
		ok(0, "open: %s", why.text);
		goto out;
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fill_entry(e, rows[i].name, (unsigned)i, 1, 10);
		e->have_policy = rows[i].have_policy;
		e->expires_at = rows[i].expires_at;
		e->failed_at = rows[i].failed_at;
		(void)mxtls_cache_sts_put(c, e, &why);
		want += rows[i].evicted;
	}
	st = mxtls_cache_sts_evict(c, T0, &n, &why);
	ok(st == MXTLS_OK && n == want, "evict at now removes %zu of %zu", n,
	    i);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		right += (mxtls_cache_sts_get(c, rows[i].name, g, 0, &why) ==
		    MXTLS_NOTFOUND) == rows[i].evicted;
	ok(right == i, "evict removed exactly the expired entries and kept "
	    "those in back-off (%zu/%zu right)", right, i);
	mxtls_cache_close(c);
out:
	entry_free(e);
	entry_free(g);
}

static void
test_rdonly_and_corrupt(void)
{
	struct mxtls_sts_entry *e = entry_new(), *g = entry_new();
	static const unsigned char v2[] = { 2, 0, 0 };
	static const unsigned char junk[] = { 1, 7, 7, 7 };
	struct collect col;
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;
	size_t n;

	path_in(dir, sizeof(dir), "ro");
	if ((c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_CREATE, &why)) ==
	    NULL) {
		ok(0, "open: %s", why.text);
		goto out;
	}
	fill_entry(e, "example.net", 1, 2, 20);
	(void)mxtls_cache_sts_put(c, e, &why);
	mxtls_cache_close(c);	/* one environment per process at a time */

	ok(raw_put(dir, "newer.example", v2, sizeof(v2)) == 0 &&
	    raw_put(dir, "junk.example", junk, sizeof(junk)) == 0,
	    "stored a version-2 and a corrupt record behind the API");

	c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_RDONLY, &why);
	ok(c != NULL, "read-only open: %s", why.text);
	if (c == NULL)
		goto out;
	ok(mxtls_cache_sts_get(c, "example.net", g, 1, &why) == MXTLS_OK &&
	    entry_eq(e, g, 1, 0), "read-only handle reads");
	mxtls_sts_entry_clear(g);
	ok(mxtls_cache_sts_put(c, e, &why) == MXTLS_PERMFAIL &&
	    strstr(why.text, "read-only") && strstr(why.text, dir),
	    "read-only handle refuses put: %s", why.text);
	ok(mxtls_cache_sts_del(c, "example.net", &why) == MXTLS_PERMFAIL &&
	    strstr(why.text, "read-only"), "read-only handle refuses del");
	ok(mxtls_cache_sts_purge(c, NULL, &n, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_sts_evict(c, T0, &n, &why) == MXTLS_PERMFAIL,
	    "read-only handle refuses purge and evict");
	ok(mxtls_cache_sts_get(c, "newer.example", g, 0, &why) ==
	    MXTLS_NOTFOUND && strstr(why.text, "version 2"),
	    "unknown schema version reads as a miss: %s", why.text);
	ok(mxtls_cache_sts_get(c, "junk.example", g, 1, &why) ==
	    MXTLS_TEMPFAIL && strstr(why.text, "corrupt") &&
	    strstr(why.text, dir) && g->body == NULL,
	    "corrupt record: tempfail with path: %s", why.text);
	memset(&col, 0, sizeof(col));
	ok(mxtls_cache_sts_list(c, collect_fn, &col, &why) == MXTLS_OK &&
	    col.n == 1 && strstr(why.text, "skipped 2"),
	    "list skips unreadable records and says so: %s", why.text);
	mxtls_cache_close(c);

	/* a writer's evict removes the corrupt record, not the newer one */
	c = mxtls_cache_open(dir, 1 << 20, 0, &why);
	ok(c != NULL && mxtls_cache_sts_evict(c, T0, &n, &why) == MXTLS_OK &&
	    n == 1 && mxtls_cache_sts_get(c, "junk.example", g, 0, &why) ==
	    MXTLS_NOTFOUND && mxtls_cache_sts_get(c, "newer.example", g, 0,
	    &why) == MXTLS_NOTFOUND && strstr(why.text, "version"),
	    "evict drops corrupt records and keeps other versions");
	mxtls_cache_close(c);
out:
	entry_free(e);
	entry_free(g);
}

/* ------------------------------------------------------------ fork */

static void
test_fork(void)
{
	struct mxtls_sts_entry *e = entry_new(), *g = entry_new();
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;
	int status = -1, fails;
	pid_t pid;

	path_in(dir, sizeof(dir), "fork");
	if ((c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_CREATE, &why)) ==
	    NULL) {
		ok(0, "open: %s", why.text);
		goto out;
	}
	fill_entry(e, "parent.example", 11, 4, 64);
	(void)mxtls_cache_sts_put(c, e, &why);
	/* the parent has used its environment: a read is done */
	(void)mxtls_cache_sts_get(c, "parent.example", g, 0, &why);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		fails = 0;
		if (mxtls_cache_sts_get(c, "parent.example", g, 1, &why) !=
		    MXTLS_OK || !entry_eq(e, g, 1, 0))
			fails |= 1;
		mxtls_sts_entry_clear(g);
		fill_entry(e, "child.example", 12, 1, 10);
		if (mxtls_cache_sts_put(c, e, &why) != MXTLS_OK)
			fails |= 2;
		if (mxtls_cache_sts_get(c, "child.example", g, 0, &why) !=
		    MXTLS_OK || !entry_eq(e, g, 0, 0))
			fails |= 4;
		mxtls_cache_close(c);
		entry_free(e);
		entry_free(g);
		_exit(fails);
	}
	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	ok(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child reads and writes through the parent's handle (status %d)",
	    status);
	fill_entry(e, "child.example", 12, 1, 10);
	ok(mxtls_cache_sts_get(c, "child.example", g, 0, &why) == MXTLS_OK &&
	    entry_eq(e, g, 0, 0), "parent sees the child's write");
	fill_entry(e, "parent2.example", 13, 2, 10);
	ok(mxtls_cache_sts_put(c, e, &why) == MXTLS_OK &&
	    mxtls_cache_sts_get(c, "parent2.example", g, 0, &why) == MXTLS_OK,
	    "parent's handle still works after the child closed its copy");
	mxtls_cache_close(c);
out:
	entry_free(e);
	entry_free(g);
}

/* another process grows the map beyond this handle's: MDB_MAP_RESIZED */
static void
test_resized(void)
{
	struct mxtls_sts_entry *e = entry_new(), *g = entry_new();
	char dir[PATH_MAX], name[32];
	struct mxtls_cache *c, *big;
	struct mxtls_why why;
	int status = -1, i, fails;
	pid_t pid;

	path_in(dir, sizeof(dir), "resized");
	if ((c = mxtls_cache_open(dir, 256 * 1024, MXTLS_CACHE_CREATE,
	    &why)) == NULL) {
		ok(0, "open: %s", why.text);
		goto out;
	}
	fill_entry(e, "small.example", 1, 1, 10);
	(void)mxtls_cache_sts_put(c, e, &why);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		fails = 0;
		if ((big = mxtls_cache_open(dir, 8 << 20, 0, &why)) == NULL)
			_exit(1);
		for (i = 0; i < 40; i++) {
			(void)snprintf(name, sizeof(name), "b%d.example", i);
			fill_entry(e, name, (unsigned)i, 2, 60 * 1024);
			if (mxtls_cache_sts_put(big, e, &why) != MXTLS_OK ||
			    why.text[0] != '\0')
				fails = 2;
		}
		mxtls_cache_close(big);
		mxtls_cache_close(c);	/* the parent's: left alone */
		entry_free(e);
		entry_free(g);
		_exit(fails);
	}
	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	ok(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "another process stored 2.4 MB with an 8 MiB map");
	fill_entry(e, "b39.example", 39, 2, 60 * 1024);
	ok(mxtls_cache_sts_get(c, "b39.example", g, 1, &why) == MXTLS_OK &&
	    entry_eq(e, g, 1, 0), "the 256 KiB handle adopts the grown map "
	    "and reads: %s", why.text);
	mxtls_sts_entry_clear(g);
	fill_entry(e, "late.example", 5, 1, 60 * 1024);
	ok(mxtls_cache_sts_put(c, e, &why) == MXTLS_OK && why.text[0] == '\0',
	    "and writes without evicting: %s", why.text);
	mxtls_cache_close(c);
out:
	entry_free(e);
	entry_free(g);
}

/* ------------------------------------------------------------ map full */

static enum mxtls_status
put_big(struct mxtls_cache *c, struct mxtls_sts_entry *e, const char *name,
    unsigned seed, int64_t refreshed, int64_t expires,
    struct mxtls_why *why)
{
	fill_entry(e, name, seed, 2, 60 * 1024);
	e->fetched_at = refreshed;
	e->txt_checked_at = refreshed - 1;
	e->expires_at = expires;
	e->failed_at = 0;
	return mxtls_cache_sts_put(c, e, why);
}

static int
present(struct mxtls_cache *c, const char *name)
{
	struct mxtls_sts_entry *g = entry_new();
	int r = mxtls_cache_sts_get(c, name, g, 0, NULL) == MXTLS_OK;

	entry_free(g);
	return r;
}

/* the puts of test_map_full, in order */
struct full_log {
	char	name[32];
	int64_t	refreshed;
	int	expired;
};

/* lru_ok - every fresh entry evicted is older than every fresh one kept */
static int
lru_ok(struct mxtls_cache *c, const struct full_log *log, int n,
    int *evicted)
{
	int64_t newest_gone = INT64_MIN, oldest_kept = INT64_MAX;
	int i;

	*evicted = 0;
	for (i = 0; i < n; i++) {
		if (log[i].expired)
			continue;
		if (present(c, log[i].name)) {
			if (log[i].refreshed < oldest_kept)
				oldest_kept = log[i].refreshed;
		} else {
			(*evicted)++;
			if (log[i].refreshed > newest_gone)
				newest_gone = log[i].refreshed;
		}
	}
	return newest_gone < oldest_kept;
}

static void
test_map_full(void)
{
	struct mxtls_sts_entry *e = entry_new(), *g = entry_new();
	struct full_log log[40];
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;
	enum mxtls_status st = MXTLS_OK;
	int i, n, first, right, evicted;

	mxtls_clock_set(T0);
	path_in(dir, sizeof(dir), "full");
	if ((c = mxtls_cache_open(dir, 256 * 1024, MXTLS_CACHE_CREATE,
	    &why)) == NULL) {
		ok(0, "open: %s", why.text);
		goto out;
	}
	/* two expired entries, then fresh ones until the map is full */
	why.text[0] = '\0';
	for (n = 0; n < 16 && st == MXTLS_OK && why.text[0] == '\0'; n++) {
		(void)snprintf(log[n].name, sizeof(log[n].name),
		    "e%d.example", n);
		log[n].refreshed = T0 - 1000 + n;
		log[n].expired = n < 2;
		st = put_big(c, e, log[n].name, (unsigned)n, log[n].refreshed,
		    log[n].expired ? T0 - 5 : T0 + 86400, &why);
	}
	diag("map full at put %d: %s", n, why.text);
	ok(n >= 3 && n < 16 && st == MXTLS_OK && strstr(why.text, "full") &&
	    strstr(why.text, "evicted") && strstr(why.text, dir),
	    "put into a full map succeeds after eviction and says so");
	ok(strstr(why.text, " 0 least recently") != NULL &&
	    strstr(why.text, " 0 expired") == NULL,
	    "evicting the expired entries was enough");
	for (i = right = 0; i < n - 1; i++)
		right += present(c, log[i].name) == !log[i].expired;
	ok(right == n - 1, "the expired entries went, the fresh ones stayed "
	    "(%d/%d right)", right, n - 1);
	ok(mxtls_cache_sts_get(c, log[n - 1].name, g, 1, &why) == MXTLS_OK &&
	    g->body_len == 60 * 1024, "the new entry is there with its body");
	mxtls_sts_entry_clear(g);

	/* now only fresh entries: the least recently refreshed go first */
	(void)mxtls_cache_sts_evict(c, T0, NULL, &why);
	why.text[0] = '\0';
	first = n;
	for (; n < 40 && st == MXTLS_OK && why.text[0] == '\0'; n++) {
		(void)snprintf(log[n].name, sizeof(log[n].name),
		    "f%d.example", n);
		log[n].refreshed = T0 + n;
		log[n].expired = 0;
		st = put_big(c, e, log[n].name, (unsigned)n, log[n].refreshed,
		    T0 + 86400, &why);
	}
	diag("second eviction at put %d: %s", n, why.text);
	ok(n > first && n < 40 && st == MXTLS_OK &&
	    strstr(why.text, "least recently") &&
	    strstr(why.text, "evicted 0 expired"),
	    "with nothing expired, least recently refreshed entries go");
	right = lru_ok(c, log, n, &evicted);
	ok(right && evicted > 0 && present(c, log[n - 1].name),
	    "the %d evicted were the least recently refreshed; the new one "
	    "is in", evicted);
	mxtls_cache_close(c);
out:
	mxtls_clock_set(0);
	entry_free(e);
	entry_free(g);
}

/* a record that cannot fit at all */
static void
test_map_too_small(void)
{
	struct mxtls_sts_entry *e = entry_new();
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;

	path_in(dir, sizeof(dir), "tiny");
	if ((c = mxtls_cache_open(dir, 64 * 1024, MXTLS_CACHE_CREATE,
	    &why)) == NULL) {
		ok(0, "open tiny: %s", why.text);
		entry_free(e);
		return;
	}
	fill_entry(e, "small.example", 1, 1, 100);
	(void)mxtls_cache_sts_put(c, e, &why);
	fill_entry(e, "huge.example", 2, 64, MXTLS_STS_BODY_MAX);
	ok(mxtls_cache_sts_put(c, e, &why) == MXTLS_TEMPFAIL &&
	    strstr(why.text, "cache_map_size") && strstr(why.text, dir),
	    "a record larger than the map: tempfail: %s", why.text);
	fill_entry(e, "after.example", 3, 1, 100);
	ok(mxtls_cache_sts_put(c, e, &why) == MXTLS_OK &&
	    present(c, "after.example"), "the cache still works afterwards");
	mxtls_cache_close(c);
	entry_free(e);
}

/* ------------------------------------------------------------ processes */

#define MP_DOMAINS	8
#define MP_SECONDS	1.0

struct mp_result {
	unsigned long ops;	/* puts or reads */
	unsigned long failed;	/* calls that did not return OK */
	unsigned long torn;	/* reads not internally consistent */
	unsigned long stale;	/* a counter going backwards: reported */
};

/* mp_fill - every field of domain d derives from counter n */
static void
mp_fill(struct mxtls_sts_entry *e, unsigned d, unsigned long n)
{
	size_t i, blen;

	mxtls_sts_entry_clear(e);
	(void)snprintf(e->domain, sizeof(e->domain), "mp%u.example", d);
	e->have_policy = 1;
	(void)snprintf(e->id, sizeof(e->id), "n%lud%u", n, d);
	e->fetched_at = T0 + (int64_t)n;
	e->expires_at = T0 + (int64_t)n + 86400;
	e->txt_checked_at = T0 + (int64_t)n * 2;
	e->failed_at = (int64_t)n * 3;
	(void)snprintf(e->failed_id, sizeof(e->failed_id), "f%lu", n);
	e->fail_type = (enum mxtls_result_type)(n % 12);
	(void)snprintf(e->fail_detail, sizeof(e->fail_detail), "fail %lu", n);
	e->policy.mode = (enum mxtls_sts_mode)(n % 3);
	e->policy.max_age = (uint32_t)(n % 1000000);
	e->policy.warnings = (unsigned)n;
	e->policy.nmx = 1 + n % 8;
	for (i = 0; i < e->policy.nmx; i++)
		(void)snprintf(e->policy.mx[i], sizeof(e->policy.mx[i]),
		    "mx%zu.n%lu.example", i, n);
	blen = 64 + (n * 37) % 6000;	/* sizes vary: pages move */
	set_body(e, blen, 'A' + (int)(n % 26));
	(void)snprintf(e->body, blen, "version: STSv1 n=%lu\n", n);
}

static unsigned long
mp_counter(const char *id)
{
	char *end;

	if (id[0] != 'n')
		return ULONG_MAX;
	return strtoul(id + 1, &end, 10);
}

static void
mp_writer(struct mxtls_cache *c, int fd)
{
	struct mxtls_sts_entry *e = entry_new();
	struct mp_result r;
	double stop = mono() + MP_SECONDS;
	unsigned long n;
	unsigned d;

	memset(&r, 0, sizeof(r));
	for (n = 1; mono() < stop; n++)
		for (d = 0; d < MP_DOMAINS; d++) {
			mp_fill(e, d, n);
			r.ops++;
			if (mxtls_cache_sts_put(c, e, NULL) != MXTLS_OK)
				r.failed++;
		}
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(3);
	entry_free(e);
}

static void
mp_reader(struct mxtls_cache *c, int fd)
{
	struct mxtls_sts_entry *g = entry_new(), *want = entry_new();
	unsigned long last[MP_DOMAINS] = { 0 }, n;
	double stop = mono() + MP_SECONDS;
	struct mp_result r;
	unsigned d = 0;
	int body;

	memset(&r, 0, sizeof(r));
	while (mono() < stop) {
		body = (r.ops % 4) == 0;
		r.ops++;
		if (mxtls_cache_sts_get(c, d == 0 ? "MP0.example" :
		    (d == 1 ? "mp1.example." : want->domain), g, body, NULL) !=
		    MXTLS_OK) {
			r.failed++;
			goto next;
		}
		n = mp_counter(g->id);
		mp_fill(want, d, n);
		if (!entry_eq(g, want, body, 0))
			r.torn++;
		if (n < last[d])
			r.stale++;
		last[d] = n;
next:
		mxtls_sts_entry_clear(g);
		d = (d + 1) % MP_DOMAINS;
		(void)snprintf(want->domain, sizeof(want->domain),
		    "mp%u.example", d);
	}
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(3);
	entry_free(g);
	entry_free(want);
}

static void
test_processes(void)
{
	struct mxtls_sts_entry *e = entry_new();
	struct mp_result res[3];
	char dir[PATH_MAX];
	struct mxtls_cache *c, *own;
	struct mxtls_why why;
	pid_t pids[3];
	int fds[3][2], i, status, exits_ok = 1;
	unsigned d;

	path_in(dir, sizeof(dir), "mp");
	if ((c = mxtls_cache_open(dir, 16 << 20, MXTLS_CACHE_CREATE,
	    &why)) == NULL) {
		ok(0, "open: %s", why.text);
		entry_free(e);
		return;
	}
	for (d = 0; d < MP_DOMAINS; d++) {
		mp_fill(e, d, 0);
		(void)mxtls_cache_sts_put(c, e, &why);
	}
	entry_free(e);
	fflush(stdout);
	for (i = 0; i < 3; i++) {
		if (pipe(fds[i]) != 0)
			abort();
		if ((pids[i] = fork()) == 0) {
			close(fds[i][0]);
			if (i == 0)		/* through the inherited handle */
				mp_writer(c, fds[i][1]);
			else if (i == 1)	/* same, as a reader */
				mp_reader(c, fds[i][1]);
			else {			/* a read-only handle of its own */
				mxtls_cache_close(c);
				c = mxtls_cache_open(dir, 0,
				    MXTLS_CACHE_RDONLY, &why);
				if (c == NULL)
					_exit(4);
				mp_reader(c, fds[i][1]);
			}
			mxtls_cache_close(c);
			_exit(0);
		}
		close(fds[i][1]);
	}
	memset(res, 0, sizeof(res));
	for (i = 0; i < 3; i++) {
		if (read(fds[i][0], &res[i], sizeof(res[i])) !=
		    (ssize_t)sizeof(res[i]))
			exits_ok = 0;
		close(fds[i][0]);
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			exits_ok = 0;
	}
	ok(exits_ok, "writer and two readers ran and reported");
	ok(res[0].ops > 0 && res[0].failed == 0,
	    "writer: %lu puts, %lu failed", res[0].ops, res[0].failed);
	/*
	 * A counter going backwards is reported, not failed: LMDB 0.9 picks
	 * the meta page by the txnid it read, so a reader preempted between
	 * the two can copy a meta written two commits later, and its next
	 * transaction then sees the (older) snapshot it should have seen.
	 * Each read is still a consistent record, which is what we promise.
	 */
	for (i = 1; i < 3; i++) {
		ok(res[i].ops > 0 && res[i].failed == 0 && res[i].torn == 0,
		    "reader %d: %lu reads, %lu failed, %lu torn", i,
		    res[i].ops, res[i].failed, res[i].torn);
		diag("reader %d: %lu reads saw an older counter than the one "
		    "before", i, res[i].stale);
	}

	/* the parent's handle was never disturbed */
	own = c;
	e = entry_new();
	ok(mxtls_cache_sts_get(own, "mp3.example", e, 1, &why) == MXTLS_OK &&
	    mp_counter(e->id) > 0, "parent reads the writer's last update");
	entry_free(e);
	mxtls_cache_close(own);
}

/* ------------------------------------------------------------ timing */

static void
test_timing(void)
{
	struct mxtls_sts_entry *e = entry_new(), *g = entry_new();
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;
	double t0, t1;
	long i, n = 100000, okn = 0;

	path_in(dir, sizeof(dir), "timing");
	if ((c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_CREATE,
	    &why)) == NULL) {
		ok(0, "open: %s", why.text);
		goto out;
	}
	fill_entry(e, "example.com", 2, 4, 300);
	(void)mxtls_cache_sts_put(c, e, &why);
	t0 = mono();
	for (i = 0; i < n; i++)
		okn += mxtls_cache_sts_get(c, "example.com", g, 0, &why) ==
		    MXTLS_OK;
	t1 = mono();
	ok(okn == n, "%ld warm gets", n);
	diag("cached get without body: %.0f ns/op", (t1 - t0) / n * 1e9);
	mxtls_cache_close(c);
out:
	entry_free(e);
	entry_free(g);
}

/* ------------------------------------------------------------ dane */

/* dane_fill - a typical DANE entry with ntlsa records of data_len bytes */
static void
dane_fill(struct mxtls_dane_entry *e, const char *host, unsigned seed,
    size_t ntlsa, size_t data_len)
{
	size_t i, j;

	memset(e, 0, sizeof(*e));
	(void)snprintf(e->host, sizeof(e->host), "%s", host);
	e->fetched_at = T0 - 100 + seed;
	e->expires_at = T0 + 3600 + seed;
	e->requirement = ntlsa > 0 ? MXTLS_DANE_REQ_DANE :
	    MXTLS_DANE_REQ_OPPORTUNISTIC;
	(void)snprintf(e->base, sizeof(e->base), "base%u.example", seed);
	e->tlsa_dnssec = MXTLS_DNSSEC_SECURE;
	e->ntlsa = ntlsa;
	for (i = 0; i < ntlsa; i++) {
		e->tlsa[i].usage = (uint8_t)(2 + (i + seed) % 2);
		e->tlsa[i].selector = (uint8_t)(i % 2);
		e->tlsa[i].mtype = (uint8_t)(i % 3);
		e->tlsa[i].usable = (int)(i % 2 == 0);
		if (!e->tlsa[i].usable)
			(void)snprintf(e->tlsa[i].unusable_why,
			    sizeof(e->tlsa[i].unusable_why),
			    "record %zu: weaker digest", i);
		e->tlsa[i].len = data_len;
		for (j = 0; j < data_len; j++)
			e->tlsa[i].data[j] = (unsigned char)(j * 7 + i + seed);
	}
}

/* dane_eq - field by field (data up to len); host when with_host */
static int
dane_eq(const struct mxtls_dane_entry *a, const struct mxtls_dane_entry *b,
    int with_host)
{
	const struct mxtls_tlsa *s, *t;
	size_t i;

	if ((with_host && strcmp(a->host, b->host) != 0) ||
	    a->fetched_at != b->fetched_at || a->expires_at != b->expires_at ||
	    a->requirement != b->requirement ||
	    strcmp(a->base, b->base) != 0 ||
	    a->tlsa_dnssec != b->tlsa_dnssec || a->ntlsa != b->ntlsa)
		return 0;
	for (i = 0; i < a->ntlsa; i++) {
		s = &a->tlsa[i];
		t = &b->tlsa[i];
		if (s->usage != t->usage || s->selector != t->selector ||
		    s->mtype != t->mtype || s->usable != t->usable ||
		    strcmp(s->unusable_why, t->unusable_why) != 0 ||
		    s->len != t->len || memcmp(s->data, t->data, s->len) != 0)
			return 0;
	}
	return 1;
}

static struct mxtls_dane_entry *
dane_new(void)
{
	struct mxtls_dane_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		abort();
	return e;
}

/* dane_round_trip - encode, decode into a dirty struct, re-encode */
static void
dane_round_trip(const char *name, const struct mxtls_dane_entry *e)
{
	struct mxtls_dane_entry *d = dane_new();
	unsigned char *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	struct mxtls_why why;
	enum mxtls_status st;

	mxtls_why_clear(&why);
	st = mxtls_dane_entry_encode(e, &buf, &len, &why);
	ok(st == MXTLS_OK, "dane %s: encodes (%zu bytes) %s", name, len,
	    why.text);
	memset(d, 0x5a, sizeof(*d));	/* decode needs no clean struct */
	st = mxtls_dane_entry_decode(d, buf, len, &why);
	ok(st == MXTLS_OK && dane_eq(e, d, 0) && d->host[0] == '\0',
	    "dane %s: decodes to the same entry", name);
	st = mxtls_dane_entry_encode(d, &buf2, &len2, &why);
	ok(st == MXTLS_OK && len2 == len && memcmp(buf, buf2, len) == 0,
	    "dane %s: re-encodes to the same bytes", name);
	free(buf);
	free(buf2);
	free(d);
}

static void
test_dane_round_trips(void)
{
	struct mxtls_dane_entry *e = dane_new();
	size_t i;

	dane_fill(e, "mx.example.com", 1, 0, 0);
	dane_round_trip("0 TLSA records", e);

	dane_fill(e, "mx.example.com", 2, 1, 32);
	e->tlsa_dnssec = MXTLS_DNSSEC_BOGUS;
	dane_round_trip("1 TLSA record, bogus", e);

	/* every bound at its maximum */
	dane_fill(e, "mx.example.com", 3, MXTLS_TLSA_RRS_MAX,
	    MXTLS_TLSA_DATA_MAX);
	e->requirement = MXTLS_DANE_REQ_ENCRYPT;
	memset(e->base, 'b', MXTLS_DOMAIN_MAX);
	e->base[MXTLS_DOMAIN_MAX] = '\0';
	for (i = 0; i < MXTLS_TLSA_RRS_MAX; i++) {
		e->tlsa[i].usage = 255;
		e->tlsa[i].selector = 255;
		e->tlsa[i].mtype = 255;
		e->tlsa[i].usable = 0;
		memset(e->tlsa[i].unusable_why, 'w',
		    sizeof(e->tlsa[i].unusable_why) - 1);
		e->tlsa[i].unusable_why[sizeof(e->tlsa[i].unusable_why) - 1] =
		    '\0';
	}
	e->fetched_at = INT64_MIN;
	e->expires_at = INT64_MAX;
	dane_round_trip("8 TLSA records of 2048 bytes, maximal strings", e);
	free(e);
}

/* The layout of dane version 1, pinned. */
static void
test_dane_golden(void)
{
	struct mxtls_dane_entry *e = dane_new();
	unsigned char want[128], *buf = NULL;
	size_t wlen, len = 0;
	struct mxtls_why why;

	e->fetched_at = 0x0102030405060708LL;
	e->expires_at = -2;
	e->requirement = MXTLS_DANE_REQ_DANE;
	memcpy(e->base, "mx", 3);
	e->tlsa_dnssec = MXTLS_DNSSEC_SECURE;
	e->ntlsa = 2;
	e->tlsa[0].usage = 3;
	e->tlsa[0].selector = 1;
	e->tlsa[0].mtype = 1;
	e->tlsa[0].usable = 1;
	e->tlsa[0].len = 2;
	memcpy(e->tlsa[0].data, "\xab\x00", 2);
	e->tlsa[1].usage = 0;
	e->tlsa[1].usable = 0;
	memcpy(e->tlsa[1].unusable_why, "no", 3);
	e->tlsa[1].len = 0;
	wlen = unhex(want, sizeof(want),
	    "01 0102030405060708 fffffffffffffffe 01 02 6d78 01 02"
	    "03 01 01 01 00 0002 ab00"
	    "00 00 00 00 02 6e6f 0000");
	if (mxtls_dane_entry_encode(e, &buf, &len, &why) != MXTLS_OK)
		len = 0;
	ok(len == wlen && memcmp(buf, want, wlen) == 0,
	    "dane golden: version 1 layout is unchanged (%zu bytes)", len);
	free(buf);
	free(e);
}

static void
test_dane_encode_rejects(void)
{
	static const struct {
		const char *name;
		int	what;
	} rows[] = {
		{ "requirement UNUSABLE", 0 },
		{ "an unknown requirement", 1 },
		{ "an unknown tlsa_dnssec", 2 },
		{ "9 TLSA records", 3 },
		{ "2049 bytes of data", 4 },
		{ "a base without NUL", 5 },
		{ "an unusable_why without NUL", 6 },
	};
	struct mxtls_dane_entry *e = dane_new();
	unsigned char *buf;
	struct mxtls_why why;
	size_t i, len;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		dane_fill(e, "mx.example", 1, 2, 32);
		switch (rows[i].what) {
		case 0:
			e->requirement = MXTLS_DANE_REQ_UNUSABLE;
			break;
		case 1:
			e->requirement = (enum mxtls_dane_req)9;
			break;
		case 2:
			e->tlsa_dnssec = (enum mxtls_dnssec)3;
			break;
		case 3:
			e->ntlsa = MXTLS_TLSA_RRS_MAX + 1;
			break;
		case 4:
			e->tlsa[1].len = MXTLS_TLSA_DATA_MAX + 1;
			break;
		case 5:
			memset(e->base, 'a', sizeof(e->base));
			break;
		case 6:
			memset(e->tlsa[1].unusable_why, 'a',
			    sizeof(e->tlsa[1].unusable_why));
			break;
		}
		buf = (unsigned char *)"x";
		len = 99;
		mxtls_why_clear(&why);
		ok(mxtls_dane_entry_encode(e, &buf, &len, &why) ==
		    MXTLS_PERMFAIL && buf == NULL && len == 0 &&
		    why.text[0] != '\0', "dane encode rejects %s: %s",
		    rows[i].name, why.text);
	}
	free(e);
}

#define DTIMES	Z8 Z8
#define DHEAD	"01 " DTIMES "01 00 01 "	/* to ntlsa: dane, secure */
#define TLSA0	"03 01 01 01 00 "	/* to the data length */

static void
test_dane_decode_table(void)
{
	static const struct {
		const char *name;
		const char *hex;
		enum mxtls_status want;
	} rows[] = {
		{ "empty record", "", MXTLS_PERMFAIL },
		{ "version only", "01", MXTLS_PERMFAIL },
		{ "version 0", "00", MXTLS_NOTFOUND },
		{ "version 2", "02 00 00", MXTLS_NOTFOUND },
		{ "version 255", "ff", MXTLS_NOTFOUND },
		{ "minimal", DHEAD "00", MXTLS_OK },
		{ "timestamps cut", "01 " Z8 "00", MXTLS_PERMFAIL },
		{ "requirement opportunistic", "01 " DTIMES "00 00 00 00",
		    MXTLS_OK },
		{ "requirement encrypt", "01 " DTIMES "02 00 01 00", MXTLS_OK },
		{ "requirement unusable", "01 " DTIMES "03 00 01 00",
		    MXTLS_PERMFAIL },
		{ "requirement 4", "01 " DTIMES "04 00 01 00", MXTLS_PERMFAIL },
		{ "base 'a'", "01 " DTIMES "01 01 61 01 00", MXTLS_OK },
		{ "base with NUL", "01 " DTIMES "01 01 00 01 00",
		    MXTLS_PERMFAIL },
		{ "base length 254", "01 " DTIMES "01 fe 61", MXTLS_PERMFAIL },
		{ "base beyond the record", "01 " DTIMES "01 05 6161",
		    MXTLS_PERMFAIL },
		{ "tlsa_dnssec bogus", "01 " DTIMES "01 00 02 00", MXTLS_OK },
		{ "tlsa_dnssec 3", "01 " DTIMES "01 00 03 00", MXTLS_PERMFAIL },
		{ "ntlsa missing", "01 " DTIMES "01 00 01", MXTLS_PERMFAIL },
		{ "ntlsa 9", DHEAD "09", MXTLS_PERMFAIL },
		{ "TLSA record missing", DHEAD "01", MXTLS_PERMFAIL },
		{ "TLSA empty data", DHEAD "01 " TLSA0 "0000", MXTLS_OK },
		{ "TLSA data with NUL", DHEAD "01 " TLSA0 "0002 0000",
		    MXTLS_OK },
		{ "TLSA usable 2", DHEAD "01 03 01 01 02 00 0000",
		    MXTLS_PERMFAIL },
		{ "TLSA unknown parameters", DHEAD "01 ff ff ff 00 00 0000",
		    MXTLS_OK },
		{ "TLSA why 'x'", DHEAD "01 03 01 01 00 01 78 0000", MXTLS_OK },
		{ "TLSA why with NUL", DHEAD "01 03 01 01 00 01 00 0000",
		    MXTLS_PERMFAIL },
		{ "TLSA why length 128", DHEAD "01 03 01 01 00 80 78",
		    MXTLS_PERMFAIL },
		{ "TLSA data length cut", DHEAD "01 " TLSA0 "00",
		    MXTLS_PERMFAIL },
		{ "TLSA data shorter than said", DHEAD "01 " TLSA0 "0002 ab",
		    MXTLS_PERMFAIL },
		{ "TLSA data length 2049", DHEAD "01 " TLSA0 "0801 ab",
		    MXTLS_PERMFAIL },
		{ "TLSA data length 65535", DHEAD "01 " TLSA0 "ffff",
		    MXTLS_PERMFAIL },
		{ "second TLSA record missing", DHEAD "02 " TLSA0 "0001 ab",
		    MXTLS_PERMFAIL },
		{ "trailing byte", DHEAD "00 00", MXTLS_PERMFAIL },
		{ "trailing byte after TLSA", DHEAD "01 " TLSA0 "0001 ab 00",
		    MXTLS_PERMFAIL },
	};
	struct mxtls_dane_entry *e = dane_new();
	unsigned char buf[512];
	struct mxtls_why why;
	enum mxtls_status st;
	size_t i, len;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		len = unhex(buf, sizeof(buf), rows[i].hex);
		mxtls_why_clear(&why);
		st = mxtls_dane_entry_decode(e, buf, len, &why);
		ok(st == rows[i].want && (st == MXTLS_OK ||
		    (why.text[0] != '\0' && e->ntlsa == 0)),
		    "dane decode %s: %s (want %s) %s", rows[i].name,
		    mxtls_status_name(st), mxtls_status_name(rows[i].want),
		    why.text);
	}
	free(e);
}

/* every truncation of a full dane record fails; garbling never crashes */
static void
test_dane_garbled(void)
{
	struct mxtls_dane_entry *e = dane_new(), *d = dane_new();
	unsigned char *buf = NULL, *g, *re;
	size_t len = 0, i, bad = 0, ok_rt = 1, relen, decoded = 0;
	unsigned v;

	dane_fill(e, "mx.example", 4, 3, 40);
	if (mxtls_dane_entry_encode(e, &buf, &len, NULL) != MXTLS_OK)
		abort();
	for (i = 0; i < len; i++) {
		if ((g = malloc(i + 1)) == NULL)	/* exact, for ASan */
			abort();
		memcpy(g, buf, i);
		if (mxtls_dane_entry_decode(d, g, i, NULL) != MXTLS_PERMFAIL)
			bad++;
		free(g);
	}
	ok(bad == 0, "dane: all %zu truncations of a %zu-byte record are "
	    "rejected", len, len);
	if ((g = malloc(len)) == NULL)
		abort();
	for (i = 0; i < len; i++) {
		for (v = 0; v < 256; v += 17) {
			memcpy(g, buf, len);
			g[i] ^= (unsigned char)(v | 1);
			if (mxtls_dane_entry_decode(d, g, len, NULL) !=
			    MXTLS_OK)
				continue;
			decoded++;
			if (mxtls_dane_entry_encode(d, &re, &relen, NULL) !=
			    MXTLS_OK || relen != len ||
			    memcmp(re, g, len) != 0)
				ok_rt = 0;
			free(re);
		}
	}
	ok(ok_rt, "dane: garbled records: the %zu that decode re-encode to "
	    "the same bytes", decoded);
	free(g);
	free(buf);
	free(e);
	free(d);
}

static void
test_dane_cache(void)
{
	struct mxtls_dane_entry *e = dane_new(), *g = dane_new();
	struct mxtls_sts_entry *s = entry_new(), *sg = entry_new();
	char dir[PATH_MAX];
	struct mxtls_cache *c;
	struct mxtls_why why;

	mxtls_clock_set(T0);
	path_in(dir, sizeof(dir), "dane");
	if ((c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_CREATE,
	    &why)) == NULL) {
		ok(0, "open: %s", why.text);
		goto out;
	}
	ok(mxtls_cache_dane_get(c, "mx.example.com", g, &why) ==
	    MXTLS_NOTFOUND, "dane get of a missing host: notfound");
	dane_fill(e, "MX.Example.COM.", 5, MXTLS_TLSA_RRS_MAX,
	    MXTLS_TLSA_DATA_MAX);
	ok(mxtls_cache_dane_put(c, e, &why) == MXTLS_OK && why.text[0] == '\0',
	    "dane put of 8 records of 2048 bytes: ok, no reason %s",
	    why.text);
	ok(mxtls_cache_dane_get(c, "mx.example.com", g, &why) == MXTLS_OK &&
	    dane_eq(e, g, 0) && strcmp(g->host, "mx.example.com") == 0,
	    "dane get: every field, normalized host");
	ok(mxtls_cache_dane_get(c, "MX.EXAMPLE.com.", g, &why) == MXTLS_OK &&
	    dane_eq(e, g, 0), "dane get: key case-folded");

	dane_fill(e, "mx.example.com", 6, 0, 0);
	e->requirement = MXTLS_DANE_REQ_ENCRYPT;
	ok(mxtls_cache_dane_put(c, e, &why) == MXTLS_OK &&
	    mxtls_cache_dane_get(c, "mx.example.com", g, &why) == MXTLS_OK &&
	    dane_eq(e, g, 0) && g->ntlsa == 0, "dane put overwrites");

	dane_fill(e, "old.example.com", 7, 1, 32);
	e->expires_at = T0 - 1;
	ok(mxtls_cache_dane_put(c, e, &why) == MXTLS_OK &&
	    mxtls_cache_dane_get(c, "old.example.com", g, &why) == MXTLS_OK &&
	    dane_eq(e, g, 0) && g->expires_at < (int64_t)mxtls_now(),
	    "an expired dane entry is returned (the caller judges)");

	/* the same name in "sts" and "dane" are separate entries */
	fill_entry(s, "mx.example.com", 1, 1, 10);
	ok(mxtls_cache_sts_put(c, s, &why) == MXTLS_OK &&
	    mxtls_cache_sts_get(c, "mx.example.com", sg, 1, &why) ==
	    MXTLS_OK && entry_eq(s, sg, 1, 0) &&
	    mxtls_cache_dane_get(c, "mx.example.com", g, &why) == MXTLS_OK &&
	    g->requirement == MXTLS_DANE_REQ_ENCRYPT,
	    "sts and dane keys do not collide");
	mxtls_sts_entry_clear(sg);
	ok(mxtls_cache_sts_get(c, "old.example.com", sg, 0, &why) ==
	    MXTLS_NOTFOUND, "a dane host is not an sts domain");

	ok(mxtls_cache_dane_get(c, "", g, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_dane_get(c, NULL, g, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_dane_get(c, ".", g, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_dane_get(c, "a b", g, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_dane_get(c, "a\nb", g, &why) == MXTLS_PERMFAIL,
	    "empty, NULL, blank and control-character hosts are refused");
	dane_fill(e, "", 1, 0, 0);
	ok(mxtls_cache_dane_put(c, e, &why) == MXTLS_PERMFAIL,
	    "dane put without a host: %s", why.text);
	dane_fill(e, "bad.example.com", 1, 0, 0);
	e->requirement = MXTLS_DANE_REQ_UNUSABLE;
	ok(mxtls_cache_dane_put(c, e, &why) == MXTLS_PERMFAIL &&
	    mxtls_cache_dane_get(c, "bad.example.com", g, &why) ==
	    MXTLS_NOTFOUND, "a lookup error (UNUSABLE) is never stored: %s",
	    why.text);
	mxtls_cache_close(c);
out:
	mxtls_clock_set(0);
	free(e);
	free(g);
	entry_free(s);
	entry_free(sg);
}

/* dane_child_put - in a child, a writer stores one entry for host */
static int
dane_child_put(const char *dir, const char *host)
{
	struct mxtls_dane_entry *e;
	struct mxtls_cache *c;
	struct mxtls_why why;
	int status = -1, rc = 1;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		e = dane_new();
		if ((c = mxtls_cache_open(dir, 1 << 20, 0, &why)) != NULL) {
			dane_fill(e, host, 9, 2, 32);
			rc = mxtls_cache_dane_put(c, e, &why) != MXTLS_OK;
			mxtls_cache_close(c);
		}
		if (rc != 0)
			diag("child writer: %s", why.text);
		free(e);
		fflush(stdout);
		_exit(rc);
	}
	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* a cache file from before "dane"; read-only handles; odd records */
static void
test_dane_rdonly(void)
{
	static const unsigned char v2[] = { 2, 0, 0 };
	static const unsigned char junk[] = { 1, 7, 7, 7 };
	/* static: reachable from the forked writer, for its leak check */
	static struct mxtls_dane_entry *e, *g;
	static struct mxtls_sts_entry *s;
	static struct mxtls_cache *c;
	char dir[PATH_MAX];
	struct mxtls_why why;
	int stored;

	e = dane_new();
	g = dane_new();
	s = entry_new();
	path_in(dir, sizeof(dir), "dane-old");
	fill_entry(s, "example.net", 1, 1, 10);
	c = NULL;
	if (mkdir(dir, 0755) == 0 && raw_put(dir, "junk.example", junk,
	    sizeof(junk)) == 0)
		c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_RDONLY, &why);
	ok(c != NULL, "read-only open of a cache without a dane database: "
	    "%s", c ? "" : why.text);
	if (c == NULL)
		goto out;
	ok(mxtls_cache_dane_get(c, "mx.example", g, &why) == MXTLS_NOTFOUND,
	    "dane get there: notfound %s", why.text);
	dane_fill(e, "mx.example", 1, 1, 32);
	ok(mxtls_cache_dane_put(c, e, &why) == MXTLS_PERMFAIL &&
	    strstr(why.text, "read-only"), "read-only handle refuses dane "
	    "put: %s", why.text);
	stored = dane_child_put(dir, "mx.example");
	ok(stored == 0 && mxtls_cache_dane_get(c, "mx.example", g, &why) ==
	    MXTLS_OK && g->ntlsa == 2 && strcmp(g->host, "mx.example") == 0,
	    "once a writer has made the dane database, the old read-only "
	    "handle reads it: %s", why.text);
	ok(mxtls_cache_dane_get(c, "mx.example", g, &why) == MXTLS_OK &&
	    mxtls_cache_dane_get(c, "other.example", g, &why) ==
	    MXTLS_NOTFOUND, "and keeps reading it");
	mxtls_cache_close(c);

	ok(raw_put_db(dir, "dane", "newer.example", v2, sizeof(v2)) == 0 &&
	    raw_put_db(dir, "dane", "junk.example", junk, sizeof(junk)) == 0,
	    "stored a version-2 and a corrupt dane record behind the API");
	c = mxtls_cache_open(dir, 1 << 20, MXTLS_CACHE_RDONLY, &why);
	ok(c != NULL && mxtls_cache_dane_get(c, "newer.example", g, &why) ==
	    MXTLS_NOTFOUND && strstr(why.text, "version 2"),
	    "unknown dane schema version reads as a miss: %s", why.text);
	ok(c != NULL && mxtls_cache_dane_get(c, "junk.example", g, &why) ==
	    MXTLS_TEMPFAIL && strstr(why.text, "corrupt") &&
	    strstr(why.text, dir), "corrupt dane record: tempfail: %s",
	    why.text);
	mxtls_cache_close(c);
out:
	free(e);
	free(g);
	entry_free(s);
}

static int
dane_present(struct mxtls_cache *c, const char *host)
{
	struct mxtls_dane_entry *g = dane_new();
	int r = mxtls_cache_dane_get(c, host, g, NULL) == MXTLS_OK;

	free(g);
	return r;
}

/* put_dane_big - about 16 KiB of TLSA data under host */
static enum mxtls_status
put_dane_big(struct mxtls_cache *c, struct mxtls_dane_entry *e,
    const char *host, unsigned seed, int64_t fetched, int64_t expires,
    struct mxtls_why *why)
{
	dane_fill(e, host, seed, MXTLS_TLSA_RRS_MAX, MXTLS_TLSA_DATA_MAX);
	e->fetched_at = fetched;
	e->expires_at = expires;
	return mxtls_cache_dane_put(c, e, why);
}

/*
 * A full map with both databases: expired dane entries go first, also to
 * make room for an sts put; then the least recently refreshed entries of
 * either database.
 */
static void
test_dane_map_full(void)
{
	struct mxtls_dane_entry *d = dane_new();
	struct mxtls_sts_entry *e = entry_new();
	char dir[PATH_MAX], name[32];
	struct mxtls_cache *c;
	struct mxtls_why why;
	enum mxtls_status st = MXTLS_OK;
	int i, n, right;

	mxtls_clock_set(T0);
	path_in(dir, sizeof(dir), "dane-full");
	if ((c = mxtls_cache_open(dir, 256 * 1024, MXTLS_CACHE_CREATE,
	    &why)) == NULL) {
		ok(0, "open: %s", why.text);
		goto out;
	}
	ok(put_dane_big(c, d, "x0.example", 0, T0 - 3000, T0 - 5, &why) ==
	    MXTLS_OK && put_dane_big(c, d, "x1.example", 1, T0 - 3000, T0,
	    &why) == MXTLS_OK && put_dane_big(c, d, "live.example", 2,
	    T0 - 3000, T0 + 5, &why) == MXTLS_OK,
	    "two expired and one live dane entry stored");
	why.text[0] = '\0';
	for (n = 0; n < 40 && st == MXTLS_OK && why.text[0] == '\0'; n++) {
		(void)snprintf(name, sizeof(name), "s%d.example", n);
		fill_entry(e, name, (unsigned)n, 2, 12 * 1024);
		e->fetched_at = T0 - 1000 + n;
		e->txt_checked_at = e->fetched_at - 1;
		e->expires_at = T0 + 86400;
		e->failed_at = 0;
		st = mxtls_cache_sts_put(c, e, &why);
	}
	diag("map full at sts put %d: %s", n, why.text);
	ok(n < 40 && st == MXTLS_OK && strstr(why.text, "evicted 2 expired") &&
	    strstr(why.text, " 0 least recently"),
	    "an sts put into a full map evicts the expired dane entries");
	ok(!dane_present(c, "x0.example") && !dane_present(c, "x1.example") &&
	    dane_present(c, "live.example"),
	    "expired dane entries went (expires_at <= now), the live one "
	    "stayed");
	for (i = right = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "s%d.example", i);
		right += present(c, name);
	}
	ok(right == n, "every sts entry is there (%d/%d)", right, n);

	/*
	 * nothing expired: dane puts evict the least recently refreshed
	 * entries of both databases, live.example (a dane entry) first, then
	 * s0, s1, ... (sts entries); keep going until s0 has gone
	 */
	why.text[0] = '\0';
	st = MXTLS_OK;
	for (i = 0; i < 40 && st == MXTLS_OK && present(c, "s0.example");
	    i++) {
		(void)snprintf(name, sizeof(name), "d%d.example", i);
		st = put_dane_big(c, d, name, (unsigned)i, T0 + i, T0 + 3600,
		    &why);
		if (i == 0)
			ok(st == MXTLS_OK && strstr(why.text,
			    "evicted 0 expired and 1 least") &&
			    !dane_present(c, "live.example") &&
			    present(c, "s0.example") && dane_present(c, name),
			    "with nothing expired, a dane put evicts the least "
			    "recently refreshed entry (a dane one): %s",
			    why.text);
	}
	(void)snprintf(name, sizeof(name), "s%d.example", n - 1);
	ok(i < 40 && st == MXTLS_OK && !present(c, "s0.example") &&
	    present(c, name) && dane_present(c, "d0.example"),
	    "then the oldest sts entries go for dane puts, newer ones stay "
	    "(%d puts)", i);
	mxtls_cache_close(c);
out:
	mxtls_clock_set(0);
	free(d);
	entry_free(e);
}

int
main(void)
{
	umask(022);
	if (tmpdir_make(tmpdir, sizeof(tmpdir), "test_cache") != 0)
		return 1;
	test_round_trips();
	test_golden();
	test_encode_rejects();
	test_decode_table();
	test_decode_garbled();
	test_open_errors();
	test_basic();
	test_list_purge();
	test_evict();
	test_rdonly_and_corrupt();
	test_fork();
	test_stale_readers();
	test_resized();
	test_map_full();
	test_map_too_small();
	test_dane_round_trips();
	test_dane_golden();
	test_dane_encode_rejects();
	test_dane_decode_table();
	test_dane_garbled();
	test_dane_cache();
	test_dane_rdonly();
	test_dane_map_full();
	test_processes();
	test_timing();
	tmpdir_remove(tmpdir);
	return done_testing();
}
