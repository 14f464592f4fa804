/*
 * SHOW WARNLOG (adm.h): the last WARN and ERROR lines of the worker that
 * answers, from its ring (warnlog.h); each worker shows its own.  As in
 * ODP's grammar, "n" shows the lines numbered n and after, "a, b" those
 * from a of thread (worker pid) b, and "a, b, level" only those of that
 * level (WARN or ERROR) or more severe.
 */
#include "worker.h"

#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

#define NUM_MAX  24
#define TIME_MAX 40
#define WORD_MAX 16

/* Which lines to show. */
struct warn_filter {
    uint64_t from;          /* the first log_id */
    int64_t  pid;           /* the thread, -1: any */
    int      level;         /* this one or more severe */
};

/* ", b [, level]" after the first number; false: a syntax error. */
static bool
thread_and_level(struct obp_session *s, struct obp_cmd_arg *a,
                 struct warn_filter *f, enum obp_cmd_rc *rc)
{
    char     word[WORD_MAX];
    uint64_t pid;

    obp_cmd_next(a);
    if (!obp_adm_number(s, a, INT32_MAX, &pid, rc))
        return false;
    f->pid = (int64_t)pid;
    if (a->t.type != OBP_SQLLEX_COMMA)
        return true;
    obp_cmd_next(a);
    if (!obp_cmd_word(a, word, sizeof(word))
        || (strcasecmp(word, "WARN") != 0 && strcasecmp(word, "ERROR") != 0)) {
        *rc = obp_cmd_syntax(s, a);
        return false;
    }
    f->level = strcasecmp(word, "WARN") == 0 ? OBP_LOG_WARN : OBP_LOG_ERROR;
    obp_cmd_next(a);
    return true;
}

static bool
filter_args(struct obp_session *s, struct obp_cmd_arg *a,
            struct warn_filter *f, enum obp_cmd_rc *rc)
{
    f->from = 0;
    f->pid = -1;
    f->level = OBP_LOG_WARN;
    if (a->t.type == OBP_SQLLEX_NUMBER
        && (!obp_adm_number(s, a, UINT64_MAX, &f->from, rc)
            || (a->t.type == OBP_SQLLEX_COMMA
                && !thread_and_level(s, a, f, rc))))
        return false;
    if (!obp_cmd_at_end(a)) {
        *rc = obp_cmd_syntax(s, a);
        return false;
    }
    return true;
}

static int
warn_row(struct obp_ans *ans, const struct obp_warnlog_line *l, int32_t pid)
{
    char        id[NUM_MAX], tid[NUM_MAX], at[TIME_MAX];
    const char *row[] = { id, tid, at, l->text };

    snprintf(id, sizeof(id), "%" PRIu64, l->id);
    snprintf(tid, sizeof(tid), "%" PRId32, pid);
    obp_adm_time(at, sizeof(at), l->at_us, true);
    return obp_ans_row(ans, row);
}

/* SHOW WARNLOG [n | a, b | a, b, level] */
enum obp_cmd_rc
obp_adm_show_warnlog(struct obp_session *s, struct obp_iobuf *b,
                     struct obp_cmd_arg *a)
{
    static const char *const cols[] = { "#log_id", "#thread_id", "@time",
                                        "log" };
    struct obp_ans                *ans = obp_req_answer(s);
    const struct obp_warnlog_line *l;
    struct warn_filter             f;
    uint64_t                       pos = 0;
    enum obp_cmd_rc                rc;
    int                            ok;

    if (!filter_args(s, a, &f, &rc))
        return rc;
    ok = obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK;
    /* one thread per worker: its pid, as ODP shows its thread's id */
    while (ok && (f.pid < 0 || f.pid == s->w->pid)
           && (l = obp_warnlog_next(&pos)) != NULL)
        if (l->id >= f.from && l->level <= f.level)
            ok = warn_row(ans, l, s->w->pid) == OBP_OK;
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}
