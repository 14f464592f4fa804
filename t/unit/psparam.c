/*
 * Unit tests of COM_STMT_EXECUTE parameter decoding (shared/psparam.c).
 * Packets are built here byte by byte from the protocol's description;
 * truncated copies live in buffers of their exact size so that a read
 * past the end is caught by ASan.
 */
#include "obp.h"
#include "part.h"
#include "pkt.h"
#include "psparam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define MAXP 40

enum {
    T_DECIMAL = 0, T_TINY = 1, T_SHORT = 2, T_LONG = 3, T_FLOAT = 4,
    T_DOUBLE = 5, T_NULL = 6, T_TIMESTAMP = 7, T_LONGLONG = 8, T_INT24 = 9,
    T_DATE = 10, T_TIME = 11, T_DATETIME = 12, T_YEAR = 13, T_VARCHAR = 15,
    T_BIT = 16, T_JSON = 245, T_NEWDECIMAL = 246, T_ENUM = 247, T_SET = 248,
    T_BLOB = 252, T_VAR_STRING = 253, T_STRING = 254, T_GEOMETRY = 255
};

/* A packet under construction: head, NULL bitmap, types, values. */
struct pk {
    unsigned n;
    uint8_t  nulls[(MAXP + 7) / 8];
    uint8_t  types[2 * MAXP];
    uint8_t  vals[1024];
    struct obp_wr v;
};

static struct obp_part_value out[MAXP];
static char scratch[OBP_PSPARAM_SCRATCH(MAXP)];

static void
pk_init(struct pk *p)
{
    memset(p, 0, sizeof(*p));
    obp_wr_init(&p->v, p->vals, sizeof(p->vals));
}

/* Adds a placeholder of <type>; its value is then written to p->v. */
static void
pk_param(struct pk *p, uint8_t type, int is_unsigned)
{
    p->types[2 * p->n] = type;
    p->types[2 * p->n + 1] = is_unsigned ? 0x80 : 0;
    p->n++;
}

static void
pk_null(struct pk *p, uint8_t type)
{
    p->nulls[p->n / 8] |= (uint8_t)(1u << (p->n % 8));
    pk_param(p, type, 0);
}

static void
pk_str(struct pk *p, uint8_t type, const char *s)
{
    pk_param(p, type, 0);
    obp_wr_lenenc_str(&p->v, s, strlen(s));
}

/* The payload, with or without the types; returns its length. */
static size_t
pk_build(const struct pk *p, int send_types, uint8_t *buf, size_t cap)
{
    struct obp_wr w;

    obp_wr_init(&w, buf, cap);
    obp_wr_u8(&w, OBP_COM_STMT_EXECUTE);
    obp_wr_u32(&w, 7);
    obp_wr_u8(&w, 0);
    obp_wr_u32(&w, 1);
    obp_wr_bytes(&w, p->nulls, (p->n + 7) / 8);
    obp_wr_u8(&w, send_types ? 1 : 0);
    if (send_types)
        obp_wr_bytes(&w, p->types, 2 * p->n);
    obp_wr_bytes(&w, p->vals, p->v.len);
    if (w.err || p->v.err) {
        printf("Bail out! test packet too big\n");
        exit(1);
    }
    return w.len;
}

static int
decode(const uint8_t *buf, size_t len, unsigned n, const uint8_t *types,
       const uint8_t *long_data)
{
    return obp_psparam_decode(buf, len, (uint16_t)n, types, long_data,
                              scratch, sizeof(scratch), out);
}

static int
is_text(unsigned i, enum obp_part_vkind kind, const char *want,
        const char *name)
{
    char got[128];
    size_t n = out[i].len < sizeof(got) - 1 ? out[i].len : sizeof(got) - 1;

    if (out[i].kind != kind || out[i].str == NULL) {
        tap_ok(0, name);
        printf("#   kind %d, want %d\n", (int)out[i].kind, (int)kind);
        return 0;
    }
    memcpy(got, out[i].str, n);
    got[n] = '\0';
    return tap_is_str(got, want, name);
}

static void
put_date(struct obp_wr *w, unsigned len, unsigned y, unsigned mo,
         unsigned d, unsigned h, unsigned mi, unsigned s, uint32_t us)
{
    obp_wr_u8(w, (uint8_t)len);
    if (len == 0)
        return;
    obp_wr_u16(w, (uint16_t)y);
    obp_wr_u8(w, (uint8_t)mo);
    obp_wr_u8(w, (uint8_t)d);
    if (len >= 7) {
        obp_wr_u8(w, (uint8_t)h);
        obp_wr_u8(w, (uint8_t)mi);
        obp_wr_u8(w, (uint8_t)s);
    }
    if (len == 11)
        obp_wr_u32(w, us);
}

static void
put_time(struct obp_wr *w, unsigned len, int neg, uint32_t days,
         unsigned h, unsigned mi, unsigned s, uint32_t us)
{
    obp_wr_u8(w, (uint8_t)len);
    if (len == 0)
        return;
    obp_wr_u8(w, neg ? 1 : 0);
    obp_wr_u32(w, days);
    obp_wr_u8(w, (uint8_t)h);
    obp_wr_u8(w, (uint8_t)mi);
    obp_wr_u8(w, (uint8_t)s);
    if (len == 12)
        obp_wr_u32(w, us);
}

static void
put_real(struct pk *p, int is_float, double d)
{
    uint64_t u;
    uint32_t v;
    float f = (float)d;

    pk_param(p, is_float ? T_FLOAT : T_DOUBLE, 0);
    if (is_float) {
        memcpy(&v, &f, sizeof(v));
        obp_wr_u32(&p->v, v);
    } else {
        memcpy(&u, &d, sizeof(u));
        obp_wr_u64(&p->v, u);
    }
}

/* One placeholder of each type; the expectations follow in check_all. */
static void
build_all(struct pk *p)
{
    pk_init(p);
    pk_param(p, T_TINY, 0);         obp_wr_u8(&p->v, 0xfb);      /* -5 */
    pk_param(p, T_TINY, 1);         obp_wr_u8(&p->v, 250);
    pk_param(p, T_SHORT, 0);        obp_wr_u16(&p->v, 0xfed4);   /* -300 */
    pk_param(p, T_SHORT, 1);        obp_wr_u16(&p->v, 65000);
    pk_param(p, T_LONG, 0);         obp_wr_u32(&p->v, 0xfffeee90u);
    pk_param(p, T_LONG, 1);         obp_wr_u32(&p->v, 4000000000u);
    pk_param(p, T_LONGLONG, 0);     obp_wr_u64(&p->v, 1ull << 63);
    pk_param(p, T_LONGLONG, 1);     obp_wr_u64(&p->v, UINT64_MAX);
    put_real(p, 1, 1.5);
    put_real(p, 0, 123.0);
    pk_str(p, T_NEWDECIMAL, "-12.50");
    pk_str(p, T_DECIMAL, "7");
    pk_str(p, T_VARCHAR, "abc");
    pk_str(p, T_VAR_STRING, "");
    pk_str(p, T_STRING, "x");
    pk_param(p, T_BLOB, 0);
    obp_wr_lenenc_str(&p->v, "b\0b", 3);
    pk_str(p, T_ENUM, "red");
    pk_str(p, T_SET, "a,b");
    pk_str(p, T_JSON, "{}");
    pk_str(p, T_INT24, "123");
    pk_str(p, T_YEAR, "2024");
    pk_str(p, T_BIT, "\x05");
    pk_param(p, T_DATE, 0);
    put_date(&p->v, 4, 2024, 1, 31, 0, 0, 0, 0);
    pk_param(p, T_DATETIME, 0);
    put_date(&p->v, 7, 2024, 1, 31, 10, 5, 9, 0);
    pk_param(p, T_DATETIME, 0);
    put_date(&p->v, 11, 1999, 12, 31, 23, 59, 59, 500);
    pk_param(p, T_TIMESTAMP, 0);
    put_date(&p->v, 0, 0, 0, 0, 0, 0, 0, 0);
    pk_param(p, T_DATE, 0);         /* a length no client sends */
    obp_wr_u8(&p->v, 2);
    obp_wr_u16(&p->v, 2024);
    pk_param(p, T_TIME, 0);
    put_time(&p->v, 8, 1, 2, 3, 4, 5, 0);
    pk_param(p, T_TIME, 0);
    put_time(&p->v, 12, 0, 0, 10, 0, 0, 123456);
    pk_param(p, T_TIME, 0);
    put_time(&p->v, 0, 0, 0, 0, 0, 0, 0);
    pk_param(p, T_DATE, 0);         /* DATE ignores a time part */
    put_date(&p->v, 7, 2000, 2, 29, 1, 2, 3, 0);
    pk_param(p, T_LONGLONG, 0);     obp_wr_u64(&p->v, 42);
}

static void
check_all(void)
{
    tap_ok(out[0].kind == OBP_PV_INT && out[0].i == -5, "TINY -5");
    tap_ok(out[1].kind == OBP_PV_UINT && out[1].u == 250, "TINY UNSIGNED");
    tap_ok(out[2].kind == OBP_PV_INT && out[2].i == -300, "SHORT -300");
    tap_ok(out[3].kind == OBP_PV_UINT && out[3].u == 65000,
           "SHORT UNSIGNED");
    tap_ok(out[4].kind == OBP_PV_INT && out[4].i == -70000, "LONG -70000");
    tap_ok(out[5].kind == OBP_PV_UINT && out[5].u == 4000000000u,
           "LONG UNSIGNED");
    tap_ok(out[6].kind == OBP_PV_INT && out[6].i == INT64_MIN,
           "LONGLONG INT64_MIN");
    tap_ok(out[7].kind == OBP_PV_UINT && out[7].u == UINT64_MAX,
           "LONGLONG UNSIGNED max");
    is_text(8, OBP_PV_FLOAT, "1.5", "FLOAT as text");
    is_text(9, OBP_PV_FLOAT, "123", "DOUBLE as text");
    is_text(10, OBP_PV_DECIMAL, "-12.50", "NEWDECIMAL as sent");
    is_text(11, OBP_PV_DECIMAL, "7", "DECIMAL as sent");
    is_text(12, OBP_PV_STRING, "abc", "VARCHAR");
    is_text(13, OBP_PV_STRING, "", "VAR_STRING empty");
    is_text(14, OBP_PV_STRING, "x", "STRING");
    tap_ok(out[15].kind == OBP_PV_STRING && out[15].len == 3
           && memcmp(out[15].str, "b\0b", 3) == 0
           && out[15].collation == OBP_COLL_BINARY, "BLOB: binary string");
    tap_ok(out[12].collation == 0, "VARCHAR: the connection's collation");
    is_text(16, OBP_PV_STRING, "red", "ENUM");
    is_text(17, OBP_PV_STRING, "a,b", "SET");
    is_text(18, OBP_PV_STRING, "{}", "JSON");
    is_text(19, OBP_PV_STRING, "123", "INT24: read as a string");
    is_text(20, OBP_PV_STRING, "2024", "YEAR: read as a string");
    tap_ok(out[21].kind == OBP_PV_UNKNOWN, "BIT: unknown");
    is_text(22, OBP_PV_DATETIME, "2024-01-31", "DATE");
    is_text(23, OBP_PV_DATETIME, "2024-01-31 10:05:09", "DATETIME len 7");
    is_text(24, OBP_PV_DATETIME, "1999-12-31 23:59:59.000500",
            "DATETIME len 11");
    is_text(25, OBP_PV_DATETIME, "0000-00-00", "TIMESTAMP len 0: zero");
    tap_ok(out[26].kind == OBP_PV_UNKNOWN, "DATE odd length: unknown");
    is_text(27, OBP_PV_DATETIME, "-51:04:05", "TIME negative, days");
    is_text(28, OBP_PV_DATETIME, "10:00:00.123456", "TIME len 12");
    is_text(29, OBP_PV_DATETIME, "00:00:00", "TIME len 0");
    is_text(30, OBP_PV_DATETIME, "2000-02-29", "DATE with a time part");
    tap_ok(out[31].kind == OBP_PV_INT && out[31].i == 42,
           "value after all others still found");
}

static void
test_all_types(void)
{
    static uint8_t buf[2048];
    struct pk p;
    size_t len;

    build_all(&p);
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, NULL, NULL), OBP_OK, "every type: OK");
    check_all();
    tap_ok(obp_psparam_types(buf, len, (uint16_t)p.n) == buf + 10 + 4 + 1,
           "obp_psparam_types points at the packet's types");

    len = pk_build(&p, 0, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, p.types, NULL), OBP_OK,
               "flag 0 with recorded types: OK");
    check_all();
    tap_ok(obp_psparam_types(buf, len, (uint16_t)p.n) == NULL,
           "flag 0: no types in the packet");
}

/* Every proper prefix is malformed and reads nothing past its end. */
static void
test_truncated(void)
{
    static uint8_t buf[2048];
    struct pk p;
    size_t len, cut;
    unsigned i, bad = 0, unknown = 0;
    uint8_t *copy;

    build_all(&p);
    len = pk_build(&p, 1, buf, sizeof(buf));
    for (cut = 0; cut < len; cut++) {
        copy = malloc(cut ? cut : 1);
        if (copy == NULL)
            exit(1);
        memcpy(copy, buf, cut);
        if (decode(copy, cut, p.n, NULL, NULL) != OBP_ERROR)
            bad++;
        for (i = 0; i < p.n; i++)
            unknown += out[i].kind != OBP_PV_UNKNOWN;
        if (obp_psparam_types(copy, cut, (uint16_t)p.n) != NULL
            && cut < 15 + 2 * p.n)
            bad++;
        free(copy);
    }
    tap_is_int(bad, 0, "every truncation is malformed");
    tap_is_int(unknown, 0, "after a truncation every value is unknown");
}

static void
test_nulls(void)
{
    uint8_t buf[256];
    struct pk p;
    size_t len;
    unsigned i;
    int ok = 1;

    pk_init(&p);
    for (i = 0; i < 10; i++) {
        if (i == 0 || i == 8 || i == 9) {
            pk_null(&p, T_LONGLONG);
        } else {
            pk_param(&p, T_LONGLONG, 0);
            obp_wr_u64(&p.v, i);
        }
    }
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, NULL, NULL), OBP_OK, "NULL bitmap: OK");
    for (i = 0; i < 10; i++) {
        if (i == 0 || i == 8 || i == 9)
            ok &= out[i].kind == OBP_PV_NULL;
        else
            ok &= out[i].kind == OBP_PV_INT && out[i].i == (int64_t)i;
    }
    tap_ok(ok, "NULL bitmap over two bytes: NULLs take no value bytes");

    len = pk_build(&p, 0, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, NULL, NULL), OBP_OK,
               "flag 0 without recorded types: OK");
    tap_ok(out[0].kind == OBP_PV_NULL && out[1].kind == OBP_PV_UNKNOWN
           && out[9].kind == OBP_PV_NULL,
           "without types: NULLs known, values unknown");
}

static void
test_long_data(void)
{
    uint8_t buf[256], ld[1] = { 0x02 };
    struct pk p;
    size_t len;

    pk_init(&p);
    pk_param(&p, T_LONG, 0);
    obp_wr_u32(&p.v, 1);
    pk_param(&p, T_BLOB, 0);        /* sent as long data: no bytes here */
    pk_param(&p, T_LONG, 0);
    obp_wr_u32(&p.v, 3);
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, NULL, ld), OBP_OK, "long data: OK");
    tap_ok(out[0].i == 1 && out[1].kind == OBP_PV_UNKNOWN
           && out[2].kind == OBP_PV_INT && out[2].i == 3,
           "a long-data value is unknown and takes no bytes");
}

static void
test_stop_and_bad(void)
{
    uint8_t buf[256];
    struct pk p;
    size_t len;

    pk_init(&p);
    pk_param(&p, T_LONG, 0);
    obp_wr_u32(&p.v, 1);
    pk_str(&p, T_GEOMETRY, "gg");
    pk_param(&p, T_LONG, 0);
    obp_wr_u32(&p.v, 3);
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, NULL, NULL), OBP_OK, "GEOMETRY: OK");
    tap_ok(out[0].kind == OBP_PV_INT && out[1].kind == OBP_PV_UNKNOWN
           && out[2].kind == OBP_PV_UNKNOWN,
           "GEOMETRY: it and what follows unknown");

    p.types[1] = 0x40;
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, NULL, NULL), OBP_ERROR,
               "flag byte 0x40: malformed");
    tap_ok(out[0].kind == OBP_PV_UNKNOWN, "malformed: values unknown");
    p.types[1] = 0;
    p.types[0] = 100;
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, NULL, NULL), OBP_ERROR,
               "unknown type code: malformed");
    p.types[0] = T_LONG;
    len = pk_build(&p, 1, buf, sizeof(buf));
    buf[0] = OBP_COM_QUERY;
    tap_is_int(decode(buf, len, p.n, NULL, NULL), OBP_ERROR,
               "not COM_STMT_EXECUTE: malformed");

    pk_init(&p);
    pk_param(&p, T_VARCHAR, 0);
    obp_wr_u8(&p.v, 0xfb);
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, NULL, NULL), OBP_ERROR,
               "string length 0xfb: malformed");
    pk_init(&p);
    pk_param(&p, T_VARCHAR, 0);
    obp_wr_u8(&p.v, 0xfe);
    obp_wr_u64(&p.v, UINT64_MAX);
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(decode(buf, len, p.n, NULL, NULL), OBP_ERROR,
               "string length past the end: malformed");

    pk_init(&p);
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(obp_psparam_decode(buf, 10, 0, NULL, NULL, NULL, 0, out),
               OBP_OK, "no placeholders: OK");
}

static void
test_scratch(void)
{
    uint8_t buf[256];
    char small[8];
    struct pk p;
    size_t len;

    pk_init(&p);
    put_real(&p, 0, 0.1);
    pk_param(&p, T_DATETIME, 0);
    put_date(&p.v, 7, 2024, 1, 31, 10, 5, 9, 0);
    len = pk_build(&p, 1, buf, sizeof(buf));
    tap_is_int(obp_psparam_decode(buf, len, 2, NULL, NULL, small,
                                  sizeof(small), out), OBP_OK,
               "small scratch: OK");
    tap_ok(out[0].kind == OBP_PV_UNKNOWN && out[1].kind == OBP_PV_UNKNOWN,
           "texts that do not fit the scratch: unknown");
    tap_is_int(obp_psparam_decode(buf, len, 2, NULL, NULL, NULL, 0, out),
               OBP_OK, "no scratch: OK");
    tap_ok(out[0].kind == OBP_PV_UNKNOWN, "no scratch: DOUBLE unknown");
    decode(buf, len, 2, NULL, NULL);
    is_text(0, OBP_PV_FLOAT, "0.10000000000000001", "DOUBLE 0.1: exact text");
}

static struct obp_part_desc *
level(const char *type, const char *col, const char *coltype,
      const char *coll)
{
    struct obp_part_builder *b = obp_part_builder_new();
    struct obp_part_desc *d = NULL;
    char err[256];

    if (obp_part_level(b, 1, type, err, sizeof(err)) != OBP_OK
        || obp_part_column(b, 1, col, coltype, coll, err, sizeof(err))
           != OBP_OK
        || obp_part_count(b, 1, 3, err, sizeof(err)) != OBP_OK
        || obp_part_finish(b, &d, err, sizeof(err)) != OBP_OK) {
        printf("Bail out! %s\n", err);
        exit(1);
    }
    obp_part_builder_free(b);
    return d;
}

static int
part_of(const struct obp_part_desc *d, const struct obp_part_value *v)
{
    struct obp_part_result r;

    return obp_part_calc(d, v, 1, NULL, 0, &r) == OBP_PART_COMPUTED
           ? r.part_idx : -1;
}

/* Decoded values land in the partition their literals land in. */
static void
test_part_calc(void)
{
    struct obp_part_desc *h = level("HASH", "id", "BIGINT", NULL);
    struct obp_part_desc *k = level("KEY", "name", "VARCHAR(32)",
                                    "utf8mb4_general_ci");
    struct obp_part_desc *kd = level("KEY", "d", "DATETIME", NULL);
    struct obp_part_value lit;
    uint8_t buf[256];
    struct pk p;
    size_t len;
    int same = 1, i;

    for (i = 120; i < 126; i++) {
        pk_init(&p);
        pk_param(&p, T_LONGLONG, 0);
        obp_wr_u64(&p.v, (uint64_t)i);
        put_real(&p, 0, i);
        pk_param(&p, T_LONG, 1);
        obp_wr_u32(&p.v, (uint32_t)i);
        len = pk_build(&p, 1, buf, sizeof(buf));
        decode(buf, len, p.n, NULL, NULL);
        lit = (struct obp_part_value){ .kind = OBP_PV_INT, .i = i };
        same &= part_of(h, &out[0]) == part_of(h, &lit)
                && part_of(h, &out[1]) == part_of(h, &lit)
                && part_of(h, &out[2]) == part_of(h, &lit)
                && part_of(h, &lit) == i % 3;
    }
    tap_ok(same, "HASH(id): LONGLONG, DOUBLE, LONG UNSIGNED = literal");

    pk_init(&p);
    pk_str(&p, T_VAR_STRING, "Alice");
    pk_param(&p, T_DATETIME, 0);
    put_date(&p.v, 7, 2024, 1, 31, 10, 0, 0, 0);
    len = pk_build(&p, 1, buf, sizeof(buf));
    decode(buf, len, p.n, NULL, NULL);
    lit = (struct obp_part_value){ .kind = OBP_PV_STRING, .str = "Alice",
                                   .len = 5 };
    tap_ok(part_of(k, &out[0]) >= 0 && part_of(k, &out[0]) == part_of(k, &lit),
           "KEY(name): decoded string = literal");
    lit = (struct obp_part_value){ .kind = OBP_PV_DATETIME,
                                   .str = "2024-01-31 10:00:00", .len = 19 };
    tap_ok(part_of(kd, &out[1]) >= 0
           && part_of(kd, &out[1]) == part_of(kd, &lit),
           "KEY(DATETIME): decoded DATETIME = literal");
    free(h);
    free(k);
    free(kd);
}

int
main(void)
{
    test_all_types();
    test_truncated();
    test_nulls();
    test_long_data();
    test_stop_and_bad();
    test_scratch();
    test_part_calc();
    return tap_done();
}
