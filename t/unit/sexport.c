/*
 * Sessions as bytes (worker/sexport.c), as a hot upgrade hands them
 * over: a session with names, attributes, variables of every type,
 * prepared statements with and without types, a held BEGIN and the
 * proxy's variables goes through write and read unchanged; a buffer too
 * small writes nothing; every truncation and thousands of corrupted
 * copies, each in a buffer of its exact size, are refused or read
 * without a crash (AddressSanitizer sees any read past them).
 */
#include "worker.h"

#include <stdlib.h>

#include "tap.h"

static struct obp_session *
session(void)
{
    struct obp_session *s = calloc(1, sizeof(*s));

    obp_sstate_init(&s->st, 7);
    obp_proxyvar_init(&s->rt.pv);
    return s;
}

static void
session_free(struct obp_session *s)
{
    obp_sstate_free(&s->st);
    free(s->attrs);
    free(s->rt.begin);
    free(s);
}

static struct obp_session *
example(void)
{
    static const uint8_t types[4] = { 8, 0, 253, 0 };
    struct obp_session  *s = session();

    s->id = 0x12345;
    s->caps = 0xa3ff;
    s->max_packet = 1 << 24;
    s->status = OBP_SERVER_STATUS_AUTOCOMMIT;
    s->charset = 45;
    s->has_pw = 1;
    memset(s->stage1, 0xab, sizeof(s->stage1));
    strcpy(s->name.user, "app");
    strcpy(s->name.tenant, "t1");
    strcpy(s->name.cluster, "c1");
    strcpy(s->db, "shop");
    s->attrs = malloc(5);
    memcpy(s->attrs, "\x04_pid", 5);
    s->attrs_len = 5;
    s->rt.pv.weak = 1;
    strcpy(s->rt.pv.idc, "idc2");
    s->rt.begin = malloc(5);
    memcpy(s->rt.begin, "BEGIN", 5);
    s->rt.begin_len = 5;
    s->st.next_id = 9;
    obp_sstate_import_var(&s->st, false, "sql_mode", OBP_SVAL_STRING,
                          (const uint8_t *)"ANSI", 4, "utf8mb4",
                          "utf8mb4_general_ci");
    obp_sstate_import_var(&s->st, true, "n", OBP_SVAL_INT,
                          (const uint8_t *)"-42", 3, "", "");
    obp_sstate_import_var(&s->st, true, "empty", OBP_SVAL_NULL,
                          (const uint8_t *)"", 0, "", "");
    obp_sstate_import_stmt(&s->st, 3, 2, "shop", "SELECT ?, ?", 11, types);
    obp_sstate_import_stmt(&s->st, 5, 0, "", "SELECT 1", 8, NULL);
    return s;
}

/* The parts of <s> a reader must get back, as one line. */
static void
describe(const struct obp_session *s, char *out, size_t cap)
{
    const struct obp_stmt *st3 = obp_sstate_stmt(&s->st, 3);
    const struct obp_stmt *st5 = obp_sstate_stmt(&s->st, 5);
    size_t                 n;

    n = (size_t)snprintf(out, cap, "%x %x %u %u %u %d %02x %s@%s#%s/%s "
                         "%zu %d %s %.*s %u|", s->id, s->caps,
                         s->max_packet, s->status, s->charset, s->has_pw,
                         s->stage1[19], s->name.user, s->name.tenant,
                         s->name.cluster, s->db, s->attrs_len,
                         s->rt.pv.weak, s->rt.pv.idc, (int)s->rt.begin_len,
                         s->rt.begin != NULL ? s->rt.begin : "",
                         s->st.next_id);
    for (const struct obp_svar *v = s->st.vars; v != NULL && n < cap;
         v = v->next)
        n += (size_t)snprintf(out + n, cap - n, "%s%s=%d:%.*s:%s ",
                              v->user ? "@" : "", v->name, (int)v->type,
                              (int)v->len, (const char *)v->data,
                              v->collation);
    if (n < cap && st3 != NULL && st5 != NULL)
        snprintf(out + n, cap - n, "|%u %s %.*s %d|%u %s %.*s %d",
                 st3->params, st3->db, (int)st3->text_len, st3->text,
                 st3->types != NULL && st3->types[2] == 253, st5->params,
                 st5->db, (int)st5->text_len, st5->text,
                 st5->types == NULL);
}

int
main(void)
{
    static uint8_t      buf[OBP_SEXPORT_MAX];
    struct obp_session *a = example(), *b = session();
    char                want[1024], got[1024];
    size_t              n = obp_sexport_write(a, buf, sizeof(buf));
    uint32_t            seed = 12345;
    bool                refused = true;

    tap_ok(n > 0, "a session is written");
    tap_is_int(obp_sexport_read(b, buf, n), OBP_OK, "and read back");
    describe(a, want, sizeof(want));
    describe(b, got, sizeof(got));
    tap_is_str(got, want, "unchanged");
    tap_is_int((int64_t)obp_sexport_write(a, buf, n - 1), 0,
               "a buffer one byte too small: nothing written");
    session_free(b);

    n = obp_sexport_write(a, buf, sizeof(buf));
    for (size_t k = 0; k < n; k++) {
        uint8_t *copy = malloc(k > 0 ? k : 1);

        memcpy(copy, buf, k);
        b = session();
        refused = refused && obp_sexport_read(b, copy, k) == OBP_ERROR;
        session_free(b);
        free(copy);
    }
    tap_ok(refused, "every truncation is refused");
    buf[4] = OBP_SEXPORT_VERSION + 1;
    b = session();
    tap_is_int(obp_sexport_read(b, buf, n), OBP_ERROR,
               "another version is refused");
    session_free(b);
    buf[4] = OBP_SEXPORT_VERSION;

    for (int round = 0; round < 3000; round++) {
        uint8_t *copy = malloc(n);

        memcpy(copy, buf, n);
        for (int flips = 0; flips < 1 + round % 4; flips++) {
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % n] ^= (uint8_t)(1u << ((seed >> 4) % 8));
        }
        b = session();
        (void)obp_sexport_read(b, copy, n);
        session_free(b);
        free(copy);
    }
    /* a read past the end or a bad free would have stopped the test */
    tap_ok(true, "3000 corrupted copies are read or refused");
    session_free(a);
    return tap_done();
}
