/*
 * The kind of a statement from its first words (sqlclass.h), for what
 * only counts statements by kind: the request logs (worker/reqlog.c) ask
 * it of every statement that routing did not classify, so it reads one
 * or two tokens where obp_sql_classify() reads the whole text.
 */
#include "obp.h"
#include "sqlclass.h"
#include "sqllex.h"

static const struct {
    const char        *word;
    enum obp_sql_kind  kind;
} first_words[] = {
    { "SELECT", OBP_SQL_SELECT }, { "WITH", OBP_SQL_SELECT },
    { "INSERT", OBP_SQL_INSERT }, { "REPLACE", OBP_SQL_REPLACE },
    { "UPDATE", OBP_SQL_UPDATE }, { "DELETE", OBP_SQL_DELETE },
    { "BEGIN", OBP_SQL_BEGIN }, { "START", OBP_SQL_BEGIN },
    { "COMMIT", OBP_SQL_COMMIT }, { "ROLLBACK", OBP_SQL_ROLLBACK },
    { "SET", OBP_SQL_SET }, { "USE", OBP_SQL_USE },
    { "SHOW", OBP_SQL_SHOW }, { "CALL", OBP_SQL_CALL },
    { "CREATE", OBP_SQL_DDL }, { "ALTER", OBP_SQL_DDL },
    { "DROP", OBP_SQL_DDL }, { "RENAME", OBP_SQL_DDL },
    { "TRUNCATE", OBP_SQL_DDL }
};

static enum obp_sql_kind
word_kind(const struct obp_sqllex_tok *t)
{
    for (size_t i = 0; i < OBP_NELEMS(first_words); i++)
        if (obp_sqllex_kw(t, first_words[i].word))
            return first_words[i].kind;
    return OBP_SQL_OTHER;
}

enum obp_sql_kind
obp_sql_first_kind(const char *sql, size_t len)
{
    struct obp_sqllex     lx;
    struct obp_sqllex_tok t;
    enum obp_sql_kind     k;

    obp_sqllex_init(&lx, sql, len, 0);
    /* (SELECT ...) UNION ...: bounded by the text */
    do {
        obp_sqllex_next(&lx, &t);
    } while (t.type == OBP_SQLLEX_LPAREN);
    if (!obp_sqllex_kw(&t, "XA"))
        return word_kind(&t);
    /* XA START|BEGIN, XA COMMIT, XA ROLLBACK */
    obp_sqllex_next(&lx, &t);
    k = word_kind(&t);
    return k == OBP_SQL_BEGIN || k == OBP_SQL_COMMIT || k == OBP_SQL_ROLLBACK
           ? k : OBP_SQL_OTHER;
}
