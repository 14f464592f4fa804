/*
 * OceanBase's serialized partition bounds into the builder's bound text
 * (obmeta_bound.h).  A reader over the bytes never moves past their end;
 * an output writer never past its capacity.
 */
#include "monitor.h"
#include "obmeta_bound.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ObObjType numbers of the types read. */
enum {
    OB_NULL = 0, OB_TINYINT = 1, OB_SMALLINT = 2, OB_MEDIUMINT = 3,
    OB_INT32 = 4, OB_INT = 5, OB_UTINYINT = 6, OB_USMALLINT = 7,
    OB_UMEDIUMINT = 8, OB_UINT32 = 9, OB_UINT64 = 10, OB_DATETIME = 17,
    OB_DATE = 19, OB_VARCHAR = 22, OB_CHAR = 23, OB_EXTEND = 25
};

#define EXT_MAX         2       /* ObActionFlag::OP_MAX_OBJ */
#define DAYS_MIN        (-719162)   /* 0001-01-01 */
#define DAYS_MAX        2932896     /* 9999-12-31 */
#define USEC_PER_DAY    INT64_C(86400000000)

struct bound_in {
    const uint8_t *p;
    size_t         len;
    size_t         pos;
};

struct bound_out {
    char   *buf;
    size_t  cap;
    size_t  n;
    char   *err;
    size_t  errlen;
};

static int OBP_PRINTF(2, 3)
bound_fail(struct bound_out *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(o->err, o->errlen, fmt, ap);
    va_end(ap);
    return OBP_ERROR;
}

static int OBP_PRINTF(2, 3)
bound_put(struct bound_out *o, const char *fmt, ...)
{
    va_list ap;
    int     k;

    va_start(ap, fmt);
    k = vsnprintf(o->buf + o->n, o->cap - o->n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= o->cap - o->n)
        return bound_fail(o, "bound text longer than %zu bytes", o->cap);
    o->n += (size_t)k;
    return OBP_OK;
}

static int
bound_byte(struct bound_in *in, struct bound_out *o, uint8_t *v)
{
    if (in->pos >= in->len)
        return bound_fail(o, "truncated at byte %zu", in->pos);
    *v = in->p[in->pos++];
    return OBP_OK;
}

/* A varint of at most <bits> bits (32 or 64). */
static int
bound_varint(struct bound_in *in, struct bound_out *o, unsigned bits,
             uint64_t *v)
{
    uint64_t r = 0;
    uint8_t  b = 0;

    for (unsigned shift = 0;; shift += 7) {
        if (shift >= bits)
            return bound_fail(o, "varint too long at byte %zu", in->pos);
        if (bound_byte(in, o, &b) != OBP_OK)
            return OBP_ERROR;
        if (shift == 63 && (b & 0x7e) != 0)
            return bound_fail(o, "varint overflows at byte %zu", in->pos);
        r |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0)
            break;
    }
    if (bits == 32 && r > UINT32_MAX)
        return bound_fail(o, "32-bit varint overflows at byte %zu",
                          in->pos);
    *v = r;
    return OBP_OK;
}

/* Proleptic Gregorian date of <days> since 1970-01-01. */
static void
bound_civil(int64_t days, int *y, unsigned *m, unsigned *d)
{
    int64_t  z = days + 719468;
    int64_t  era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int
bound_date(struct bound_out *o, int64_t days)
{
    int      y;
    unsigned m, d;

    if (days < DAYS_MIN || days > DAYS_MAX)
        return bound_fail(o, "date %" PRId64 " out of range", days);
    bound_civil(days, &y, &m, &d);
    return bound_put(o, "'%04d-%02u-%02u'", y, m, d);
}

static int
bound_datetime(struct bound_out *o, int64_t us)
{
    int64_t  days, rest;
    int      y;
    unsigned m, d;

    if (us < DAYS_MIN * USEC_PER_DAY || us >= (DAYS_MAX + 1) * USEC_PER_DAY)
        return bound_fail(o, "datetime %" PRId64 " out of range", us);
    days = us / USEC_PER_DAY;
    rest = us % USEC_PER_DAY;
    if (rest < 0) {
        days--;
        rest += USEC_PER_DAY;
    }
    bound_civil(days, &y, &m, &d);
    return bound_put(o, "'%04d-%02u-%02u %02d:%02d:%02d.%06d'", y, m, d,
                     (int)(rest / 3600000000), (int)(rest / 60000000 % 60),
                     (int)(rest / 1000000 % 60), (int)(rest % 1000000));
}

/* A string's bytes quoted, ' doubled and \ escaped. */
static int
bound_string(struct bound_in *in, struct bound_out *o)
{
    uint64_t len;

    if (bound_varint(in, o, 64, &len) != OBP_OK)
        return OBP_ERROR;
    if (len >= in->len - in->pos)
        return bound_fail(o, "string of %" PRIu64 " bytes truncated", len);
    if (in->p[in->pos + len] != '\0')
        return bound_fail(o, "string not NUL-terminated");
    if (bound_put(o, "'") != OBP_OK)
        return OBP_ERROR;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = in->p[in->pos + i];

        if (c == '\0')
            return bound_fail(o, "NUL inside a string");
        if ((c == '\'' || c == '\\') && bound_put(o, "%c", c) != OBP_OK)
            return OBP_ERROR;
        if (bound_put(o, "%c", c) != OBP_OK)
            return OBP_ERROR;
    }
    in->pos += (size_t)len + 1;
    return bound_put(o, "'");
}

/* The value of an object of <type> after its meta. */
static int
bound_value(struct bound_in *in, struct bound_out *o, uint8_t type,
            bool *ext)
{
    uint64_t v = 0;
    uint8_t  b = 0;

    switch (type) {
    case OB_NULL:
        return bound_put(o, "NULL");
    case OB_TINYINT:
    case OB_UTINYINT:
        if (bound_byte(in, o, &b) != OBP_OK)
            return OBP_ERROR;
        return type == OB_TINYINT ? bound_put(o, "%d", (int)(int8_t)b)
               : bound_put(o, "%u", (unsigned)b);
    case OB_SMALLINT: case OB_MEDIUMINT: case OB_INT32: case OB_DATE:
        if (bound_varint(in, o, 32, &v) != OBP_OK)
            return OBP_ERROR;
        return type == OB_DATE ? bound_date(o, (int32_t)(uint32_t)v)
               : bound_put(o, "%" PRId32, (int32_t)(uint32_t)v);
    case OB_USMALLINT: case OB_UMEDIUMINT: case OB_UINT32:
        if (bound_varint(in, o, 32, &v) != OBP_OK)
            return OBP_ERROR;
        return bound_put(o, "%" PRIu64, v);
    case OB_INT: case OB_UINT64: case OB_DATETIME: case OB_EXTEND:
        if (bound_varint(in, o, 64, &v) != OBP_OK)
            return OBP_ERROR;
        if (type == OB_EXTEND) {
            *ext = true;
            if (v != EXT_MAX)
                return bound_fail(o, "extended value %" PRIu64 " (only "
                                  "the maximum is a bound)", v);
            return bound_put(o, "MAXVALUE");
        }
        return type == OB_DATETIME ? bound_datetime(o, (int64_t)v)
               : type == OB_INT ? bound_put(o, "%" PRId64, (int64_t)v)
               : bound_put(o, "%" PRIu64, v);
    case OB_VARCHAR:
    case OB_CHAR:
        return bound_string(in, o);
    default:
        return bound_fail(o, "value of type %u not supported", type);
    }
}

/* One object: its meta, then its value; <ext> set when extended. */
static int
bound_object(struct bound_in *in, struct bound_out *o, bool *ext)
{
    uint8_t meta[4];

    for (int i = 0; i < 4; i++)
        if (bound_byte(in, o, &meta[i]) != OBP_OK)
            return OBP_ERROR;
    *ext = false;
    return bound_value(in, o, meta[0], ext);
}

/* Objects counted by a varint (<n>), comma-separated; <ext>: one was
   extended. */
static int
bound_objects(struct bound_in *in, struct bound_out *o, uint64_t *n,
              bool *ext)
{
    bool one;

    if (bound_varint(in, o, 64, n) != OBP_OK)
        return OBP_ERROR;
    if (*n == 0 || *n > OBP_OBMETA_BOUND_COLS)
        return bound_fail(o, "%" PRIu64 " objects (1 to %d)", *n,
                          OBP_OBMETA_BOUND_COLS);
    *ext = false;
    for (uint64_t i = 0; i < *n; i++) {
        if ((i > 0 && bound_put(o, ", ") != OBP_OK)
            || bound_object(in, o, &one) != OBP_OK)
            return OBP_ERROR;
        *ext = *ext || one;
    }
    return OBP_OK;
}

/* A LIST row: its objects in parentheses, then its projector skipped. */
static int
bound_row(struct bound_in *in, struct bound_out *o, uint64_t *n, bool *ext)
{
    uint64_t proj, v;

    if (bound_put(o, "(") != OBP_OK || bound_objects(in, o, n, ext) != OBP_OK
        || bound_put(o, ")") != OBP_OK
        || bound_varint(in, o, 64, &proj) != OBP_OK)
        return OBP_ERROR;
    if (proj > OBP_OBMETA_BOUND_COLS)
        return bound_fail(o, "projector of %" PRIu64 " entries", proj);
    for (uint64_t i = 0; i < proj; i++)
        if (bound_varint(in, o, 32, &v) != OBP_OK)
            return OBP_ERROR;
    return OBP_OK;
}

static int
bound_list(struct bound_in *in, struct bound_out *o)
{
    uint64_t n = 0;
    unsigned rows = 0;
    bool     ext = false;

    while (in->pos < in->len) {
        if ((rows > 0 && bound_put(o, ", ") != OBP_OK)
            || bound_row(in, o, &n, &ext) != OBP_OK)
            return OBP_ERROR;
        rows++;
        if (ext && (rows > 1 || n > 1 || in->pos < in->len))
            return bound_fail(o, "an extended value beside others in a "
                              "LIST");
    }
    if (rows == 0)
        return bound_fail(o, "empty LIST bound");
    if (ext) {
        o->n = 0;
        return bound_put(o, "DEFAULT");
    }
    return OBP_OK;
}

int
obp_obmeta_bound_text(bool list, const uint8_t *buf, size_t len, char *out,
                      size_t cap, char *err, size_t errlen)
{
    struct bound_in  in = { buf, len, 0 };
    struct bound_out o = { out, cap, 0, err, errlen };
    uint64_t         n;
    bool             ext;

    if (cap == 0)
        return bound_fail(&o, "no room");
    out[0] = '\0';
    if (list)
        return bound_list(&in, &o);
    if (bound_objects(&in, &o, &n, &ext) != OBP_OK)
        return OBP_ERROR;
    if (in.pos != in.len)
        return bound_fail(&o, "%zu bytes after the bound", in.len - in.pos);
    return OBP_OK;
}
