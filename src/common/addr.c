/* addr.c - IPv4/IPv6 addresses held on their full width. */
#include "addr.h"

#include <arpa/inet.h>
#include <string.h>

void ws_addr_set4(ws_addr *a, const uint8_t bytes[4])
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    memcpy(a->b, bytes, 4);
}

void ws_addr_set6(ws_addr *a, const uint8_t bytes[16])
{
    a->family = 6;
    memcpy(a->b, bytes, 16);
}

bool ws_addr_eq(const ws_addr *x, const ws_addr *y)
{
    return x->family == y->family && memcmp(x->b, y->b, 16) == 0;
}

int ws_addr_cmp(const ws_addr *x, const ws_addr *y)
{
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    return memcmp(x->b, y->b, 16);
}

char *ws_addr_str(const ws_addr *a, char buf[WS_ADDR_STRLEN])
{
    if (a->family == 4)
        inet_ntop(AF_INET, a->b, buf, WS_ADDR_STRLEN);
    else if (a->family == 6)
        inet_ntop(AF_INET6, a->b, buf, WS_ADDR_STRLEN);
    else
        strcpy(buf, "?");
    return buf;
}

bool ws_addr_parse(const char *s, ws_addr *out)
{
    uint8_t tmp[16];
    if (inet_pton(AF_INET, s, tmp) == 1) {
        ws_addr_set4(out, tmp);
        return true;
    }
    if (inet_pton(AF_INET6, s, tmp) == 1) {
        ws_addr_set6(out, tmp);
        return true;
    }
    return false;
}
