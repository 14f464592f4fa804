/*
 * The request logs' writer thread (log_async.h).  One mutex guards the
 * fill buffers and the flags; the thread swaps a file's fill buffer with
 * its own under it and writes outside it.
 */
#define _GNU_SOURCE         /* pthread_timedjoin_np */
#include "obp.h"
#include "log_async.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A full buffer waits for the thread while its writes return (a loaded
 * machine, a slow disk), at most WAIT_US for one line; once a write has
 * not returned for STALL_US (a device that takes nothing) lines drop at
 * once.
 */
#define WAIT_US  100000
#define STALL_US 500000

struct abuf {
    char   *p;
    size_t  len;
};

static struct {
    pthread_mutex_t                 mx;
    pthread_cond_t                  cv;
    pthread_cond_t                  room;   /* the fill buffers emptied */
    pthread_t                       thread;
    struct abuf                     fill[OBP_LOG_ASYNC_FILES];
    struct abuf                     out[OBP_LOG_ASYNC_FILES];  /* the
                                        thread's, outside the lock */
    const struct obp_log_async_ops *ops;
    bool                            running;
    bool                            stop;
    bool                            reopen;
    int64_t                         writing_us; /* its write began, 0 */
    atomic_uint_fast64_t            dropped;
} la = {
    .mx = PTHREAD_MUTEX_INITIALIZER,
};

/* Takes every non-empty fill buffer; the caller holds the lock. */
static bool
take_all(void)
{
    bool  any = false;
    char *p;

    for (int i = 0; i < OBP_LOG_ASYNC_FILES; i++) {
        if (la.fill[i].len == 0)
            continue;
        p = la.out[i].p;
        la.out[i] = la.fill[i];
        la.fill[i].p = p;
        la.fill[i].len = 0;
        any = true;
    }
    return any;
}

static void
write_out(void)
{
    for (int i = 0; i < OBP_LOG_ASYNC_FILES; i++) {
        if (la.out[i].len > 0)
            la.ops->write(i, la.out[i].p, la.out[i].len);
        la.out[i].len = 0;
    }
}

/* Waits for lines, a reopen, a stop or a second; the lock is held. */
static void
wait_work(int64_t *tick_at)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    (void)pthread_cond_timedwait(&la.cv, &la.mx, &ts);
    if (obp_now_us() >= *tick_at) {
        *tick_at = obp_now_us() + 1000000;
        pthread_mutex_unlock(&la.mx);
        la.ops->tick();
        pthread_mutex_lock(&la.mx);
    }
}

static void *
run(void *arg)
{
    int64_t tick_at = obp_now_us() + 1000000;
    bool    reopen, any, stop;

    (void)arg;
    pthread_mutex_lock(&la.mx);
    for (;;) {
        reopen = la.reopen;
        la.reopen = false;
        any = take_all();
        stop = la.stop;
        if (!reopen && !any && !stop) {
            wait_work(&tick_at);
            continue;
        }
        la.writing_us = obp_now_us();
        pthread_cond_broadcast(&la.room);
        pthread_mutex_unlock(&la.mx);
        if (reopen)
            la.ops->reopen();
        write_out();
        pthread_mutex_lock(&la.mx);
        la.writing_us = 0;
        if (stop && !any)
            break;
    }
    pthread_mutex_unlock(&la.mx);
    return NULL;
}

static int
alloc_bufs(void)
{
    for (int i = 0; i < OBP_LOG_ASYNC_FILES; i++) {
        la.fill[i].p = malloc(OBP_LOG_ASYNC_BUF);
        la.out[i].p = malloc(OBP_LOG_ASYNC_BUF);
        if (la.fill[i].p == NULL || la.out[i].p == NULL)
            return OBP_ERROR;
        la.fill[i].len = la.out[i].len = 0;
    }
    return OBP_OK;
}

static void
free_bufs(void)
{
    for (int i = 0; i < OBP_LOG_ASYNC_FILES; i++) {
        free(la.fill[i].p);
        free(la.out[i].p);
        la.fill[i].p = la.out[i].p = NULL;
    }
}

int
obp_log_async_start(const struct obp_log_async_ops *ops)
{
    pthread_condattr_t attr;
    int                err;

    if (la.running)
        return OBP_OK;
    if (alloc_bufs() != OBP_OK) {
        free_bufs();
        errno = ENOMEM;
        return OBP_ERROR;
    }
    pthread_condattr_init(&attr);
    pthread_cond_init(&la.cv, &attr);
    pthread_cond_init(&la.room, &attr);
    pthread_condattr_destroy(&attr);
    la.ops = ops;
    la.stop = la.reopen = false;
    if ((err = pthread_create(&la.thread, NULL, run, NULL)) != 0) {
        pthread_cond_destroy(&la.cv);
        pthread_cond_destroy(&la.room);
        free_bufs();
        errno = err;
        return OBP_ERROR;
    }
    la.running = true;
    return OBP_OK;
}

bool
obp_log_async_running(void)
{
    return la.running;
}

/* Whether <len> more bytes fit in <b>, waiting as the top says; locked. */
static bool
room_for(const struct abuf *b, size_t len)
{
    int64_t         start = obp_now_us(), now = start;
    struct timespec ts;

    while (len > OBP_LOG_ASYNC_BUF - b->len) {
        if (len > OBP_LOG_ASYNC_BUF || now - start >= WAIT_US
            || (la.writing_us != 0 && now - la.writing_us >= STALL_US))
            return false;
        pthread_cond_signal(&la.cv);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&la.room, &la.mx, &ts);
        now = obp_now_us();
    }
    return true;
}

bool
obp_log_async_push(int file, const char *buf, size_t len)
{
    struct abuf *b;
    bool         wake;

    if (file < 0 || file >= OBP_LOG_ASYNC_FILES)
        return false;
    pthread_mutex_lock(&la.mx);
    b = &la.fill[file];
    if (!room_for(b, len)) {
        pthread_mutex_unlock(&la.mx);
        atomic_fetch_add_explicit(&la.dropped, 1, memory_order_relaxed);
        return false;
    }
    wake = b->len == 0;
    memcpy(b->p + b->len, buf, len);
    b->len += len;
    if (wake)
        pthread_cond_signal(&la.cv);
    pthread_mutex_unlock(&la.mx);
    return true;
}

void
obp_log_async_reopen(void)
{
    pthread_mutex_lock(&la.mx);
    la.reopen = true;
    pthread_cond_signal(&la.cv);
    pthread_mutex_unlock(&la.mx);
}

bool
obp_log_async_stop(int64_t wait_us)
{
    struct timespec ts;

    if (!la.running)
        return true;
    pthread_mutex_lock(&la.mx);
    la.stop = true;
    pthread_cond_signal(&la.cv);
    pthread_mutex_unlock(&la.mx);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += wait_us / 1000000;
    ts.tv_nsec += (long)(wait_us % 1000000) * 1000;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    if (pthread_timedjoin_np(la.thread, NULL, &ts) != 0)
        return false;       /* stuck in a write: it goes with the process */
    la.running = false;
    pthread_cond_destroy(&la.cv);
    pthread_cond_destroy(&la.room);
    free_bufs();
    return true;
}

uint64_t
obp_log_async_dropped(void)
{
    return atomic_load_explicit(&la.dropped, memory_order_relaxed);
}
