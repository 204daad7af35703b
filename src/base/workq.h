/*
 * workq.h: a fixed pool of threads running submitted jobs in order.
 *
 * The web server hands slow work (password hashing) to such a pool so
 * that it never runs on the threads answering requests, and so that no
 * more than the pool's size of those jobs run at once.
 */
#ifndef RB_WORKQ_H
#define RB_WORKQ_H

struct rb_workq;

/*
 * Starts nthreads (>= 1) worker threads, each at the given nice value
 * (0: as the caller; 10: CPU goes first to the other threads, so that a
 * storm of slow jobs cannot starve them). Never NULL.
 */
struct rb_workq	*rb_workq_new(int nthreads, int nice);
/* Queues fn(arg); it runs on one of the workers, soon. */
void		 rb_workq_submit(struct rb_workq *q, void (*fn)(void *),
		    void *arg);
/* Jobs queued or running right now. */
int		 rb_workq_pending(struct rb_workq *q);
/* Runs every queued job to completion, stops the workers, frees q. */
void		 rb_workq_free(struct rb_workq *q);

#endif
