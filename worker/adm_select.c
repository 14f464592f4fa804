/*
 * An admin session's own SELECT (adm.h): what client libraries and the
 * mariadb client's status send on their own -- @@variables, DATABASE(),
 * USER(), CONNECTION_ID(), VERSION() and literals, with LIMIT or FROM
 * DUAL -- answered as one row; SELECT * FROM one of the multi-level
 * tables goes to adm_level.c.  Anything else names itself in the error
 * (the admin has no server to ask).
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SEL_MAX  16         /* items of one select list */
#define COL_MAX  96
#define VAL_MAX  (2 * OBP_NAME_MAX + 64)  /* user@address */

struct sel_item {
    char        col[COL_MAX];   /* the column: as written, or its alias */
    const char *val;            /* NULL for SQL NULL */
    char        buf[VAL_MAX];
};

/* The values of @@names that client libraries read when they connect. */
static const char *
sysvar(const char *name, size_t n)
{
    static const struct { const char *name, *value; } vars[] = {
        { "version_comment", "obproxy" },
        { "version", OBP_VERSION_STRING },
        { "max_allowed_packet", "16777216" },
        { "autocommit", "1" },
        { "tx_isolation", "READ-COMMITTED" },
        { "transaction_isolation", "READ-COMMITTED" },
        { "character_set_client", "utf8mb4" },
        { "character_set_connection", "utf8mb4" },
        { "character_set_results", "utf8mb4" },
        { "collation_connection", "utf8mb4_general_ci" },
        { "sql_mode", "" },
        { "time_zone", "SYSTEM" },
        { "lower_case_table_names", "0" },
    };

    if (n > 8 && strncasecmp(name, "session.", 8) == 0)
        name += 8, n -= 8;
    else if (n > 7 && strncasecmp(name, "global.", 7) == 0)
        name += 7, n -= 7;
    for (size_t i = 0; i < OBP_NELEMS(vars); i++)
        if (strlen(vars[i].name) == n && strncasecmp(vars[i].name, name, n)
                                         == 0)
            return vars[i].value;
    return NULL;
}

/* A function without arguments; false when it is none of these. */
static bool
function(const struct obp_session *s, const struct obp_sqllex_tok *t,
         struct sel_item *it)
{
    if (obp_sqllex_kw(t, "DATABASE") || obp_sqllex_kw(t, "SCHEMA")) {
        it->val = NULL;
    } else if (obp_sqllex_kw(t, "USER") || obp_sqllex_kw(t, "SESSION_USER")
               || obp_sqllex_kw(t, "SYSTEM_USER")) {
        snprintf(it->buf, sizeof(it->buf), "%s@%s", s->name.user, s->cip);
    } else if (obp_sqllex_kw(t, "CURRENT_USER")) {
        snprintf(it->buf, sizeof(it->buf), "%s@proxysys", s->name.user);
    } else if (obp_sqllex_kw(t, "CONNECTION_ID")) {
        snprintf(it->buf, sizeof(it->buf), "%u", s->id);
    } else if (obp_sqllex_kw(t, "VERSION")) {
        obp_strlcpy(it->buf, OBP_VERSION_STRING, sizeof(it->buf));
    } else {
        return false;
    }
    return true;
}

/* The text from <start> to the end of a->t, as the column's name. */
static void
as_written(struct sel_item *it, const char *start, const struct obp_cmd_arg *a)
{
    size_t n = (size_t)(a->t.s + a->t.n - start);

    snprintf(it->col, sizeof(it->col), "%.*s", (int)n, start);
}

/* One item of the list, read past, with its alias; false if unknown. */
static bool
item(const struct obp_session *s, struct obp_cmd_arg *a, struct sel_item *it)
{
    const char            *start = a->t.s;
    struct obp_sqllex_tok  name = a->t;

    it->val = it->buf;
    if (a->t.type == OBP_SQLLEX_SYSVAR) {
        it->val = sysvar(a->t.s, a->t.n);
        snprintf(it->col, sizeof(it->col), "@@%.*s", (int)a->t.n, a->t.s);
    } else if (a->t.type == OBP_SQLLEX_NUMBER
               || a->t.type == OBP_SQLLEX_STRING) {
        if (!obp_cmd_word(a, it->buf, sizeof(it->buf)))
            return false;
        obp_strlcpy(it->col, it->buf, sizeof(it->col));
    } else if (a->t.type == OBP_SQLLEX_WORD) {
        obp_cmd_next(a);
        if (a->t.type != OBP_SQLLEX_LPAREN || !function(s, &name, it))
            return false;
        obp_cmd_next(a);
        if (a->t.type != OBP_SQLLEX_RPAREN)
            return false;
        as_written(it, start, a);
    } else {
        return false;
    }
    obp_cmd_next(a);
    if (obp_sqllex_kw(&a->t, "AS"))
        obp_cmd_next(a);
    if (a->t.type == OBP_SQLLEX_WORD || a->t.type == OBP_SQLLEX_QID
        || a->t.type == OBP_SQLLEX_STRING) {
        if (obp_sqllex_kw(&a->t, "LIMIT") || obp_sqllex_kw(&a->t, "FROM"))
            return true;
        if (!obp_cmd_word(a, it->col, sizeof(it->col)))
            return false;
        obp_cmd_next(a);
    }
    return true;
}

/* [FROM DUAL] [LIMIT n [, m | OFFSET m]] and the end. */
static bool
tail(struct obp_cmd_arg *a)
{
    if (obp_sqllex_kw(&a->t, "FROM")) {
        obp_cmd_next(a);
        if (!obp_sqllex_kw(&a->t, "DUAL"))
            return false;
        obp_cmd_next(a);
    }
    if (obp_sqllex_kw(&a->t, "LIMIT")) {
        obp_cmd_next(a);
        if (a->t.type != OBP_SQLLEX_NUMBER)
            return false;
        obp_cmd_next(a);
        if (a->t.type == OBP_SQLLEX_COMMA || obp_sqllex_kw(&a->t, "OFFSET")) {
            obp_cmd_next(a);
            if (a->t.type != OBP_SQLLEX_NUMBER)
                return false;
            obp_cmd_next(a);
        }
    }
    return obp_cmd_at_end(a);
}

static int
answer(struct obp_session *s, const struct sel_item *items, unsigned n)
{
    struct obp_ans *ans = obp_req_answer(s);
    const char     *row[SEL_MAX];
    int             ok = obp_ans_columns(ans, n) == OBP_OK;

    for (unsigned i = 0; ok && i < n; i++) {
        ok = obp_ans_col(ans, items[i].col, OBP_ANS_TEXT) == OBP_OK;
        row[i] = items[i].val;
    }
    return ok && obp_ans_row(ans, row) == OBP_OK ? obp_ans_end(ans)
                                                 : OBP_ERROR;
}

enum obp_cmd_rc
obp_adm_select(struct obp_session *s, struct obp_iobuf *b,
               struct obp_cmd_arg *a)
{
    struct sel_item items[SEL_MAX];
    unsigned        n = 0;

    if (a->t.type == OBP_SQLLEX_OTHER && a->t.n == 1 && a->t.s[0] == '*')
        return obp_adm_level_select(s, b, a);
    /* each turn reads an item: bounded by SEL_MAX */
    for (;;) {
        if (n == SEL_MAX || !item(s, a, &items[n]))
            return obp_cmd_syntax(s, a);
        n++;
        if (a->t.type != OBP_SQLLEX_COMMA)
            break;
        obp_cmd_next(a);
    }
    if (!tail(a))
        return obp_cmd_syntax(s, a);
    return obp_adm_rc(answer(s, items, n));
}
