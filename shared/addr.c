/*
 * Numeric server addresses (addr.h): "a.b.c.d:port" and "[v6]:port", and
 * lists of them.  Used by the parameter setters for rootservice_list and
 * by the worker to name peers; nothing here resolves names.
 */
#include "obp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define ADDR_INPUT_MAX 128      /* longer input cannot be an address */

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copies <s>[0..len) without surrounding blanks; false when too long. */
static bool
trim_copy(char *dst, size_t cap, const char *s, size_t len)
{
    while (len > 0 && is_blank(*s)) {
        s++;
        len--;
    }
    while (len > 0 && is_blank(s[len - 1]))
        len--;
    if (len >= cap)
        return false;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

/* 1..65535, decimal digits only; -1 for no digits, 0 when out of range. */
static long
parse_port(const char *p)
{
    long v = 0;

    if (*p == '\0')
        return -1;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return -2;
        v = v * 10 + (*p - '0');
        if (v > 65535)
            return 0;
    }
    return v;
}

/* Splits <s> (modified) into host and port text; NULL port when none. */
static int
split_host_port(char *s, char **host, char **port, int *family)
{
    char *colon;

    if (s[0] == '[') {
        char *rb = strchr(s, ']');

        if (rb == NULL)
            return OBP_ERROR;
        *rb = '\0';
        *host = s + 1;
        *family = AF_INET6;
        *port = rb[1] == ':' ? rb + 2 : NULL;
        return rb[1] == ':' || rb[1] == '\0' ? OBP_OK : OBP_ERROR;
    }
    colon = strrchr(s, ':');
    *host = s;
    *family = AF_INET;
    *port = NULL;
    if (colon != NULL && memchr(s, ':', (size_t)(colon - s)) == NULL) {
        *colon = '\0';
        *port = colon + 1;
    } else if (colon != NULL) {
        *family = AF_INET6;     /* a bare IPv6 address: no port possible */
    }
    return OBP_OK;
}

static int
fill_sa(struct obp_addr *a, int family, const char *host, long port)
{
    struct sockaddr_in  *sin = (struct sockaddr_in *)&a->sa;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->sa;

    memset(a, 0, sizeof(*a));
    if (family == AF_INET) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        a->salen = sizeof(*sin);
        return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? OBP_OK
                                                             : OBP_ERROR;
    }
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    a->salen = sizeof(*sin6);
    return inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1 ? OBP_OK
                                                            : OBP_ERROR;
}

int
obp_addr_parse(struct obp_addr *a, const char *s, char *err, size_t errlen)
{
    char            text[ADDR_INPUT_MAX], work[ADDR_INPUT_MAX];
    char           *host, *port;
    int             family;
    long            pnum;
    struct obp_addr tmp;

    if (!trim_copy(text, sizeof(text), s, strlen(s))) {
        snprintf(err, errlen, "\"%.32s...\" is not an IP address", s);
        return OBP_ERROR;
    }
    memcpy(work, text, sizeof(work));
    if (split_host_port(work, &host, &port, &family) == OBP_ERROR
        || fill_sa(&tmp, family, host, 0) == OBP_ERROR) {
        snprintf(err, errlen, "\"%s\" is not an IP address", text);
        return OBP_ERROR;
    }
    pnum = port == NULL ? -1 : parse_port(port);
    if (pnum == -1) {
        snprintf(err, errlen, "\"%s\" has no port%s", text,
                 family == AF_INET6 && text[0] != '[' ? " (write [ipv6]:port)"
                                                       : "");
        return OBP_ERROR;
    }
    if (pnum == -2) {
        snprintf(err, errlen, "\"%s\" has a port that is not a number", text);
        return OBP_ERROR;
    }
    if (pnum == 0) {
        snprintf(err, errlen,
                 "\"%s\" has a port out of range [1, 65535]", text);
        return OBP_ERROR;
    }
    (void)fill_sa(&tmp, family, host, pnum);
    obp_addr_from_sa(a, (struct sockaddr *)&tmp.sa, tmp.salen);
    return OBP_OK;
}

void
obp_addr_from_sa(struct obp_addr *a, const struct sockaddr *sa,
                 socklen_t salen)
{
    char ip[INET6_ADDRSTRLEN];

    memset(a, 0, sizeof(*a));
    if (salen > sizeof(a->sa))
        salen = sizeof(a->sa);
    memcpy(&a->sa, sa, salen);
    a->salen = salen;
    if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->sa;

        if (inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)) != NULL) {
            snprintf(a->text, sizeof(a->text), "%s:%u", ip,
                     (unsigned)ntohs(sin->sin_port));
            return;
        }
    } else if (sa->sa_family == AF_INET6
               && salen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 =
            (const struct sockaddr_in6 *)&a->sa;

        if (inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip)) != NULL) {
            snprintf(a->text, sizeof(a->text), "[%s]:%u", ip,
                     (unsigned)ntohs(sin6->sin6_port));
            return;
        }
    }
    obp_strlcpy(a->text, "unknown", sizeof(a->text));
}

int
obp_addr_parse_list(const char *list, struct obp_addr *out, int max,
                    char *err, size_t errlen)
{
    char        item[ADDR_INPUT_MAX];
    const char *p = list;
    int         n = 0;

    while (p != NULL && *p != '\0') {
        size_t len = strcspn(p, ";,");

        if (!trim_copy(item, sizeof(item), p, len)) {
            snprintf(err, errlen, "\"%.32s...\" is not an IP address", p);
            return OBP_ERROR;
        }
        p += len + (p[len] != '\0');
        if (item[0] == '\0')
            continue;           /* "a;;b" and a trailing ';' are fine */
        if (n == max) {
            snprintf(err, errlen, "more than %d servers", max);
            return OBP_ERROR;
        }
        if (obp_addr_parse(&out[n], item, err, errlen) == OBP_ERROR)
            return OBP_ERROR;
        n++;
    }
    return n;
}

/* IPv4 <ip> (host order) is loopback or private. */
static bool
private_v4(uint32_t ip)
{
    return (ip >> 24) == 127 || (ip >> 24) == 10
           || (ip >> 20) == ((172u << 4) | 1)       /* 172.16.0.0/12 */
           || (ip >> 16) == ((192u << 8) | 168)     /* 192.168.0.0/16 */
           || (ip >> 16) == ((169u << 8) | 254);    /* link local */
}

bool
obp_addr_private(const struct obp_addr *a)
{
    const struct sockaddr_in  *v4 = (const struct sockaddr_in *)&a->sa;
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->sa;
    const uint8_t             *b = v6->sin6_addr.s6_addr;

    if (a->sa.ss_family == AF_INET)
        return private_v4(ntohl(v4->sin_addr.s_addr));
    if (a->sa.ss_family != AF_INET6)
        return false;
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr))
        return private_v4((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16
                          | (uint32_t)b[14] << 8 | b[15]);
    return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)
           || (b[0] & 0xfe) == 0xfc                 /* fc00::/7 */
           || IN6_IS_ADDR_LINKLOCAL(&v6->sin6_addr);
}
