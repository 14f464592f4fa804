/*
 * What the admin handlers share (adm.h): column lists, numbers and
 * times in their statements and answers, and where a session lives.
 */
#include "worker.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ER_NO_SUCH_THREAD    1094
#define ER_NOT_SUPPORTED_YET 1235
#define NUM_MAX              24

int
obp_adm_columns(struct obp_ans *ans, const char *const *names, unsigned n)
{
    int ok = obp_ans_columns(ans, n) == OBP_OK;

    for (unsigned i = 0; ok && i < n; i++) {
        char mark = names[i][0];

        ok = obp_ans_col(ans, names[i] + (mark == '#' || mark == '@'),
                         mark == '#' ? OBP_ANS_INT : mark == '@'
                         ? OBP_ANS_TIME : OBP_ANS_TEXT) == OBP_OK;
    }
    return ok ? OBP_OK : OBP_ERROR;
}

bool
obp_adm_number(struct obp_session *s, struct obp_cmd_arg *a, uint64_t max,
               uint64_t *out, enum obp_cmd_rc *rc)
{
    char               num[NUM_MAX], *end;
    unsigned long long v;

    errno = 0;
    if (a->t.type != OBP_SQLLEX_NUMBER || !obp_cmd_word(a, num, sizeof(num))
        || (v = strtoull(num, &end, 10), *end != '\0') || errno != 0
        || v > max) {
        *rc = obp_cmd_syntax(s, a);
        return false;
    }
    *out = v;
    obp_cmd_next(a);
    return true;
}

const char *
obp_adm_time(char *buf, size_t cap, int64_t wall_us, bool usec)
{
    time_t    sec = (time_t)(wall_us / 1000000);
    struct tm tm;
    size_t    n;

    if (wall_us == 0 || localtime_r(&sec, &tm) == NULL
        || (n = strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm)) == 0) {
        snprintf(buf, cap, "0");
        return buf;
    }
    if (usec)
        snprintf(buf + n, cap - n, ".%06ld", (long)(wall_us % 1000000));
    return buf;
}

void
obp_adm_split_addr(const char *addr, char *ip, size_t cap, const char **port)
{
    const char *colon = strrchr(addr, ':');
    size_t      n = colon != NULL ? (size_t)(colon - addr) : strlen(addr);

    *port = colon != NULL ? colon + 1 : "0";
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
        addr++;
        n -= 2;
    }
    snprintf(ip, cap, "%.*s", (int)n, addr);
}

int
obp_adm_worker_of(const struct obp_worker *w, int32_t pid)
{
    struct obp_shm_worker *ws;

    for (unsigned i = 0; (ws = obp_shm_worker(w->shm, i)) != NULL; i++)
        if (atomic_load_explicit(&ws->pid, memory_order_relaxed) == pid)
            return (int)i;
    return -1;
}

struct obp_session *
obp_adm_own_session(struct obp_session *s, uint32_t id, const char *what,
                    enum obp_cmd_rc *rc)
{
    struct obp_ans     *ans = obp_req_answer(s);
    struct obp_shm_sess snap;
    struct obp_session *o;

    for (o = s->w->sessions; o != NULL; o = o->next)
        if (o->id == id)
            return o;
    if (obp_reg_find(s->w, id, &snap) == NULL)
        *rc = obp_adm_rc(obp_ans_err(ans, ER_NO_SUCH_THREAD, "HY000",
                                     "Unknown thread id: %" PRIu32, id));
    else
        *rc = obp_adm_rc(obp_ans_err(ans, ER_NOT_SUPPORTED_YET, "HY000",
                                     "obproxy: session %" PRIu32 " lives "
                                     "in worker %d (pid %ld); %s answers "
                                     "from worker %d, which holds this "
                                     "admin session, for its own sessions "
                                     "only: connect again to reach worker "
                                     "%d", id,
                                     obp_adm_worker_of(s->w, snap.pid),
                                     (long)snap.pid, what,
                                     (int)s->w->shm_slot,
                                     obp_adm_worker_of(s->w, snap.pid)));
    return NULL;
}
