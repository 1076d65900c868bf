/*
 * NAME
 *	cache_writer.h - a write-behind queue and thread for the LMDB cache
 *	(internal to cache.c)
 * DESCRIPTION
 *	cache.c queues records here when a handle writes behind
 *	(mxtls_cache_write_behind); one thread hands them back to cache.c
 *	in batches, in the order they were queued, so that many records
 *	share one transaction and one fsync, away from the caller's thread.
 */
#ifndef MXTLS_CACHE_WRITER_H
#define MXTLS_CACHE_WRITER_H

#include <stddef.h>

#include "bounds.h"
#include "mxtls.h"

/* One queued record: database db (cache.c's CACHE_DB_*), key, record. */
struct cache_wb_item {
	struct cache_wb_item *next;
	int	db;
	unsigned char *rec;		/* owned; malloc'd */
	size_t	len;
	int	skip;			/* batch function: already reported */
	char	key[MXTLS_DOMAIN_MAX + 1];
};

/*
 * Called on the writer thread with a batch of at most CACHE_WB_BATCH
 * items (a list, queue order). The items are borrowed for the call.
 */
typedef void cache_wb_batch_fn(void *arg, struct cache_wb_item *list);

#define CACHE_WB_BATCH		1024	/* items per transaction */
#define CACHE_WB_QUEUE_MAX	16384	/* a put waits while this many wait */

struct cache_writer;

/*
 * cache_writer_start - start the thread. Returns the writer (stop and free
 * with cache_writer_stop) or NULL with the reason in why.
 */
struct cache_writer *cache_writer_start(cache_wb_batch_fn *fn, void *arg,
    struct mxtls_why *why);

/*
 * cache_writer_queue - queue rec (len bytes, malloc'd: owned by the writer
 * from now on, even on failure) under key in db. Waits while the queue is
 * full. Returns MXTLS_OK, or MXTLS_ENOMEM/MXTLS_TEMPFAIL with why.
 */
enum mxtls_status cache_writer_queue(struct cache_writer *w, int db,
    const char *key, unsigned char *rec, size_t len, struct mxtls_why *why);

/* cache_writer_flush - return once everything queued so far is written */
void	cache_writer_flush(struct cache_writer *w);

/* cache_writer_pending - items queued or being written (for tests, stats) */
size_t	cache_writer_pending(struct cache_writer *w);

/* cache_writer_stop - write what is queued, end the thread, free w */
void	cache_writer_stop(struct cache_writer *w);

#endif /* MXTLS_CACHE_WRITER_H */
