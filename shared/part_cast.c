/*
 * Casts key values to partition key column types; see part_cast.h.
 */
#include "obp.h"
#include "part_cast.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_SEC      1000000LL
#define SEC_PER_DAY     86400LL
#define TIME_MAX_HOURS  838

struct int_limits {
    unsigned    type;
    const char *name;
    int64_t     lo;
    uint64_t    hi;
};

static const struct int_limits limits[] = {
    { OBP_PCOL_TINYINT, "TINYINT", INT8_MIN, INT8_MAX },
    { OBP_PCOL_SMALLINT, "SMALLINT", INT16_MIN, INT16_MAX },
    { OBP_PCOL_MEDIUMINT, "MEDIUMINT", -8388608, 8388607 },
    { OBP_PCOL_INT, "INT", INT32_MIN, INT32_MAX },
    { OBP_PCOL_BIGINT, "BIGINT", INT64_MIN, INT64_MAX },
    { OBP_PCOL_UTINYINT, "TINYINT UNSIGNED", 0, UINT8_MAX },
    { OBP_PCOL_USMALLINT, "SMALLINT UNSIGNED", 0, UINT16_MAX },
    { OBP_PCOL_UMEDIUMINT, "MEDIUMINT UNSIGNED", 0, 16777215 },
    { OBP_PCOL_UINT, "INT UNSIGNED", 0, UINT32_MAX },
    { OBP_PCOL_UBIGINT, "BIGINT UNSIGNED", 0, UINT64_MAX },
};

/* Civil date broken out of a text. */
struct civil {
    int     neg;                /* TIME only */
    long    year, mon, day, hour, min, sec;
    long    usec;
    int     frac_digits;        /* significant digits after the point */
    int     has_date, has_time;
};

static const struct int_limits *
int_limits(unsigned type)
{
    size_t i;

    for (i = 0; i < OBP_NELEMS(limits); i++) {
        if (limits[i].type == type)
            return &limits[i];
    }
    return NULL;
}

int
obp_part_type_is_int(unsigned type)
{
    return int_limits(type) != NULL;
}

int
obp_part_type_is_str(unsigned type)
{
    return type == OBP_PCOL_VARCHAR || type == OBP_PCOL_CHAR;
}

const char *
obp_part_type_name(unsigned type)
{
    const struct int_limits *l = int_limits(type);

    if (l != NULL)
        return l->name;
    switch (type) {
    case OBP_PCOL_DATETIME: return "DATETIME";
    case OBP_PCOL_DATE: return "DATE";
    case OBP_PCOL_TIME: return "TIME";
    case OBP_PCOL_YEAR: return "YEAR";
    case OBP_PCOL_VARCHAR: return "VARCHAR";
    case OBP_PCOL_CHAR: return "CHAR";
    default: return "?";
    }
}

/* Reads "[+-]digits" filling all of s..e; magnitude up to UINT64_MAX. */
static int
parse_integer(const char *s, const char *e, int *neg, uint64_t *mag)
{
    uint64_t m = 0;
    unsigned d;

    *neg = 0;
    if (s < e && (*s == '-' || *s == '+'))
        *neg = *s++ == '-';
    if (s == e)
        return OBP_ERROR;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9')
            return OBP_ERROR;
        d = (unsigned)(*s - '0');
        if (m > (UINT64_MAX - d) / 10)
            return OBP_ERROR;
        m = m * 10 + d;
    }
    *mag = m;
    return OBP_OK;
}

/* A decimal text "[+-]digits[.zeros]": its integer, or OBP_ERROR. */
static int
parse_integral_decimal(const char *s, size_t len, int *neg, uint64_t *mag)
{
    const char *e = s + len, *dot = memchr(s, '.', len), *p;

    if (dot == NULL)
        return parse_integer(s, e, neg, mag);
    for (p = dot + 1; p < e; p++) {
        if (*p != '0')
            return OBP_ERROR;
    }
    if (dot == s || (dot == s + 1 && (*s == '-' || *s == '+')))
        return OBP_ERROR;
    return parse_integer(s, dot, neg, mag);
}

/* A float text whose value is an integer below 2^53 (so exact). */
static int
parse_integral_float(const char *s, size_t len, int *neg, uint64_t *mag)
{
    char buf[64], *end;
    double d;

    if (len == 0 || len >= sizeof(buf))
        return OBP_ERROR;
    memcpy(buf, s, len);
    buf[len] = '\0';
    d = strtod(buf, &end);
    *neg = d < 0;
    if (*neg)
        d = -d;
    /* NaN fails the comparison; below 2^53 the cast is exact. */
    if (*end != '\0' || !(d <= 9007199254740992.0)
        || (double)(uint64_t)d != d)
        return OBP_ERROR;
    *mag = (uint64_t)d;
    return OBP_OK;
}

static int
fit_int(const struct int_limits *l, int neg, uint64_t mag,
        struct obp_part_key *k)
{
    if (l->lo == 0) {
        if (neg && mag != 0)
            return OBP_ERROR;
        if (mag > l->hi)
            return OBP_ERROR;
        k->kind = OBP_PCELL_UINT;
        k->u = mag;
        return OBP_OK;
    }
    if (neg ? mag > (uint64_t)-(l->lo + 1) + 1 : mag > l->hi)
        return OBP_ERROR;
    k->kind = OBP_PCELL_INT;
    /* -(INT64_MIN) does not exist: negate in unsigned arithmetic. */
    k->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return OBP_OK;
}

static int
cast_int(const struct int_limits *l, const struct obp_part_value *v,
         struct obp_part_key *k)
{
    const char *s = v->str, *e = v->str + v->len;
    uint64_t mag;
    int neg;

    switch (v->kind) {
    case OBP_PV_INT:
        return fit_int(l, v->i < 0, v->i < 0 ? 0 - (uint64_t)v->i
                                             : (uint64_t)v->i, k);
    case OBP_PV_UINT:
        return fit_int(l, 0, v->u, k);
    case OBP_PV_DECIMAL:
        if (parse_integral_decimal(s, v->len, &neg, &mag) != OBP_OK)
            return OBP_ERROR;
        return fit_int(l, neg, mag, k);
    case OBP_PV_FLOAT:
        if (parse_integral_float(s, v->len, &neg, &mag) != OBP_OK)
            return OBP_ERROR;
        return fit_int(l, neg, mag, k);
    case OBP_PV_STRING:
        /* MySQL skips leading white space in a number. */
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\n'))
            s++;
        if (parse_integer(s, e, &neg, &mag) != OBP_OK)
            return OBP_ERROR;
        return fit_int(l, neg, mag, k);
    default:
        return OBP_ERROR;
    }
}

/* Reads 1..max digits at *p into *out. */
static int
digits(const char **p, const char *e, int max, long *out)
{
    long n = 0;
    int i;

    for (i = 0; i < max && *p < e && **p >= '0' && **p <= '9'; i++, (*p)++)
        n = n * 10 + (**p - '0');
    *out = n;
    return i > 0 ? OBP_OK : OBP_ERROR;
}

/* "HH:MM:SS[.ffffff]" (hours up to <hmax_digits> digits). */
static int
parse_clock(const char **p, const char *e, int hmax_digits, struct civil *c)
{
    const char *f;
    long d;

    if (digits(p, e, hmax_digits, &c->hour) != OBP_OK || *p >= e
        || *(*p)++ != ':' || digits(p, e, 2, &c->min) != OBP_OK
        || *p >= e || *(*p)++ != ':' || digits(p, e, 2, &c->sec) != OBP_OK)
        return OBP_ERROR;
    if (c->min > 59 || c->sec > 59)
        return OBP_ERROR;
    c->has_time = 1;
    if (*p < e && **p == '.') {
        (*p)++;
        f = *p;
        if (digits(p, e, 6, &d) != OBP_OK)
            return OBP_ERROR;
        c->usec = d;
        for (; *p - f < 6; f--)
            c->usec *= 10;
        for (c->frac_digits = 6, d = c->usec; c->frac_digits > 0 && d % 10 == 0;
             d /= 10)
            c->frac_digits--;
    }
    return OBP_OK;
}

static int
days_in_month(long y, long m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* "YYYY-MM-DD[( |T)HH:MM:SS[.ffffff]]", no zero parts. */
static int
parse_datetime(const char *s, size_t len, struct civil *c)
{
    const char *p = s, *e = s + len;

    memset(c, 0, sizeof(*c));
    if (digits(&p, e, 4, &c->year) != OBP_OK || p - s != 4 || p >= e
        || *p++ != '-' || digits(&p, e, 2, &c->mon) != OBP_OK || p >= e
        || *p++ != '-' || digits(&p, e, 2, &c->day) != OBP_OK)
        return OBP_ERROR;
    if (c->year < 1 || c->mon < 1 || c->mon > 12 || c->day < 1
        || c->day > days_in_month(c->year, c->mon))
        return OBP_ERROR;
    c->has_date = 1;
    if (p < e && (*p == ' ' || *p == 'T')) {
        p++;
        if (parse_clock(&p, e, 2, c) != OBP_OK || c->hour > 23)
            return OBP_ERROR;
    }
    return p == e ? OBP_OK : OBP_ERROR;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(long y, long m, long d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int
temporal_text(const struct obp_part_value *v)
{
    return v->kind == OBP_PV_STRING || v->kind == OBP_PV_DATETIME;
}

static int
cast_datetime(const struct obp_part_col *col, const struct obp_part_value *v,
              struct obp_part_key *k)
{
    struct civil c;
    int64_t days;

    if (!temporal_text(v) || parse_datetime(v->str, v->len, &c) != OBP_OK)
        return OBP_ERROR;
    days = days_from_civil(c.year, c.mon, c.day);
    k->kind = OBP_PCELL_INT;
    if (col->type == OBP_PCOL_DATE) {
        /* A DATE takes a midnight DATETIME, nothing else. */
        if (c.hour != 0 || c.min != 0 || c.sec != 0 || c.usec != 0)
            return OBP_ERROR;
        k->i = days;
        return OBP_OK;
    }
    if (c.frac_digits > col->scale)
        return OBP_ERROR;
    k->i = ((days * SEC_PER_DAY + c.hour * 3600 + c.min * 60 + c.sec)
            * US_PER_SEC) + c.usec;
    return OBP_OK;
}

static int
cast_time(const struct obp_part_col *col, const struct obp_part_value *v,
          struct obp_part_key *k)
{
    const char *p = v->str, *e = v->str + v->len;
    struct civil c;
    int64_t us;

    memset(&c, 0, sizeof(c));
    if (!temporal_text(v))
        return OBP_ERROR;
    if (p < e && *p == '-') {
        c.neg = 1;
        p++;
    }
    if (parse_clock(&p, e, 3, &c) != OBP_OK || p != e
        || c.hour > TIME_MAX_HOURS || c.frac_digits > col->scale
        || (c.hour == TIME_MAX_HOURS && (c.min > 59 || c.usec != 0)))
        return OBP_ERROR;
    us = (c.hour * 3600 + c.min * 60 + c.sec) * US_PER_SEC + c.usec;
    k->kind = OBP_PCELL_INT;
    k->i = c.neg ? -us : us;
    return OBP_OK;
}

/* YEAR: MySQL's two-digit rules; OceanBase stores year - 1900. */
static int
cast_year(const struct obp_part_value *v, struct obp_part_key *k)
{
    uint64_t y;
    int neg, two_digits = 0;

    if (v->kind == OBP_PV_INT || v->kind == OBP_PV_UINT) {
        if (v->kind == OBP_PV_INT && v->i < 0)
            return OBP_ERROR;
        y = v->kind == OBP_PV_INT ? (uint64_t)v->i : v->u;
        if (y == 0) {
            k->kind = OBP_PCELL_INT;
            k->i = 0;
            return OBP_OK;
        }
        two_digits = y < 100;
    } else if (v->kind == OBP_PV_STRING) {
        if ((v->len != 4 && v->len != 2 && v->len != 1)
            || parse_integer(v->str, v->str + v->len, &neg, &y) != OBP_OK
            || v->str[0] == '-' || v->str[0] == '+')
            return OBP_ERROR;
        if (v->len == 4 && y == 0) {
            k->kind = OBP_PCELL_INT;
            k->i = 0;
            return OBP_OK;
        }
        two_digits = v->len < 4;
    } else {
        return OBP_ERROR;
    }
    if (two_digits)
        y += y < 70 ? 2000 : 1900;
    if (y < 1901 || y > 2155)
        return OBP_ERROR;
    k->kind = OBP_PCELL_INT;
    k->i = (int64_t)y - 1900;
    return OBP_OK;
}

/* Value collations whose bytes are the column's (utf8 / utf8mb4 / 0). */
static int
same_bytes(unsigned collation)
{
    return collation == 0 || collation == 33 || collation == 83
           || collation == OBP_COLL_UTF8MB4_GENERAL_CI
           || collation == OBP_COLL_UTF8MB4_BIN
           || collation == OBP_COLL_BINARY;
}

static int
cast_str(const struct obp_part_value *v, struct obp_part_key *k)
{
    int n;

    k->kind = OBP_PCELL_STR;
    switch (v->kind) {
    case OBP_PV_STRING:
        if (!same_bytes(v->collation))
            return OBP_ERROR;
        /* fall through */
    case OBP_PV_DECIMAL:
        k->s = v->str;
        k->len = v->len;
        return OBP_OK;
    case OBP_PV_INT:
    case OBP_PV_UINT:
        n = v->kind == OBP_PV_INT
            ? snprintf(k->buf, sizeof(k->buf), "%" PRId64, v->i)
            : snprintf(k->buf, sizeof(k->buf), "%" PRIu64, v->u);
        k->s = k->buf;
        k->len = (size_t)n;
        return OBP_OK;
    default:
        return OBP_ERROR;
    }
}

int
obp_part_cast(const struct obp_part_col *col, const struct obp_part_value *v,
              struct obp_part_key *k)
{
    const struct int_limits *l;

    if (v->kind == OBP_PV_NULL) {
        k->kind = OBP_PCELL_NULL;
        return OBP_OK;
    }
    if (v->kind == OBP_PV_UNKNOWN)
        return OBP_ERROR;
    l = int_limits(col->type);
    if (l != NULL)
        return cast_int(l, v, k);
    switch (col->type) {
    case OBP_PCOL_DATETIME:
    case OBP_PCOL_DATE:
        return cast_datetime(col, v, k);
    case OBP_PCOL_TIME:
        return cast_time(col, v, k);
    case OBP_PCOL_YEAR:
        return cast_year(v, k);
    case OBP_PCOL_VARCHAR:
    case OBP_PCOL_CHAR:
        return cast_str(v, k);
    default:
        return OBP_ERROR;
    }
}
