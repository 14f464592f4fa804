/*
 * Session sync (ssync.h).  Variables are read back eight at a time, with
 * five columns each:
 *
 *   IF(FALSE, x, NULL), LENGTH(x) > max,
 *   IF(LENGTH(x) > max, NULL, CAST(x AS BINARY)),
 *   CAST(CHARSET(x) AS BINARY), CAST(COLLATION(x) AS BINARY)
 *
 * the first column's definition giving its type (BIGINT [UNSIGNED],
 * DECIMAL, DOUBLE, a string, or NULL), the binary casts its exact text
 * or bytes untouched by character_set_results (a double's text in full,
 * where the text protocol rounds it to 15 digits).  It is set again with
 * a literal of the same type: 5, CAST(5 AS UNSIGNED), 3.140, 0.1e0,
 * _latin1 X'e9' COLLATE `latin1_bin`, NULL.  A batch that names a system
 * variable the server does not know is read again one by one.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ER_UNKNOWN_SYSTEM_VARIABLE 1193
#define BATCH   8       /* variables read back by one query */
#define COLS    5       /* columns a variable */

static const char *const type_names[] = {
    "NULL", "BIGINT", "BIGINT UNSIGNED", "DECIMAL", "DOUBLE", "string"
};

struct obp_ssync {
    struct obp_session *s;
    struct obp_owncmd   oc;
    struct obp_svar    *var;        /* being set again */
    struct obp_svar    *batch[BATCH];   /* being read back */
    unsigned            nbatch;
    struct obp_stmt    *stmt;       /* being prepared */
    int                 step;       /* ready: the next step */
    int                 ran;        /* ready: the step running */
    unsigned            restore:1;  /* a ready sync, not a read back */
    unsigned            check:1;    /* ready: a COM_PING goes first */
    unsigned            got:1;      /* the read back's row came */
    unsigned            single:1;   /* one variable a query */
};

enum { PASS_SYSVARS, PASS_COLLATIONS, PASS_USERVARS, PASS_STMTS };

/*
 * The steps of a ready sync, in order: the session's schema, the
 * variables, the statement (in its own schema, then back), the BEGIN.
 */
enum {
    STEP_USE, STEP_VARS, STEP_STMT_USE, STEP_STMT, STEP_STMT_BACK,
    STEP_BEGIN, STEP_DONE, STEP_CHECK
};

static void capture_next(struct obp_ssync *y);

/* The variable as an expression: @@session.`x` or @`x`. */
static void
add_var(struct obp_sqltext *q, const struct obp_svar *v)
{
    obp_sqltext_adds(q, v->user ? "@" : "@@session.");
    obp_sqltext_ident(q, v->name);
}

/* CAST(number AS <type>) */
static void
add_cast(struct obp_sqltext *q, const struct obp_svar *v, const char *type)
{
    obp_sqltext_adds(q, "CAST(");
    obp_sqltext_add(q, v->data, v->len);
    obp_sqltext_adds(q, " AS ");
    obp_sqltext_adds(q, type);
    obp_sqltext_adds(q, ")");
}

/* A literal of the value's own type. */
static void
add_value(struct obp_sqltext *q, const struct obp_svar *v)
{
    switch (v->type) {
    case OBP_SVAL_NULL:
        obp_sqltext_adds(q, "NULL");
        break;
    case OBP_SVAL_INT:
        obp_sqltext_add(q, v->data, v->len);
        break;
    case OBP_SVAL_UINT:
        add_cast(q, v, "UNSIGNED");
        break;
    case OBP_SVAL_DECIMAL:
        /* without a point the literal would be an integer */
        if (memchr(v->data, '.', v->len) != NULL)
            obp_sqltext_add(q, v->data, v->len);
        else
            add_cast(q, v, "DECIMAL(65,0)");
        break;
    case OBP_SVAL_DOUBLE:
        /* an exponent makes it a double literal, not a decimal one */
        obp_sqltext_add(q, v->data, v->len);
        if (memchr(v->data, 'e', v->len) == NULL
            && memchr(v->data, 'E', v->len) == NULL)
            obp_sqltext_adds(q, "e0");
        break;
    default:
        obp_sqltext_adds(q, "_");
        obp_sqltext_adds(q, v->charset);
        obp_sqltext_adds(q, " ");
        obp_sqltext_hex(q, v->data, v->len);
        /* binary is a keyword there, and the charset's only collation */
        if (strcmp(v->collation, "binary") != 0) {
            obp_sqltext_adds(q, " COLLATE ");
            obp_sqltext_ident(q, v->collation);
        }
        break;
    }
}

static double
timeout(const struct obp_session *s)
{
    return (double)s->w->conf->short_async_task_timeout / 1e6;
}

/* The sync ended: the session takes its server connection back. */
static void
end(struct obp_ssync *y, int rc)
{
    struct obp_session *s = y->s;
    bool                restore = y->restore;
    char                why[sizeof(y->oc.err)];

    obp_strlcpy(why, y->oc.err, sizeof(why));
    obp_owncmd_stop(&y->oc);
    free(y);
    s->sync = NULL;
    obp_session_synced(s, rc, restore, why);
}

/* Runs <q> as the sync's next command; false when it could not start. */
static bool
run(struct obp_ssync *y, struct obp_sqltext *q, obp_owncmd_row_cb row,
    obp_owncmd_done_cb done)
{
    bool oom = q->err;
    int  rc = OBP_ERROR;

    if (!oom)
        rc = obp_owncmd_query(&y->oc, y->s->srv, q->p, q->len, timeout(y->s),
                              row, done, y);
    obp_sqltext_free(q);
    if (rc != OBP_OK && oom)
        obp_strlcpy(y->oc.err, "out of memory", sizeof(y->oc.err));
    return rc == OBP_OK;
}

/* A character set or collation name, safe to write back unquoted. */
static bool
name_ok(const uint8_t *p, size_t n)
{
    if (p == NULL || n == 0 || n > OBP_SQLSET_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')
              || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
            return false;
    }
    return true;
}

/* A number's text as the server writes it. */
static bool
number_ok(const uint8_t *p, size_t n)
{
    if (p == NULL || n == 0 || n > OBP_SQLSET_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == '-'
              || p[i] == '+' || p[i] == 'e' || p[i] == 'E'))
            return false;
    }
    return true;
}

static enum obp_sval_type
type_of(const struct obp_owncmd_col *col, bool null)
{
    if (null)
        return OBP_SVAL_NULL;
    switch (col->type) {
    case OBP_TYPE_LONGLONG:
        return (col->flags & OBP_FLAG_UNSIGNED) ? OBP_SVAL_UINT
                                                : OBP_SVAL_INT;
    case OBP_TYPE_DECIMAL: case OBP_TYPE_NEWDECIMAL:
        return OBP_SVAL_DECIMAL;
    case OBP_TYPE_DOUBLE: case OBP_TYPE_FLOAT:
        return OBP_SVAL_DOUBLE;
    default:
        return OBP_SVAL_STRING;
    }
}

static void
copy_name(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    snprintf(dst, cap, "%.*s", (int)n, (const char *)p);
}

/*
 * One variable's five columns of a read back's row.  A system variable's
 * number that is no number (a boolean's ON) is kept as its string.
 */
static void
take_value(struct obp_ssync *y, struct obp_svar *v,
           const struct obp_owncmd_col *col, const uint8_t *const *val,
           const size_t *len)
{
    struct obp_sstate  *st = &y->s->st;
    enum obp_sval_type  type = type_of(col, val[2] == NULL);
    char                cs[OBP_SQLSET_NAME_MAX + 1] = "";
    char                coll[OBP_SQLSET_NAME_MAX + 1] = "";

    if (val[1] != NULL && len[1] == 1 && val[1][0] == '1') {
        obp_sstate_give_up(st, "a variable's value over 8 KiB");
        return;
    }
    if (type != OBP_SVAL_STRING && type != OBP_SVAL_NULL && !v->user
        && !number_ok(val[2], len[2]))
        type = OBP_SVAL_STRING;
    if (type == OBP_SVAL_STRING ? !name_ok(val[3], len[3])
                                  || !name_ok(val[4], len[4])
        : type != OBP_SVAL_NULL && !number_ok(val[2], len[2])) {
        obp_log(OBP_LOG_DEBUG, y->s->id, 0, "%s %s: type %u, %zu bytes",
                v->user ? "user variable" : "variable", v->name, col->type,
                len[2]);
        obp_sstate_give_up(st, "a value the proxy cannot write back");
        return;
    }
    if (type == OBP_SVAL_STRING) {
        copy_name(cs, sizeof(cs), val[3], len[3]);
        copy_name(coll, sizeof(coll), val[4], len[4]);
    }
    obp_log(OBP_LOG_DEBUG, y->s->id, 0, "%s %s read back: %s, %zu bytes",
            v->user ? "user variable" : "variable", v->name,
            type == OBP_SVAL_STRING ? coll : type_names[type], len[2]);
    (void)obp_sstate_set_value(st, v, type,
                               val[2] != NULL ? val[2] : (const uint8_t *)"",
                               len[2], cs, coll);
}

/* The row of a read back: five columns a variable of the batch. */
static int
capture_row(struct obp_owncmd *oc, const uint8_t *const *val,
            const size_t *len)
{
    struct obp_ssync *y = oc->owner;

    if (y->got || oc->ncols != COLS * y->nbatch)
        return OBP_ERROR;
    y->got = 1;
    /* a variable given up frees them all */
    for (unsigned i = 0; i < y->nbatch && !y->s->st.given_up; i++)
        take_value(y, y->batch[i], &oc->col[COLS * i], val + COLS * i,
                   len + COLS * i);
    return OBP_OK;
}

static void capture_done(struct obp_owncmd *oc, int rc);

/* The five columns of <v> (the file's comment). */
static void
add_read_back(struct obp_sqltext *q, const struct obp_svar *v)
{
    char max[48];

    snprintf(max, sizeof(max), ") > %d", OBP_SSYNC_VALUE_MAX);
    obp_sqltext_adds(q, "IF(FALSE, ");
    add_var(q, v);
    obp_sqltext_adds(q, ", NULL), LENGTH(");
    add_var(q, v);
    obp_sqltext_adds(q, max);
    obp_sqltext_adds(q, ", IF(LENGTH(");
    add_var(q, v);
    obp_sqltext_adds(q, max);
    obp_sqltext_adds(q, ", NULL, CAST(");
    add_var(q, v);
    obp_sqltext_adds(q, " AS BINARY)), CAST(CHARSET(");
    add_var(q, v);
    obp_sqltext_adds(q, ") AS BINARY), CAST(COLLATION(");
    add_var(q, v);
    obp_sqltext_adds(q, ") AS BINARY)");
}

/* Reads back the next changed variables: OBP_OK started, OBP_DONE none. */
static int
capture_start(struct obp_ssync *y)
{
    struct obp_sqltext q = { NULL, 0, 0, false };
    unsigned   max = y->single ? 1 : BATCH;

    y->nbatch = 0;
    y->got = 0;
    for (struct obp_svar *v = y->s->st.vars; v != NULL && y->nbatch < max;
         v = v->next) {
        if (v->dirty)
            y->batch[y->nbatch++] = v;
    }
    if (y->nbatch == 0)
        return OBP_DONE;
    obp_sqltext_adds(&q, "SELECT ");
    for (unsigned i = 0; i < y->nbatch; i++) {
        if (i > 0)
            obp_sqltext_adds(&q, ", ");
        add_read_back(&q, y->batch[i]);
    }
    return run(y, &q, capture_row, capture_done) ? OBP_OK : OBP_ERROR;
}

static void
capture_next(struct obp_ssync *y)
{
    int rc = capture_start(y);

    if (rc == OBP_DONE) {
        end(y, OBP_OK);
    } else if (rc == OBP_ERROR) {
        obp_sstate_give_up(&y->s->st, "a value could not be read back");
        end(y, y->oc.lost ? OBP_ERROR : OBP_OK);
    }
}

static void
capture_done(struct obp_owncmd *oc, int rc)
{
    struct obp_ssync  *y = oc->owner;
    struct obp_sstate *st = &y->s->st;

    if (rc == OBP_OK && !y->got)
        obp_sstate_give_up(st, "no value read back");
    if (rc != OBP_OK && oc->lost) {
        obp_sstate_give_up(st, "the server session broke while a value "
                           "was read back");
        end(y, OBP_ERROR);
        return;
    }
    /* the ERR of a SET naming a variable the server does not know */
    if (rc != OBP_OK && !st->given_up
        && oc->err_code == ER_UNKNOWN_SYSTEM_VARIABLE && y->nbatch > 1) {
        y->single = 1;          /* which one: read them one by one */
    } else if (rc != OBP_OK && !st->given_up && !y->batch[0]->user
               && oc->err_code == ER_UNKNOWN_SYSTEM_VARIABLE) {
        obp_sstate_drop_var(st, y->batch[0]);
    } else if (rc != OBP_OK) {
        obp_log(OBP_LOG_INFO, y->s->id, 0, "reading a session variable "
                "back failed: %s", oc->err);
        obp_sstate_give_up(st, "a value could not be read back");
    }
    capture_next(y);
}

int
obp_ssync_after(struct obp_session *s, bool ok)
{
    struct obp_sstate *st = &s->st;
    struct obp_ssync  *y;
    int                rc;

    if (s->req.cmd == OBP_COM_RESET_CONNECTION && ok) {
        obp_sstate_clear(st);   /* the server forgot it all too */
        obp_sroute_reset(s, true);  /* the others did not */
        return OBP_OK;
    }
    if (s->req.cmd == OBP_COM_STMT_PREPARE)
        obp_sstate_prep_text(st, NULL, 0);  /* what an ERR left */
    if (!obp_sstate_apply(st, ok))
        return OBP_OK;
    y = calloc(1, sizeof(*y));
    if (y == NULL)
        return OBP_ERROR;
    y->s = s;
    rc = capture_start(y);
    if (rc == OBP_OK) {
        s->sync = y;
        return OBP_AGAIN;
    }
    if (rc == OBP_ERROR)
        obp_sstate_give_up(st, "a value could not be read back");
    free(y);
    return OBP_OK;
}

void
obp_ssync_scan(struct obp_session *s, const char *text, size_t len,
               bool cut, bool multi)
{
    struct obp_sqlset      it;
    struct obp_sqlset_item item;
    unsigned               flags = 0;
    int                    rc;

    if (s->st.given_up)
        return;
    if ((s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES) == 0)
        flags |= OBP_SQLSET_BACKSLASH;
    flags |= (multi ? OBP_SQLSET_MULTI : 0) | (cut ? OBP_SQLSET_CUT : 0);
    obp_sqlset_init(&it, text, len, flags);
    /* each item takes a token of the text: bounded */
    while ((rc = obp_sqlset_next(&it, &item)) == OBP_OK) {
        if (obp_sstate_pend(&s->st, &item) != OBP_OK) {
            obp_sstate_give_up(&s->st, "out of memory");
            return;
        }
    }
    obp_sstate_pend_end(&s->st, it.stmt + 1, rc == OBP_ERROR);
}

static bool
in_pass(const struct obp_svar *v, int pass)
{
    bool coll = strncmp(v->name, "collation_", 10) == 0;

    switch (pass) {
    case PASS_SYSVARS:
        return !v->user && !coll;
    case PASS_COLLATIONS:
        return !v->user && coll;    /* after their character sets */
    default:
        return v->user;
    }
}

static void ready_done(struct obp_owncmd *oc, int rc);

/* USE <db> as step <step>; OBP_DONE when the server session is on it. */
static int
send_use(struct obp_ssync *y, const char *db, int step)
{
    struct obp_sqltext q = { NULL, 0, 0, false };

    /* no schema cannot be gone back to: names are then qualified */
    if (db[0] == '\0' || strcmp(y->s->srv->pool_db, db) == 0)
        return OBP_DONE;
    y->ran = step;
    obp_sqltext_adds(&q, "USE ");
    obp_sqltext_ident(&q, db);
    return run(y, &q, NULL, ready_done) ? OBP_OK : OBP_ERROR;
}

/*
 * Every variable in one SET, system variables first, collations after
 * their character sets, user variables last (a SET assigns left to
 * right), when the server session has an older version of them.
 */
static int
send_vars(struct obp_ssync *y)
{
    struct obp_sstate *st = &y->s->st;
    struct obp_sqltext q = { NULL, 0, 0, false };
    const char        *sep = "SET ";

    if (y->s->srv->st_ver == st->version)
        return OBP_DONE;
    for (int pass = PASS_SYSVARS; pass < PASS_STMTS; pass++) {
        for (struct obp_svar *v = st->vars; v != NULL; v = v->next) {
            if (!in_pass(v, pass))
                continue;
            obp_sqltext_adds(&q, sep);
            add_var(&q, v);
            obp_sqltext_adds(&q, " = ");
            add_value(&q, v);
            sep = ", ";
        }
    }
    if (q.len == 0 && !q.err) {
        y->s->srv->st_ver = st->version;
        return OBP_DONE;
    }
    y->ran = STEP_VARS;
    return run(y, &q, NULL, ready_done) ? OBP_OK : OBP_ERROR;
}

/* The statement the command executes, where it is missing: OBP_DONE. */
static struct obp_stmt *
missing_stmt(struct obp_ssync *y)
{
    struct obp_session *s = y->s;
    struct obp_stmt    *stmt;

    stmt = s->rt.stmt != 0 ? obp_sstate_stmt(&s->st, s->rt.stmt) : NULL;
    if (stmt == NULL || obp_srvstmt_get(&s->srv->stmts, stmt->id) != NULL)
        return NULL;
    return stmt;
}

/* It is prepared there, in the schema it was first prepared in. */
static int
send_prepare(struct obp_ssync *y)
{
    struct obp_session *s = y->s;

    if ((y->stmt = missing_stmt(y)) == NULL)
        return OBP_DONE;
    if (y->stmt->text == NULL) {
        snprintf(y->oc.err, sizeof(y->oc.err), "statement %u has no text "
                 "to prepare on %s", y->stmt->id, s->srv->addr.text);
        return OBP_ERROR;
    }
    y->ran = STEP_STMT;
    return obp_owncmd_prepare(&y->oc, s->srv, y->stmt->text,
                              y->stmt->text_len, timeout(s), ready_done, y);
}

/* A held BEGIN goes ahead of the transaction's first statement. */
static int
send_begin(struct obp_ssync *y)
{
    struct obp_sqltext q = { NULL, 0, 0, false };

    q.p = obp_sroute_take_begin(y->s, &q.len);
    if (q.p == NULL)
        return OBP_DONE;
    y->ran = STEP_BEGIN;
    return run(y, &q, NULL, ready_done) ? OBP_OK : OBP_ERROR;
}

/* Step <step>: OBP_OK started, OBP_DONE nothing to do, OBP_ERROR. */
static int
step_start(struct obp_ssync *y, int step)
{
    switch (step) {
    case STEP_USE:
        return send_use(y, y->s->db, step);
    case STEP_VARS:
        return send_vars(y);
    case STEP_STMT_USE:
        y->stmt = missing_stmt(y);
        return y->stmt != NULL ? send_use(y, y->stmt->db, step) : OBP_DONE;
    case STEP_STMT:
        return send_prepare(y);
    case STEP_STMT_BACK:
        return send_use(y, y->s->db, step);
    default:
        return send_begin(y);
    }
}

/* The next step: OBP_OK started, OBP_DONE all done, OBP_ERROR failed. */
static int
ready_start(struct obp_ssync *y)
{
    int rc = OBP_DONE;

    if (y->check) {
        y->check = 0;
        y->ran = STEP_CHECK;
        obp_stat_add(y->s->w->stats, OBP_STAT_pool_checked, 1);
        return obp_owncmd_ping(&y->oc, y->s->srv, obp_srvcheck_timeout(y->s),
                               ready_done, y);
    }

    /* each step runs once: bounded */
    while (rc == OBP_DONE && y->step != STEP_DONE)
        rc = step_start(y, y->step++);
    return rc;
}

static void
ready_next(struct obp_ssync *y)
{
    int rc = ready_start(y);

    if (rc == OBP_DONE)
        end(y, OBP_OK);
    else if (rc == OBP_ERROR)
        end(y, OBP_ERROR);
}

/*
 * The server refused the statement or the BEGIN the command needs: the
 * command gets the server's ERR, the session goes on.
 */
static void
refuse_command(struct obp_ssync *y, const char *msg)
{
    struct obp_owncmd *oc = &y->oc;
    const char        *text = strstr(msg, "): ");

    /* a server's ERR reads "code (state): message": the client gets it */
    if (oc->err_code != 0 && text != NULL)
        msg = text + 3;
    if (obp_req_refuse(y->s, 1, oc->err_code != 0 ? oc->err_code : 1105,
                       oc->err_code != 0 ? oc->err_state : "HY000", msg)
        != OBP_OK)
        end(y, OBP_ERROR);
    else
        end(y, OBP_OK);
}

/* The statement was prepared: the server's id is recorded. */
static int
prepared(struct obp_ssync *y)
{
    struct obp_owncmd *oc = &y->oc;
    struct obp_srv    *srv = y->s->srv;

    if (oc->stmt_params != y->stmt->params) {
        snprintf(oc->err, sizeof(oc->err), "statement %u prepared on %s "
                 "has %u parameters, not %u", y->stmt->id, srv->addr.text,
                 oc->stmt_params, y->stmt->params);
        refuse_command(y, oc->err);
        return OBP_DONE;
    }
    if (obp_srvstmt_put(&srv->stmts, y->stmt->id, oc->stmt_id) != OBP_OK) {
        obp_strlcpy(oc->err, "out of memory", sizeof(oc->err));
        end(y, OBP_ERROR);
        return OBP_DONE;
    }
    return OBP_OK;
}

static void
ready_done(struct obp_owncmd *oc, int rc)
{
    struct obp_ssync *y = oc->owner;
    struct obp_srv   *srv = y->s->srv;

    if (rc != OBP_OK && y->ran == STEP_CHECK) {
        end(y, OBP_AGAIN);      /* the session takes another server */
        return;
    }
    if (rc != OBP_OK && !oc->lost && (y->ran == STEP_STMT_USE
                                      || y->ran == STEP_STMT
                                      || y->ran == STEP_BEGIN)) {
        refuse_command(y, oc->err);
        return;
    }
    if (rc != OBP_OK) {
        end(y, OBP_ERROR);
        return;
    }
    switch (y->ran) {
    case STEP_USE: case STEP_STMT_BACK:
        obp_strlcpy(srv->pool_db, y->s->db, sizeof(srv->pool_db));
        break;
    case STEP_STMT_USE:
        obp_strlcpy(srv->pool_db, y->stmt->db, sizeof(srv->pool_db));
        break;
    case STEP_VARS:
        srv->st_ver = y->s->st.version;
        break;
    case STEP_STMT:
        if (prepared(y) != OBP_OK)
            return;
        break;
    case STEP_BEGIN:
        /* open now: a server lost from here on cannot be replaced */
        srv->status |= OBP_SERVER_STATUS_IN_TRANS;
        break;
    default:
        break;
    }
    ready_next(y);
}

int
obp_ssync_ready(struct obp_session *s, bool fresh, bool check)
{
    struct obp_ssync *y;
    int               rc;

    if (!fresh && !check && s->rt.begin == NULL
        && (s->rt.stmt == 0 || obp_srvstmt_get(&s->srv->stmts, s->rt.stmt)
                               != NULL))
        return OBP_OK;
    y = calloc(1, sizeof(*y));
    if (y == NULL)
        return OBP_ERROR;
    y->s = s;
    y->restore = 1;
    y->check = check;
    y->step = fresh ? STEP_USE : STEP_STMT_USE;
    rc = ready_start(y);
    if (rc == OBP_OK) {
        s->sync = y;
        return OBP_AGAIN;
    }
    if (rc == OBP_ERROR)
        obp_log(OBP_LOG_WARN, s->id, 0, "session state not brought to %s: "
                "%s", s->srv->addr.text, y->oc.err);
    free(y);
    return rc == OBP_DONE ? OBP_OK : OBP_ERROR;
}

void
obp_ssync_cancel(struct obp_session *s)
{
    if (s->sync == NULL)
        return;
    obp_owncmd_stop(&s->sync->oc);
    free(s->sync);
    s->sync = NULL;
}
