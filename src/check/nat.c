/* nat.c - NAT between hosts a pack's no-nat constraint covers (Pexip
 * nodes), from the IKE SAs: NAT-D hashes that do not match the addresses
 * seen (RFC 7296 section 2.23, RFC 3947 section 3), NAT-T encapsulation on
 * UDP 4500 (RFC 3948), and one SA seen under two addresses. The inside
 * address is named by trying the site's node addresses against the hash
 * (DESIGN.md, finding kind nat-between-nodes). */
#include "check_int.h"

#include <stdio.h>
#include <string.h>

#define NAT_CANDIDATES 256

/* Listed single addresses of hosts with one of the constraint's roles. */
static size_t candidates(const ws_checker *c, const ws_constraint *k, ws_addr *out,
                         size_t max)
{
    const ws_site_host *hosts;
    size_t n = ws_site_hosts(c->site, &hosts), k2 = 0;
    for (size_t i = 0; i < n && k2 < max; i++)
        if (hosts[i].kind == WS_SITE_ADDR && ws_roleset_meets(&hosts[i].roles, &k->roles))
            out[k2++] = hosts[i].addr;
    return k2;
}

static void spi_hex(const uint8_t spi[WS_IKE_SPI_LEN], char out[2 * WS_IKE_SPI_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < WS_IKE_SPI_LEN; i++) {
        out[2 * i] = hex[spi[i] >> 4];
        out[2 * i + 1] = hex[spi[i] & 15];
    }
    out[2 * WS_IKE_SPI_LEN] = '\0';
}

/* Which address did the end's NAT-D hash stand for? */
static bool inside_address(const ws_checker *c, const ws_constraint *k,
                           const ws_ike_sa *sa, const ws_ike_side *s, ws_addr *inside)
{
    if (!s->hash_len)
        return false;
    ws_addr cand[NAT_CANDIDATES + 4];
    size_t n = candidates(c, k, cand, NAT_CANDIDATES);
    for (int e = 0; e < 2; e++) {
        cand[n++] = sa->side[e].addr;
        if (sa->side[e].other_seen)
            cand[n++] = sa->side[e].other_addr;
    }
    uint16_t port;
    int i = ws_ike_natd_find(s->hash_alg, s->hash_spi_i, s->hash_spi_r, s->hash, s->hash_len,
                             cand, n, NULL, 0, &port);
    if (i < 0 || ws_addr_eq(&cand[i], &s->observed))
        return false;
    *inside = cand[i];
    return true;
}

static void check_sa(ws_checker *c, const ws_constraint *k, const ws_ike_sa *sa,
                     const ws_host *h0, const ws_host *h1)
{
    ws_finding fd;
    memset(&fd, 0, sizeof(fd));
    fd.kind = WS_FIND_NAT;
    fd.constraint = k;
    fd.pack = k->pack;
    fd.src = *h0;
    fd.dst = *h1;
    fd.proto = 17;
    fd.has_ports = true;
    fd.sport = sa->side[0].port;
    fd.dport = sa->side[1].port;
    fd.count = 1;
    fd.first_us = sa->first_us;
    fd.last_us = sa->last_us;
    fd.app = "IKE";
    char spi[2 * WS_IKE_SPI_LEN + 1], why[400] = "";
    char in[WS_ADDR_STRLEN] = "", out[WS_ADDR_STRLEN] = "";
    char a0[WS_ADDR_STRLEN], a1[WS_ADDR_STRLEN];
    spi_hex(sa->spi_i, spi);
    ws_addr_str(&h0->addr, a0);
    ws_addr_str(&h1->addr, a1);
    static const char *const end_name[2] = {"initiator", "responder"};
    bool found = false;

    for (int e = 0; e < 2 && !found; e++) {
        const ws_ike_side *s = &sa->side[e];
        if (s->behind_nat != WS_IKE_NAT_YES)
            continue;
        /* A hash the end computed itself stands for the address it has
         * inside the NAT, and the packets show the outside one. A hash its
         * peer computed stands for the outside address the peer saw, and
         * the packets (captured inside) show the inside one. */
        ws_addr named;
        bool known = inside_address(c, k, sa, s, &named);
        ws_addr_str(&s->observed, s->hash_by_self ? out : in);
        if (known)
            ws_addr_str(&named, s->hash_by_self ? in : out);
        fd.severity = WS_SEV_HIGH;
        ws_finding_str(&fd, "method", "nat-d");
        ws_finding_str(&fd, "behind_nat", end_name[e]);
        if (!s->hash_by_self || known)
            ws_finding_str(&fd, "inside", in);
        if (s->hash_by_self || known)
            ws_finding_str(&fd, "outside", out);
        ws_finding_str(&fd, "hash", ws_digest_name(s->hash_alg));
        ws_finding_str(&fd, "hash_by", s->hash_by_self ? end_name[e] : end_name[1 - e]);
        if (known)
            snprintf(why, sizeof(why), "the %s is %s inside the NAT and %s outside it (its "
                     "NAT-D hash, computed by the %s, matches %s)", end_name[e], in, out,
                     s->hash_by_self ? end_name[e] : end_name[1 - e],
                     s->hash_by_self ? in : out);
        else
            snprintf(why, sizeof(why), "the %s's NAT-D hash does not match %s, the address "
                     "it was seen with, nor any listed node address", end_name[e],
                     s->hash_by_self ? out : in);
        found = true;
    }
    for (int e = 0; e < 2 && !found; e++) {
        const ws_ike_side *s = &sa->side[e];
        if (s->other_seen) {
            fd.severity = WS_SEV_HIGH;
            ws_addr inside;
            ws_finding_str(&fd, "method", "same-spi-two-addresses");
            ws_finding_str(&fd, "behind_nat", end_name[e]);
            ws_addr_str(&s->addr, in);
            ws_addr_str(&s->other_addr, out);
            if (inside_address(c, k, sa, s, &inside) && ws_addr_eq(&inside, &s->other_addr)) {
                char t[WS_ADDR_STRLEN];
                memcpy(t, in, sizeof(t));
                memcpy(in, out, sizeof(in));
                memcpy(out, t, sizeof(out));
            }
            ws_finding_str(&fd, "address_1", in);
            ws_finding_str(&fd, "address_2", out);
            snprintf(why, sizeof(why), "the same IKE SA (SPI %s) shows its %s as %s and as %s",
                     spi, end_name[e], in, out);
            found = true;
        }
    }
    if (!found && (sa->moved_4500 || sa->side[0].esp_in_udp || sa->side[1].esp_in_udp)) {
        fd.severity = WS_SEV_MEDIUM;
        ws_finding_str(&fd, "method", "nat-t-encapsulation");
        ws_finding_num(&fd, "esp_in_udp", (int64_t)(sa->side[0].esp_in_udp +
                                                     sa->side[1].esp_in_udp));
        snprintf(why, sizeof(why), "IKE moved to UDP 4500%s, which peers do when they "
                 "detect a NAT between them", sa->side[0].esp_in_udp || sa->side[1].esp_in_udp
                                                      ? " and ESP is carried in UDP" : "");
        found = true;
    }
    if (!found)
        return;
    ws_finding_str(&fd, "ike_spi_i", spi);
    ws_finding_num(&fd, "ike_version", sa->version);
    char src[256];
    ws_finding_message(&fd, "NAT between %s and %s: %s; constraint %s forbids it: %s (%s).", a0, a1, why,
             k->id, k->description, ws_source_text(&k->source, src, sizeof(src)));
    ws_findings_add(c->findings, &fd);
}

void ws_check_nat(ws_checker *c, const ws_ike_sa *sas, size_t n_sas)
{
    const ws_pack *const *packs;
    size_t np = ws_ruleset_packs(c->rs, &packs);
    for (size_t i = 0; i < n_sas; i++) {
        const ws_ike_sa *sa = &sas[i];
        ws_host h0, h1;
        ws_checker_host(c, &sa->side[0].addr, &h0);
        ws_checker_host(c, &sa->side[1].addr, &h1);
        for (size_t p = 0; p < np; p++)
            for (size_t j = 0; j < packs[p]->n_constraints; j++) {
                const ws_constraint *k = &packs[p]->constraints[j];
                if (k->kind != WS_CONSTRAINT_NO_NAT)
                    continue;
                /* a node runs IKE only with other nodes: one listed end
                 * is enough (the other may be a NAT's outside address) */
                bool in0 = h0.entry && ws_roleset_meets(h0.roles, &k->roles);
                bool in1 = h1.entry && ws_roleset_meets(h1.roles, &k->roles);
                if (in0 || in1)
                    check_sa(c, k, sa, &h0, &h1);
            }
    }
}
