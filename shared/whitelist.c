/*
 * White_list matching (whitelist.h): each entry is parsed as it is
 * compared, so a list needs no memory of its own.
 */
#include "obp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRY_MAX 64        /* "ffff:...:ffff/128" and then some */

/* An address in network order: 4 or 16 bytes. */
struct wl_addr {
    uint8_t  b[16];
    unsigned len;
};

static const uint8_t mapped_prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* ::ffff:a.b.c.d becomes a.b.c.d, with its prefix length. */
static void
unmap(struct wl_addr *a, unsigned *bits)
{
    if (a->len != 16 || memcmp(a->b, mapped_prefix, 12) != 0
        || (bits != NULL && *bits < 96))
        return;
    memmove(a->b, a->b + 12, 4);
    a->len = 4;
    if (bits != NULL)
        *bits -= 96;
}

/* "addr[/n]" of <n> bytes: OBP_OK with the address and its bits. */
static int
parse_entry(const char *s, size_t n, struct wl_addr *a, unsigned *bits)
{
    char  text[ENTRY_MAX], *slash, *end;
    long  v;

    if (n == 0 || n >= sizeof(text))
        return OBP_ERROR;
    memcpy(text, s, n);
    text[n] = '\0';
    slash = strchr(text, '/');
    if (slash != NULL)
        *slash = '\0';
    if (inet_pton(AF_INET, text, a->b) == 1)
        a->len = 4;
    else if (inet_pton(AF_INET6, text, a->b) == 1)
        a->len = 16;
    else
        return OBP_ERROR;
    *bits = a->len * 8;
    if (slash != NULL) {
        errno = 0;
        v = strtol(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0
            || v < 0 || v > (long)*bits)
            return OBP_ERROR;
        *bits = (unsigned)v;
    }
    unmap(a, bits);
    return OBP_OK;
}

/* The entry at *p (up to ',' or the end), blanks trimmed; moves *p on. */
static const char *
next_entry(const char **p, size_t *n)
{
    const char *s = *p, *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strcspn(s, ",");
    *p = *e == ',' ? e + 1 : e;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *n = (size_t)(e - s);
    return s;
}

int
obp_wl_check(const char *list, char *err, size_t errlen)
{
    const char    *p = list, *s;
    struct wl_addr a;
    unsigned       bits;
    size_t         n;

    while (*p != '\0') {
        s = next_entry(&p, &n);
        if (parse_entry(s, n, &a, &bits) != OBP_OK) {
            snprintf(err, errlen, "\"%.*s\" is not an IPv4 or IPv6 address "
                     "with an optional /prefix", (int)(n < 64 ? n : 64), s);
            return OBP_ERROR;
        }
    }
    return OBP_OK;
}

static bool
same_prefix(const struct wl_addr *a, const struct wl_addr *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    uint8_t  mask = (uint8_t)(0xff << (8 - rest));

    if (a->len != b->len || memcmp(a->b, b->b, whole) != 0)
        return false;
    return rest == 0 || ((a->b[whole] ^ b->b[whole]) & mask) == 0;
}

/* The client's address, IPv4 when it is a mapped one. */
static bool
client_addr(const struct sockaddr *sa, struct wl_addr *a)
{
    if (sa->sa_family == AF_INET) {
        memcpy(a->b, &((const struct sockaddr_in *)(const void *)sa)
               ->sin_addr, 4);
        a->len = 4;
    } else if (sa->sa_family == AF_INET6) {
        memcpy(a->b, &((const struct sockaddr_in6 *)(const void *)sa)
               ->sin6_addr, 16);
        a->len = 16;
        unmap(a, NULL);
    } else {
        return false;
    }
    return true;
}

static bool
allows_all(const struct wl_addr *e, unsigned bits)
{
    static const uint8_t zero[4];

    return e->len == 4 && bits == 32 && memcmp(e->b, zero, 4) == 0;
}

bool
obp_wl_allows(const char *list, const struct sockaddr *sa)
{
    const char    *p = list, *s;
    struct wl_addr c, e;
    unsigned       bits;
    size_t         n;

    if (!client_addr(sa, &c))
        return false;
    while (*p != '\0') {
        s = next_entry(&p, &n);
        if (parse_entry(s, n, &e, &bits) != OBP_OK)
            continue;
        if (allows_all(&e, bits) || same_prefix(&c, &e, bits))
            return true;
    }
    return false;
}
