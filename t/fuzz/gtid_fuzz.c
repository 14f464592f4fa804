/*
 * libFuzzer target for GTID positions (shared/gtid.h): the text the
 * monitor reads from a server (@@gtid_current_pos, @@gtid_executed)
 * parsed, compared and printed as the router and obproxyctl status do.
 *
 * The input: one byte choosing the kind (even MariaDB, odd MySQL), then
 * the text.  Checked: a refused text leaves nothing known; a parsed one
 * keeps at most OBP_GTID_SRCS distinct sources, MySQL intervals in
 * order and from 1; a position that is not cut covers itself, and
 * nothing covers a cut one; the printed text stays in its buffer.  Seeds
 * (t/fuzz/corpus/gtid) are the unit test's positions.
 */
#include "obp.h"

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void
check_set(const struct obp_gtid_set *s, int rc)
{
    FUZZ_CHECK(s->n <= OBP_GTID_SRCS);
    if (rc != OBP_OK || s->kind == OBP_GTID_NONE) {
        FUZZ_CHECK(s->kind == OBP_GTID_NONE && s->n == 0 && !s->cut);
        return;
    }
    FUZZ_CHECK(s->n > 0);
    for (unsigned i = 0; i < s->n; i++) {
        FUZZ_CHECK(s->src[i].lo <= s->src[i].hi);
        FUZZ_CHECK(s->kind == OBP_GTID_MARIADB ? s->src[i].lo == 0
                                               : s->src[i].lo >= 1);
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(memcmp(s->src[i].id, s->src[j].id, 16) != 0);
    }
    FUZZ_CHECK(obp_gtid_covers(s, s) == !s->cut);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in      in = { data, size };
    enum obp_gtid_kind  kind = fuzz_u8(&in) % 2 ? OBP_GTID_MYSQL
                                                : OBP_GTID_MARIADB;
    char               *text = fuzz_strndup(in.p, in.n);
    struct obp_gtid_set s;
    char                buf[64];
    int                 rc = obp_gtid_parse(&s, kind, text, in.n);

    check_set(&s, rc);
    obp_gtid_format(&s, buf, sizeof(buf));
    FUZZ_CHECK(fuzz_terminated(buf, sizeof(buf)));
    free(text);
    return 0;
}
