/*
 * Admin commands about the proxy itself (adm.h): its version, its
 * state, its counters, and what a client library sends an admin session
 * on its own (SET NAMES, SELECT @@version_comment).
 */
#include "worker.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LIKE_MAX 128
#define ER_NOT_SUPPORTED_YET 1235

enum obp_cmd_rc
obp_adm_rc(int rc)
{
    return rc == OBP_OK ? OBP_CMD_ANSWER : OBP_CMD_NOMEM;
}

static int
fold(int c)
{
    return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

/*
 * LIKE matching: % and _, a backslash takes the next byte as it is, no
 * ASCII case.  Backtracking only to the last %: O(pattern x name).
 */
static bool
like(const char *p, const char *n)
{
    const char *star = NULL, *mark = NULL;

    while (*n != '\0') {
        if (*p == '%') {
            star = ++p;
            mark = n;
            continue;
        }
        if (*p == '\\' && p[1] != '\0' && fold(p[1]) == fold(*n)) {
            p += 2;
            n++;
            continue;
        }
        if (*p != '\0' && *p != '\\' && (*p == '_' || fold(*p) == fold(*n))) {
            p++;
            n++;
            continue;
        }
        if (star == NULL)
            return false;
        p = star;
        n = ++mark;
    }
    while (*p == '%')
        p++;
    return *p == '\0';
}

bool
obp_adm_match(const char *pattern, const char *name)
{
    return pattern[0] == '\0' || like(pattern, name);
}

bool
obp_adm_like(struct obp_session *s, struct obp_cmd_arg *a, char *pattern,
             size_t cap, enum obp_cmd_rc *rc)
{
    pattern[0] = '\0';
    if (obp_sqllex_kw(&a->t, "LIKE")) {
        obp_cmd_next(a);
        if (a->t.type != OBP_SQLLEX_STRING || !obp_cmd_word(a, pattern, cap)) {
            *rc = obp_cmd_syntax(s, a);
            return false;
        }
        obp_cmd_next(a);
    }
    if (!obp_cmd_at_end(a)) {
        *rc = obp_cmd_syntax(s, a);
        return false;
    }
    return true;
}

/* A one-row, one-column result set. */
static enum obp_cmd_rc
one_value(struct obp_session *s, const char *col, const char *value)
{
    struct obp_ans   *ans = obp_req_answer(s);
    const char *const row[] = { value };

    return obp_adm_rc(obp_ans_columns(ans, 1) == OBP_OK
                      && obp_ans_col(ans, col, OBP_ANS_TEXT) == OBP_OK
                      && obp_ans_row(ans, row) == OBP_OK
                      ? obp_ans_end(ans) : OBP_ERROR);
}

/* PING PROXY, COM_PING, an admin's COM_INIT_DB: OK. */
enum obp_cmd_rc
obp_adm_ok(struct obp_session *s, struct obp_iobuf *b, struct obp_cmd_arg *a)
{
    if (a->text != NULL && !obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    return obp_adm_rc(obp_ans_ok(obp_req_answer(s), 0, NULL));
}

/* A function's empty argument list, its "(" read by the table's row. */
static bool
no_arguments(struct obp_cmd_arg *a)
{
    if (a->t.type != OBP_SQLLEX_RPAREN)
        return false;
    obp_cmd_next(a);
    return true;
}

/*
 * The rest of SELECT FUNC(): ")", then [[AS] alias], which names the
 * column (else <name> as it is); false on another form.
 */
static bool
select_rest(struct obp_cmd_arg *a, char *name, size_t cap)
{
    if (!no_arguments(a))
        return false;
    if (obp_sqllex_kw(&a->t, "AS"))
        obp_cmd_next(a);
    if (a->t.type != OBP_SQLLEX_END && a->t.type != OBP_SQLLEX_SEMI) {
        if (!obp_cmd_word(a, name, cap))
            return false;
        obp_cmd_next(a);
    }
    return obp_cmd_at_end(a);
}

enum obp_cmd_rc
obp_adm_proxy_version(struct obp_session *s, struct obp_iobuf *b,
                      struct obp_cmd_arg *a)
{
    char name[64] = "proxy_version()";

    if (!select_rest(a, name, sizeof(name)))
        return obp_cmd_syntax(s, a);
    return one_value(s, name, OBP_VERSION_STRING);
}

enum obp_cmd_rc
obp_adm_proxy_status(struct obp_session *s, struct obp_iobuf *b,
                     struct obp_cmd_arg *a)
{
    char name[64] = "proxy_status()";

    if (!select_rest(a, name, sizeof(name)))
        return obp_cmd_syntax(s, a);
    return one_value(s, name, s->w->draining ? "draining" : "running");
}

/* SHOW PROXYSTAT [REFRESH] [LIKE 'x']: the counters of every worker. */
enum obp_cmd_rc
obp_adm_show_proxystat(struct obp_session *s, struct obp_iobuf *b,
                       struct obp_cmd_arg *a)
{
    static const char *const cols[] = { "stat_name", "#value",
                                        "persist_type" };
    struct obp_ans *ans = obp_req_answer(s);
    uint64_t        sums[OBP_STAT_COUNT];
    char            pattern[LIKE_MAX], v[24];
    enum obp_cmd_rc rc;
    int             ok;

    if (obp_sqllex_kw(&a->t, "REFRESH"))
        obp_cmd_next(a);
    if (!obp_adm_like(s, a, pattern, sizeof(pattern), &rc))
        return rc;
    obp_shm_stats_sum(s->w->shm, sums);
    ok = obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK;
    for (int i = 0; ok && i < OBP_STAT_COUNT; i++) {
        const char *row[] = { obp_stat_descs[i].name, v,
                              obp_stat_descs[i].kind == OBP_STAT_GAUGE
                              ? "GAUGE" : "COUNTER" };

        if (!obp_adm_match(pattern, row[0]))
            continue;
        snprintf(v, sizeof(v), "%" PRIu64, sums[i]);
        ok = obp_ans_row(ans, row) == OBP_OK;
    }
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}

/* SHOW PROXYINFO BINARY's and UPGRADE's answer: ODP's name and info. */
static int
info_answer(struct obp_session *s, const char *name, const char *info)
{
    static const char *const cols[] = { "name", "info" };
    struct obp_ans          *ans = obp_req_answer(s);
    const char *const        row[] = { name, info };

    return obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK
           && obp_ans_row(ans, row) == OBP_OK ? obp_ans_end(ans) : OBP_ERROR;
}

/* Whether a line of the master's status is about generations, upgrades. */
static bool
upgrade_line(const char *line)
{
    static const char *const keep[] = { "pid:", "version:", "state:",
                                        "generation", "uptime:",
                                        "upgrade:" };

    for (size_t k = 0; k < OBP_NELEMS(keep); k++)
        if (strncmp(line, keep[k], strlen(keep[k])) == 0)
            return true;
    return false;
}

/*
 * The master's status, its lines about generations and upgrades.  A
 * status too long for the call's buffer (a large server table) fails
 * the call, but these lines come first: they are shown all the same.
 */
static int
upgrade_info(struct obp_session *s, struct obp_ctlcall *c, bool ok,
             const char *what)
{
    char   info[OBP_CTLCALL_REPLY_MAX + 1];
    size_t n = 0, len;

    for (const char *line = c->reply; *line != '\0'; line += len + 1) {
        len = strcspn(line, "\n");
        if (upgrade_line(line) && n + len + 2 <= sizeof(info)) {
            if (n > 0)
                info[n++] = '\n';
            memcpy(info + n, line, len);
            n += len;
        }
        if (line[len] == '\0')
            break;
    }
    info[n] = '\0';
    if (n == 0)
        return obp_ans_err(obp_req_answer(s), ER_NOT_SUPPORTED_YET, "HY000",
                           "obproxy: %s: the master answered '%s'", what,
                           ok ? "" : obp_ctlcall_last(c));
    return info_answer(s, "hot upgrade info", info);
}

/* SHOW PROXYINFO BINARY | UPGRADE | IDC */
enum obp_cmd_rc
obp_adm_show_proxyinfo(struct obp_session *s, struct obp_iobuf *b,
                       struct obp_cmd_arg *a)
{
    char info[256];
    bool binary = obp_sqllex_kw(&a->t, "BINARY");
    bool upgrade = obp_sqllex_kw(&a->t, "UPGRADE");

    if (obp_sqllex_kw(&a->t, "IDC")) {
        obp_cmd_next(a);
        return obp_adm_info_idc(s, b, a);
    }
    if (!binary && !upgrade)
        return obp_cmd_syntax(s, a);
    obp_cmd_next(a);
    if (!obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    if (upgrade)
        return obp_adm_call(s, "status", "SHOW PROXYINFO UPGRADE",
                            upgrade_info);
    snprintf(info, sizeof(info), "obproxy-%s\nversion:%s\nBUILD_TIME:%s %s",
             OBP_VERSION_STRING, OBP_VERSION_STRING, __DATE__, __TIME__);
    return obp_adm_rc(info_answer(s, "binary info", info));
}

/*
 * An admin session's SET (SET NAMES, SET autocommit from a client
 * library): nothing to set, as in ODP, so OK; one statement only.
 */
enum obp_cmd_rc
obp_adm_set(struct obp_session *s, struct obp_iobuf *b, struct obp_cmd_arg *a)
{
    /* bounded by the text: each turn reads a token */
    while (a->t.type != OBP_SQLLEX_END && a->t.type != OBP_SQLLEX_SEMI)
        obp_cmd_next(a);
    if (!obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    return obp_adm_rc(obp_ans_ok(obp_req_answer(s), 0, NULL));
}
