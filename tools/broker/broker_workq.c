/* Bounded thread pool: see broker_workq.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "broker_workq.h"
#include "log.h"

struct workq_job {
	broker_workq_fn fn;
	void *arg;
};

struct broker_workq {
	struct broker_workq_params p;
	char name[16];
	pthread_mutex_t lock;
	pthread_cond_t more; /* a job was queued, or stopping */
	struct workq_job *ring;
	unsigned head, n; /* ring: n jobs from head */
	unsigned running;
	unsigned long refused;
	bool stopping;
	pthread_t *threads;
	unsigned started;
};

static void *workq_main(void *arg)
{
	struct broker_workq *q = arg;
	struct workq_job job;
	bool cancelled;

	/* Linux keeps a niceness per thread: this one only yields the CPU to
	 * the threads that answer lookups. Failing is harmless. */
	if (q->p.nice)
		(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), q->p.nice);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->n && !q->stopping)
			pthread_cond_wait(&q->more, &q->lock);
		if (!q->n)
			break; /* stopping, nothing left */
		job = q->ring[q->head];
		q->head = (q->head + 1) % q->p.max_queued;
		q->n--;
		q->running++;
		cancelled = q->stopping;
		pthread_mutex_unlock(&q->lock);
		job.fn(job.arg, cancelled);
		pthread_mutex_lock(&q->lock);
		q->running--;
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct broker_workq *broker_workq_new(const struct broker_workq_params *p)
{
	struct broker_workq *q;
	char tname[16];

	if (!p->threads || !p->max_queued)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->p = *p;
	snprintf(q->name, sizeof(q->name), "%s", p->name);
	q->p.name = q->name;
	q->ring = calloc(p->max_queued, sizeof(*q->ring));
	q->threads = calloc(p->threads, sizeof(*q->threads));
	if (!q->ring || !q->threads)
		goto fail;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->more, NULL);
	for (q->started = 0; q->started < p->threads; q->started++) {
		if (pthread_create(&q->threads[q->started], NULL, workq_main, q) != 0)
			break;
		snprintf(tname, sizeof(tname), "vdi-%.10s", q->name);
		pthread_setname_np(q->threads[q->started], tname);
	}
	if (!q->started) {
		broker_workq_free(q);
		return NULL;
	}
	return q;
fail:
	free(q->ring);
	free(q->threads);
	free(q);
	return NULL;
}

int broker_workq_submit(struct broker_workq *q, broker_workq_fn fn, void *arg)
{
	int rc = -1;

	pthread_mutex_lock(&q->lock);
	if (!q->stopping && q->n < q->p.max_queued) {
		q->ring[(q->head + q->n) % q->p.max_queued] = (struct workq_job){fn, arg};
		q->n++;
		pthread_cond_signal(&q->more);
		rc = 0;
	} else {
		q->refused++;
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

void broker_workq_stop(struct broker_workq *q)
{
	unsigned i;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->more);
	pthread_mutex_unlock(&q->lock);
	/* The threads empty the queue (each job seeing cancelled) and leave. */
	for (i = 0; i < q->started; i++)
		pthread_join(q->threads[i], NULL);
	q->started = 0;
}

void broker_workq_free(struct broker_workq *q)
{
	if (!q)
		return;
	broker_workq_stop(q);
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q->threads);
	free(q);
}

unsigned broker_workq_full_status(const struct broker_workq *q)
{
	return q->p.full_status;
}

void broker_workq_counts(struct broker_workq *q, unsigned *running, unsigned *queued,
			 unsigned long *refused)
{
	pthread_mutex_lock(&q->lock);
	*running = q->running;
	*queued = q->n;
	*refused = q->refused;
	pthread_mutex_unlock(&q->lock);
}
