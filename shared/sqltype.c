/*
 * Statement types from the first words (sqltype.h).
 */
#include "obp.h"
#include "sqltype.h"

#include "sqllex.h"

static const char *const names[OBP_SQLTYPE_COUNT] = {
#define OBP_SQLTYPE_NAME(name) #name,
    OBP_SQLTYPES(OBP_SQLTYPE_NAME)
#undef OBP_SQLTYPE_NAME
};

/* First words that name their type alone. */
static const struct {
    const char       *word;
    enum obp_sqltype  type;
} words[] = {
    { "SELECT", OBP_SQLTYPE_SELECT },   { "WITH", OBP_SQLTYPE_SELECT },
    { "INSERT", OBP_SQLTYPE_INSERT },   { "UPDATE", OBP_SQLTYPE_UPDATE },
    { "DELETE", OBP_SQLTYPE_DELETE },   { "REPLACE", OBP_SQLTYPE_REPLACE },
    { "BEGIN", OBP_SQLTYPE_BEGIN },     { "COMMIT", OBP_SQLTYPE_COMMIT },
    { "ROLLBACK", OBP_SQLTYPE_ROLLBACK }, { "SET", OBP_SQLTYPE_SET },
    { "SHOW", OBP_SQLTYPE_SHOW },       { "USE", OBP_SQLTYPE_USE_DB },
    { "CALL", OBP_SQLTYPE_CALL },       { "CREATE", OBP_SQLTYPE_CREATE },
    { "ALTER", OBP_SQLTYPE_ALTER },     { "TRUNCATE", OBP_SQLTYPE_TRUNCATE },
    { "RENAME", OBP_SQLTYPE_RENAME },   { "GRANT", OBP_SQLTYPE_GRANT },
    { "REVOKE", OBP_SQLTYPE_REVOKE },   { "DESC", OBP_SQLTYPE_DESC },
    { "DESCRIBE", OBP_SQLTYPE_DESC },   { "EXPLAIN", OBP_SQLTYPE_DESC },
    { "PREPARE", OBP_SQLTYPE_TEXT_PS_PREPARE },
    { "EXECUTE", OBP_SQLTYPE_TEXT_PS_EXECUTE },
    { "DEALLOCATE", OBP_SQLTYPE_TEXT_PS_DROP },
    { "HELP", OBP_SQLTYPE_HELP },
};

const char *
obp_sqltype_name(enum obp_sqltype t)
{
    return (unsigned)t < OBP_SQLTYPE_COUNT ? names[t] : names[0];
}

/* START, DROP and XA (<t>): their types need the word after them. */
static enum obp_sqltype
second_word(struct obp_sqllex *lx, struct obp_sqllex_tok *t)
{
    bool start = obp_sqllex_kw(t, "START"), xa = obp_sqllex_kw(t, "XA");

    obp_sqllex_next(lx, t);
    if (start)
        return obp_sqllex_kw(t, "TRANSACTION") ? OBP_SQLTYPE_BEGIN
                                              : OBP_SQLTYPE_OTHERS;
    if (xa) {
        if (obp_sqllex_kw(t, "START") || obp_sqllex_kw(t, "BEGIN"))
            return OBP_SQLTYPE_BEGIN;
        if (obp_sqllex_kw(t, "COMMIT"))
            return OBP_SQLTYPE_COMMIT;
        return obp_sqllex_kw(t, "ROLLBACK") ? OBP_SQLTYPE_ROLLBACK
                                           : OBP_SQLTYPE_OTHERS;
    }
    return obp_sqllex_kw(t, "PREPARE") ? OBP_SQLTYPE_TEXT_PS_DROP
                                       : OBP_SQLTYPE_DROP;
}

enum obp_sqltype
obp_sqltype_of(const char *sql, size_t len, unsigned flags)
{
    struct obp_sqllex     lx;
    struct obp_sqllex_tok t;

    obp_sqllex_init(&lx, sql, len, flags);
    do      /* (SELECT ...) UNION (SELECT ...) */
        obp_sqllex_next(&lx, &t);
    while (t.type == OBP_SQLLEX_LPAREN);
    if (t.type != OBP_SQLLEX_WORD)
        return OBP_SQLTYPE_OTHERS;
    if (obp_sqllex_kw(&t, "START") || obp_sqllex_kw(&t, "DROP")
        || obp_sqllex_kw(&t, "XA"))
        return second_word(&lx, &t);
    for (size_t i = 0; i < OBP_NELEMS(words); i++) {
        if (obp_sqllex_kw(&t, words[i].word))
            return words[i].type;
    }
    return OBP_SQLTYPE_OTHERS;
}

enum obp_sqltype
obp_sqltype_of_com(uint8_t com)
{
    return com == OBP_COM_INIT_DB ? OBP_SQLTYPE_USE_DB : OBP_SQLTYPE_OTHERS;
}
