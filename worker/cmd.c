/*
 * The command table and its dispatch (cmd.h).
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>

#define ER_PARSE_ERROR          1064
#define ER_SPECIFIC_ACCESS_DENIED 1227
#define ER_NOT_SUPPORTED_YET    1235
#define CMD_WORDS_MAX           3
#define NAME_SHOWN_MAX          64

struct cmd_row {
    const char *name;                   /* in messages and logs */
    uint8_t     com;                    /* the command byte */
    const char *words[CMD_WORDS_MAX];   /* a COM_QUERY's first words */
    unsigned    flags;                  /* OBP_CMD_* */
    obp_cmd_fn  fn;
};

/* COM_QUIT: never relayed, the server session may outlive the client. */
static enum obp_cmd_rc
cmd_quit(struct obp_session *s, struct obp_iobuf *b, struct obp_cmd_arg *a)
{
    (void)obp_pool_offer(s);
    obp_session_close(s, "client quit");
    return OBP_CMD_GONE;
}

/* COM_CHANGE_USER: the login flow owns the session from then on. */
static enum obp_cmd_rc
cmd_change_user(struct obp_session *s, struct obp_iobuf *b,
                struct obp_cmd_arg *a)
{
    return obp_chuser_start(s, b) == OBP_AGAIN ? OBP_CMD_WAIT : OBP_CMD_GONE;
}

#define ALL     (OBP_CMD_ADMIN | OBP_CMD_READER | OBP_CMD_USER)
#define KILLERS (OBP_CMD_ADMIN | OBP_CMD_USER)  /* the inspector only reads */
#define READERS (OBP_CMD_ADMIN | OBP_CMD_READER)
#define PROXY_R (OBP_CMD_PROXY | OBP_CMD_ADMIN | OBP_CMD_READER)

/*
 * First match wins: longer word lists before their prefixes.  A word
 * "(" is the token: a function call, not a column of that name.
 */
static const struct cmd_row cmd_table[] = {
    { "COM_QUIT", OBP_COM_QUIT, { NULL }, ALL, cmd_quit },
    { "COM_CHANGE_USER", OBP_COM_CHANGE_USER, { NULL }, OBP_CMD_USER,
      cmd_change_user },
    { "COM_PROCESS_KILL", OBP_COM_PROCESS_KILL, { NULL }, KILLERS,
      obp_kill_cmd },
    { "COM_PING", OBP_COM_PING, { NULL }, PROXY_R, obp_adm_ok },
    { "COM_INIT_DB", OBP_COM_INIT_DB, { NULL }, PROXY_R, obp_adm_ok },
    { "KILL PROXYSESSION", OBP_COM_QUERY, { "KILL", "PROXYSESSION" },
      OBP_CMD_ADMIN, obp_adm_kill_proxysession },
    { "KILL", OBP_COM_QUERY, { "KILL" }, KILLERS, obp_kill_cmd },
    { "PING PROXY", OBP_COM_QUERY, { "PING", "PROXY" }, ALL, obp_adm_ok },
    { "SELECT PROXY_VERSION()", OBP_COM_QUERY,
      { "SELECT", "PROXY_VERSION", "(" }, ALL, obp_adm_proxy_version },
    { "SELECT PROXY_STATUS()", OBP_COM_QUERY,
      { "SELECT", "PROXY_STATUS", "(" }, READERS, obp_adm_proxy_status },
    { "SHOW PROXYCONFIG", OBP_COM_QUERY, { "SHOW", "PROXYCONFIG" }, READERS,
      obp_adm_show_proxyconfig },
    { "ALTER PROXYCONFIG", OBP_COM_QUERY, { "ALTER", "PROXYCONFIG" },
      OBP_CMD_ADMIN, obp_adm_alter_proxyconfig },
    { "SHOW PROXYSESSION", OBP_COM_QUERY, { "SHOW", "PROXYSESSION" },
      READERS, obp_adm_show_proxysession },
    { "SHOW PROCESSLIST", OBP_COM_QUERY, { "SHOW", "PROCESSLIST" }, PROXY_R,
      obp_adm_show_processlist },
    { "SHOW FULL PROCESSLIST", OBP_COM_QUERY,
      { "SHOW", "FULL", "PROCESSLIST" }, PROXY_R, obp_adm_show_processlist },
    { "SHOW PROXYSTAT", OBP_COM_QUERY, { "SHOW", "PROXYSTAT" }, READERS,
      obp_adm_show_proxystat },
    { "SHOW PROXYINFO", OBP_COM_QUERY, { "SHOW", "PROXYINFO" }, READERS,
      obp_adm_show_proxyinfo },
    { "SHOW PROXYCONGESTION", OBP_COM_QUERY, { "SHOW", "PROXYCONGESTION" },
      READERS, obp_adm_show_proxycongestion },
    { "SHOW PROXYROUTE", OBP_COM_QUERY, { "SHOW", "PROXYROUTE" }, READERS,
      obp_adm_show_proxyroute },
    { "SHOW PROXYNET", OBP_COM_QUERY, { "SHOW", "PROXYNET" }, READERS,
      obp_adm_show_proxynet },
    { "SHOW PROXYCLUSTER", OBP_COM_QUERY, { "SHOW", "PROXYCLUSTER" },
      READERS, obp_adm_show_proxycluster },
    { "SHOW WARNLOG", OBP_COM_QUERY, { "SHOW", "WARNLOG" }, READERS,
      obp_adm_show_warnlog },
    { "SHOW PROXYTRACE", OBP_COM_QUERY, { "SHOW", "PROXYTRACE" }, READERS,
      obp_adm_show_proxytrace },
    { "EXPLAIN ROUTE", OBP_COM_QUERY, { "EXPLAIN", "ROUTE" }, ALL,
      obp_adm_explain_route },
    { "REPLACE INTO", OBP_COM_QUERY, { "REPLACE", "INTO" }, OBP_CMD_PROXY
      | OBP_CMD_ADMIN, obp_adm_level_write },
    { "INSERT INTO", OBP_COM_QUERY, { "INSERT", "INTO" }, OBP_CMD_PROXY
      | OBP_CMD_ADMIN, obp_adm_level_write },
    { "DELETE FROM", OBP_COM_QUERY, { "DELETE", "FROM" }, OBP_CMD_PROXY
      | OBP_CMD_ADMIN, obp_adm_level_delete },
    { "SET", OBP_COM_QUERY, { "SET" }, PROXY_R, obp_adm_set },
    { "SELECT", OBP_COM_QUERY, { "SELECT" }, PROXY_R, obp_adm_select },
};

/* Whether <s>'s account may run <row>'s command. */
static bool
may_run(const struct obp_session *s, const struct cmd_row *row)
{
    switch (s->admin) {
    case OBP_ADMIN_ROOT:
        return (row->flags & OBP_CMD_ADMIN) != 0;
    case OBP_ADMIN_INSPECTOR:
        return (row->flags & OBP_CMD_READER) != 0;
    default:
        return (row->flags & OBP_CMD_USER) != 0;
    }
}

/* The row's words open the statement; a->t is the token after them. */
static bool
words_match(const struct cmd_row *row, struct obp_cmd_arg *a,
            const struct obp_sqllex *start, const struct obp_sqllex_tok *first)
{
    a->lx = *start;
    a->t = *first;
    for (int i = 0; i < CMD_WORDS_MAX && row->words[i] != NULL; i++) {
        if (row->words[i][0] == '(' ? a->t.type != OBP_SQLLEX_LPAREN
                                    : !obp_sqllex_kw(&a->t, row->words[i]))
            return false;
        obp_sqllex_next(&a->lx, &a->t);
    }
    return true;
}

/* The row of a statement, or NULL; a->t stands after its words. */
static const struct cmd_row *
query_row(const struct obp_session *s, struct obp_cmd_arg *a)
{
    struct obp_sqllex     start;
    struct obp_sqllex_tok first;
    unsigned              flags = (s->status
                                   & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES)
                                  ? 0 : OBP_SQLLEX_BACKSLASH;

    obp_sqllex_init(&start, a->text, a->len, flags);
    obp_sqllex_next(&start, &first);
    if (first.type != OBP_SQLLEX_WORD)
        return NULL;
    for (size_t i = 0; i < OBP_NELEMS(cmd_table); i++) {
        const struct cmd_row *row = &cmd_table[i];

        if (row->com != OBP_COM_QUERY || row->words[0][0] != (first.s[0]
                                                              & ~0x20))
            continue;
        if ((row->flags & OBP_CMD_PROXY) && s->admin == OBP_ADMIN_NONE)
            continue;
        if (words_match(row, a, &start, &first))
            return row;
    }
    return NULL;
}

static const struct cmd_row *
com_row(const struct obp_session *s, uint8_t com)
{
    for (size_t i = 0; i < OBP_NELEMS(cmd_table); i++) {
        const struct cmd_row *row = &cmd_table[i];

        if (row->com != com || row->com == OBP_COM_QUERY)
            continue;
        if ((row->flags & OBP_CMD_PROXY) && s->admin == OBP_ADMIN_NONE)
            continue;
        return row;
    }
    return NULL;
}

/* The statement's start, as much as a message shows of it. */
static void
shown(const struct obp_cmd_arg *a, char *out, size_t cap)
{
    size_t n = a->len < NAME_SHOWN_MAX ? a->len : NAME_SHOWN_MAX;

    snprintf(out, cap, "%.*s%s", (int)n, a->text, a->len > n ? "..." : "");
}

/* A command of no row in a session of the proxy's own accounts. */
static enum obp_cmd_rc
unknown(struct obp_session *s, uint8_t com, const struct obp_cmd_arg *a)
{
    struct obp_ans *ans = obp_req_answer(s);
    char            what[NAME_SHOWN_MAX + 8];

    if (com != OBP_COM_QUERY)
        return obp_ans_err(ans, ER_NOT_SUPPORTED_YET, "42000", "obproxy: "
                           "command 0x%02x is not supported in the admin "
                           "session", com) == OBP_OK
               ? OBP_CMD_ANSWER : OBP_CMD_NOMEM;
    shown(a, what, sizeof(what));
    return obp_ans_err(ans, ER_NOT_SUPPORTED_YET, "42000", "obproxy: '%s' "
                       "is not an admin command (README, Admin SQL)",
                       what) == OBP_OK ? OBP_CMD_ANSWER : OBP_CMD_NOMEM;
}

static enum obp_cmd_rc
denied(struct obp_session *s, const struct cmd_row *row)
{
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s ('%s@%s'): %s refused, no "
            "privilege", s->caddr.text, s->name.user, s->name.tenant,
            row->name);
    return obp_ans_err(obp_req_answer(s), ER_SPECIFIC_ACCESS_DENIED, "42000",
                       "Access denied; you need (at least one of) the SUPER "
                       "privilege(s) for this operation (%s %s)", row->name,
                       row->flags & OBP_CMD_ADMIN
                       ? "is the proxy administrator's"
                       : "is not for the proxy's own accounts") == OBP_OK
           ? OBP_CMD_ANSWER : OBP_CMD_NOMEM;
}

/* The statement's text: whole, or as much as the buffer holds. */
static bool
query_text(const struct obp_iobuf *b, uint32_t len, struct obp_cmd_arg *a)
{
    size_t avail = b->recv - b->parse;
    size_t whole = OBP_PKT_HDR_LEN + (size_t)len;

    if (avail < whole && b->recv - b->done < OBP_IOBUF_SIZE)
        return false;
    a->text = (const char *)b->data + b->parse + OBP_PKT_HDR_LEN + 1;
    a->len = (avail < whole ? avail : whole) - OBP_PKT_HDR_LEN - 1;
    return true;
}

enum obp_cmd_rc
obp_cmd_dispatch(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    uint8_t               com = b->data[b->parse + OBP_PKT_HDR_LEN];
    const struct cmd_row *row;
    struct obp_cmd_arg    a;
    enum obp_cmd_rc       rc;

    memset(&a, 0, sizeof(a));
    if (com != OBP_COM_QUERY) {
        row = com_row(s, com);
    } else {
        if (!query_text(b, len, &a))
            return OBP_CMD_WAIT;
        row = query_row(s, &a);
    }
    if (row == NULL)
        return s->admin == OBP_ADMIN_NONE ? obp_relay_command(s, b, len)
                                          : unknown(s, com, &a);
    if (!may_run(s, row))
        return denied(s, row);
    a.name = row->name;
    if (com == OBP_COM_QUERY && a.len + 1 < len && s->admin != OBP_ADMIN_NONE)
        return obp_ans_err(obp_req_answer(s), ER_NOT_SUPPORTED_YET, "42000",
                           "obproxy: %s of %u bytes is longer than an admin "
                           "statement may be (%d)", row->name, len,
                           OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN) == OBP_OK
               ? OBP_CMD_ANSWER : OBP_CMD_NOMEM;
    rc = row->fn(s, b, &a);
    /* an answer past internal_cmd_mem_limited becomes an ERR saying so */
    if ((rc == OBP_CMD_ANSWER || rc == OBP_CMD_NOMEM) && s->req.ans.over)
        rc = obp_ans_check(&s->req.ans, row->name) == OBP_OK
             ? OBP_CMD_ANSWER : OBP_CMD_NOMEM;
    return rc;
}

void
obp_cmd_next(struct obp_cmd_arg *a)
{
    obp_sqllex_next(&a->lx, &a->t);
}

bool
obp_cmd_at_end(struct obp_cmd_arg *a)
{
    if (a->t.type == OBP_SQLLEX_SEMI)
        obp_cmd_next(a);
    return a->t.type == OBP_SQLLEX_END;
}

bool
obp_cmd_word(const struct obp_cmd_arg *a, char *out, size_t cap)
{
    const struct obp_sqllex_tok *t = &a->t;
    size_t                       n = 0;

    if (t->type != OBP_SQLLEX_WORD && t->type != OBP_SQLLEX_STRING
        && t->type != OBP_SQLLEX_QID && t->type != OBP_SQLLEX_NUMBER)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        char c = t->s[i];

        /* a doubled quote stands for one; a backslash takes the next */
        if (t->escaped && i + 1 < t->n
            && (c == '\\' || (c == t->quote && t->s[i + 1] == t->quote)))
            c = t->s[++i];
        if (c == '\0' || n + 1 >= cap)
            return false;       /* a NUL or too long: never cut */
        out[n++] = c;
    }
    out[n] = '\0';
    return true;
}

bool
obp_cmd_value(struct obp_cmd_arg *a, char *out, size_t cap)
{
    bool neg = a->t.type == OBP_SQLLEX_OTHER && a->t.n == 1
               && a->t.s[0] == '-';

    if (neg)
        obp_cmd_next(a);
    if (neg && (a->t.type != OBP_SQLLEX_NUMBER || cap < 2))
        return false;
    if (!obp_cmd_word(a, out + neg, cap - neg))
        return false;
    if (neg)
        out[0] = '-';
    obp_cmd_next(a);
    return true;
}

enum obp_cmd_rc
obp_cmd_syntax(struct obp_session *s, const struct obp_cmd_arg *a)
{
    char what[NAME_SHOWN_MAX + 8];

    shown(a, what, sizeof(what));
    return obp_ans_err(obp_req_answer(s), ER_PARSE_ERROR, "42000", "You have "
                       "an error in your SQL syntax: %s takes another form "
                       "than '%s' (README, Admin SQL)", a->name, what)
           == OBP_OK ? OBP_CMD_ANSWER : OBP_CMD_NOMEM;
}
