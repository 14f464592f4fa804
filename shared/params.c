/*
 * The parameter table and its typed setters.  obp_params[] is generated
 * from the OBP_PARAMS rows of params.h.  Every value (defaults, YAML, INI,
 * -o, the master's channel) goes through obp_param_set(), so all of them
 * meet the same checks.  A refusal is a phrase ending with the allowed
 * range; conf.c adds where the value came from.
 */
#include "obp.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PARAM_ROW(name_, type_, dflt_, min_, max_, flags_, names_, help_)  \
    { #name_, OBP_PT_##type_, offsetof(struct obp_conf, name_), dflt_,     \
      min_, max_, flags_, names_, help_ },

const struct obp_enum obp_enum_log_level[] = {
    { "ERROR",    OBP_LOG_ERROR },
    { "USER_ERR", OBP_LOG_ERROR },
    { "WARN",     OBP_LOG_WARN },
    { "INFO",     OBP_LOG_INFO },
    { "EDIAG",    OBP_LOG_EDIAG },
    { "WDIAG",    OBP_LOG_WDIAG },
    { "TRACE",    OBP_LOG_TRACE },
    { "DEBUG",    OBP_LOG_DEBUG },
    { NULL,       0 }
};

const struct obp_enum obp_enum_route_policy[] = {
    { "",                       OBP_POLICY_MERGE_IDC_ORDER },
    { "FOLLOWER_FIRST",         OBP_POLICY_FOLLOWER_FIRST },
    { "UNMERGE_FOLLOWER_FIRST", OBP_POLICY_UNMERGE_FOLLOWER_FIRST },
    { "FOLLOWER_ONLY",          OBP_POLICY_FOLLOWER_ONLY },
    { NULL,                     0 }
};

const struct obp_param obp_params[] = {
    OBP_PARAMS(PARAM_ROW)
};

const size_t obp_nparams = OBP_NELEMS(obp_params);

/* The field of <p> inside <conf>, as a pointer to <type>. */
#define FIELD(conf, p, type) \
    ((type *)(void *)((char *)(conf) + (p)->offset))
#define CFIELD(conf, p, type) \
    ((const type *)(const void *)((const char *)(conf) + (p)->offset))

enum parse_rc {
    PARSE_OK,
    PARSE_SYNTAX,       /* not a number of this kind */
    PARSE_RANGE         /* a number, but negative or too large */
};

struct unit {
    const char *name;
    int64_t     mult;
    bool        shown;  /* used when formatting */
};

/* Ascending, so formatting walks back from the largest. */
static const struct unit time_units[] = {
    { "us", 1, true },
    { "ms", INT64_C(1000), true },
    { "s",  INT64_C(1000000), true },
    { "m",  INT64_C(60000000), true },
    { "h",  INT64_C(3600000000), true },
    { "d",  INT64_C(86400000000), true },
    { NULL, 0, false }
};

static const struct unit size_units[] = {
    { "B",  1, true },
    { "K",  INT64_C(1) << 10, false },
    { "KB", INT64_C(1) << 10, true },
    { "M",  INT64_C(1) << 20, false },
    { "MB", INT64_C(1) << 20, true },
    { "G",  INT64_C(1) << 30, false },
    { "GB", INT64_C(1) << 30, true },
    { "T",  INT64_C(1) << 40, false },
    { "TB", INT64_C(1) << 40, true },
    { NULL, 0, false }
};

/* Longest value text quoted in a phrase, so the range always fits. */
#define QUOTE_KEEP 60
#define QUOTE_MAX  (QUOTE_KEEP + 8)

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
is_control(char c)
{
    return (unsigned char)c < 0x20 || c == 0x7f;
}

/* <n> bytes at <s> equal <name>, ignoring ASCII case. */
static bool
span_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* Sets *<n> to the length of <s> without its leading and trailing space. */
static const char *
trim(const char *s, size_t *n)
{
    size_t len;

    while (is_space(*s))
        s++;
    len = strlen(s);
    while (len > 0 && is_space(s[len - 1]))
        len--;
    *n = len;
    return s;
}

/* <s> in double quotes, shortened and with control characters hidden. */
static void
quote(char *out, const char *s, size_t n)
{
    size_t i, o = 0, keep = n > QUOTE_KEEP ? QUOTE_KEEP : n;

    out[o++] = '"';
    for (i = 0; i < keep; i++)
        out[o++] = is_control(s[i]) ? '?' : s[i];
    if (keep < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

static int refuse(char *err, size_t errlen, const struct obp_param *p,
                  const char *fmt, ...) OBP_PRINTF(4, 5);

/* Writes the phrase, then the row's range; sets errno to EINVAL. */
static int
refuse(char *err, size_t errlen, const struct obp_param *p,
       const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        n = vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < errlen)
            obp_param_range(p, err + n, errlen - (size_t)n);
    }
    errno = EINVAL;
    return OBP_ERROR;
}

static int
out_of_memory(char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "out of memory");
    errno = ENOMEM;
    return OBP_ERROR;
}

/* Optional sign and decimal digits only: strtoll alone accepts more. */
static enum parse_rc
parse_int(const char *s, size_t n, int64_t *v)
{
    size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    char *end;
    long long x;

    if (i == n)
        return PARSE_SYNTAX;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return PARSE_SYNTAX;
    }
    errno = 0;
    x = strtoll(s, &end, 10);
    if (errno == ERANGE)
        return PARSE_RANGE;
    if (errno != 0 || end != s + n)
        return PARSE_SYNTAX;
    *v = x;
    return PARSE_OK;
}

static const struct unit *
find_unit(const struct unit *units, const char *s, size_t n)
{
    for (; units->name != NULL; units++) {
        if (span_is(s, n, units->name))
            return units;
    }
    return NULL;
}

/*
 * Digits, optional blanks, an optional unit of <units>; blanks around
 * are fine.  A bare number is in the smallest unit.  A negative number
 * is a range error, so that the caller can name the range.
 */
static enum parse_rc
parse_scaled(const char *s, const struct unit *units, int64_t *v)
{
    const struct unit *u = units;
    const char *start, *word;
    bool negative = false, overflow = false;
    int64_t x = 0;

    while (is_space(*s))
        s++;
    if (*s == '-') {
        negative = true;
        s++;
    }
    for (start = s; is_digit(*s); s++) {
        if (x > (INT64_MAX - (*s - '0')) / 10)
            overflow = true;
        else
            x = x * 10 + (*s - '0');
    }
    if (s == start)
        return PARSE_SYNTAX;
    while (is_blank(*s))
        s++;
    for (word = s; *s != '\0' && !is_space(*s); s++)
        continue;
    if (s > word && (u = find_unit(units, word, (size_t)(s - word))) == NULL)
        return PARSE_SYNTAX;
    while (is_space(*s))
        s++;
    if (*s != '\0')
        return PARSE_SYNTAX;
    if (negative || overflow || x > INT64_MAX / u->mult)
        return PARSE_RANGE;
    *v = x * u->mult;
    return PARSE_OK;
}

int
obp_parse_time(const char *s, int64_t *us)
{
    return parse_scaled(s, time_units, us) == PARSE_OK ? OBP_OK : OBP_ERROR;
}

int
obp_parse_size(const char *s, int64_t *bytes)
{
    return parse_scaled(s, size_units, bytes) == PARSE_OK
           ? OBP_OK : OBP_ERROR;
}

int
obp_parse_bool(const char *s, bool *b)
{
    static const char *const yes[] = { "true", "on", "yes", "1" };
    static const char *const no[] = { "false", "off", "no", "0" };
    size_t i, n;

    s = trim(s, &n);
    for (i = 0; i < OBP_NELEMS(yes); i++) {
        if (span_is(s, n, yes[i])) {
            *b = true;
            return OBP_OK;
        }
        if (span_is(s, n, no[i])) {
            *b = false;
            return OBP_OK;
        }
    }
    return OBP_ERROR;
}

/* <v> in the largest shown unit that divides it exactly; 0 is "0". */
static int
format_scaled(int64_t v, const struct unit *units, char *buf, size_t len)
{
    const struct unit *u = units, *best = units;

    if (v == 0)
        return snprintf(buf, len, "0");
    for (; u->name != NULL; u++) {
        if (u->shown && v % u->mult == 0)
            best = u;
    }
    return snprintf(buf, len, "%" PRId64 "%s", v / best->mult, best->name);
}

static int
format_bound(const struct obp_param *p, int64_t v, char *buf, size_t len)
{
    if (v == OBP_INT_UNLIMITED)
        return snprintf(buf, len, "unlimited");
    if (p->type == OBP_PT_TIME)
        return format_scaled(v, time_units, buf, len);
    if (p->type == OBP_PT_SIZE)
        return format_scaled(v, size_units, buf, len);
    return snprintf(buf, len, "%" PRId64, v);
}

static void
enum_range(const struct obp_enum *names, char *buf, size_t len)
{
    size_t pos;
    int n;

    n = snprintf(buf, len, "one of");
    for (; n >= 0 && names != NULL && names->name != NULL; names++) {
        pos = strlen(buf);
        n = snprintf(buf + pos, len - pos, "%s %s",
                     pos > strlen("one of") ? "," : "",
                     names->name[0] != '\0' ? names->name : "\"\"");
    }
}

void
obp_param_range(const struct obp_param *p, char *buf, size_t len)
{
    char lo[32], hi[32];

    if (len == 0)
        return;
    switch (p->type) {
    case OBP_PT_BOOL:
        snprintf(buf, len, "true or false");
        return;
    case OBP_PT_ENUM:
        enum_range(p->names, buf, len);
        return;
    case OBP_PT_SHA1:
        snprintf(buf, len, "\"\" or 40 hex digits");
        return;
    default:
        break;
    }
    format_bound(p, p->min, lo, sizeof(lo));
    format_bound(p, p->max, hi, sizeof(hi));
    snprintf(buf, len, "%s[%s, %s]",
             p->type == OBP_PT_STRING || p->type == OBP_PT_LIST
             ? "length " : "", lo, hi);
}

static int
set_int(struct obp_conf *conf, const struct obp_param *p, const char *v,
        size_t n, char *err, size_t errlen)
{
    char q[QUOTE_MAX];
    int64_t x;

    quote(q, v, n);
    switch (parse_int(v, n, &x)) {
    case PARSE_SYNTAX:
        return refuse(err, errlen, p, "%s is not an integer, allowed ", q);
    case PARSE_RANGE:
        return refuse(err, errlen, p, "%s is out of range ", q);
    case PARSE_OK:
        break;
    }
    if (x < p->min || x > p->max)
        return refuse(err, errlen, p, "%s is out of range ", q);
    *FIELD(conf, p, int64_t) = x;
    return OBP_OK;
}

/* TIME and SIZE: a number with a unit. */
static int
set_scaled(struct obp_conf *conf, const struct obp_param *p, const char *v,
           size_t n, char *err, size_t errlen)
{
    bool time = p->type == OBP_PT_TIME;
    char q[QUOTE_MAX];
    int64_t x;

    quote(q, v, n);
    switch (parse_scaled(v, time ? time_units : size_units, &x)) {
    case PARSE_SYNTAX:
        return refuse(err, errlen, p, "%s is not a %s, allowed ", q,
                      time ? "time (units us, ms, s, m, h, d)"
                           : "size (units B, KB, MB, GB, TB)");
    case PARSE_RANGE:
        return refuse(err, errlen, p, "%s is out of range ", q);
    case PARSE_OK:
        break;
    }
    if (x < p->min || x > p->max)
        return refuse(err, errlen, p, "%s is out of range ", q);
    *FIELD(conf, p, int64_t) = x;
    return OBP_OK;
}

static int
set_bool(struct obp_conf *conf, const struct obp_param *p, const char *v,
         size_t n, char *err, size_t errlen)
{
    char q[QUOTE_MAX];
    bool b;

    if (obp_parse_bool(v, &b) != OBP_OK) {
        quote(q, v, n);
        return refuse(err, errlen, p, "%s is not a boolean, allowed ", q);
    }
    *FIELD(conf, p, bool) = b;
    return OBP_OK;
}

static int
set_enum(struct obp_conf *conf, const struct obp_param *p, const char *v,
         size_t n, char *err, size_t errlen)
{
    const struct obp_enum *e;
    char q[QUOTE_MAX];

    for (e = p->names; e != NULL && e->name != NULL; e++) {
        if (span_is(v, n, e->name)) {
            *FIELD(conf, p, int) = e->value;
            return OBP_OK;
        }
    }
    quote(q, v, n);
    return refuse(err, errlen, p, "%s is not %s, allowed ", q,
                  p->names == obp_enum_log_level ? "a level" : "a name");
}

/* Checks the text a STRING or LIST row would store. */
static int
check_text(const struct obp_param *p, const char *s, size_t n, char *err,
           size_t errlen)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (is_control(s[i]))
            return refuse(err, errlen, p,
                          "contains a control character, allowed ");
    }
    if ((int64_t)n > p->max)
        return refuse(err, errlen, p, "is longer than %" PRId64
                      " characters, allowed ", p->max);
    if ((int64_t)n < p->min && n == 0)
        return refuse(err, errlen, p, "is empty, allowed ");
    if ((int64_t)n < p->min)
        return refuse(err, errlen, p, "is shorter than %" PRId64
                      " characters, allowed ", p->min);
    return OBP_OK;
}

/* Replaces the string field of <p>; <s> is owned by the conf from now. */
static void
store_text(struct obp_conf *conf, const struct obp_param *p, char *s)
{
    char **field = FIELD(conf, p, char *);

    free(*field);
    *field = s;
}

/* obproxy_config_server_url must be an http:// or https:// URL (url.h). */
static int
check_url(const struct obp_param *p, const char *v, char *err, size_t errlen)
{
    struct obp_url u;
    char           why[128];

    if (strcmp(p->name, "obproxy_config_server_url") != 0
        || obp_url_parse(v, &u, why, sizeof(why)) == OBP_OK)
        return OBP_OK;
    snprintf(err, errlen, "\"%.200s\": %s", v, why);
    errno = EINVAL;
    return OBP_ERROR;
}

static int
set_string(struct obp_conf *conf, const struct obp_param *p, const char *v,
           size_t n, char *err, size_t errlen)
{
    char *copy;

    if (check_text(p, v, n, err, errlen) != OBP_OK)
        return OBP_ERROR;
    copy = strndup(v, n);
    if (copy != NULL && n > 0 && check_url(p, copy, err, errlen) != OBP_OK) {
        free(copy);
        return OBP_ERROR;
    }
    if (copy == NULL)
        return out_of_memory(err, errlen);
    store_text(conf, p, copy);
    return OBP_OK;
}

/*
 * A SHA1 in hex, or "" for none.  The value is never quoted back: a
 * password given by mistake must not reach a log line.
 */
static int
set_sha1(struct obp_conf *conf, const struct obp_param *p, const char *v,
         size_t n, char *err, size_t errlen)
{
    size_t i = 0;

    while (i < n && is_hex(v[i]))
        i++;
    if (n != 0 && (n != 40 || i != n))
        return refuse(err, errlen, p, "is not a SHA1 in hex (printf %%s "
                      "PASSWORD | sha1sum gives it), allowed ");
    return set_string(conf, p, v, n, err, errlen);
}

/*
 * Copies the items of <v> into <out> without the blanks around them,
 * keeping each separator.  False when an item is empty.
 */
static bool
normalize_list(const char *v, size_t n, char *out)
{
    const char *item = v, *end = v + n, *sep, *last;
    size_t o = 0;

    for (;;) {
        for (sep = item; sep < end && *sep != ';' && *sep != ','; sep++)
            continue;
        for (last = sep; last > item && is_blank(last[-1]); last--)
            continue;
        while (item < last && is_blank(*item))
            item++;
        if (item == last)
            return false;
        memcpy(out + o, item, (size_t)(last - item));
        o += (size_t)(last - item);
        if (sep == end)
            break;
        out[o++] = *sep;
        item = sep + 1;
    }
    out[o] = '\0';
    return true;
}

static int
set_list(struct obp_conf *conf, const struct obp_param *p, const char *v,
         size_t n, char *err, size_t errlen)
{
    char q[QUOTE_MAX], *text;

    text = malloc(n + 1);
    if (text == NULL)
        return out_of_memory(err, errlen);
    text[0] = '\0';
    if (n > 0 && !normalize_list(v, n, text)) {
        free(text);
        quote(q, v, n);
        return refuse(err, errlen, p, "%s has an empty item, allowed items "
                      "separated by ';' or ',', ", q);
    }
    if (check_text(p, text, strlen(text), err, errlen) != OBP_OK) {
        free(text);
        return OBP_ERROR;
    }
    store_text(conf, p, text);
    return OBP_OK;
}

static int
store(struct obp_conf *conf, const struct obp_param *p, const char *value,
      char *err, size_t errlen)
{
    size_t n;
    const char *v = trim(value, &n);

    switch (p->type) {
    case OBP_PT_BOOL:
        return set_bool(conf, p, v, n, err, errlen);
    case OBP_PT_INT:
        return set_int(conf, p, v, n, err, errlen);
    case OBP_PT_TIME:
    case OBP_PT_SIZE:
        return set_scaled(conf, p, v, n, err, errlen);
    case OBP_PT_STRING:
        return set_string(conf, p, v, n, err, errlen);
    case OBP_PT_LIST:
        return set_list(conf, p, v, n, err, errlen);
    case OBP_PT_ENUM:
        return set_enum(conf, p, v, n, err, errlen);
    case OBP_PT_SHA1:
        return set_sha1(conf, p, v, n, err, errlen);
    }
    obp_fatal("parameter %s has an unknown type %d", p->name, (int)p->type);
}

int
obp_param_set(struct obp_conf *conf, const struct obp_param *p,
              const char *value, char *err, size_t errlen)
{
    if (p->flags & OBP_P_READONLY) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "is read-only");
        errno = EINVAL;
        return OBP_ERROR;
    }
    return store(conf, p, value, err, errlen);
}

int
obp_param_set_default(struct obp_conf *conf, const struct obp_param *p,
                      char *err, size_t errlen)
{
    return store(conf, p, p->dflt, err, errlen);
}

static const char *
enum_name(const struct obp_enum *names, int value)
{
    for (; names != NULL && names->name != NULL; names++) {
        if (names->value == value)
            return names->name;
    }
    return NULL;
}

/* snprintf's result as a length, or OBP_ERROR when it did not fit. */
static int
fitted(int n, size_t len)
{
    return n >= 0 && (size_t)n < len ? n : OBP_ERROR;
}

int
obp_param_format(const struct obp_conf *conf, const struct obp_param *p,
                 char *buf, size_t len)
{
    const char *s = NULL;
    int n;

    switch (p->type) {
    case OBP_PT_BOOL:
        s = *CFIELD(conf, p, bool) ? "true" : "false";
        break;
    case OBP_PT_INT:
        n = snprintf(buf, len, "%" PRId64, *CFIELD(conf, p, int64_t));
        return fitted(n, len);
    case OBP_PT_TIME:
        n = format_scaled(*CFIELD(conf, p, int64_t), time_units, buf, len);
        return fitted(n, len);
    case OBP_PT_SIZE:
        n = format_scaled(*CFIELD(conf, p, int64_t), size_units, buf, len);
        return fitted(n, len);
    case OBP_PT_STRING:
    case OBP_PT_LIST:
    case OBP_PT_SHA1:
        s = *CFIELD(conf, p, char *);
        if (s == NULL)
            s = "";
        break;
    case OBP_PT_ENUM:
        s = enum_name(p->names, *CFIELD(conf, p, int));
        break;
    }
    if (s == NULL)
        return OBP_ERROR;
    return fitted(snprintf(buf, len, "%s", s), len);
}

int
obp_param_show(const struct obp_conf *conf, const struct obp_param *p,
               char *buf, size_t len)
{
    const char *s;

    if (p->type != OBP_PT_SHA1)
        return obp_param_format(conf, p, buf, len);
    s = *CFIELD(conf, p, char *);
    return fitted(snprintf(buf, len, "%s", s != NULL && s[0] != '\0'
                                           ? OBP_PARAM_HIDDEN : ""), len);
}

bool
obp_param_equal(const struct obp_conf *a, const struct obp_conf *b,
                const struct obp_param *p)
{
    const char *sa, *sb;

    switch (p->type) {
    case OBP_PT_BOOL:
        return *CFIELD(a, p, bool) == *CFIELD(b, p, bool);
    case OBP_PT_INT:
    case OBP_PT_TIME:
    case OBP_PT_SIZE:
        return *CFIELD(a, p, int64_t) == *CFIELD(b, p, int64_t);
    case OBP_PT_ENUM:
        return *CFIELD(a, p, int) == *CFIELD(b, p, int);
    case OBP_PT_STRING:
    case OBP_PT_LIST:
    case OBP_PT_SHA1:
        sa = *CFIELD(a, p, char *);
        sb = *CFIELD(b, p, char *);
        return strcmp(sa != NULL ? sa : "", sb != NULL ? sb : "") == 0;
    }
    return false;
}

const struct obp_param *
obp_param_find(const char *name)
{
    size_t i;

    for (i = 0; i < obp_nparams; i++) {
        if (strcmp(obp_params[i].name, name) == 0)
            return &obp_params[i];
    }
    return NULL;
}
