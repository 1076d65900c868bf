/*
 * NAME
 *	cache_writer - write-behind for the LMDB cache: a queue and one thread
 * SYNOPSIS
 *	#include "cache_writer.h"
 * DESCRIPTION
 *	A commit of the cache waits for the disk (one fdatasync, see cache.c),
 *	which takes milliseconds: far more than a cached answer. mxtlsd
 *	therefore does not write on its event loop. cache.c encodes each
 *	record on the caller's thread and queues it here; one thread takes
 *	what has queued up (at most CACHE_WB_BATCH items) and hands it back to
 *	cache.c, which stores the batch in one transaction. Under load many
 *	records share one commit; at rest each record is written at once.
 *
 *	Order: batches are taken and written in queue order by the one
 *	thread, so the last record queued for a key is the one stored.
 *	Back-pressure: a queue of CACHE_WB_QUEUE_MAX items makes the next
 *	put wait for room rather than grow without bound.
 *
 *	Ownership: a queued record belongs to the writer, which frees it once
 *	written. cache_writer_stop() writes what is queued before it returns:
 *	nothing accepted is dropped at a clean shutdown.
 *
 *	The thread blocks every signal, so that signals keep going to the
 *	caller's threads. The writer must not be used in a child made by
 *	fork() (its thread does not exist there); cache.c stops using it in
 *	a child.
 * DIAGNOSTICS
 *	cache_writer_start() and cache_writer_queue() fail with a reason;
 *	what happens to each record is the batch function's to report.
 * SEE ALSO
 *	cache.c, pthread_cond_wait(3)
 */
#include "cache_writer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct cache_writer {
	pthread_mutex_t	lock;
	pthread_cond_t	work;		/* something queued, or stop */
	pthread_cond_t	room;		/* the queue shrank */
	pthread_cond_t	idle;		/* a batch was written */
	struct cache_wb_item *head, *tail;
	size_t	queued;			/* items on the list */
	size_t	busy;			/* items being written */
	int	stop;
	pthread_t thread;
	cache_wb_batch_fn *fn;
	void   *arg;
};

/* writer_take - detach up to CACHE_WB_BATCH items; called locked */
static struct cache_wb_item *
writer_take(struct cache_writer *w, size_t *n)
{
	struct cache_wb_item *list = w->head, *last = NULL, *it;

	*n = 0;
	for (it = w->head; it != NULL && *n < CACHE_WB_BATCH; it = it->next) {
		last = it;
		(*n)++;
	}
	w->head = last->next;
	last->next = NULL;
	if (w->head == NULL)
		w->tail = NULL;
	w->queued -= *n;
	w->busy = *n;
	return list;
}

/* writer_main - the thread: wait for work, write it, until stopped */
static void *
writer_main(void *arg)
{
	struct cache_writer *w = arg;
	struct cache_wb_item *list, *next;
	size_t n;

	(void)pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->head == NULL && !w->stop)
			(void)pthread_cond_wait(&w->work, &w->lock);
		if (w->head == NULL)
			break;		/* stopped and drained */
		list = writer_take(w, &n);
		(void)pthread_cond_broadcast(&w->room);
		(void)pthread_mutex_unlock(&w->lock);
		w->fn(w->arg, list);
		for (; list != NULL; list = next) {
			next = list->next;
			free(list->rec);
			free(list);
		}
		(void)pthread_mutex_lock(&w->lock);
		w->busy = 0;
		(void)pthread_cond_broadcast(&w->idle);
	}
	(void)pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct cache_writer *
cache_writer_start(cache_wb_batch_fn *fn, void *arg, struct mxtls_why *why)
{
	struct cache_writer *w;
	sigset_t all, old;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		(void)mxtls_why_set(why, MXTLS_ENOMEM,
		    "out of memory starting the cache writer");
		return NULL;
	}
	w->fn = fn;
	w->arg = arg;
	(void)pthread_mutex_init(&w->lock, NULL);
	(void)pthread_cond_init(&w->work, NULL);
	(void)pthread_cond_init(&w->room, NULL);
	(void)pthread_cond_init(&w->idle, NULL);
	/* signals stay with the caller's threads: the new one blocks all */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		(void)mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "cannot start the cache writer thread: %s", strerror(rc));
		(void)pthread_mutex_destroy(&w->lock);
		(void)pthread_cond_destroy(&w->work);
		(void)pthread_cond_destroy(&w->room);
		(void)pthread_cond_destroy(&w->idle);
		free(w);
		return NULL;
	}
	return w;
}

enum mxtls_status
cache_writer_queue(struct cache_writer *w, int db, const char *key,
    unsigned char *rec, size_t len, struct mxtls_why *why)
{
	struct cache_wb_item *it;
	size_t n = strlen(key);

	if (n > MXTLS_DOMAIN_MAX || (it = malloc(sizeof(*it))) == NULL) {
		free(rec);
		return mxtls_why_set(why, n > MXTLS_DOMAIN_MAX ?
		    MXTLS_PERMFAIL : MXTLS_ENOMEM, "cannot queue the record "
		    "of %.64s for the cache: %s", key, n > MXTLS_DOMAIN_MAX ?
		    "key too long" : "out of memory");
	}
	it->next = NULL;
	it->db = db;
	it->rec = rec;
	it->len = len;
	it->skip = 0;
	memcpy(it->key, key, n + 1);
	(void)pthread_mutex_lock(&w->lock);
	while (w->queued >= CACHE_WB_QUEUE_MAX && !w->stop)
		(void)pthread_cond_wait(&w->room, &w->lock);
	if (w->tail != NULL)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	w->queued++;
	(void)pthread_cond_signal(&w->work);
	(void)pthread_mutex_unlock(&w->lock);
	return MXTLS_OK;
}

void
cache_writer_flush(struct cache_writer *w)
{
	(void)pthread_mutex_lock(&w->lock);
	/* what is queued now is written by the time both are empty */
	while (w->queued > 0 || w->busy > 0)
		(void)pthread_cond_wait(&w->idle, &w->lock);
	(void)pthread_mutex_unlock(&w->lock);
}

size_t
cache_writer_pending(struct cache_writer *w)
{
	size_t n;

	(void)pthread_mutex_lock(&w->lock);
	n = w->queued + w->busy;
	(void)pthread_mutex_unlock(&w->lock);
	return n;
}

void
cache_writer_stop(struct cache_writer *w)
{
	if (w == NULL)
		return;
	(void)pthread_mutex_lock(&w->lock);
	w->stop = 1;
	(void)pthread_cond_signal(&w->work);
	(void)pthread_cond_broadcast(&w->room);
	(void)pthread_mutex_unlock(&w->lock);
	(void)pthread_join(w->thread, NULL);
	(void)pthread_mutex_destroy(&w->lock);
	(void)pthread_cond_destroy(&w->work);
	(void)pthread_cond_destroy(&w->room);
	(void)pthread_cond_destroy(&w->idle);
	free(w);
}
