/*
 * http:// and https:// URLs, as obproxy_config_server_url and the config
 * server's own answers give them: http[s]://host[:port][/path][?query].
 * Refused: user information, a host that is not a name, an IPv4 address
 * or a bracketed IPv6 one, and bytes a request line cannot carry.  Used
 * by the parameter's check (obproxy -t) and the monitor's fetches.
 */
#ifndef OBP_SHARED_URL_H
#define OBP_SHARED_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_URL_HOST_MAX    256
#define OBP_URL_TARGET_MAX  2048

struct obp_url {
    char     host[OBP_URL_HOST_MAX];        /* without the brackets */
    uint16_t port;                          /* 80 (https: 443) unless
                                               given */
    bool     tls;                           /* https */
    char     target[OBP_URL_TARGET_MAX];    /* path and query, "/" at
                                               least; no fragment */
};

/* Parses <text>: OBP_OK, or OBP_ERROR with a phrase in <err>. */
int obp_url_parse(const char *text, struct obp_url *out, char *err,
                  size_t errlen);

#endif
