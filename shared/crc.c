/*
 * CRC-16/ARC and OceanBase's CRC-32C (crc.h).  The tables are built on
 * first use from the polynomials rather than written out, so there is
 * nothing to mistype; a worker builds them before its first frame.
 */
#include "obp.h"

#include "crc.h"

#include <stdbool.h>

#define CRC16_POLY  0xA001u         /* 0x8005 reflected */
#define CRC32C_POLY 0x82F63B78u     /* 0x1EDC6F41 reflected */

static uint16_t crc16_table[256];
static uint32_t crc32c_table[256];
static bool     tables_built;

static void
build_tables(void)
{
    uint32_t i, k, a, b;

    for (i = 0; i < 256; i++) {
        a = i;
        b = i;
        for (k = 0; k < 8; k++) {
            a = (a >> 1) ^ (CRC16_POLY & (0u - (a & 1u)));
            b = (b >> 1) ^ (CRC32C_POLY & (0u - (b & 1u)));
        }
        crc16_table[i] = (uint16_t)a;
        crc32c_table[i] = b;
    }
    tables_built = true;
}

uint16_t
obp_crc16(uint16_t crc, const uint8_t *p, size_t len)
{
    size_t i;

    if (!tables_built)
        build_tables();
    for (i = 0; i < len; i++)
        crc = (uint16_t)((crc >> 8) ^ crc16_table[(crc ^ p[i]) & 0xffu]);
    return crc;
}

uint32_t
obp_crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
    size_t i;

    if (!tables_built)
        build_tables();
    for (i = 0; i < len; i++)
        crc = (crc >> 8) ^ crc32c_table[(crc ^ p[i]) & 0xffu];
    return crc;
}
