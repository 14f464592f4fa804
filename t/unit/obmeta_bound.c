/*
 * OceanBase's serialized partition bounds (monitor/obmeta_bound.h) from
 * bytes written by hand after OceanBase's serialization: an object is
 * its meta (type, collation level, collation, scale: a byte each) and
 * its value; varints carry 7 bits a byte, least significant first.
 * Then truncated and malformed inputs, every prefix of the valid ones,
 * and random bytes: refused with a reason, never read beyond their end.
 */
#include "obp.h"

#include "obmeta_bound.h"
#include "tap.h"

/* Metas: BIGINT, INT, SMALLINT, TINYINT, BIGINT UNSIGNED, VARCHAR
   utf8mb4_general_ci, CHAR binary, DATE, DATETIME(6), NULL, extended. */
#define M_INT       0x05, 0x05, 0x3f, 0xff
#define M_INT32     0x04, 0x05, 0x3f, 0xff
#define M_SMALL     0x02, 0x05, 0x3f, 0xff
#define M_TINY      0x01, 0x05, 0x3f, 0xff
#define M_UBIG      0x0a, 0x05, 0x3f, 0xff
#define M_VARCHAR   0x16, 0x02, 0x2d, 0xff
#define M_CHAR      0x17, 0x02, 0x3f, 0xff
#define M_DATE      0x13, 0x05, 0x3f, 0xff
#define M_DATETIME  0x11, 0x05, 0x3f, 0x06
#define M_NULL      0x00, 0x06, 0x3f, 0xff
#define M_EXT       0x19, 0x00, 0x3f, 0xff

struct fixture {
    const char    *name;
    bool           list;
    const uint8_t *bytes;
    size_t         len;
    const char    *want;        /* NULL: refused, err contains why */
    const char    *why;
};

#define B(...)  (const uint8_t[]){ __VA_ARGS__ }, \
                sizeof((const uint8_t[]){ __VA_ARGS__ })

static const struct fixture fixtures[] = {
    { "RANGE 100", false, B(0x01, M_INT, 0x64), "100", NULL },
    { "RANGE 300 (two-byte varint)", false, B(0x01, M_INT, 0xac, 0x02),
      "300", NULL },
    { "RANGE -1 BIGINT (ten bytes)", false, B(0x01, M_INT, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), "-1", NULL },
    { "RANGE -2 SMALLINT (32-bit pattern)", false, B(0x01, M_SMALL, 0xfe,
      0xff, 0xff, 0xff, 0x0f), "-2", NULL },
    { "RANGE 70000 INT", false, B(0x01, M_INT32, 0xf0, 0xa2, 0x04),
      "70000", NULL },
    { "RANGE -5 TINYINT (raw byte)", false, B(0x01, M_TINY, 0xfb), "-5",
      NULL },
    { "RANGE BIGINT UNSIGNED max", false, B(0x01, M_UBIG, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
      "18446744073709551615", NULL },
    { "RANGE MAXVALUE", false, B(0x01, M_EXT, 0x02), "MAXVALUE", NULL },
    { "RANGE COLUMNS ('ab''c', 5)", false, B(0x02, M_VARCHAR, 0x04, 'a',
      'b', '\'', 'c', 0x00, M_INT, 0x05), "'ab''c', 5", NULL },
    { "RANGE COLUMNS ('a\\b', MAXVALUE)", false, B(0x02, M_CHAR, 0x03, 'a',
      '\\', 'b', 0x00, M_EXT, 0x02), "'a\\\\b', MAXVALUE", NULL },
    { "RANGE COLUMNS empty string", false, B(0x01, M_VARCHAR, 0x00, 0x00),
      "''", NULL },
    { "RANGE DATE 2024-01-31", false, B(0x01, M_DATE, 0xa9, 0x9a, 0x01),
      "'2024-01-31'", NULL },
    { "RANGE DATE 1969-12-31", false, B(0x01, M_DATE, 0xff, 0xff, 0xff,
      0xff, 0x0f), "'1969-12-31'", NULL },
    { "RANGE DATETIME 1970-01-02 00:00:01.5", false, B(0x01, M_DATETIME,
      0xe0, 0x86, 0xb9, 0xef, 0xc1, 0x02),
      "'1970-01-02 00:00:01.500000'", NULL },
    { "RANGE DATETIME 1969-12-31 23:59:59", false, B(0x01, M_DATETIME,
      0xc0, 0xfb, 0xc2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
      "'1969-12-31 23:59:59.000000'", NULL },
    { "LIST (1), (2)", true, B(0x01, M_INT, 0x01, 0x00, 0x01, M_INT, 0x02,
      0x00), "(1), (2)", NULL },
    { "LIST COLUMNS (1, 'a'), (NULL, 'b')", true, B(0x02, M_INT, 0x01,
      M_VARCHAR, 0x01, 'a', 0x00, 0x00, 0x02, M_NULL, M_VARCHAR, 0x01,
      'b', 0x00, 0x00), "(1, 'a'), (NULL, 'b')", NULL },
    { "LIST with a projector", true, B(0x01, M_INT, 0x07, 0x02, 0x00,
      0x01), "(7)", NULL },
    { "LIST DEFAULT", true, B(0x01, M_EXT, 0x02, 0x00), "DEFAULT", NULL },
    /* refused */
    { "empty RANGE", false, B(0x00), NULL, "objects" },
    { "nothing at all", false, (const uint8_t *)"", 0, NULL, "truncated" },
    { "17 objects", false, B(0x11, M_INT, 0x01), NULL, "objects" },
    { "meta truncated", false, B(0x01, 0x05, 0x05), NULL, "truncated" },
    { "value truncated", false, B(0x01, M_INT, 0x80), NULL, "truncated" },
    { "varint too long", false, B(0x01, M_INT, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), NULL, "varint" },
    { "varint beyond 64 bits", false, B(0x01, M_INT, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03), NULL, "overflows" },
    { "32-bit varint beyond 32 bits", false, B(0x01, M_INT32, 0xff, 0xff,
      0xff, 0xff, 0x1f), NULL, "overflows" },
    { "string longer than the bytes", false, B(0x01, M_VARCHAR, 0x05, 'a',
      'b', 0x00), NULL, "truncated" },
    { "string length beyond everything", false, B(0x01, M_VARCHAR, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 'a', 0x00),
      NULL, "truncated" },
    { "string without its NUL", false, B(0x01, M_VARCHAR, 0x01, 'a', 'b'),
      NULL, "NUL-terminated" },
    { "NUL inside a string", false, B(0x01, M_VARCHAR, 0x02, 'a', 0x00,
      0x00), NULL, "NUL inside" },
    { "DECIMAL not supported", false, B(0x01, 0x0f, 0x05, 0x3f, 0x02, 0x00),
      NULL, "type 15" },
    { "TIMESTAMP not supported", false, B(0x01, 0x12, 0x05, 0x3f, 0x00,
      0x01), NULL, "type 18" },
    { "MINVALUE refused", false, B(0x01, M_EXT, 0x01), NULL, "extended" },
    { "bytes after the rowkey", false, B(0x01, M_INT, 0x01, 0x00), NULL,
      "after" },
    { "DATE out of range", false, B(0x01, M_DATE, 0xff, 0xff, 0xff, 0xff,
      0x07), NULL, "range" },
    { "empty LIST", true, (const uint8_t *)"", 0, NULL, "empty" },
    { "LIST row without projector count", true, B(0x01, M_INT, 0x01), NULL,
      "truncated" },
    { "LIST projector too long", true, B(0x01, M_INT, 0x01, 0x20), NULL,
      "projector" },
    { "LIST DEFAULT beside a value", true, B(0x01, M_INT, 0x01, 0x00, 0x01,
      M_EXT, 0x02, 0x00), NULL, "extended" },
    { "LIST DEFAULT in a two-column row", true, B(0x02, M_EXT, 0x02, M_INT,
      0x01, 0x00), NULL, "extended" },
};

static void
check_fixture(const struct fixture *f)
{
    char out[256], err[160] = "", name[160];
    int  rc = obp_obmeta_bound_text(f->list, f->bytes, f->len, out,
                                    sizeof(out), err, sizeof(err));

    if (f->want != NULL) {
        snprintf(name, sizeof(name), "%s: decoded", f->name);
        if (!tap_ok(rc == OBP_OK, name))
            tap_diag(err);
        snprintf(name, sizeof(name), "%s: text", f->name);
        tap_is_str(rc == OBP_OK ? out : err, f->want, name);
        return;
    }
    snprintf(name, sizeof(name), "%s: refused", f->name);
    tap_ok(rc == OBP_ERROR, name);
    snprintf(name, sizeof(name), "%s: says why", f->name);
    tap_like(err, f->why, name);
}

/* Every strict prefix of a valid RANGE bound is refused. */
static void
check_prefixes(void)
{
    char   out[256], err[160];
    size_t tried = 0, refused = 0;

    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        const struct fixture *f = &fixtures[i];

        if (f->want == NULL || f->list)
            continue;
        for (size_t n = 0; n < f->len; n++, tried++)
            refused += obp_obmeta_bound_text(false, f->bytes, n, out,
                                             sizeof(out), err, sizeof(err))
                       == OBP_ERROR;
    }
    tap_ok(tried > 50 && refused == tried,
           "every prefix of every valid RANGE bound is refused");
}

static void
check_small_output(void)
{
    static const uint8_t b[] = { 0x02, M_VARCHAR, 0x04, 'a', 'b', 'c', 'd',
                                 0x00, M_INT, 0x05 };
    char out[6], err[160] = "";

    tap_ok(obp_obmeta_bound_text(false, b, sizeof(b), out, sizeof(out), err,
                                 sizeof(err)) == OBP_ERROR
           && strlen(out) < sizeof(out),
           "output too small: refused, within its capacity");
    tap_like(err, "longer", "output too small: says so");
}

/* Random bytes: refused or decoded, the text always within bounds. */
static void
check_garbage(void)
{
    uint8_t  buf[64];
    char     out[128], err[160];
    uint32_t seed = 12345;
    int      bad = 0, decoded = 0;

    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(round % (int)sizeof(buf));

        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (uint8_t)(seed >> 16);
            if (i % 5 == 1 && (seed & 0x100))
                buf[i] = (uint8_t)(seed & 0x1f);   /* types of interest */
        }
        memset(out, 'x', sizeof(out));
        int rc = obp_obmeta_bound_text(round & 1, buf, len, out,
                                       sizeof(out), err, sizeof(err));

        decoded += rc == OBP_OK;
        bad += (rc != OBP_OK && rc != OBP_ERROR)
               || memchr(out, '\0', sizeof(out)) == NULL;
    }
    tap_ok(bad == 0, "20000 random inputs: a result and a terminated text");
    printf("# %d of them decoded\n", decoded);
}

int
main(void)
{
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
        check_fixture(&fixtures[i]);
    check_prefixes();
    check_small_output();
    check_garbage();
    return tap_done();
}
