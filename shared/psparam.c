/*
 * Decodes COM_STMT_EXECUTE parameters; see psparam.h.
 */
#include "obp.h"
#include "psparam.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mysql.h"
#include "pkt.h"

#define EXEC_HEAD_LEN   10      /* command, id, flags, iteration count */
#define PARAM_UNSIGNED  0x80

/* Binary protocol type codes (enum_field_types). */
enum {
    T_DECIMAL = 0, T_TINY = 1, T_SHORT = 2, T_LONG = 3, T_FLOAT = 4,
    T_DOUBLE = 5, T_NULL = 6, T_TIMESTAMP = 7, T_LONGLONG = 8, T_INT24 = 9,
    T_DATE = 10, T_TIME = 11, T_DATETIME = 12, T_YEAR = 13, T_NEWDATE = 14,
    T_VARCHAR = 15, T_BIT = 16, T_JSON = 245, T_NEWDECIMAL = 246,
    T_ENUM = 247, T_SET = 248, T_TINY_BLOB = 249, T_MEDIUM_BLOB = 250,
    T_LONG_BLOB = 251, T_BLOB = 252, T_VAR_STRING = 253, T_STRING = 254,
    T_GEOMETRY = 255
};

/* How one value is read. */
enum step {
    S_VALUE,        /* read, out filled (maybe UNKNOWN) */
    S_STOP,         /* its size is unknown: nothing after it can be read */
    S_BAD           /* malformed */
};

struct scratch {
    char  *p;
    size_t left;
};

static bool
bit_set(const uint8_t *map, unsigned i)
{
    return map != NULL && (map[i / 8] >> (i % 8) & 1) != 0;
}

static void
all_unknown(struct obp_part_value *out, unsigned from, unsigned n)
{
    for (; from < n; from++)
        memset(&out[from], 0, sizeof(out[from]));
}

/* Formats into the scratch; a text that does not fit leaves v UNKNOWN. */
static void
put_text(struct scratch *sc, struct obp_part_value *v,
         enum obp_part_vkind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
put_text(struct scratch *sc, struct obp_part_value *v,
         enum obp_part_vkind kind, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (sc->left == 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(sc->p, sc->left > OBP_PSPARAM_TEXT_MAX
                             ? OBP_PSPARAM_TEXT_MAX : sc->left, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sc->left || n >= OBP_PSPARAM_TEXT_MAX)
        return;
    v->kind = kind;
    v->str = sc->p;
    v->len = (size_t)n;
    sc->p += n;
    sc->left -= (size_t)n;
}

static enum step
read_int(struct obp_rd *rd, unsigned size, bool is_unsigned,
         struct obp_part_value *v)
{
    uint64_t u;

    switch (size) {
    case 1: u = obp_rd_u8(rd); break;
    case 2: u = obp_rd_u16(rd); break;
    case 4: u = obp_rd_u32(rd); break;
    default: u = obp_rd_u64(rd); break;
    }
    if (rd->err)
        return S_BAD;
    if (is_unsigned) {
        v->kind = OBP_PV_UINT;
        v->u = u;
        return S_VALUE;
    }
    /* Sign-extend from <size> bytes. */
    if (size < 8 && (u >> (size * 8 - 1) & 1) != 0)
        u |= ~(uint64_t)0 << (size * 8);
    v->kind = OBP_PV_INT;
    v->i = (int64_t)u;
    return S_VALUE;
}

static enum step
read_real(struct obp_rd *rd, bool is_float, struct scratch *sc,
          struct obp_part_value *v)
{
    double d;
    float f;

    if (is_float) {
        uint32_t bits = obp_rd_u32(rd);

        memcpy(&f, &bits, sizeof(f));
        d = f;
    } else {
        uint64_t bits = obp_rd_u64(rd);

        memcpy(&d, &bits, sizeof(d));
    }
    if (rd->err)
        return S_BAD;
    if (isfinite(d))
        put_text(sc, v, OBP_PV_FLOAT, "%.17g", d);
    return S_VALUE;
}

/* DATE, DATETIME, TIMESTAMP: length 0, 4, 7 or 11, then the fields. */
static enum step
read_date(struct obp_rd *rd, bool date_only, struct scratch *sc,
          struct obp_part_value *v)
{
    unsigned n, year, mon, day, hour = 0, min = 0, sec = 0;
    uint32_t usec = 0;

    n = obp_rd_u8(rd);
    if (rd->err || obp_rd_left(rd) < n)
        return S_BAD;
    if (n != 0 && n != 4 && n != 7 && n != 11) {
        obp_rd_bytes(rd, n);
        return S_VALUE;
    }
    year = n ? obp_rd_u16(rd) : 0;
    mon = n ? obp_rd_u8(rd) : 0;
    day = n ? obp_rd_u8(rd) : 0;
    if (n >= 7) {
        hour = obp_rd_u8(rd);
        min = obp_rd_u8(rd);
        sec = obp_rd_u8(rd);
    }
    if (n == 11)
        usec = obp_rd_u32(rd);
    if (date_only || n <= 4)
        put_text(sc, v, OBP_PV_DATETIME, "%04u-%02u-%02u", year, mon, day);
    else if (usec == 0)
        put_text(sc, v, OBP_PV_DATETIME, "%04u-%02u-%02u %02u:%02u:%02u",
                 year, mon, day, hour, min, sec);
    else
        put_text(sc, v, OBP_PV_DATETIME,
                 "%04u-%02u-%02u %02u:%02u:%02u.%06lu", year, mon, day,
                 hour, min, sec, (unsigned long)usec);
    return S_VALUE;
}

/* TIME: length 0, 8 or 12: negative, days(4), hour, minute, second,
 * [microseconds(4)]. */
static enum step
read_time(struct obp_rd *rd, struct scratch *sc, struct obp_part_value *v)
{
    unsigned n, neg = 0, min = 0, sec = 0;
    uint64_t hours = 0;
    uint32_t usec = 0;

    n = obp_rd_u8(rd);
    if (rd->err || obp_rd_left(rd) < n)
        return S_BAD;
    if (n != 0 && n != 8 && n != 12) {
        obp_rd_bytes(rd, n);
        return S_VALUE;
    }
    if (n != 0) {
        neg = obp_rd_u8(rd) != 0;
        hours = (uint64_t)obp_rd_u32(rd) * 24;
        hours += obp_rd_u8(rd);
        min = obp_rd_u8(rd);
        sec = obp_rd_u8(rd);
    }
    if (n == 12)
        usec = obp_rd_u32(rd);
    if (usec == 0)
        put_text(sc, v, OBP_PV_DATETIME, "%s%02llu:%02u:%02u",
                 neg ? "-" : "", (unsigned long long)hours, min, sec);
    else
        put_text(sc, v, OBP_PV_DATETIME, "%s%02llu:%02u:%02u.%06lu",
                 neg ? "-" : "", (unsigned long long)hours, min, sec,
                 (unsigned long)usec);
    return S_VALUE;
}

/* A length-encoded string; 0xfb (NULL) and 0xff are not lengths here. */
static enum step
read_str(struct obp_rd *rd, enum obp_part_vkind kind, uint16_t collation,
         struct obp_part_value *v)
{
    const uint8_t *p;
    size_t n;

    if (obp_rd_left(rd) > 0 && *rd->p == 0xfb)
        return S_BAD;
    p = obp_rd_lenenc_str(rd, &n);
    if (p == NULL)
        return S_BAD;
    if (kind != OBP_PV_UNKNOWN) {
        v->kind = kind;
        v->collation = collation;
        v->str = (const char *)p;
        v->len = n;
    }
    return S_VALUE;
}

static bool
known_type(unsigned t)
{
    return t <= T_BIT || t >= T_JSON;
}

static enum step
read_value(struct obp_rd *rd, unsigned type, bool is_unsigned,
           struct scratch *sc, struct obp_part_value *v)
{
    switch (type) {
    case T_TINY: return read_int(rd, 1, is_unsigned, v);
    case T_SHORT: return read_int(rd, 2, is_unsigned, v);
    case T_LONG: return read_int(rd, 4, is_unsigned, v);
    case T_LONGLONG: return read_int(rd, 8, is_unsigned, v);
    case T_FLOAT: return read_real(rd, true, sc, v);
    case T_DOUBLE: return read_real(rd, false, sc, v);
    case T_DATE: return read_date(rd, true, sc, v);
    case T_DATETIME: case T_TIMESTAMP: return read_date(rd, false, sc, v);
    case T_TIME: return read_time(rd, sc, v);
    case T_DECIMAL: case T_NEWDECIMAL:
        return read_str(rd, OBP_PV_DECIMAL, 0, v);
    case T_TINY_BLOB: case T_MEDIUM_BLOB: case T_LONG_BLOB: case T_BLOB:
        return read_str(rd, OBP_PV_STRING, OBP_COLL_BINARY, v);
    case T_BIT:
        return read_str(rd, OBP_PV_UNKNOWN, 0, v);
    case T_GEOMETRY: case T_NULL: case T_NEWDATE:
        return S_STOP;
    default:
        return read_str(rd, OBP_PV_STRING, 0, v);
    }
}

/* Checks every type pair before any value is read. */
static bool
types_valid(const uint8_t *types, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        if (!known_type(types[2 * i])
            || (types[2 * i + 1] & ~PARAM_UNSIGNED) != 0)
            return false;
    }
    return true;
}

/*
 * Reads the head up to the values: the NULL bitmap and the types (the
 * packet's or the recorded ones, NULL if neither).  false if malformed.
 */
static bool
read_head(struct obp_rd *rd, uint16_t nparams, const uint8_t *recorded,
          const uint8_t **nulls, const uint8_t **types)
{
    uint8_t bound;      /* the servers take any non-zero as 1 */

    if (obp_rd_u8(rd) != OBP_COM_STMT_EXECUTE)
        return false;
    obp_rd_bytes(rd, EXEC_HEAD_LEN - 1);
    *nulls = obp_rd_bytes(rd, (nparams + 7u) / 8);
    bound = obp_rd_u8(rd);
    if (rd->err)
        return false;
    *types = bound ? obp_rd_bytes(rd, 2u * nparams) : recorded;
    return !rd->err && (*types == NULL || types_valid(*types, nparams));
}

int
obp_psparam_decode(const uint8_t *payload, size_t len, uint16_t nparams,
                   const uint8_t *types, const uint8_t *long_data,
                   char *scratch, size_t scratch_len,
                   struct obp_part_value *out)
{
    struct scratch sc = { scratch, scratch != NULL ? scratch_len : 0 };
    const uint8_t *nulls, *ty;
    struct obp_rd rd;
    enum step st;
    unsigned i;

    all_unknown(out, 0, nparams);
    if (nparams == 0)
        return len >= EXEC_HEAD_LEN && payload[0] == OBP_COM_STMT_EXECUTE
               ? OBP_OK : OBP_ERROR;
    obp_rd_init(&rd, payload, len);
    if (!read_head(&rd, nparams, types, &nulls, &ty))
        return OBP_ERROR;
    for (i = 0; i < nparams; i++) {
        if (bit_set(long_data, i))
            continue;
        if (bit_set(nulls, i)) {
            out[i].kind = OBP_PV_NULL;
            continue;
        }
        if (ty == NULL)
            continue;
        st = read_value(&rd, ty[2 * i], (ty[2 * i + 1] & PARAM_UNSIGNED) != 0,
                        &sc, &out[i]);
        if (st == S_BAD) {
            all_unknown(out, 0, nparams);
            return OBP_ERROR;
        }
        if (st == S_STOP) {
            all_unknown(out, i, nparams);
            return OBP_OK;
        }
    }
    return OBP_OK;
}

const uint8_t *
obp_psparam_types(const uint8_t *payload, size_t len, uint16_t nparams)
{
    const uint8_t *nulls, *ty;
    struct obp_rd rd;

    if (nparams == 0)
        return NULL;
    obp_rd_init(&rd, payload, len);
    if (!read_head(&rd, nparams, NULL, &nulls, &ty))
        return NULL;
    return ty;
}
