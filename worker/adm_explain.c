/*
 * EXPLAIN ROUTE <statement> (adm.h, ODP-REFERENCE 3.2): the route
 * diagnosis (routediag.h) of the statement as the session would route
 * it now, without running it.  One column "Route Plan", one row.
 */
#include "worker.h"
#include "router.h"
#include "routediag.h"

#include <string.h>

/* The statement after EXPLAIN ROUTE, leading comments kept. */
static void
explained(const struct obp_session *s, const struct obp_cmd_arg *a,
          const char **sql, size_t *len)
{
    struct obp_sqllex     lx;
    struct obp_sqllex_tok t;
    const char           *end = a->text + a->len;
    const char           *p;

    obp_sqllex_init(&lx, a->text, a->len,
                    (s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES)
                    ? 0 : OBP_SQLLEX_BACKSLASH);
    obp_sqllex_next(&lx, &t);       /* EXPLAIN */
    obp_sqllex_next(&lx, &t);       /* ROUTE */
    p = t.s + t.n;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    while (end > p && (end[-1] == ';' || end[-1] == ' ' || end[-1] == '\t'
                       || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    *sql = p;
    *len = (size_t)(end - p);
}

static enum obp_cmd_rc
one_row(struct obp_session *s, const char *text)
{
    static const char *const cols[] = { "Route Plan" };
    struct obp_ans          *ans = obp_req_answer(s);
    const char              *row[1] = { text };

    if (obp_adm_columns(ans, cols, 1) != OBP_OK
        || obp_ans_row(ans, row) != OBP_OK)
        return obp_adm_rc(OBP_ERROR);
    return obp_adm_rc(obp_ans_end(ans));
}

OBP_ADM_HANDLER(obp_adm_explain_route)
{
    struct obp_router_in  in;
    struct obp_router_out out;
    struct obp_rdiag      d;
    char                  text[OBP_RDIAG_TEXT_MAX];
    const char           *sql;
    size_t                len;

    if (s->w->conf->route_diagnosis_level == 0)
        return one_row(s, "Route diagnosis disabled");
    explained(s, a, &sql, &len);
    if (len == 0 || s->admin != OBP_ADMIN_NONE)
        return one_row(s, "Route diagnosis not supports this query");
    memset(&d, 0, sizeof(d));
    obp_sroute_input(s, &in, sql, len);
    d.sticky = obp_sroute_on(s) && obp_sroute_sticky(s);
    if (!d.sticky)
        obp_sroute_ask(s, &in, &out);
    else
        memset(&out, 0, sizeof(out));
    d.in = &in;
    d.out = &out;
    d.level = (int)s->w->conf->route_diagnosis_level;
    d.trans = (s->status & OBP_SERVER_STATUS_IN_TRANS) != 0;
    d.last = s->srv != NULL ? s->srv->addr.text : NULL;
    (void)obp_rdiag_text(&d, text, sizeof(text));   /* cut: what fits */
    return one_row(s, text);
}
