/*
 * workq.c: fixed thread pool with a FIFO of jobs (see workq.h).
 */
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#include "mem.h"
#include "workq.h"

struct job {
	struct job	*job_next;
	void		(*job_fn)(void *);
	void		*job_arg;
};

struct rb_workq {
	pthread_mutex_t	 wq_lock;
	pthread_cond_t	 wq_cv;
	struct job	*wq_head, *wq_tail;
	int		 wq_pending;	/* queued + running */
	int		 wq_stopping;
	int		 wq_nthreads;
	int		 wq_nice;
	pthread_t	*wq_threads;
};

static void *
worker(void *arg)
{
	struct rb_workq *q = arg;
	struct job *j;

	/* On Linux a thread has its own nice value. */
	if (q->wq_nice != 0 && setpriority(PRIO_PROCESS,
	    (id_t)syscall(SYS_gettid), q->wq_nice) != 0)
		log_warnx("cannot lower the priority of a worker: %s",
		    strerror(errno));
	pthread_mutex_lock(&q->wq_lock);
	for (;;) {
		while (q->wq_head == NULL && !q->wq_stopping)
			pthread_cond_wait(&q->wq_cv, &q->wq_lock);
		if ((j = q->wq_head) == NULL)
			break;		/* stopping and drained */
		q->wq_head = j->job_next;
		if (q->wq_head == NULL)
			q->wq_tail = NULL;
		pthread_mutex_unlock(&q->wq_lock);
		j->job_fn(j->job_arg);
		free(j);
		pthread_mutex_lock(&q->wq_lock);
		q->wq_pending--;
	}
	pthread_mutex_unlock(&q->wq_lock);
	return NULL;
}

struct rb_workq *
rb_workq_new(int nthreads, int nice)
{
	struct rb_workq *q = rb_xcalloc(1, sizeof(*q));
	int i;

	if (nthreads < 1)
		nthreads = 1;
	pthread_mutex_init(&q->wq_lock, NULL);
	pthread_cond_init(&q->wq_cv, NULL);
	q->wq_nthreads = nthreads;
	q->wq_nice = nice;
	q->wq_threads = rb_xcalloc((size_t)nthreads, sizeof(pthread_t));
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&q->wq_threads[i], NULL, worker, q) != 0)
			abort();
	return q;
}

void
rb_workq_submit(struct rb_workq *q, void (*fn)(void *), void *arg)
{
	struct job *j = rb_xmalloc(sizeof(*j));

	j->job_next = NULL;
	j->job_fn = fn;
	j->job_arg = arg;
	pthread_mutex_lock(&q->wq_lock);
	if (q->wq_tail != NULL)
		q->wq_tail->job_next = j;
	else
		q->wq_head = j;
	q->wq_tail = j;
	q->wq_pending++;
	pthread_cond_signal(&q->wq_cv);
	pthread_mutex_unlock(&q->wq_lock);
}

int
rb_workq_pending(struct rb_workq *q)
{
	int n;

	pthread_mutex_lock(&q->wq_lock);
	n = q->wq_pending;
	pthread_mutex_unlock(&q->wq_lock);
	return n;
}

void
rb_workq_free(struct rb_workq *q)
{
	int i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->wq_lock);
	q->wq_stopping = 1;
	pthread_cond_broadcast(&q->wq_cv);
	pthread_mutex_unlock(&q->wq_lock);
	for (i = 0; i < q->wq_nthreads; i++)
		pthread_join(q->wq_threads[i], NULL);
	pthread_mutex_destroy(&q->wq_lock);
	pthread_cond_destroy(&q->wq_cv);
	free(q->wq_threads);
	free(q);
}
