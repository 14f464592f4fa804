/*
 * ob_client_reroute_info's value read (worker/reroute.c) from bytes
 * built by hand as OceanBase serializes ObFeedbackRerouteInfo: the
 * struct's length, then address version, IPv4 address (a signed 32-bit
 * value widened to 64 bits, so 192.168.x.x comes sign-extended), port,
 * role, replica type, table name and schema version, each a MySQL
 * length-encoded integer or string.  IPv6, a truncated value, a length
 * beyond the bytes and a port out of range are refused.
 */
#include "worker.h"

#include <string.h>

#include "tap.h"

static const uint8_t loopback[] = {
    18, 4, 0xfe, 0x01, 0x00, 0x00, 0x7f, 0, 0, 0, 0, 0xfc, 0x41, 0x0b,
    1, 0, 1, 't', 1
};

static const uint8_t negative[] = {
    18, 4, 0xfe, 0x02, 0x01, 0xa8, 0xc0, 0xff, 0xff, 0xff, 0xff, 0xfc,
    0x41, 0x0b, 1, 0, 1, 't', 1
};

static const uint8_t ipv6[] = { 4, 6, 1, 2, 3 };
static const uint8_t beyond[] = { 30, 4, 1, 2 };
static const uint8_t short_one[] = { 3, 4, 0xfe, 1 };
static const uint8_t no_port[] = { 4, 4, 1, 0, 1 };

static void
check(const uint8_t *v, size_t len, int rc, const char *want,
      const char *name)
{
    char addr[OBP_REROUTE_ADDR] = "";

    tap_ok(obp_reroute_info_addr(v, len, addr) == rc
           && (want == NULL || strcmp(addr, want) == 0), name);
}

int
main(void)
{
    check(loopback, sizeof(loopback), OBP_OK, "127.0.0.1:2881",
          "127.0.0.1, port 2881");
    check(negative, sizeof(negative), OBP_OK, "192.168.1.2:2881",
          "a sign-extended address keeps its low 32 bits");
    check(ipv6, sizeof(ipv6), OBP_ERROR, NULL, "IPv6 refused");
    check(beyond, sizeof(beyond), OBP_ERROR, NULL,
          "a length beyond the value refused");
    check(short_one, sizeof(short_one), OBP_ERROR, NULL,
          "a truncated value refused");
    check(no_port, sizeof(no_port), OBP_ERROR, NULL, "port 0 refused");
    check(loopback, 0, OBP_ERROR, NULL, "an empty value refused");
    return tap_done();
}
