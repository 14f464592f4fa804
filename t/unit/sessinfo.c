/*
 * Session info (worker/sessinfo.c) from bytes built by hand: a SESS_INFO
 * value is a run of fields type:u16 length:u32 value.  Hostile values
 * (a header cut short, a length past the end or beyond the bounds, an
 * empty field, an unknown type, a value beyond the total) are refused
 * before anything is stored; good ones are stored with versions and
 * given once to a server session in either extra info format, newest
 * version only, nothing when the frame has no room.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* Field <type> with <len> bytes of <c> appended at *n. */
static void
field(uint8_t *b, size_t *n, uint16_t type, uint32_t len, int c)
{
    b[*n] = (uint8_t)type;
    b[*n + 1] = (uint8_t)(type >> 8);
    for (int i = 0; i < 4; i++)
        b[*n + 2 + i] = (uint8_t)(len >> (8 * i));
    memset(b + *n + 6, c, len);
    *n += 6 + len;
}

static void
refused(const uint8_t *b, size_t n, const char *name)
{
    const char *why = NULL;

    tap_ok(obp_sessinfo_check(b, n, &why) == OBP_ERROR && why != NULL,
           name);
}

static void
hostile(void)
{
    static uint8_t b[2 * OBP_SESSINFO_MAX];
    size_t         n = 0;

    field(b, &n, 4, 3, 'a');
    refused(b, n - 1, "a field cut short");
    refused(b, 5, "a header cut short");
    b[2] = 0xff;                            /* length 0x000000ff + 3 */
    refused(b, n, "a length past the end");
    n = 0;
    field(b, &n, 4, 0, 0);
    refused(b, n, "an empty field");
    n = 0;
    field(b, &n, OBP_SESSINFO_TYPES, 1, 'x');
    refused(b, n, "a type beyond the known ones");
    n = 0;
    field(b, &n, 0xffff, 1, 'x');
    refused(b, n, "a negative type");
    n = 0;
    field(b, &n, 1, OBP_SESSINFO_FIELD_MAX + 1, 'x');
    refused(b, n, "a field beyond its bound");
    n = 0;
    field(b, &n, 1, OBP_SESSINFO_FIELD_MAX, 'x');
    field(b, &n, 2, OBP_SESSINFO_FIELD_MAX, 'y');
    refused(b, n, "a value beyond the total bound");
    b[0] = 0xff;
    b[1] = 0xff;
    b[2] = b[3] = b[4] = b[5] = 0xff;
    refused(b, 6, "a length of 4 GiB");
}

/* The one SESS_INFO item of <e>, in <fmt>, as "T=V,T=V". */
static void
fields_of(const uint8_t *e, size_t len, bool fmt, char *out, size_t room)
{
    struct obp_ob20_item it, f;
    size_t               pos = 0, fpos = 0, o = 0;

    out[0] = '\0';
    if (obp_ob20_extra_next(e, len, fmt, &pos, &it) != OBP_OK
        || pos != len)
        return;
    while (obp_ob20_extra_next(it.val, it.val_len, true, &fpos, &f)
           == OBP_OK && o + f.val_len + 8 < room)
        o += (size_t)snprintf(out + o, room - o, "%s%u=%.*s",
                              o > 0 ? "," : "", f.type, (int)f.val_len,
                              (const char *)f.val);
}

static void
versions(void)
{
    struct obp_sessinfo     *store = NULL;
    struct obp_sessinfo_peer a, b;
    uint8_t                  v[64] = { 0 }, e[256];
    size_t                   n = 0, k;
    char                     got[128];

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    tap_ok(obp_sessinfo_take(&a, v, 0) == OBP_OK,
           "no client session: an empty value passes");
    a.home = b.home = &store;
    field(v, &n, 4, 2, 's');
    field(v, &n, 5, 1, 't');
    tap_ok(obp_sessinfo_take(&a, v, n) == OBP_OK && store != NULL,
           "two fields stored");
    tap_ok(obp_sessinfo_put(&a, true, e, sizeof(e)) == 0,
           "the server that sent them is sent nothing");
    k = obp_sessinfo_put(&b, true, e, sizeof(e));
    fields_of(e, k, true, got, sizeof(got));
    tap_is_str(got, "4=ss,5=t", "another server gets both, new format");
    tap_ok(obp_sessinfo_put(&b, true, e, sizeof(e)) == 0, "once");
    n = 0;
    field(v, &n, 4, 2, 'u');
    tap_ok(obp_sessinfo_take(&a, v, n) == OBP_OK, "a field updated");
    tap_ok(obp_sessinfo_put(&b, false, e, 10) == 0,
           "no room in the frame: nothing");
    k = obp_sessinfo_put(&b, false, e, sizeof(e));
    fields_of(e, k, false, got, sizeof(got));
    tap_is_str(got, "4=uu", "then the newer version only, old format");
    n = 0;
    field(v, &n, 7, 1, 'q');
    v[n++] = 1;                             /* a byte after the last */
    tap_ok(obp_sessinfo_take(&a, v, n) == OBP_ERROR && a.fault != NULL,
           "a trailing byte refuses the value");
    tap_ok(store->ver[7] == 0, "and nothing of it is stored");
    obp_sessinfo_free(store);
}

int
main(void)
{
    hostile();
    versions();
    return tap_done();
}
