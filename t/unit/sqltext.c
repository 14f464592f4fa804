/*
 * The proxy's own SQL text (shared/sqltext.h): every byte in a `name`
 * and in a hex literal, read back by the proxy's SQL lexer as one token
 * holding exactly the bytes written, whatever surrounds them.
 */
#include "obp.h"

#include "tap.h"

/* <n> bytes of a QID token, its doubled backquotes undone, into <out>. */
static size_t
unquote(const struct obp_sqllex_tok *t, char *out)
{
    size_t k = 0;

    for (size_t i = 0; i < t->n; i++) {
        out[k++] = t->s[i];
        if (t->s[i] == '`')
            i++;
    }
    return k;
}

/* `name` of <name> lexes as one quoted name equal to <name>, then END. */
static bool
ident_round_trip(const char *name)
{
    struct obp_sqltext    q = { NULL, 0, 0, false };
    struct obp_sqllex     lx;
    struct obp_sqllex_tok t;
    char                  back[64];
    bool                  ok;

    obp_sqltext_adds(&q, "USE ");
    obp_sqltext_ident(&q, name);
    obp_sqllex_init(&lx, q.p, q.len, OBP_SQLLEX_BACKSLASH);
    obp_sqllex_next(&lx, &t);
    ok = !q.err && strlen(q.p) == q.len && obp_sqllex_kw(&t, "USE");
    obp_sqllex_next(&lx, &t);
    ok = ok && t.type == OBP_SQLLEX_QID && t.n < sizeof(back)
         && unquote(&t, back) == strlen(name)
         && memcmp(back, name, strlen(name)) == 0;
    obp_sqllex_next(&lx, &t);
    ok = ok && t.type == OBP_SQLLEX_END;
    obp_sqltext_free(&q);
    return ok;
}

static int
hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F'
           ? c - 'A' + 10 : -1;
}

/* X'..' of all 256 bytes: one token of the lexer, the same bytes back. */
static bool
hex_round_trip(void)
{
    struct obp_sqltext    q = { NULL, 0, 0, false };
    struct obp_sqllex     lx;
    struct obp_sqllex_tok t;
    uint8_t               all[256];
    bool                  ok;

    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    obp_sqltext_hex(&q, all, sizeof(all));
    obp_sqllex_init(&lx, q.p, q.len, OBP_SQLLEX_BACKSLASH);
    obp_sqllex_next(&lx, &t);                  /* the X */
    obp_sqllex_next(&lx, &t);                  /* the digits, quoted */
    ok = !q.err && t.type == OBP_SQLLEX_STRING && t.n == 512 && !t.escaped;
    for (size_t i = 0; ok && i < 256; i++)
        ok = hexval(t.s[2 * i]) * 16 + hexval(t.s[2 * i + 1]) == (int)i;
    obp_sqllex_next(&lx, &t);
    ok = ok && t.type == OBP_SQLLEX_END;
    obp_sqltext_free(&q);
    return ok;
}

int
main(void)
{
    char name[8];
    int  bad = 0;

    for (int b = 1; b < 256; b++) {
        snprintf(name, sizeof(name), "a%cb", b);
        bad += !ident_round_trip(name);
        snprintf(name, sizeof(name), "%c", b);
        bad += !ident_round_trip(name);
        snprintf(name, sizeof(name), "%c%c", b, b);
        bad += !ident_round_trip(name);
    }
    tap_is_int(bad, 0, "every byte in a `name`, alone, doubled and inside");
    tap_ok(ident_round_trip("a`b"), "a`b is `a``b`");
    tap_ok(ident_round_trip("ab`"), "a trailing backquote embeds no NUL");
    tap_ok(ident_round_trip("```"), "only backquotes");
    tap_ok(hex_round_trip(), "X'..' of every byte");
    return tap_done();
}
